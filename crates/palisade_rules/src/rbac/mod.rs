//! RBAC rules: risky grants found by palisade_rbac's exact evaluator over the scanned Roles,
//! ClusterRoles and bindings (plus the default objects of every cluster), workloads whose
//! token holds them, and RBAC objects that are invalid or reference what does not exist.

use palisade_core::RuleMeta;

pub mod admission_control;
pub mod anonymous_binding;
pub mod binding_missing_reference;
pub mod cluster_admin_binding;
pub mod common;
pub mod csr_approve;
pub mod default_sa_bound;
pub mod escalate_bind;
pub mod impersonate;
pub mod invalid_object;
pub mod node_modify;
pub mod node_proxy;
pub mod persistent_volume_create;
pub mod pod_exec;
pub mod secrets_read;
pub mod token_create;
pub mod wildcard_rule;
pub mod workload_create;
pub mod workload_token_risky;

/// This group's rules, in code order.
pub static RULES: &[&RuleMeta] = &[
    &cluster_admin_binding::CLUSTER_ADMIN_BINDING,
    &anonymous_binding::ANONYMOUS_BINDING,
    &wildcard_rule::WILDCARD_RULE,
    &secrets_read::SECRETS_READ,
    &workload_create::WORKLOAD_CREATE,
    &pod_exec::POD_EXEC,
    &node_proxy::NODE_PROXY,
    &escalate_bind::ESCALATE_BIND,
    &impersonate::IMPERSONATE,
    &token_create::TOKEN_CREATE,
    &csr_approve::CSR_APPROVE,
    &admission_control::ADMISSION_CONTROL,
    &persistent_volume_create::PERSISTENT_VOLUME_CREATE,
    &node_modify::NODE_MODIFY,
    &workload_token_risky::WORKLOAD_TOKEN_RISKY,
    &default_sa_bound::DEFAULT_SA_BOUND,
    &binding_missing_reference::BINDING_MISSING_REFERENCE,
    &invalid_object::INVALID_OBJECT,
];
