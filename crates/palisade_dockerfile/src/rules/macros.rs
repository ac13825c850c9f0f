//! `declare_dockerfile_rule!`: a Dockerfile rule's doc comments and metadata made into a
//! `RuleMeta` static (the same shape as the manifest rules' `declare_rule!`, so `palisade
//! explain` and `palisade rules` print them alike) and the [`super::DockerfileRule`] that runs
//! it. Only metadata and wiring; the checks live in the rule files.

macro_rules! declare_dockerfile_rule {
    (
        $(#[doc = $doc:literal])*
        pub static $ident:ident = {
            code: $code:literal,
            name: $name:literal,
            severity: $sev:ident,
            summary: $summary:literal,
            remediation: $remediation:literal,
            references: [$($reference:expr),* $(,)?],
            $(requires_option: $requires:literal,)?
            check: $check:expr $(,)?
        }
    ) => {
        pub static META: palisade_core::RuleMeta = palisade_core::RuleMeta {
            code: $code,
            name: $name,
            severity: palisade_core::Severity::$sev,
            group: "dockerfile",
            summary: $summary,
            remediation: $remediation,
            docs: concat!($($doc, "\n"),*),
            references: &[$($reference),*],
            requires_option: declare_dockerfile_rule!(@option $($requires)?),
            // Decided on one Dockerfile alone.
            scope: palisade_core::Scope::Object,
            // Not a manifest check: the scan engine never runs it; `crate::lint` does.
            check: palisade_core::Check::Engine,
        };
        pub static $ident: $crate::rules::DockerfileRule = $crate::rules::DockerfileRule {
            meta: &META,
            check: $check,
        };
    };
    (@option) => { None };
    (@option $requires:literal) => { Some($requires) };
}
