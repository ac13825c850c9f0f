//! Exposure, namespace and cluster-object rules: Services, Ingresses, host ports,
//! Namespaces, admission webhooks.

use palisade_core::RuleMeta;

pub mod service_nodeport;

/// This group's rules, in code order (HRD060–HRD089).
pub static RULES: &[&RuleMeta] = &[&service_nodeport::SERVICE_NODEPORT];
