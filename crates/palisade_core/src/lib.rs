//! palisade's shared data model. Types and pure helpers only: no I/O, no parsing of files,
//! no rule logic, no output formatting.

pub mod check;
pub mod finding;
pub mod node;
pub mod object;
pub mod path;
pub mod report;
pub mod rule;
pub mod selector;
pub mod template;

pub use check::{
    AnalysisCache, AnalysisSettings, Check, Hit, InvCtx, InvHit, Inventory, ObjCtx, PodCtx, RuleOptions,
};
pub use finding::{Finding, Location, ObjectRef, PssContext, Severity, Suppression};
pub use node::{Entry, Node, Pos, Value};
pub use object::{Object, Origin};
pub use path::{FieldPath, Seg};
pub use report::{
    AdmissionVerdict, DiagLevel, Diagnostic, NamespacePolicy, Report, ScannedObject, Stats,
    REPORT_SCHEMA_VERSION,
};
pub use rule::{Reference, RuleMeta};
pub use selector::{labels_of, LabelSelector};
pub use template::{pod_templates, PodTemplate, TemplateKind};
