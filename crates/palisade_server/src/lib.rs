//! palisade's admission webhook as a library: the scan engine answering `admission.k8s.io/v1`
//! AdmissionReviews. Sources, rules and findings are the engine's; this crate owns the wire
//! format, the per-namespace enforce/warn/audit decision, the defaults the mutating webhook
//! adds, the HTTP router (testable without a socket) and serving it.

pub mod audit;
pub mod decide;
pub mod metrics;
pub mod mutate;
pub mod policy;
pub mod review;
pub mod router;
pub mod serve;
pub mod tls;
pub mod webhook_config;
