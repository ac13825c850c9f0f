//! Identity and secrets rules: service-account tokens in pods, the default ServiceAccount,
//! legacy token Secrets, secret values in manifests and environment variables.

use palisade_core::RuleMeta;

/// This group's rules, in code order (HRD040–HRD059).
pub static RULES: &[&RuleMeta] = &[];
