//! What a rule reads: API group + kind pairs, and the pseudo-kind "every object that carries a
//! pod template". The engine keeps, and a live-cluster source lists, exactly the union of what
//! the selected rules read — no list outside the rules decides what a rule sees.

use crate::object::Object;
use std::fmt;

/// An API group and kind (`""` is the core group): `GroupKind::new("apps", "Deployment")`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct GroupKind {
    pub group: &'static str,
    pub kind: &'static str,
}

impl GroupKind {
    pub const fn new(group: &'static str, kind: &'static str) -> GroupKind {
        GroupKind { group, kind }
    }
    /// A kind of the core group (`v1`).
    pub const fn core(kind: &'static str) -> GroupKind {
        GroupKind { group: "", kind }
    }
    /// Whether `obj` is of this group and kind.
    pub fn matches(&self, obj: &Object) -> bool {
        self.kind == obj.kind && self.group == obj.group()
    }
}

impl fmt::Display for GroupKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.group.is_empty() {
            f.write_str(self.kind)
        } else {
            write!(f, "{}.{}", self.kind, self.group)
        }
    }
}

/// Well-known kinds, named once.
pub mod known {
    use super::GroupKind;
    pub const NAMESPACE: GroupKind = GroupKind::core("Namespace");
    pub const SERVICE_ACCOUNT: GroupKind = GroupKind::core("ServiceAccount");
    pub const SERVICE: GroupKind = GroupKind::core("Service");
    pub const SECRET: GroupKind = GroupKind::core("Secret");
    pub const CONFIG_MAP: GroupKind = GroupKind::core("ConfigMap");
    pub const POD: GroupKind = GroupKind::core("Pod");
    pub const ROLE: GroupKind = GroupKind::new("rbac.authorization.k8s.io", "Role");
    pub const CLUSTER_ROLE: GroupKind = GroupKind::new("rbac.authorization.k8s.io", "ClusterRole");
    pub const ROLE_BINDING: GroupKind = GroupKind::new("rbac.authorization.k8s.io", "RoleBinding");
    pub const CLUSTER_ROLE_BINDING: GroupKind =
        GroupKind::new("rbac.authorization.k8s.io", "ClusterRoleBinding");
    pub const NETWORK_POLICY: GroupKind = GroupKind::new("networking.k8s.io", "NetworkPolicy");
    pub const INGRESS: GroupKind = GroupKind::new("networking.k8s.io", "Ingress");
    pub const INGRESS_EXTENSIONS: GroupKind = GroupKind::new("extensions", "Ingress");
    pub const VALIDATING_WEBHOOK_CONFIGURATION: GroupKind =
        GroupKind::new("admissionregistration.k8s.io", "ValidatingWebhookConfiguration");
    pub const MUTATING_WEBHOOK_CONFIGURATION: GroupKind =
        GroupKind::new("admissionregistration.k8s.io", "MutatingWebhookConfiguration");
}

/// What one check (or analysis) reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Reads {
    /// These kinds.
    pub kinds: &'static [GroupKind],
    /// And every object that carries a pod template (Pods, the built-in controllers, custom
    /// resources that embed a PodTemplateSpec or PodSpec).
    pub pod_templates: bool,
}

impl Reads {
    pub const NOTHING: Reads = Reads {
        kinds: &[],
        pod_templates: false,
    };
    pub const fn kinds(kinds: &'static [GroupKind]) -> Reads {
        Reads {
            kinds,
            pod_templates: false,
        }
    }
    /// Objects with pod templates, and `kinds`.
    pub const fn pod_templates_and(kinds: &'static [GroupKind]) -> Reads {
        Reads {
            kinds,
            pod_templates: true,
        }
    }
}

/// The union of what several checks read: the engine keeps, and sources fetch, this set.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct KindSet {
    kinds: Vec<GroupKind>,
    pod_templates: bool,
}

impl KindSet {
    pub fn add(&mut self, reads: Reads) {
        for k in reads.kinds {
            if !self.kinds.contains(k) {
                self.kinds.push(*k);
            }
        }
        self.kinds.sort();
        self.pod_templates |= reads.pod_templates;
    }
    pub fn with(mut self, reads: Reads) -> KindSet {
        self.add(reads);
        self
    }
    /// Whether objects carrying pod templates are read.
    pub fn pod_templates(&self) -> bool {
        self.pod_templates
    }
    /// The named kinds, sorted.
    pub fn kinds(&self) -> &[GroupKind] {
        &self.kinds
    }
    pub fn contains(&self, group: &str, kind: &str) -> bool {
        self.kinds.iter().any(|k| k.group == group && k.kind == kind)
    }
    /// Whether an object is wanted: of a named kind, or carrying a pod template when those
    /// are read (the object's templates are searched for once and cached).
    pub fn wants(&self, obj: &Object) -> bool {
        self.contains(obj.group(), &obj.kind) || (self.pod_templates && obj.has_pod_templates())
    }
    pub fn is_empty(&self) -> bool {
        self.kinds.is_empty() && !self.pod_templates
    }
}
