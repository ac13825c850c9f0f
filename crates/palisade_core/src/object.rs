//! A Kubernetes object as read from a source: its identity, its positioned document tree and
//! where it came from.

use crate::finding::{Location, ObjectRef};
use crate::node::{Node, Pos};
use crate::path::FieldPath;
use crate::template::{find_pod_templates, PodTemplate, TemplateSite};
use std::sync::Arc;

/// Where an object came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Origin {
    /// A file (or `-` for stdin) and the 0-based index of the YAML document in it.
    File { path: Arc<str>, doc: u32 },
    /// An object read from an API server; no positions.
    Cluster { context: Arc<str> },
}

#[derive(Clone, Debug)]
pub struct Object {
    pub api_version: String,
    pub kind: String,
    pub name: String,
    pub namespace: Option<String>,
    pub root: Node,
    pub origin: Origin,
    /// Path prefix of this object inside its document (`items[3]` for a member of a `List`).
    /// Locations are resolved against `root`, which already is the item itself.
    pub list_path: Option<FieldPath>,
    /// The pod templates of this object, found on first use.
    templates: std::sync::OnceLock<Vec<TemplateSite>>,
    /// The reference its findings share, made on first use.
    shared: std::sync::OnceLock<Arc<ObjectRef>>,
}

impl Object {
    /// Builds an object from a decoded document; `None` when it has no `apiVersion`/`kind`
    /// strings (not a Kubernetes object).
    pub fn from_node(root: Node, origin: Origin) -> Result<Object, Node> {
        let api_version = root.get("apiVersion").and_then(Node::as_str).map(str::to_owned);
        let kind = root.get("kind").and_then(Node::as_str).map(str::to_owned);
        let (Some(api_version), Some(kind)) = (api_version, kind) else {
            return Err(root);
        };
        if api_version.is_empty() || kind.is_empty() {
            return Err(root);
        }
        let meta = root.get("metadata");
        let name = meta
            .and_then(|m| {
                m.get("name")
                    .and_then(Node::as_str)
                    .or_else(|| m.get("generateName").and_then(Node::as_str))
            })
            .unwrap_or("")
            .to_owned();
        let namespace = meta
            .and_then(|m| m.get("namespace"))
            .and_then(Node::as_str)
            .filter(|s| !s.is_empty())
            .map(str::to_owned);
        Ok(Object {
            api_version,
            kind,
            name,
            namespace,
            root,
            origin,
            list_path: None,
            templates: std::sync::OnceLock::new(),
            shared: std::sync::OnceLock::new(),
        })
    }

    /// Where this object's pod templates are: searched for on first use, then cached.
    fn template_sites(&self) -> &[TemplateSite] {
        self.templates.get_or_init(|| {
            let mut sites = find_pod_templates(self);
            // Kept with the object: the paths at their size, not the room they were built in.
            for s in &mut sites {
                s.metadata_path.shrink_to_fit();
                s.spec_path.shrink_to_fit();
            }
            sites.shrink_to_fit();
            sites
        })
    }

    /// Every pod template in this object, in document order (Pods, the built-in
    /// controllers, custom resources embedding a PodSpec). The search runs once per object;
    /// every call resolves the cached sites.
    pub fn pod_templates(&self) -> Vec<PodTemplate<'_>> {
        self.template_sites()
            .iter()
            .filter_map(|s| {
                Some(PodTemplate {
                    kind: s.kind,
                    metadata: if s.has_metadata {
                        self.root.at_path(&s.metadata_path)
                    } else {
                        None
                    },
                    spec: self.root.at_path(&s.spec_path)?,
                    metadata_path: &s.metadata_path,
                    spec_path: &s.spec_path,
                })
            })
            .collect()
    }

    /// Whether the object carries at least one pod template (no template is resolved).
    pub fn has_pod_templates(&self) -> bool {
        !self.template_sites().is_empty()
    }

    /// The object's reference, made once and shared by its findings and listings.
    pub fn shared_reference(&self) -> Arc<ObjectRef> {
        self.shared.get_or_init(|| Arc::new(self.reference())).clone()
    }

    pub fn reference(&self) -> ObjectRef {
        ObjectRef {
            api_version: self.api_version.clone(),
            kind: self.kind.clone(),
            namespace: self.namespace.clone(),
            name: self.name.clone(),
            uid: match self.origin {
                Origin::Cluster { .. } => self.uid().map(str::to_owned),
                Origin::File { .. } => None,
            },
        }
    }

    /// The API group (`""` for the core group).
    pub fn group(&self) -> &str {
        self.api_version.rsplit_once('/').map_or("", |(g, _)| g)
    }

    /// `metadata.uid` (set on objects read from a cluster).
    pub fn uid(&self) -> Option<&str> {
        self.root.at(&["metadata", "uid"]).and_then(Node::as_str)
    }

    /// The uid of the controller owner (`ownerReferences` with `controller: true`).
    pub fn controller_uid(&self) -> Option<&str> {
        self.root
            .at(&["metadata", "ownerReferences"])
            .and_then(Node::as_seq)?
            .iter()
            .find(|r| r.get("controller").and_then(Node::as_bool) == Some(true))
            .and_then(|r| r.get("uid"))
            .and_then(Node::as_str)
    }

    pub fn labels(&self) -> Option<&Node> {
        self.root.at(&["metadata", "labels"])
    }

    pub fn label(&self, key: &str) -> Option<&str> {
        self.labels().and_then(|l| l.get(key)).and_then(Node::as_str)
    }

    /// Resolves a field path to a source location (nearest existing ancestor when absent).
    pub fn locate(&self, path: &FieldPath) -> (Option<Location>, bool) {
        let (pos, exact) = self.root.locate(path);
        (self.location_of(pos), exact)
    }

    pub fn location_of(&self, pos: Pos) -> Option<Location> {
        match &self.origin {
            Origin::File { path, .. } if pos.is_known() => Some(Location {
                file: path.clone(),
                line: pos.line,
                column: pos.col,
            }),
            _ => None,
        }
    }

    pub fn file(&self) -> Option<&Arc<str>> {
        match &self.origin {
            Origin::File { path, .. } => Some(path),
            Origin::Cluster { .. } => None,
        }
    }
}
