//! Workload hardening rules: what runs in each container of a pod template (images,
//! resources, security contexts, probes, host access).

use palisade_core::RuleMeta;

pub mod image_latest_tag;

/// This group's rules, in code order (HRD001–HRD039).
pub static RULES: &[&RuleMeta] = &[&image_latest_tag::IMAGE_LATEST_TAG];
