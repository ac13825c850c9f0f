//! palisade's Dockerfile front end: the model with exact positions (`model`), BuildKit's word
//! processing and variable substitution (`expand`), the rules (`rules`, one file per rule) and the lint engine
//! that runs them (`lint`). Pure: no I/O, no output formatting; the
//! rules read the model, the CLI does the reading of files.

pub mod expand;
pub mod lint;
pub mod model;
pub mod rules;

pub use expand::{expand, expand_with_escape};
pub use model::*;
