//! palisade's RBAC analysis: the model of Roles, ClusterRoles, bindings and ServiceAccounts
//! (with the default objects of a real cluster compiled in and ClusterRole aggregation
//! computed), an authorizer that answers exactly like Kubernetes' RBAC authorizer (can-i,
//! who-can), effective permissions, the risky-permission catalogue and escalation paths.
//! Pure functions of loaded objects: no I/O, no output formatting.

pub mod answer;
pub mod eval;
pub mod model;
pub mod node;
pub mod paths;
pub mod perms;
pub mod resources;
pub mod risk;

pub use eval::{parse_service_account, rule_allows, Decision, Grant, Request, User, SUPER_USER_GROUP};
pub use model::{
    default_objects, is_rbac_object, Aggregation, Binding, BindingKind, Model, ModelOptions, PolicyRule,
    Problem, Role, RoleKind, RuleOrigin, ServiceAccount, Subject, KINDS, READS, READS_WITH_WORKLOADS,
};
pub use perms::{access_list, compact, covers, ScopePermissions};
pub use resources::{Resolved, Resources};
pub use risk::{
    is_cluster_admin_rule, rule_risks, wildcards, HeldRisk, Risk, RiskIndex, RiskKind, RiskMatch, RISKS,
};
