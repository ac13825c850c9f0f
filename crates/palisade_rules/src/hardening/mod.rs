//! Hardening rules beyond the Pod Security Standards (CIS Kubernetes Benchmark section 5,
//! NSA/CISA Kubernetes Hardening Guidance), grouped by what they look at. Helpers shared by
//! several rules live in `util`.

pub mod exposure;
pub mod identity;
pub mod util;
pub mod workloads;
