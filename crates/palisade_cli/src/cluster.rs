//! `--cluster`: the flags kubectl users know (`--kubeconfig`, `--context`, `-n`, `-A`,
//! `--insecure-skip-tls-verify`, `--request-timeout`) and the glue from palisade_cluster's
//! pages to the engine (`scan`) and to the RBAC and NetworkPolicy models (`rbac`, `netpol`).
//! Without the `cluster` feature the flags exist and say the binary was built without it.

use clap::Args;
#[cfg(feature = "cluster")]
use palisade_core::DiagLevel;
use palisade_core::Diagnostic;
#[cfg(feature = "cluster")]
use std::io::IsTerminal;

/// How to reach the cluster (shared by scan, rbac and netpol).
#[derive(Args, Debug, Clone, Default)]
pub struct ClusterConn {
    /// Read the objects from the live cluster of the current (or --context) kubeconfig
    /// context, read-only, instead of files.
    #[arg(long)]
    pub cluster: bool,
    /// Path to the kubeconfig file (default: KUBECONFIG, then ~/.kube/config, then the
    /// in-cluster service account).
    #[arg(long, value_name = "FILE", requires = "cluster")]
    pub kubeconfig: Option<std::path::PathBuf>,
    /// The kubeconfig context to use.
    #[arg(long, value_name = "NAME", requires = "cluster")]
    pub context: Option<String>,
    /// Do not verify the API server's certificate (insecure).
    #[arg(long, requires = "cluster")]
    pub insecure_skip_tls_verify: bool,
    /// Per-request timeout in seconds.
    #[arg(long, value_name = "SECONDS", requires = "cluster", default_value = "30")]
    pub request_timeout: u64,
}

/// Where `rbac`, `netpol` and `psa` read from: manifests (`-f`) or the cluster (`--cluster`).
#[derive(Args, Debug, Clone, Default)]
pub struct Source {
    /// Manifests: files, directories, globs, or - for stdin (repeatable).
    #[arg(
        short = 'f',
        long = "filename",
        value_name = "PATH",
        required_unless_present = "cluster",
        conflicts_with = "cluster"
    )]
    pub paths: Vec<String>,
    #[command(flatten)]
    pub cluster: ClusterConn,
}

/// `scan --cluster`: connection plus kubectl's namespace scope.
#[derive(Args, Debug, Clone, Default)]
pub struct ClusterArgs {
    #[command(flatten)]
    pub conn: ClusterConn,
    /// Only this namespace (default: the context's namespace, as kubectl). Cluster-scoped
    /// objects (RBAC, webhooks) are read in any case.
    #[arg(
        short = 'n',
        long,
        value_name = "NS",
        requires = "cluster",
        conflicts_with = "all_namespaces"
    )]
    pub namespace: Option<String>,
    /// Every namespace.
    #[arg(short = 'A', long, requires = "cluster")]
    pub all_namespaces: bool,
}

/// What a cluster read gave: the target's name, and the source's problems with the
/// de-duplication note and, when nothing could be read, an error.
#[cfg(feature = "cluster")]
struct Read {
    target: String,
    diags: Vec<Diagnostic>,
    /// ClusterRoles were read: the cluster's own default RBAC objects are in the input.
    has_cluster_roles: bool,
    /// The namespace reads were limited to (`None`: all).
    namespace: Option<String>,
}

#[cfg(feature = "cluster")]
fn read(
    conn: &ClusterConn,
    namespace: Option<String>,
    all_namespaces: bool,
    kinds: &[&str],
    keep_owned: bool,
    page: &mut dyn FnMut(Vec<palisade_core::Object>),
) -> Result<Read, String> {
    let copts = palisade_cluster::ClusterOptions {
        kubeconfig: conn.kubeconfig.clone(),
        context: conn.context.clone(),
        namespace,
        all_namespaces,
        insecure_skip_tls_verify: conn.insecure_skip_tls_verify,
        page_size: None,
        timeout: Some(std::time::Duration::from_secs(conn.request_timeout.max(1))),
        progress: std::io::stderr().is_terminal(),
        kinds: kinds.iter().map(|k| (*k).to_owned()).collect(),
        keep_owned,
    };
    let cluster = palisade_cluster::Cluster::connect(&copts).map_err(|e| e.to_string())?;
    let (stats, mut diags) = cluster.read(page);
    let scope = match cluster.namespace() {
        Some(ns) => format!("namespace {ns}"),
        None => "all namespaces".to_owned(),
    };
    if stats.owned_skipped > 0 && !keep_owned {
        diags.push(Diagnostic::unlocated(
            DiagLevel::Warning,
            format!(
                "{} object(s) owned by a controller that was read (ReplicaSets of Deployments, Pods of ReplicaSets, Jobs of CronJobs, …) are reported through their owner",
                stats.owned_skipped
            ),
        ));
    }
    if stats.objects == 0 && stats.owned_skipped == 0 {
        diags.push(Diagnostic::unlocated(
            DiagLevel::Error,
            format!(
                "nothing could be read from {} ({scope}){}",
                stats.target,
                if stats.forbidden.is_empty() {
                    String::new()
                } else {
                    format!("; forbidden: {}", stats.forbidden.join(", "))
                }
            ),
        ));
    }
    Ok(Read {
        target: format!("{} — {scope}", stats.target),
        diags,
        has_cluster_roles: stats
            .read
            .iter()
            .any(|r| r == "clusterroles.rbac.authorization.k8s.io"),
        namespace: cluster.namespace(),
    })
}

/// Reads the cluster into the engine page by page; returns the report and the scanned
/// target's name (`cluster CONTEXT (SERVER) — SCOPE`).
#[cfg(feature = "cluster")]
pub fn scan(
    a: &ClusterArgs,
    opts: &palisade_engine::ScanOptions,
) -> Result<(palisade_core::Report, String), String> {
    let mut paged = palisade_engine::PagedScan::new(opts);
    let r = read(
        &a.conn,
        a.namespace.clone(),
        a.all_namespaces,
        &[],
        false,
        &mut |objects| paged.add(objects),
    )?;
    let mut analysis = opts.analysis;
    // The cluster's own cluster-admin, admin, edit, view … were read: adding the compiled-in
    // defaults would bring back roles an administrator deleted.
    if r.has_cluster_roles {
        analysis.default_rbac = false;
    }
    Ok((paged.finish(r.diags, analysis), r.target))
}

/// Reads every namespace of the cluster and keeps the objects the RBAC and NetworkPolicy
/// analyses use. Returns them, the source's problems, and whether the compiled-in default
/// RBAC objects are still wanted (ClusterRoles could not be read). With `pod_ips`, the pods
/// of each controller are read too and their IPs folded into the controller as
/// `status.podIPs` (for NetworkPolicy ipBlocks that match pod IPs); the pods themselves
/// are dropped as usual.
#[cfg(feature = "cluster")]
pub fn load(
    conn: &ClusterConn,
    pod_ips: bool,
) -> Result<(Vec<palisade_core::Object>, Vec<Diagnostic>, bool), String> {
    let mut kept = Vec::new();
    let keep = |o: &palisade_core::Object| palisade_engine::needed(o) || (pod_ips && o.kind == "ReplicaSet");
    let r = read(conn, None, true, &[], pod_ips, &mut |objects| {
        kept.extend(objects.into_iter().filter(keep))
    })?;
    if pod_ips {
        kept = fold_pod_ips(kept);
    }
    Ok((kept, r.diags, !r.has_cluster_roles))
}

/// Moves the IPs of pods owned (through ReplicaSets, Jobs, …) by a controller into that
/// controller's `status.podIPs`, and drops the owned objects.
#[cfg(feature = "cluster")]
fn fold_pod_ips(objects: Vec<palisade_core::Object>) -> Vec<palisade_core::Object> {
    use palisade_core::Node;
    use std::collections::HashMap;
    let by_uid: HashMap<String, usize> = objects
        .iter()
        .enumerate()
        .filter_map(|(i, o)| o.uid().map(|u| (u.to_owned(), i)))
        .collect();
    // The topmost read owner of each object (itself when it has none).
    let top = |mut i: usize| {
        for _ in 0..8 {
            match objects[i].controller_uid().and_then(|u| by_uid.get(u).copied()) {
                Some(j) if j != i => i = j,
                _ => break,
            }
        }
        i
    };
    let mut ips: HashMap<usize, Vec<serde_json::Value>> = HashMap::new();
    let mut owned = vec![false; objects.len()];
    for (i, o) in objects.iter().enumerate() {
        let t = top(i);
        if t == i {
            continue;
        }
        owned[i] = true;
        if o.kind == "Pod" {
            let st = o.root.get("status");
            let list = st.and_then(|s| s.get("podIPs")).map(Node::to_json);
            let one = st.and_then(|s| s.get("podIP")).map(Node::to_json);
            let entry = ips.entry(t).or_default();
            match (list, one) {
                (Some(serde_json::Value::Array(a)), _) if !a.is_empty() => entry.extend(a),
                (_, Some(ip)) => entry.push(serde_json::json!({ "ip": ip })),
                _ => {}
            }
        }
    }
    let mut out = Vec::with_capacity(objects.len());
    for (i, o) in objects.into_iter().enumerate() {
        if owned[i] || (o.kind == "ReplicaSet" && o.group() == "apps" && !palisade_engine::needed(&o)) {
            continue;
        }
        match ips.remove(&i) {
            Some(list) if o.kind != "Pod" => {
                let mut v = o.root.to_json();
                v["status"]["podIPs"] = serde_json::Value::Array(list);
                match palisade_core::Object::from_node(Node::from_json(&v), o.origin.clone()) {
                    Ok(n) => out.push(n),
                    Err(_) => out.push(o),
                }
            }
            _ => out.push(o),
        }
    }
    out
}

/// Reads Namespaces and every Pod (owned ones too) of one namespace or all of them, for the
/// Pod Security Admission audit.
#[cfg(feature = "cluster")]
pub fn load_pods(
    conn: &ClusterConn,
    namespace: Option<String>,
    all_namespaces: bool,
) -> Result<PodsRead, String> {
    let mut objects = Vec::new();
    // Pod Security Admission checks the pods a namespace holds, not one per controller.
    let r = read(
        conn,
        namespace,
        all_namespaces,
        &["Namespace", "Pod"],
        true,
        &mut |o| objects.extend(o),
    )?;
    Ok(PodsRead {
        objects,
        diags: r.diags,
        target: r.target,
        namespace: r.namespace,
    })
}

/// Namespaces and Pods read for the Pod Security Admission audit.
pub struct PodsRead {
    pub objects: Vec<palisade_core::Object>,
    pub diags: Vec<Diagnostic>,
    pub target: String,
    /// The namespace reads were limited to (`None`: all).
    pub namespace: Option<String>,
}

#[cfg(not(feature = "cluster"))]
pub fn load_pods(_: &ClusterConn, _: Option<String>, _: bool) -> Result<PodsRead, String> {
    Err(NO_FEATURE.into())
}

#[cfg(not(feature = "cluster"))]
const NO_FEATURE: &str = "this palisade was built without the `cluster` feature";

#[cfg(not(feature = "cluster"))]
pub fn scan(
    _: &ClusterArgs,
    _: &palisade_engine::ScanOptions,
) -> Result<(palisade_core::Report, String), String> {
    Err(NO_FEATURE.into())
}

#[cfg(not(feature = "cluster"))]
pub fn load(_: &ClusterConn, _: bool) -> Result<(Vec<palisade_core::Object>, Vec<Diagnostic>, bool), String> {
    Err(NO_FEATURE.into())
}
