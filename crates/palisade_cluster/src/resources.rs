//! The resource types the cluster reader lists: the built-in ones palisade knows (in reading
//! order, owners before what they own), the custom resources whose CRDs carry pod templates,
//! and [`Wanted`], the caller's choice of kinds (by API group and kind) that decides which of
//! them are listed. Owns no I/O: the CRDs are handed in by the reader.

use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition;
use std::fmt;
use std::sync::Arc;

/// One resource type palisade reads.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ResourceType {
    pub group: String,
    pub version: String,
    pub plural: String,
    pub kind: String,
    pub namespaced: bool,
    /// Read metadata only (Secrets).
    pub metadata_only: bool,
    /// `fieldSelector` of the list, and the `type` every object it returns has (metadata-only
    /// lists carry no `type`; the selector tells it).
    pub field_selector: Option<(&'static str, Option<&'static str>)>,
}

impl ResourceType {
    pub fn new(group: &str, version: &str, plural: &str, kind: &str, namespaced: bool) -> ResourceType {
        ResourceType {
            group: group.into(),
            version: version.into(),
            plural: plural.into(),
            kind: kind.into(),
            namespaced,
            metadata_only: false,
            field_selector: None,
        }
    }
    pub fn api_version(&self) -> String {
        if self.group.is_empty() {
            self.version.clone()
        } else {
            format!("{}/{}", self.group, self.version)
        }
    }
    /// The collection path, in a namespace or across all of them.
    pub fn path(&self, namespace: Option<&str>) -> String {
        let base = if self.group.is_empty() {
            format!("/api/{}", self.version)
        } else {
            format!("/apis/{}/{}", self.group, self.version)
        };
        match namespace.filter(|_| self.namespaced) {
            Some(ns) => format!("{base}/namespaces/{ns}/{}", self.plural),
            None => format!("{base}/{}", self.plural),
        }
    }
    /// `deployments.apps` / `pods`.
    pub fn display(&self) -> String {
        if self.group.is_empty() {
            self.plural.clone()
        } else {
            format!("{}.{}", self.plural, self.group)
        }
    }
}

/// The built-in types palisade can read, in reading order (owners before what they own):
/// group, version, plural, kind, namespaced.
const BUILTIN: &[(&str, &str, &str, &str, bool)] = &[
    ("", "v1", "namespaces", "Namespace", false),
    ("apps", "v1", "deployments", "Deployment", true),
    ("apps", "v1", "statefulsets", "StatefulSet", true),
    ("apps", "v1", "daemonsets", "DaemonSet", true),
    ("apps", "v1", "replicasets", "ReplicaSet", true),
    ("batch", "v1", "cronjobs", "CronJob", true),
    ("batch", "v1", "jobs", "Job", true),
    ("", "v1", "replicationcontrollers", "ReplicationController", true),
    ("", "v1", "pods", "Pod", true),
    ("", "v1", "serviceaccounts", "ServiceAccount", true),
    ("", "v1", "secrets", "Secret", true),
    ("", "v1", "configmaps", "ConfigMap", true),
    ("", "v1", "services", "Service", true),
    ("networking.k8s.io", "v1", "ingresses", "Ingress", true),
    (
        "networking.k8s.io",
        "v1",
        "networkpolicies",
        "NetworkPolicy",
        true,
    ),
    ("rbac.authorization.k8s.io", "v1", "roles", "Role", true),
    (
        "rbac.authorization.k8s.io",
        "v1",
        "rolebindings",
        "RoleBinding",
        true,
    ),
    (
        "rbac.authorization.k8s.io",
        "v1",
        "clusterroles",
        "ClusterRole",
        false,
    ),
    (
        "rbac.authorization.k8s.io",
        "v1",
        "clusterrolebindings",
        "ClusterRoleBinding",
        false,
    ),
    (
        "admissionregistration.k8s.io",
        "v1",
        "validatingwebhookconfigurations",
        "ValidatingWebhookConfiguration",
        false,
    ),
    (
        "admissionregistration.k8s.io",
        "v1",
        "mutatingwebhookconfigurations",
        "MutatingWebhookConfiguration",
        false,
    ),
];

/// Every built-in kind the reader can list, as `(group, kind)` (the core group is `""`): the
/// default of [`Wanted::all`].
pub fn all_builtin() -> impl Iterator<Item = (&'static str, &'static str)> {
    BUILTIN.iter().map(|&(g, _, _, k, _)| (g, k))
}

/// The built-in resource types palisade reads, in reading order (owners before what they own).
pub fn builtin_types() -> Vec<ResourceType> {
    let mut out = Vec::with_capacity(BUILTIN.len() + 1);
    for &(group, version, plural, kind, namespaced) in BUILTIN {
        let t = ResourceType::new(group, version, plural, kind, namespaced);
        if group.is_empty() && kind == "Secret" {
            // Secrets: metadata only, never data. Token Secrets are listed apart so that they
            // carry their `type` (kubernetes.io/service-account-token), which the metadata
            // does not hold.
            let secrets = ResourceType {
                metadata_only: true,
                field_selector: Some(("type!=kubernetes.io/service-account-token", None)),
                ..t.clone()
            };
            let tokens = ResourceType {
                metadata_only: true,
                field_selector: Some((
                    "type=kubernetes.io/service-account-token",
                    Some("kubernetes.io/service-account-token"),
                )),
                ..t
            };
            out.push(secrets);
            out.push(tokens);
        } else {
            out.push(t);
        }
    }
    out
}

type KindPredicate = Arc<dyn Fn(&str, &str) -> bool + Send + Sync>;

/// Which kinds the reader lists, by API group (`""` for the core group) and kind.
///
/// * [`Wanted::all`] (the default): every built-in kind ([`all_builtin`]) and every custom
///   resource whose CRD carries a pod template — what `scan --cluster` reads today.
/// * [`Wanted::kinds`]: exactly these `(group, kind)` pairs among the built-in types; no CRD
///   lookup.
/// * [`Wanted::matching`]: the built-in kinds a predicate accepts and, when asked for, the
///   custom resources with pod templates it accepts (the engine derives the predicate from
///   the selected rules).
#[derive(Clone)]
pub struct Wanted {
    predicate: Option<KindPredicate>,
    custom_pod_templates: bool,
    /// Kinds wanted by name that the built-in table does not know: resolved through API
    /// discovery (their group's preferred version and resource name) when read.
    discover: Vec<(String, String)>,
}

impl Wanted {
    pub fn all() -> Wanted {
        Wanted {
            predicate: None,
            custom_pod_templates: true,
            discover: Vec::new(),
        }
    }

    pub fn kinds(kinds: &[(&str, &str)]) -> Wanted {
        let kinds: Vec<(String, String)> = kinds.iter().map(|&(g, k)| (g.to_owned(), k.to_owned())).collect();
        Wanted {
            predicate: Some(Arc::new(move |g, k| {
                kinds.iter().any(|(wg, wk)| wg == g && wk == k)
            })),
            custom_pod_templates: false,
            discover: Vec::new(),
        }
    }

    pub fn matching(
        predicate: impl Fn(&str, &str) -> bool + Send + Sync + 'static,
        custom_pod_templates: bool,
    ) -> Wanted {
        Wanted {
            predicate: Some(Arc::new(predicate)),
            custom_pod_templates,
            discover: Vec::new(),
        }
    }

    /// Also lists these `(group, kind)` pairs; those the built-in table does not know are
    /// found through API discovery (a kind the server does not serve is a warning, never a
    /// silent omission).
    #[must_use]
    pub fn with_kinds<'a>(mut self, kinds: impl IntoIterator<Item = (&'a str, &'a str)>) -> Wanted {
        for (g, k) in kinds {
            if !all_builtin().any(|(bg, bk)| bg == g && bk == k) {
                self.discover.push((g.to_owned(), k.to_owned()));
            }
        }
        self
    }

    /// The wanted kinds that are not in the built-in table (resolved by discovery).
    pub fn discovered_kinds(&self) -> &[(String, String)] {
        &self.discover
    }

    /// Whether `(group, kind)` is listed.
    pub fn wants(&self, group: &str, kind: &str) -> bool {
        self.predicate.as_ref().is_none_or(|p| p(group, kind))
    }

    /// Whether the CRDs are read to find custom resources with pod templates.
    pub fn custom_pod_templates(&self) -> bool {
        self.custom_pod_templates
    }

    /// The built-in types to list, in reading order.
    pub fn builtin_types(&self) -> Vec<ResourceType> {
        let mut t = builtin_types();
        t.retain(|t| self.wants(&t.group, &t.kind));
        t
    }
}

impl Default for Wanted {
    fn default() -> Wanted {
        Wanted::all()
    }
}

impl fmt::Debug for Wanted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Wanted")
            .field("predicate", &self.predicate.as_ref().map(|_| "Fn(group, kind)"))
            .field("custom_pod_templates", &self.custom_pod_templates)
            .finish()
    }
}

/// Custom resources known to carry pod templates whose CRDs may not spell them out in their
/// schema (`x-kubernetes-preserve-unknown-fields`).
const KNOWN_POD_TEMPLATE_KINDS: &[(&str, &str)] = &[
    ("argoproj.io", "Rollout"),
    ("argoproj.io", "Workflow"),
    ("argoproj.io", "CronWorkflow"),
    ("argoproj.io", "WorkflowTemplate"),
    ("serving.knative.dev", "Service"),
    ("serving.knative.dev", "Configuration"),
    ("keda.sh", "ScaledJob"),
    ("kubeflow.org", "TFJob"),
    ("kubeflow.org", "PyTorchJob"),
    ("ray.io", "RayCluster"),
    ("apps.kruise.io", "CloneSet"),
];

/// The resource type of a CRD's storage (else first served) version when its kind is known
/// to carry pod templates or its schema declares `containers`; `None` otherwise.
pub fn custom_type(crd: &CustomResourceDefinition) -> Option<ResourceType> {
    let spec = &crd.spec;
    let (group, plural, kind) = (&spec.group, &spec.names.plural, &spec.names.kind);
    let namespaced = spec.scope != "Cluster";
    let ver = spec
        .versions
        .iter()
        .find(|v| v.storage)
        .or_else(|| spec.versions.iter().find(|v| v.served))?;
    let known = KNOWN_POD_TEMPLATE_KINDS.contains(&(group.as_str(), kind.as_str()));
    let schema = || {
        ver.schema
            .as_ref()
            .and_then(|s| serde_json::to_value(s).ok())
            .is_some_and(|s| mentions_containers(&s))
    };
    if group.is_empty() || plural.is_empty() || !(known || schema()) {
        return None;
    }
    Some(ResourceType::new(group, &ver.name, plural, kind, namespaced))
}

/// Whether a CRD version's schema declares a `containers` property (a PodSpec inside).
fn mentions_containers(v: &serde_json::Value) -> bool {
    match v {
        serde_json::Value::Object(m) => m
            .iter()
            .any(|(k, x)| (k == "containers" && x.is_object()) || mentions_containers(x)),
        serde_json::Value::Array(a) => a.iter().any(mentions_containers),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resource_paths() {
        let t = builtin_types();
        let d = t.iter().find(|t| t.kind == "Deployment").unwrap();
        assert_eq!(d.path(Some("shop")), "/apis/apps/v1/namespaces/shop/deployments");
        assert_eq!(d.path(None), "/apis/apps/v1/deployments");
        let cr = t.iter().find(|t| t.kind == "ClusterRole").unwrap();
        assert_eq!(
            cr.path(Some("shop")),
            "/apis/rbac.authorization.k8s.io/v1/clusterroles"
        );
        assert_eq!(t.iter().filter(|t| t.kind == "Secret").count(), 2);
        assert!(t.iter().filter(|t| t.kind == "Secret").all(|t| t.metadata_only));
        // Owners come before what they own, so owned objects can be recognised.
        let pos = |k: &str| t.iter().position(|t| t.kind == k).unwrap();
        assert!(pos("Deployment") < pos("ReplicaSet") && pos("ReplicaSet") < pos("Pod"));
        assert!(pos("CronJob") < pos("Job") && pos("Job") < pos("Pod"));
    }

    #[test]
    fn wanted_kinds_select_types_by_group_and_kind() {
        let all = Wanted::default();
        assert_eq!(all.builtin_types(), builtin_types());
        assert!(all.custom_pod_templates());
        assert_eq!(all_builtin().count(), 21);
        let w = Wanted::kinds(&[("", "Namespace"), ("", "Pod")]);
        let kinds: Vec<String> = w.builtin_types().into_iter().map(|t| t.kind).collect();
        assert_eq!(kinds, ["Namespace", "Pod"]);
        assert!(!w.custom_pod_templates());
        // The group matters: an `apps` Pod is no core Pod.
        assert!(Wanted::kinds(&[("apps", "Pod")]).builtin_types().is_empty());
        // Both Secret lists come with the Secret kind.
        let w = Wanted::matching(|g, k| g.is_empty() && k == "Secret", false);
        assert_eq!(w.builtin_types().len(), 2);
        let w = Wanted::matching(|g, _| g == "rbac.authorization.k8s.io", true);
        assert_eq!(w.builtin_types().len(), 4);
        assert!(w.wants("rbac.authorization.k8s.io", "Role") && !w.wants("", "Pod"));
    }

    fn crd(group: &str, kind: &str, schema: serde_json::Value) -> CustomResourceDefinition {
        serde_json::from_value(serde_json::json!({"metadata": {"name": "x"}, "spec": {
            "group": group, "scope": "Namespaced", "names": {"kind": kind, "plural": "things"},
            "versions": [{"name": "v1beta1", "served": true, "storage": false},
                         {"name": "v1", "served": true, "storage": true, "schema": {"openAPIV3Schema": schema}}]}}))
        .unwrap()
    }

    #[test]
    fn custom_resources_with_pod_templates() {
        let podspec = serde_json::json!({"type": "object", "properties": {"spec": {"type": "object", "properties": {
            "containers": {"type": "array", "items": {"type": "object"}}}}}});
        let t = custom_type(&crd("example.com", "Task", podspec)).unwrap();
        assert_eq!(
            (t.version.as_str(), t.path(None).as_str()),
            ("v1", "/apis/example.com/v1/things")
        );
        let opaque = serde_json::json!({"type": "object", "x-kubernetes-preserve-unknown-fields": true});
        assert!(custom_type(&crd("argoproj.io", "Rollout", opaque.clone())).is_some());
        assert!(custom_type(&crd("example.com", "Widget", opaque)).is_none());
    }
}
