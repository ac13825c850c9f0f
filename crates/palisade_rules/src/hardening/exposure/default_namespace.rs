//! HRD065: objects placed explicitly in the `default` namespace.

use super::common::meta_path;
use palisade_core::GroupKind;
use palisade_core::{Check, Hit, ObjCtx, Reference};

declare_rule! {
    /// ## What it does
    /// Flags objects whose `metadata.namespace` is explicitly `default`, for these
    /// namespaced kinds: Pod, ReplicationController, PodTemplate, Deployment, ReplicaSet,
    /// DaemonSet, StatefulSet (`apps` and legacy `extensions`), Job, CronJob, Service,
    /// ConfigMap, Secret, ServiceAccount, PersistentVolumeClaim, Role, RoleBinding and
    /// Ingress.
    ///
    /// Not flagged:
    /// * objects without `metadata.namespace`: they land in whatever namespace `kubectl -n`,
    ///   the kubeconfig context, Helm's `--namespace` or a Kustomization chooses at apply
    ///   time, which the manifest cannot tell;
    /// * cluster-scoped kinds (Namespace, ClusterRole, ...), which have no namespace;
    /// * objects that protect the namespace rather than use it (NetworkPolicy, LimitRange,
    ///   ResourceQuota): a default-deny NetworkPolicy in `default` is a good thing;
    /// * the API server's own `kubernetes` Service.
    ///
    /// ## Why is this bad?
    /// `default` is the namespace everybody can reach and nobody owns: it is where
    /// `kubectl` puts anything without a namespace, where broad RoleBindings and
    /// forgotten test pods accumulate, and it rarely carries Pod Security labels,
    /// NetworkPolicies or quotas. A workload there shares its Secrets, ServiceAccounts and
    /// network with every other careless deployment, so whoever can run a pod in `default`
    /// can mount its Secrets or use its ServiceAccount token (MITRE ATT&CK T1552.007
    /// "Unsecured Credentials: Container API") and reach it without a NetworkPolicy in the
    /// way.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: apps/v1
    /// kind: Deployment
    /// metadata:
    ///   name: billing
    ///   namespace: default
    /// ```
    ///
    /// ## Fix
    /// ```yaml
    /// apiVersion: apps/v1
    /// kind: Deployment
    /// metadata:
    ///   name: billing
    ///   namespace: billing
    /// ```
    /// Give each application a namespace of its own, with its own RBAC, NetworkPolicies and
    /// Pod Security labels.
    pub static DEFAULT_NAMESPACE = {
        code: "HRD065",
        name: "default-namespace",
        severity: Low,
        group: "hardening",
        summary: "Object is placed in the default namespace",
        remediation: "Move the object to a dedicated namespace with its own RBAC, NetworkPolicies and Pod Security \
                      labels.",
        references: [
            Reference::Cis("5.6.4"),
            Reference::Nsa("Pod security: keep workloads out of kube-system and default"),
            Reference::Mitre("T1552.007"),
            Reference::Checkov("CKV_K8S_21"),
        ],
        check: Check::Object { kinds: KINDS, check },
    }
}

/// The namespaced kinds that use a namespace (as opposed to governing it).
const KINDS: &[GroupKind] = &[
    GroupKind::new("", "Pod"),
    GroupKind::new("", "ReplicationController"),
    GroupKind::new("", "PodTemplate"),
    GroupKind::new("", "Service"),
    GroupKind::new("", "ConfigMap"),
    GroupKind::new("", "Secret"),
    GroupKind::new("", "ServiceAccount"),
    GroupKind::new("", "PersistentVolumeClaim"),
    GroupKind::new("apps", "Deployment"),
    GroupKind::new("apps", "ReplicaSet"),
    GroupKind::new("apps", "DaemonSet"),
    GroupKind::new("apps", "StatefulSet"),
    GroupKind::new("extensions", "Deployment"),
    GroupKind::new("extensions", "ReplicaSet"),
    GroupKind::new("extensions", "DaemonSet"),
    GroupKind::new("batch", "Job"),
    GroupKind::new("batch", "CronJob"),
    GroupKind::new("rbac.authorization.k8s.io", "Role"),
    GroupKind::new("rbac.authorization.k8s.io", "RoleBinding"),
    GroupKind::new("networking.k8s.io", "Ingress"),
    GroupKind::new("extensions", "Ingress"),
];

fn check(ctx: &ObjCtx<'_>, hits: &mut Vec<Hit>) {
    let obj = ctx.obj;
    if obj.namespace.as_deref() != Some("default") {
        return;
    }
    if obj.kind == "Service" && obj.name == "kubernetes" {
        return;
    }
    hits.push(Hit::new(
        meta_path(&["namespace"]),
        format!("{} {:?} is placed in the default namespace", obj.kind, obj.name),
    ));
}
