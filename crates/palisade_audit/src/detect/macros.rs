//! `declare_audit_rule!`: a detection rule's doc comments and metadata made into a
//! `RuleMeta` static (the same shape as the manifest rules' `declare_rule!`, so `palisade
//! explain` and `palisade rules` print them alike) and the [`super::AuditRule`] that runs it.

macro_rules! declare_audit_rule {
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
            group: "audit",
            summary: $summary,
            remediation: $remediation,
            docs: concat!($($doc, "\n"),*),
            references: &[$($reference),*],
            requires_option: declare_audit_rule!(@option $($requires)?),
            // Decided on one audit event (and what the engine remembers of the stream).
            scope: palisade_core::Scope::Object,
            // Not a manifest check: the scan engine never runs it.
            check: palisade_core::Check::Engine,
        };
        pub static $ident: $crate::detect::AuditRule = $crate::detect::AuditRule {
            meta: &META,
            check: $check,
        };
    };
    (@option) => { None };
    (@option $requires:literal) => { Some($requires) };
}
