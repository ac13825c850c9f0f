//! Loading the inputs of `palisade rbac` (manifests or a cluster) and building the RBAC
//! model; reporting input problems; parsing a request.

use palisade_core::{DiagLevel, Diagnostic, Object};
use palisade_rbac::{Aggregation, Model, ModelOptions, Request, Resources};

/// The loaded objects and the model built from them.
pub(super) struct Loaded {
    pub objects: Vec<Object>,
    pub model: Model,
    pub resources: Resources,
    pub errors: Vec<Diagnostic>,
}

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

fn load_reading(
    paths: &[String],
    cluster: &crate::cluster::ClusterConn,
    no_default_rbac: bool,
    reads: palisade_core::Reads,
) -> Loaded {
    let (objects, errors, defaults) = if cluster.cluster {
        match crate::cluster::load(cluster, reads, false) {
            // The cluster's own default objects were read unless ClusterRoles were forbidden.
            Ok((objects, diags, want_defaults)) => (objects, diags, want_defaults && !no_default_rbac),
            Err(e) => return Loaded::failed(e),
        }
    } else {
        let (objects, errors) = crate::input::load_files(paths, reads);
        (objects, errors, !no_default_rbac)
    };
    let model = Model::build(
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
    Loaded {
        resources: Resources::with_crds(&objects),
        objects,
        model,
        errors,
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
        }
    }
}

/// Prints input problems (errors and warnings) and the model's problems to stderr; returns
/// whether there were input errors.
pub(super) fn report_errors(l: &Loaded) -> bool {
    for d in &l.errors {
        eprintln!("palisade: {d}");
    }
    for p in &l.model.problems {
        let loc = p.location.as_ref().map(|l| format!("{l}: ")).unwrap_or_default();
        eprintln!("palisade: warning: {loc}{}: {}", p.reference, p.message);
    }
    l.errors.iter().any(|d| d.level == DiagLevel::Error)
}

pub(super) fn parse_request(
    l: &Loaded,
    verb: &str,
    resource: &str,
    name: Option<&str>,
    ns: &str,
) -> (Request, Vec<String>) {
    let mut warnings = Vec::new();
    if resource.starts_with('/') {
        return (Request::non_resource(verb, resource), warnings);
    }
    let (res, sub) = match resource.split_once('/') {
        Some((r, s)) => (r, s),
        None => (resource, ""),
    };
    let r = l.resources.resolve(res);
    let namespace = ns.to_owned();
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
    let full = if sub.is_empty() {
        r.resource.clone()
    } else {
        format!("{}/{sub}", r.resource)
    };
    (
        Request::resource(verb, &r.group, &full, &namespace).named(name.unwrap_or("")),
        warnings,
    )
}
