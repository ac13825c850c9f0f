//! palisade's audit-log analysis.
//!
//! * [`event`]: the audit event, decoded without copying.
//! * [`decode`]: one JSON text into events (`Event`, `EventList`, arrays, cloud wrappers).
//! * [`read`]: files, directories, gzip and stdin, streamed line by line with located errors.
//! * [`dedup`]: one event per request (the stages of one `auditID` joined).
//! * [`filter`]: the filters every question takes.
//! * [`query`]: the questions (`who`, `timeline`) and their rows.
//! * [`rbacgen`]: RBAC from use: the minimal roles for what a subject did.
//! * [`policy`]: the Audit Policy: loading, validation, evaluation, lint, log replay.
//! * [`detect`]: the detection rules (`AUD001`…) and the stateful engine that runs them.
//!
//! No I/O outside [`read`]; everything else is a pure function of events.

mod cloud;
mod de;
pub mod decode;
pub mod dedup;
pub mod detect;
pub mod event;
pub mod filter;
pub mod policy;
pub mod query;
pub mod rbacgen;
pub mod read;

pub use event::{Event, Level, Loc, ObjectRef, Stage, Status, UserInfo};
