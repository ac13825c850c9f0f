//! Finds the pod templates an object carries, once, for every rule: Pods, the built-in
//! controllers, and custom resources that embed a PodTemplateSpec or a PodSpec (detected by
//! shape). Carries the path prefix so that no rule hard-codes `spec.template.spec`.

use crate::node::{Node, Value};
use crate::object::Object;
use crate::path::FieldPath;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TemplateKind {
    /// A bare Pod: Pod Security Admission enforces on it.
    Pod,
    /// A built-in pod-template owner (Deployment, CronJob, ...): PSA only warns and audits;
    /// the pods it creates are rejected later.
    Controller,
    /// A custom resource that embeds a pod template, found by shape. PSA does not evaluate
    /// it; the pods its operator creates are evaluated.
    Custom,
}

/// A pod template of an object, resolved: its nodes, and the paths to them (those of the
/// object's cached [`TemplateSite`], borrowed).
#[derive(Clone, Copy, Debug)]
pub struct PodTemplate<'a> {
    pub kind: TemplateKind,
    /// The pod (template) metadata, when present: annotations matter to PSS.
    pub metadata: Option<&'a Node>,
    /// The PodSpec.
    pub spec: &'a Node,
    /// Path from the object root to the metadata (which may be absent).
    pub metadata_path: &'a FieldPath,
    /// Path from the object root to the PodSpec.
    pub spec_path: &'a FieldPath,
}

const CONTROLLER_GROUPS: &[&str] = &["", "apps", "extensions", "batch"];

/// Whether `kind` in `group` is one of the pod-template owners Pod Security Admission
/// evaluates.
pub fn is_builtin_owner(group: &str, kind: &str) -> bool {
    CONTROLLER_GROUPS.contains(&group)
        && matches!(
            (group, kind),
            ("", "Pod")
                | ("", "PodTemplate")
                | ("", "ReplicationController")
                | ("apps" | "extensions", "Deployment" | "ReplicaSet" | "DaemonSet")
                | ("apps", "StatefulSet")
                | ("batch", "Job" | "CronJob")
        )
}

/// Where a pod template is in its object: found once per object (see
/// [`Object::pod_templates`]) and resolved to nodes on use.
#[derive(Clone, Debug, PartialEq)]
pub struct TemplateSite {
    pub kind: TemplateKind,
    /// Whether the template's metadata applies (a PodTemplateSpec with metadata).
    pub has_metadata: bool,
    pub metadata_path: FieldPath,
    pub spec_path: FieldPath,
}

/// Every pod template in `obj`, in document order. Found once per object and cached.
pub fn pod_templates(obj: &Object) -> Vec<PodTemplate<'_>> {
    obj.pod_templates()
}

/// Searches `obj` for pod templates (the uncached search behind [`Object::pod_templates`]).
pub(crate) fn find_pod_templates(obj: &Object) -> Vec<TemplateSite> {
    let root = &obj.root;
    let group = obj.group();
    if is_builtin_owner(group, &obj.kind) {
        let base: &[&str] = match obj.kind.as_str() {
            "Pod" => &[],
            "PodTemplate" => &["template"],
            "CronJob" => &["spec", "jobTemplate", "spec", "template"],
            _ => &["spec", "template"],
        };
        let mut tpath = FieldPath::root();
        for k in base {
            tpath = tpath.key(k);
        }
        let Some(t) = root.at(base) else { return Vec::new() };
        if t.get("spec").and_then(Node::as_map).is_none() {
            return Vec::new();
        }
        let kind = if obj.kind == "Pod" {
            TemplateKind::Pod
        } else {
            TemplateKind::Controller
        };
        return vec![TemplateSite {
            kind,
            has_metadata: t.get("metadata").is_some(),
            metadata_path: tpath.clone().key("metadata"),
            spec_path: tpath.key("spec"),
        }];
    }
    if obj.kind == "CustomResourceDefinition" || obj.kind.ends_with("List") || is_policy_group(group) {
        return Vec::new();
    }
    let mut out = Vec::new();
    if let Some(spec) = root.get("spec") {
        find_by_shape(
            spec,
            Some(root),
            FieldPath::root().key("spec"),
            FieldPath::root(),
            0,
            &mut out,
        );
    }
    out
}

/// Policy engines embed pod *patterns* (Kyverno `patchStrategicMerge`, Gatekeeper
/// mutations, ...), not pods that will run: never scan those as workloads.
fn is_policy_group(group: &str) -> bool {
    const GROUPS: &[&str] = &[
        "kyverno.io",
        "gatekeeper.sh",
        "policy.open-cluster-management.io",
        "kubewarden.io",
    ];
    GROUPS
        .iter()
        .any(|g| group == *g || group.ends_with(&format!(".{g}")))
}

fn is_pod_spec(n: &Node) -> bool {
    let Some(cs) = n.get("containers").and_then(Node::as_seq) else {
        return false;
    };
    !cs.is_empty()
        && cs.iter().all(|c| c.as_map().is_some())
        && cs
            .iter()
            .any(|c| c.get("image").is_some() || c.get("name").is_some())
}

/// Depth-first search for PodSpecs. `parent` is the map holding `n` under key `spec`, if any:
/// it is then a PodTemplateSpec whose metadata applies.
fn find_by_shape<'a>(
    n: &'a Node,
    parent: Option<&'a Node>,
    path: FieldPath,
    parent_path: FieldPath,
    depth: usize,
    out: &mut Vec<TemplateSite>,
) {
    if depth > 12 {
        return;
    }
    if is_pod_spec(n) {
        let is_spec_key = matches!(path.segs().last(), Some(crate::path::Seg::Key(k)) if &**k == "spec");
        let (metadata, metadata_path) = match parent.filter(|_| is_spec_key) {
            Some(p) => (p.get("metadata"), parent_path.key("metadata")),
            None => (None, path.clone().key("metadata")),
        };
        out.push(TemplateSite {
            kind: TemplateKind::Custom,
            has_metadata: metadata.is_some(),
            metadata_path,
            spec_path: path,
        });
        return;
    }
    match &n.value {
        Value::Map(entries) => {
            for e in entries {
                if &*e.key == "metadata" || &*e.key == "status" {
                    continue;
                }
                find_by_shape(
                    &e.value,
                    Some(n),
                    path.clone().key(&e.key),
                    path.clone(),
                    depth + 1,
                    out,
                );
            }
        }
        Value::Seq(items) => {
            for (i, item) in items.iter().enumerate() {
                find_by_shape(item, None, path.clone().idx(i), path.clone(), depth + 1, out);
            }
        }
        _ => {}
    }
}
