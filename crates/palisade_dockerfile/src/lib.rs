//! palisade's Dockerfile front end: the model with exact positions (`model`), BuildKit's word
//! processing and variable substitution (`expand`). Pure: no I/O, no output formatting; the
//! rules read the model, the CLI does the reading of files.

pub mod expand;
pub mod model;

pub use expand::{expand, expand_with_escape};
pub use model::*;
