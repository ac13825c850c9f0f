//! palisade's Dockerfile front end: the model with exact positions (`model`), the
//! BuildKit-compatible parser (`parse`), BuildKit's word processing and variable substitution
//! (`expand`), RUN scripts flattened into simple commands through brush-parser (`shell`), the
//! rules (`rules`, one file per rule) and the lint engine that runs them (`lint`). Pure: no
//! I/O, no output formatting; the rules read the model, the CLI reads the files.

pub mod expand;
pub mod lint;
pub mod model;
pub mod parse;
pub mod rules;
pub mod shell;

pub use expand::{expand, expand_with_escape};
pub use model::*;
pub use parse::parse;
