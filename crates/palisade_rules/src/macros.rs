//! `declare_rule!`: turns a rule's doc comments and metadata into a `RuleMeta` static, so that
//! a rule's documentation lives beside its definition and is the text `palisade explain`
//! prints.

/// Declares a rule. The doc comment is the rule's Markdown documentation; its first line
/// (after `## What it does`) should say what the rule flags.
macro_rules! declare_rule {
    (
        $(#[doc = $doc:literal])*
        pub static $ident:ident = {
            code: $code:literal,
            name: $name:literal,
            severity: $sev:ident,
            group: $group:literal,
            summary: $summary:literal,
            remediation: $remediation:literal,
            references: [$($reference:expr),* $(,)?],
            $(requires_option: $requires:literal,)?
            $(scope: $scope:ident,)?
            check: $check:expr $(,)?
        }
    ) => {
        pub static $ident: palisade_core::RuleMeta = palisade_core::RuleMeta {
            code: $code,
            name: $name,
            severity: palisade_core::Severity::$sev,
            group: $group,
            summary: $summary,
            remediation: $remediation,
            docs: concat!($($doc, "\n"),*),
            references: &[$($reference),*],
            requires_option: declare_rule!(@option $($requires)?),
            scope: declare_rule!(@scope $($scope)?),
            check: $check,
        };
    };
    (@option) => { None };
    (@option $requires:literal) => { Some($requires) };
    (@scope) => { palisade_core::Scope::Object };
    (@scope $scope:ident) => { palisade_core::Scope::$scope };
}
