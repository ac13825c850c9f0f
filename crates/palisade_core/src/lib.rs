//! palisade's shared data model. Types and pure helpers only: no I/O, no parsing of files,
//! no rule logic, no output formatting.

/// `impl Display` for a type whose `as_str()` is its display form.
#[macro_export]
macro_rules! display_as_str {
    ($t:ty) => {
        impl ::std::fmt::Display for $t {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

pub mod check;
pub mod finding;
pub mod kinds;
pub mod msg;
pub mod node;
pub mod object;
pub mod path;
pub mod psa;
pub mod report;
pub mod rule;
pub mod selector;
pub mod source;
pub mod template;

pub use check::{
    AnalysisCache, AnalysisSettings, Check, Hit, InvCtx, InvHit, Inventory, Later, ObjCtx, PodCtx,
    RuleOptions,
};
pub use finding::{
    fingerprint, AdmissionAction, Finding, FingerprintParts, FingerprintPrefix, Location, ObjectRef,
    PssContext, PssMode, Severity, Suppression, SuppressionKind,
};
pub use kinds::{GroupKind, KindSet, Reads};
pub use msg::Msg;
pub use node::{edit_vec, Entry, Node, Pos, SmallStr, Value};
pub use object::{Object, Origin};
pub use path::{FieldPath, Key, Seg};
pub use report::{
    AdmissionVerdict, ConfigInfo, DiagLevel, Diagnostic, FindingSink, Hidden, NamespacePolicy, PssLatest,
    Report, ScannedObject, SeverityFilter, Stats, REPORT_SCHEMA_VERSION,
};
pub use rule::{Reference, RuleMeta, Scope};
pub use selector::{labels_of, LabelSelector, LabelSet, Labels};
pub use source::{Batch, Sink, Source};
pub use template::{pod_templates, PodTemplate, TemplateKind, TemplateSite};
