//! The interface between rules and the engine: what a rule's check function receives (the
//! object, its pod template, the inventory of all loaded objects, the rule's options) and
//! what it returns (hits: a field path and a message). Checks are pure functions.

use crate::kinds::{GroupKind, Reads};
use crate::node::Node;
use crate::object::Object;
use crate::path::FieldPath;
use crate::template::PodTemplate;
use std::collections::HashMap;

/// One problem found by a check. `path` is from the object root and names the field to
/// change (or that must be added); the engine resolves it to `file:line:column`.
#[derive(Clone, Debug, PartialEq)]
pub struct Hit {
    pub path: FieldPath,
    pub message: String,
    pub container: Option<String>,
}

impl Hit {
    pub fn new(path: FieldPath, message: impl Into<String>) -> Hit {
        Hit {
            path,
            message: message.into(),
            container: None,
        }
    }
    #[must_use]
    pub fn container(mut self, name: impl Into<String>) -> Hit {
        self.container = Some(name.into());
        self
    }
}

/// Per-rule options from the configuration file (`rules: {<name>: {...}}`), as JSON.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RuleOptions(pub serde_json::Map<String, serde_json::Value>);

impl RuleOptions {
    /// A list of strings, e.g. `allowedRegistries`.
    pub fn strings(&self, key: &str) -> Option<Vec<String>> {
        self.0
            .get(key)?
            .as_array()
            .map(|a| a.iter().filter_map(|v| v.as_str().map(str::to_owned)).collect())
    }
    pub fn bool(&self, key: &str) -> Option<bool> {
        self.0.get(key)?.as_bool()
    }
    pub fn string(&self, key: &str) -> Option<&str> {
        self.0.get(key)?.as_str()
    }
}

/// Every object the engine kept, with lookups rules need across objects (the ServiceAccount
/// a pod uses, the Namespace an object is in).
#[derive(Debug, Default)]
pub struct Inventory {
    pub objects: Vec<Object>,
    /// Indexes into `objects` by (kind, namespace, name), hashed from the objects' own names
    /// (no copies: a large input has hundreds of thousands). An object defined more than once
    /// is its last definition, as applying the objects in order leaves it (the RBAC and
    /// NetworkPolicy models decide the same way).
    by_key: hashbrown::HashTable<u32>,
    hasher: foldhash::fast::RandomState,
}

impl Inventory {
    pub fn new(objects: Vec<Object>) -> Inventory {
        let hasher = foldhash::fast::RandomState::default();
        let mut by_key = hashbrown::HashTable::with_capacity(objects.len());
        for (i, o) in objects.iter().enumerate() {
            let key = key_of(o);
            let hash = hash_key(&hasher, key);
            match by_key.find_mut(hash, |&j: &u32| key_of(&objects[j as usize]) == key) {
                Some(j) => *j = i as u32,
                None => {
                    by_key.insert_unique(hash, i as u32, |&j| {
                        hash_key(&hasher, key_of(&objects[j as usize]))
                    });
                }
            }
        }
        Inventory {
            objects,
            by_key,
            hasher,
        }
    }
    /// The objects, in their order, without the index.
    pub fn into_objects(self) -> Vec<Object> {
        self.objects
    }
    /// The object of `kind` named `name` in namespace `ns` (`""` for cluster-scoped).
    pub fn get(&self, kind: &str, ns: &str, name: &str) -> Option<&Object> {
        let key = (kind, ns, name);
        self.by_key
            .find(hash_key(&self.hasher, key), |&j| {
                key_of(&self.objects[j as usize]) == key
            })
            .map(|&j| &self.objects[j as usize])
    }
    pub fn of_kind<'a>(&'a self, kind: &'a str) -> impl Iterator<Item = &'a Object> + 'a {
        self.objects.iter().filter(move |o| o.kind == kind)
    }
    /// Whether the input defines any object of `kind` (so its absence means something).
    pub fn has_kind(&self, kind: &str) -> bool {
        self.objects.iter().any(|o| o.kind == kind)
    }
}

/// An object's key in the inventory: kind, namespace (`""` when none), name.
fn key_of(o: &Object) -> (&str, &str, &str) {
    (&o.kind, o.namespace.as_deref().unwrap_or(""), &o.name)
}

fn hash_key(hasher: &foldhash::fast::RandomState, key: (&str, &str, &str)) -> u64 {
    use std::hash::BuildHasher;
    hasher.hash_one(key)
}

/// A container of a pod template, with its list and index.
#[derive(Clone, Copy, Debug)]
pub struct ContainerRef<'a> {
    /// `initContainers`, `containers` or `ephemeralContainers`.
    pub list: &'static str,
    pub index: usize,
    pub node: &'a Node,
    /// Its `name` (empty when absent or not a string), read once: every rule names the
    /// containers it flags.
    name: &'a str,
}

/// The container lists of a PodSpec, in the order Kubernetes (and palisade) walks them.
pub const CONTAINER_LISTS: [&str; 3] = ["initContainers", "containers", "ephemeralContainers"];

impl<'a> ContainerRef<'a> {
    /// Every container of a PodSpec: init containers, containers, then ephemeral containers
    /// (entries that are not mappings are left out).
    pub fn all(spec: &'a Node) -> Vec<ContainerRef<'a>> {
        let mut out = Vec::new();
        for list in CONTAINER_LISTS {
            if let Some(items) = spec.get(list).and_then(Node::as_seq) {
                for (index, node) in items.iter().enumerate() {
                    if node.as_map().is_some() {
                        let name = node.get("name").and_then(Node::as_str).unwrap_or("");
                        out.push(ContainerRef {
                            list,
                            index,
                            node,
                            name,
                        });
                    }
                }
            }
        }
        out
    }
}

impl<'a> ContainerRef<'a> {
    /// The container's `name`; empty when it has none (or not a string).
    pub fn name(&self) -> &'a str {
        self.name
    }
}

/// What a pod-template check receives.
pub struct PodCtx<'a> {
    pub obj: &'a Object,
    pub tpl: &'a PodTemplate<'a>,
    /// The template's containers ([`ContainerRef::all`]), listed once for every rule.
    pub containers: &'a [ContainerRef<'a>],
    pub inv: &'a Inventory,
    pub opts: &'a RuleOptions,
}

impl<'a> PodCtx<'a> {
    /// The PodSpec.
    pub fn spec(&self) -> &'a Node {
        self.tpl.spec
    }
    /// Path of a field of the PodSpec: `ctx.spec_path(&["securityContext", "runAsUser"])`.
    pub fn spec_path(&self, keys: &[&str]) -> FieldPath {
        let mut p = self.tpl.spec_path.with_room(keys.len());
        for k in keys {
            p = p.key(k);
        }
        p
    }
    /// Every container: init containers, containers, then ephemeral containers.
    pub fn containers(&self) -> &'a [ContainerRef<'a>] {
        self.containers
    }
    /// Path of a field of a container: `ctx.container_path(c, &["securityContext", "privileged"])`.
    pub fn container_path(&self, c: &ContainerRef<'_>, keys: &[&str]) -> FieldPath {
        let mut p = self
            .tpl
            .spec_path
            .with_room(2 + keys.len())
            .key(c.list)
            .idx(c.index);
        for k in keys {
            p = p.key(k);
        }
        p
    }
    /// The pod (template) annotations.
    pub fn annotations(&self) -> Option<&'a Node> {
        self.tpl.metadata.and_then(|m| m.get("annotations"))
    }
    /// The namespace of the object (`default` when unset).
    pub fn namespace(&self) -> &'a str {
        self.obj.namespace.as_deref().unwrap_or("default")
    }
}

/// What an object check receives. Object checks run while files are decoded (streaming),
/// so they see only their object.
pub struct ObjCtx<'a> {
    pub obj: &'a Object,
    pub opts: &'a RuleOptions,
}

/// Analyses shared by the rules of one scan (an RBAC model, a reachability graph), built
/// once by the first rule that needs them.
#[derive(Default)]
pub struct AnalysisCache {
    items: std::sync::Mutex<HashMap<std::any::TypeId, std::sync::Arc<dyn std::any::Any + Send + Sync>>>,
}

impl AnalysisCache {
    /// The cached value of type `T`, built with `init` the first time.
    pub fn get_or_init<T: Send + Sync + 'static>(&self, init: impl FnOnce() -> T) -> std::sync::Arc<T> {
        let id = std::any::TypeId::of::<T>();
        if let Some(v) = self.items.lock().unwrap_or_else(|e| e.into_inner()).get(&id) {
            if let Ok(v) = v.clone().downcast::<T>() {
                return v;
            }
        }
        let v = std::sync::Arc::new(init());
        self.items
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(id, v.clone());
        v
    }
}

impl std::fmt::Debug for AnalysisCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AnalysisCache")
    }
}

/// Settings of cross-object analyses.
#[derive(Clone, Copy, Debug)]
pub struct AnalysisSettings {
    /// Include the default RBAC objects of a real cluster in RBAC analyses.
    pub default_rbac: bool,
}

impl Default for AnalysisSettings {
    fn default() -> Self {
        AnalysisSettings { default_rbac: true }
    }
}

/// What an inventory check receives: every object the engine kept (workloads, Namespaces,
/// ServiceAccounts, RBAC objects), and the shared analyses.
pub struct InvCtx<'a> {
    pub inv: &'a Inventory,
    pub opts: &'a RuleOptions,
    pub cache: &'a AnalysisCache,
    pub settings: &'a AnalysisSettings,
}

/// A hit of an inventory check: on the object at `object` in the inventory.
#[derive(Clone, Debug, PartialEq)]
pub struct InvHit {
    pub object: usize,
    pub hit: Hit,
    /// When set, `hit` is empty: the hit is made from the object by `Later::make` when its
    /// findings are decided (a workload's turn in the per-object pass), so that an analysis
    /// that flags every workload of a large input does not hold a message and a path for each
    /// of them meanwhile.
    pub later: Option<Later>,
}

/// A hit made later from its object ([`InvHit::later`]).
#[derive(Clone, Copy, Debug)]
pub struct Later {
    /// Makes the hit from the object and `tag`; None when it no longer applies.
    pub make: fn(&Object, u32) -> Option<Hit>,
    /// What the check noted for `make` (which pod template of the object).
    pub tag: u32,
}

impl PartialEq for Later {
    fn eq(&self, other: &Later) -> bool {
        self.tag == other.tag && std::ptr::fn_addr_eq(self.make, other.make)
    }
}

impl InvHit {
    /// A hit at `path` of inventory object `object`.
    pub fn new(object: usize, path: FieldPath, message: impl Into<String>) -> InvHit {
        InvHit {
            object,
            hit: Hit::new(path, message),
            later: None,
        }
    }
    /// A hit of inventory object `object` made by `make(object, tag)` when the object's
    /// findings are decided. `make` must give the hit the check would have given.
    pub fn later(object: usize, tag: u32, make: fn(&Object, u32) -> Option<Hit>) -> InvHit {
        InvHit {
            object,
            hit: Hit::new(FieldPath::root(), String::new()),
            later: Some(Later { make, tag }),
        }
    }
}

/// How a rule is evaluated, and what it reads.
#[derive(Clone, Copy, Debug)]
pub enum Check {
    /// One of the Pod Security Admission checks, evaluated together by `palisade_pss`. Reads
    /// every pod template and the Namespaces (their `pod-security.kubernetes.io/*` labels).
    Pss(&'static crate::psa::CheckInfo),
    /// Called once per pod template (Pods, controllers, custom resources with templates),
    /// after loading. `reads` are the other kinds the check looks up in the inventory (the
    /// ServiceAccount a pod uses).
    Pod {
        reads: &'static [GroupKind],
        check: fn(&PodCtx<'_>, &mut Vec<Hit>),
    },
    /// Called once per object of one of `kinds`, while its file is decoded (streaming: the
    /// check sees only its object).
    Object {
        kinds: &'static [GroupKind],
        check: fn(&ObjCtx<'_>, &mut Vec<Hit>),
    },
    /// Called once per scan with every kept object of the kinds it `reads` (cross-object
    /// analyses: RBAC, NetworkPolicy).
    Inventory {
        reads: Reads,
        check: fn(&InvCtx<'_>, &mut Vec<InvHit>),
    },
    /// Produced by the engine itself (exception accounting).
    Engine,
}

impl Check {
    /// What the check needs the engine to keep (object checks run while decoding and keep
    /// nothing).
    pub fn keeps(&self) -> Reads {
        match *self {
            Check::Pss(_) => Reads::pod_templates_and(&[crate::kinds::known::NAMESPACE]),
            Check::Pod { reads, .. } => Reads::pod_templates_and(reads),
            Check::Inventory { reads, .. } => reads,
            Check::Object { .. } | Check::Engine => Reads::NOTHING,
        }
    }
    /// Everything the check reads: what it keeps, and the kinds an object check is called on.
    pub fn reads(&self) -> Reads {
        match *self {
            Check::Object { kinds, .. } => Reads::kinds(kinds),
            _ => self.keeps(),
        }
    }
    /// Whether an object check applies to `obj`.
    pub fn applies_to(kinds: &[GroupKind], obj: &Object) -> bool {
        kinds.iter().any(|k| k.matches(obj))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::object::Origin;

    fn object(kind: &str, ns: Option<&str>, name: &str, marker: &str) -> Object {
        let mut meta = serde_json::json!({"name": name, "uid": marker});
        if let Some(ns) = ns {
            meta["namespace"] = ns.into();
        }
        let root = Node::from_json(&serde_json::json!({
            "apiVersion": "v1",
            "kind": kind,
            "metadata": meta,
        }));
        let origin = Origin::Cluster {
            context: "test".into(),
        };
        Object::from_node(root, origin).expect("an object")
    }

    fn marker(o: &Object) -> &str {
        o.root
            .at(&["metadata", "uid"])
            .and_then(Node::as_str)
            .unwrap_or("")
    }

    #[test]
    fn inventory_finds_objects_by_kind_namespace_and_name_last_one_wins() {
        let inv = Inventory::new(vec![
            object("ServiceAccount", Some("shop"), "web", "first"),
            object("ServiceAccount", Some("shop"), "web", "second"),
            object("ServiceAccount", Some("blog"), "web", "other-namespace"),
            object("ConfigMap", Some("shop"), "web", "other-kind"),
            object("Namespace", None, "shop", "cluster-scoped"),
        ]);
        let get = |k, ns, n| inv.get(k, ns, n).map(marker);
        assert_eq!(get("ServiceAccount", "shop", "web"), Some("second"));
        assert_eq!(get("ServiceAccount", "blog", "web"), Some("other-namespace"));
        assert_eq!(get("ConfigMap", "shop", "web"), Some("other-kind"));
        assert_eq!(get("Namespace", "", "shop"), Some("cluster-scoped"));
        assert_eq!(get("ServiceAccount", "shop", "api"), None);
        assert_eq!(get("ServiceAccount", "", "web"), None);
        // The parts of the key do not run into each other.
        assert_eq!(get("ServiceAccoun", "tshop", "web"), None);
        assert_eq!(
            Inventory::new(Vec::new())
                .get("Namespace", "", "shop")
                .map(marker),
            None
        );
    }
}
