//! Exposure, namespace and cluster-object rules: Services, Ingresses, host ports,
//! Namespaces, admission webhooks.

use palisade_core::RuleMeta;

pub mod common;
pub mod container_host_port;
pub mod default_namespace;
pub mod ingress_without_tls;
pub mod kube_system_workload;
pub mod namespace_pod_security_privileged;
pub mod namespace_without_pod_security;
pub mod service_external_ips;
pub mod service_loadbalancer_unrestricted;
pub mod service_nodeport;
pub mod webhook_fail_open;
pub mod webhook_matches_nothing;
pub mod webhook_object_selector_bypass;

/// This group's rules, in code order (HRD060–HRD089).
pub static RULES: &[&RuleMeta] = &[
    &service_nodeport::SERVICE_NODEPORT,
    &service_loadbalancer_unrestricted::SERVICE_LOADBALANCER_UNRESTRICTED,
    &service_external_ips::SERVICE_EXTERNAL_IPS,
    &ingress_without_tls::INGRESS_WITHOUT_TLS,
    &container_host_port::CONTAINER_HOST_PORT,
    &default_namespace::DEFAULT_NAMESPACE,
    &namespace_without_pod_security::NAMESPACE_WITHOUT_POD_SECURITY,
    &namespace_pod_security_privileged::NAMESPACE_POD_SECURITY_PRIVILEGED,
    &kube_system_workload::KUBE_SYSTEM_WORKLOAD,
    &webhook_fail_open::WEBHOOK_FAIL_OPEN,
    &webhook_object_selector_bypass::WEBHOOK_OBJECT_SELECTOR_BYPASS,
    &webhook_matches_nothing::WEBHOOK_MATCHES_NOTHING,
];
