//! palisade's sources: finding input files (files, directories, globs, stdin) and decoding
//! them into positioned Kubernetes objects. Owns all input I/O and parsing; knows nothing of
//! rules or output formats.

pub mod discover;
pub mod docs;
pub mod files;
pub mod kustomize;
pub mod load;
pub mod scalar;
pub mod validate;
pub mod yaml;

pub use discover::{discover, discover_dockerfiles, is_dockerfile_name, InputFile};
pub use files::{Bytes, Files};
pub use load::{is_skipped_document, load_bytes, load_input, Loaded, MAX_FILE_BYTES, SKIPPED_DOCUMENT};
pub use yaml::in_parser;
