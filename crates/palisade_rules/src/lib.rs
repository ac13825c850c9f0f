//! palisade's rule catalogue: every rule's stable code, name, severity, documentation and
//! references, one file per rule, and the single registry list. Rules here never read files,
//! print, or know about output formats.

#[macro_use]
mod macros;
pub mod concerns;
pub mod config;
pub mod hardening;
pub mod netpol;
pub mod pss;
pub mod rbac;
mod registry;

pub use registry::{all_rules, find_rule, pss_rule_for_check};
