//! Loading the inputs of `palisade rbac` (manifests or a cluster) and building the RBAC
//! model; reporting input problems and what could not be read; parsing a request the way
//! kubectl does.

use palisade_core::{DiagLevel, Diagnostic, Object};
use palisade_rbac::answer::{Completeness, Unanswered};
use palisade_rbac::{Aggregation, Model, ModelOptions, Request, Resources};

/// The loaded objects and the model built from them.
pub(crate) struct Loaded {
    pub objects: Vec<Object>,
    pub model: Model,
    pub resources: Resources,
    pub errors: Vec<Diagnostic>,
    /// Resource types of a cluster that could not be read (forbidden or failed).
    pub unread: Vec<String>,
}

/// RBAC objects: what every answer depends on (workload and paths read the workloads too).
const RBAC_GROUP: &str = ".rbac.authorization.k8s.io";

pub(super) fn load(paths: &[String], cluster: &crate::cluster::ClusterConn, no_default_rbac: bool) -> Loaded {
    load_reading(
        paths,
        cluster,
        no_default_rbac,
        palisade_rbac::READS_WITH_WORKLOADS,
    )
}

/// [`load`], and the graph of the Node authorizer: what is bound to each node (pods with
/// `spec.nodeName` — on a cluster every pod, owned ones too —, PersistentVolumes,
/// VolumeAttachments, ResourceSlices).
pub(super) fn load_with_nodes(
    paths: &[String],
    cluster: &crate::cluster::ClusterConn,
    no_default_rbac: bool,
) -> (Loaded, palisade_rbac::node::NodeGraph) {
    let mut l = load_reading(
        paths,
        cluster,
        no_default_rbac,
        palisade_rbac::node::READS_WITH_NODES,
    );
    if !cluster.cluster {
        let g = palisade_rbac::node::NodeGraph::build(&l.objects);
        return (l, g);
    }
    // The first read skips the pods a controller owns (one workload per controller); the
    // Node authorizer relates every pod to its node.
    match crate::cluster::load_pods(cluster, None, true) {
        Ok(pods) => {
            let mut objects: Vec<Object> = l.objects.iter().filter(|o| o.kind != "Pod").cloned().collect();
            objects.extend(pods.objects.into_iter().filter(|o| o.kind == "Pod"));
            l.errors.extend(pods.diags);
            let g = palisade_rbac::node::NodeGraph::build(&objects);
            (l, g)
        }
        Err(e) => {
            l.errors.push(Diagnostic::unlocated(
                DiagLevel::Error,
                format!("could not read the pods the Node authorizer relates to nodes: {e}"),
            ));
            let g = palisade_rbac::node::NodeGraph::build(&l.objects);
            (l, g)
        }
    }
}

pub(crate) fn load_reading(
    paths: &[String],
    cluster: &crate::cluster::ClusterConn,
    no_default_rbac: bool,
    reads: palisade_core::Reads,
) -> Loaded {
    let (objects, errors, defaults, unread) = if cluster.cluster {
        match crate::cluster::load_covered(cluster, reads, false) {
            // The cluster's own default objects are read with the ClusterRoles; when those
            // cannot be read, the compiled-in ones do not stand in for them (an administrator
            // may have changed them): the answer says the ClusterRoles were not read instead.
            Ok(l) => (l.objects, l.diags, false, l.coverage.missing),
            Err(e) => return Loaded::failed(e),
        }
    } else {
        let (objects, errors) = crate::input::load_files(paths, reads);
        (objects, errors, !no_default_rbac, Vec::new())
    };
    let mut model = Model::build(
        &objects,
        ModelOptions {
            defaults,
            // A cluster stores the aggregated rules; manifests get them computed.
            aggregation: if cluster.cluster {
                Aggregation::Stored
            } else {
                Aggregation::Compute
            },
        },
    );
    if unread
        .iter()
        .any(|u| u.starts_with("roles.") || u.starts_with("clusterroles."))
    {
        // Roles that could not be read are not missing.
        model.problems.retain(|p| !p.dangling);
    }
    Loaded {
        resources: Resources::with_crds(&objects),
        objects,
        model,
        errors,
        unread,
    }
}

impl Loaded {
    fn failed(message: String) -> Loaded {
        let objects = Vec::new();
        Loaded {
            resources: Resources::with_crds(&objects),
            model: Model::build(&objects, ModelOptions::default()),
            objects,
            errors: vec![Diagnostic::unlocated(DiagLevel::Error, message)],
            unread: Vec::new(),
        }
    }

    /// Nothing the answers depend on was read: input errors and no object at all (an
    /// unreachable cluster, files that could not be read).
    pub fn nothing_read(&self) -> bool {
        self.objects.is_empty() && self.errors.iter().any(|d| d.level == DiagLevel::Error)
    }

    /// What an answer could not take into account: the input errors, and the resource types
    /// it depends on that could not be read (the RBAC ones, and with `workloads` every one).
    pub fn completeness(&self, workloads: bool) -> Completeness {
        Completeness::new(
            self.errors
                .iter()
                .filter(|d| d.level == DiagLevel::Error)
                .map(ToString::to_string)
                .collect(),
            self.unread
                .iter()
                .filter(|u| workloads || u.ends_with(RBAC_GROUP))
                .cloned()
                .collect(),
        )
    }

    /// When nothing was read, prints the reason (no verdict) and returns exit code 2.
    pub fn unanswered(&self, format: super::Out, workloads: bool) -> anyhow::Result<Option<u8>> {
        if !self.nothing_read() {
            return Ok(None);
        }
        super::print(
            &Unanswered {
                completeness: self.completeness(workloads),
            },
            format,
        )?;
        Ok(Some(2))
    }
}

/// Prints input problems (errors and warnings) and the model's problems to stderr; returns
/// whether there were input errors.
pub(crate) fn report_errors(l: &Loaded) -> bool {
    for d in &l.errors {
        let level = match d.level {
            DiagLevel::Error => "error",
            DiagLevel::Warning => "warning",
        };
        eprintln!("palisade: {level}: {d}");
    }
    for p in &l.model.problems {
        let loc = p.location.as_ref().map(|l| format!("{l}: ")).unwrap_or_default();
        eprintln!("palisade: warning: {loc}{}: {}", p.reference, p.message);
    }
    l.errors.iter().any(|d| d.level == DiagLevel::Error)
}

/// Parses a request the way `kubectl auth can-i VERB TYPE[/NAME] [--subresource S]` does:
/// an argument starting with `/` is a non-resource URL; otherwise the part before the first
/// `/` is the resource type (resolved like kubectl: `pods`, `po`, `deployments.apps`), the
/// rest the object name. Returns the request and kubectl's warnings, or a usage error.
pub(super) fn parse_request(
    l: &Loaded,
    verb: &str,
    arg: &str,
    subresource: Option<&str>,
    ns: &str,
) -> Result<(Request, Vec<String>), String> {
    let mut warnings = Vec::new();
    if arg.starts_with('/') {
        if subresource.is_some() {
            return Err("--subresource can not be used with NonResourceURL".into());
        }
        return Ok((Request::non_resource(verb, arg), warnings));
    }
    let (res, name) = arg.split_once('/').unwrap_or((arg, ""));
    let r = l.resources.resolve(res);
    match r.namespaced {
        None if res != "*" => warnings.push(format!(
            "resource {res:?} is not a built-in resource or a CRD of the input; evaluated as {}{}",
            r.resource,
            if r.group.is_empty() {
                String::new()
            } else {
                format!(" in group {}", r.group)
            }
        )),
        Some(false) if !ns.is_empty() => {
            // kubectl sends the namespace anyway; RoleBindings of it are then consulted.
            warnings.push(format!("resource {:?} is not namespace scoped", r.resource));
        }
        _ => {}
    }
    let full = match subresource.filter(|s| !s.is_empty()) {
        Some(sub) => format!("{}/{sub}", r.resource),
        None => r.resource.clone(),
    };
    Ok((Request::resource(verb, &r.group, &full, ns).named(name), warnings))
}
