//! palisade's audit-log analysis.
//!
//! * [`event`]: the audit event, decoded without copying.
//! * [`decode`]: one JSON text into events (`Event`, `EventList`, arrays, cloud wrappers).
//! * [`read`]: files, directories, gzip and stdin, streamed line by line with located errors.
//! * [`dedup`]: one event per request (the stages of one `auditID` joined).
//! * [`filter`]: the filters every question takes.
//! * [`query`]: the questions (`who`, `timeline`) and their rows.
//!
//! No I/O outside [`read`]; everything else is a pure function of events.

mod cloud;
mod de;
pub mod decode;
pub mod dedup;
pub mod event;
pub mod filter;
pub mod query;
pub mod read;

pub use event::{Event, Level, Loc, ObjectRef, Stage, Status, UserInfo};
