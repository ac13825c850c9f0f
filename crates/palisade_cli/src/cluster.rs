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

/// Where `rbac`, `netpol` and `psa` read from: manifests (`PATH…` like `scan`, or kubectl's
/// `-f PATH`) or the cluster (`--cluster`). After [`Source::resolve`], `paths` holds both.
#[derive(Args, Debug, Clone, Default)]
pub struct Source {
    /// Manifests: files, directories, globs, or - for stdin.
    #[arg(value_name = "PATH", conflicts_with = "cluster")]
    pub paths: Vec<String>,
    /// Manifests, as kubectl's -f (repeatable; same as PATH).
    #[arg(
        short = 'f',
        long = "filename",
        value_name = "PATH",
        conflicts_with = "cluster"
    )]
    pub filename: Vec<String>,
    #[command(flatten)]
    pub cluster: ClusterConn,
}

impl Source {
    /// Joins `-f` paths to the positional ones and checks that there is an input.
    pub fn resolve(&mut self) -> Result<(), String> {
        let filename = std::mem::take(&mut self.filename);
        self.paths.extend(filename);
        if self.paths.is_empty() && !self.cluster.cluster {
            return Err("no input: give manifests (PATH… or -f PATH) or --cluster".into());
        }
        Ok(())
    }
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
    coverage: Coverage,
}

/// What an answer from a cluster read can rest on: whether anything was read, which
/// resource types could not be, and the server's version. The analysis commands use it to
/// give no verdict on nothing, to mark an answer incomplete, and to know what `latest`
/// means on that server.
#[derive(Clone, Debug, Default)]
pub struct Coverage {
    /// Nothing was read (the server unreachable, or every list refused): no verdict.
    pub nothing_read: bool,
    /// Resource types that could not be read (forbidden, or reading failed).
    pub missing: Vec<String>,
    /// The API server's minor version (`36` for v1.36) and `gitVersion`, from `/version`.
    pub server_minor: Option<u32>,
    pub server_git_version: Option<String>,
}

impl Coverage {
    /// The error an answer resting on this read must carry, if any: the types it could not
    /// read. (`nothing_read` is reported by the read itself.)
    pub fn incomplete(&self) -> Option<String> {
        (!self.missing.is_empty() && !self.nothing_read).then(|| {
            format!(
                "incomplete: could not read {} — the answer leaves out what they hold",
                self.missing.join(", ")
            )
        })
    }
}

/// The Kubernetes release the compiled-in default RBAC objects come from
/// (`palisade_rbac::default_objects`).
#[cfg_attr(not(feature = "cluster"), allow(dead_code))]
pub const DEFAULT_RBAC_RELEASE: u32 = 36;

// Without the `cluster` feature nothing is read from a cluster.
#[cfg_attr(not(feature = "cluster"), allow(dead_code))]
impl Coverage {
    /// When the compiled-in default RBAC objects stand in for the cluster's own (ClusterRoles
    /// could not be read) and the server is of another release: the warning to give (`load`
    /// adds it for the rbac commands).
    pub fn default_rbac_mismatch(&self) -> Option<String> {
        let minor = self.server_minor?;
        (minor != DEFAULT_RBAC_RELEASE).then(|| {
            format!(
                "the cluster's ClusterRoles could not be read: the default RBAC objects of Kubernetes v1.{DEFAULT_RBAC_RELEASE} stand in for those of this v1.{minor} server"
            )
        })
    }
}

/// The progress of a cluster read as an `indicatif` bar on stderr:
/// `palisade: [3/22] deployments.apps  1500/4200 [#######.............]` (the count alone
/// when the server does not say how many remain). Drawn only when stderr is a terminal.
#[cfg(feature = "cluster")]
struct Bar(Option<indicatif::ProgressBar>);

#[cfg(feature = "cluster")]
impl Bar {
    fn new() -> Bar {
        Bar(std::io::stderr()
            .is_terminal()
            .then(|| indicatif::ProgressBar::with_draw_target(None, indicatif::ProgressDrawTarget::stderr())))
    }
}

#[cfg(feature = "cluster")]
impl palisade_cluster::Progress for Bar {
    fn page(&mut self, p: &palisade_cluster::PageProgress<'_>) {
        let Some(bar) = &self.0 else { return };
        let template = if p.total.is_some() {
            "palisade: {prefix} {msg}  {pos}/{len} [{bar:20}]"
        } else {
            "palisade: {prefix} {msg}  {pos}"
        };
        if let Ok(style) = indicatif::ProgressStyle::with_template(template) {
            bar.set_style(style.progress_chars("#."));
        }
        bar.set_prefix(format!("[{}/{}]", p.index + 1, p.types));
        bar.set_message(p.resource.to_owned());
        bar.set_length(p.total.unwrap_or(p.listed as u64));
        bar.set_position(p.listed as u64);
    }
    fn finish(&mut self) {
        if let Some(bar) = self.0.take() {
            bar.finish_and_clear();
        }
    }
}

#[cfg(feature = "cluster")]
fn read(
    conn: &ClusterConn,
    namespace: Option<String>,
    all_namespaces: bool,
    wanted: palisade_cluster::Wanted,
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
        wanted,
        keep_owned,
    };
    let cluster = palisade_cluster::Cluster::connect(&copts).map_err(|e| e.to_string())?;
    let (stats, mut diags) = cluster.read(page, &mut Bar::new());
    tracing::info!(
        requests = stats.requests,
        objects = stats.objects,
        owned_skipped = stats.owned_skipped,
        bytes = stats.bytes,
        "cluster read"
    );
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
    let coverage = Coverage {
        nothing_read: stats.nothing_read(),
        missing: stats.missing(),
        server_minor: stats.version.as_ref().filter(|v| v.major == 1).map(|v| v.minor),
        server_git_version: stats.version.as_ref().map(|v| v.git_version.clone()),
    };
    Ok(Read {
        coverage,
        target: format!("{} — {scope}", stats.target),
        diags,
        has_cluster_roles: stats
            .read
            .iter()
            .any(|r| r == "clusterroles.rbac.authorization.k8s.io"),
        namespace: cluster.namespace(),
    })
}

/// The resource types to list for what the analyses read: the named kinds, and with pod
/// templates the built-in workload kinds and the custom resources whose schema carries pods.
#[cfg(feature = "cluster")]
fn wanted(set: &palisade_core::KindSet) -> palisade_cluster::Wanted {
    let named: Vec<(&str, &str)> = set.kinds().iter().map(|k| (k.group, k.kind)).collect();
    let templates = set.pod_templates();
    let set = set.clone();
    palisade_cluster::Wanted::matching(
        move |g, k| set.contains(g, k) || (templates && palisade_core::template::is_builtin_owner(g, k)),
        templates,
    )
    .with_kinds(named)
}

/// Reads the cluster into the engine page by page; returns the report and the scanned
/// target's name (`cluster CONTEXT (SERVER) — SCOPE`) and the resource types that could not
/// be read (forbidden or failed).
#[cfg(feature = "cluster")]
pub fn scan_reporting(
    a: &ClusterArgs,
    opts: &palisade_engine::ScanOptions,
) -> Result<(palisade_core::Report, String, Vec<String>), String> {
    let mut paged = palisade_engine::PagedScan::new(opts);
    let r = read(
        &a.conn,
        a.namespace.clone(),
        a.all_namespaces,
        wanted(&opts.reads()),
        false,
        &mut |objects| paged.add(objects),
    )?;
    let mut analysis = opts.analysis;
    // The cluster's own cluster-admin, admin, edit, view … were read: adding the compiled-in
    // defaults would bring back roles an administrator deleted.
    let mut diags = r.diags;
    // `latest` is the server's release.
    let (pss_latest, warnings) = crate::release::pss_latest(None, Some(&r.coverage));
    if opts.evaluates_pss() {
        diags.extend(warnings);
    }
    if r.has_cluster_roles {
        analysis.default_rbac = false;
    } else if analysis.default_rbac {
        // The compiled-in defaults stand in for ClusterRoles that could not be read.
        if let Some(w) = r.coverage.default_rbac_mismatch() {
            diags.push(Diagnostic::unlocated(DiagLevel::Warning, w));
        }
    }
    let settings = palisade_engine::ClusterSettings { analysis, pss_latest };
    Ok((paged.finish(diags, settings), r.target, r.coverage.missing))
}

/// Reads every namespace of the cluster and keeps the objects the RBAC and NetworkPolicy
/// analyses use, with the source's problems and what the answer can rest on ([`Coverage`]).
/// With `pod_ips`, the pods of each controller are read too and their IPs folded into the
/// controller as `status.podIPs` (for NetworkPolicy ipBlocks that match pod IPs,
/// `palisade_netpol::fold_pod_ips`); the pods themselves are dropped as usual.
/// What [`load_covered`] read.
#[cfg_attr(not(feature = "cluster"), allow(dead_code))]
pub struct Loaded {
    pub objects: Vec<palisade_core::Object>,
    pub diags: Vec<Diagnostic>,
    pub coverage: Coverage,
}

/// [`load`], with what the answer can rest on ([`Coverage`]).
#[cfg(feature = "cluster")]
pub fn load_covered(
    conn: &ClusterConn,
    reads: palisade_core::Reads,
    pod_ips: bool,
) -> Result<Loaded, String> {
    let mut kept = Vec::new();
    let set = palisade_core::KindSet::default().with(reads);
    let wanted_by_analysis = |o: &palisade_core::Object| set.wants(o);
    let keep = |o: &palisade_core::Object| wanted_by_analysis(o) || (pod_ips && o.kind == "ReplicaSet");
    let r = read(conn, None, true, wanted(&set), pod_ips, &mut |objects| {
        kept.extend(objects.into_iter().filter(keep))
    })?;
    if pod_ips {
        // ReplicaSets were kept only to know which Deployment owns which pod.
        kept = palisade_netpol::fold_pod_ips(kept, |o| {
            !(o.kind == "ReplicaSet" && o.group() == "apps" && !wanted_by_analysis(o))
        });
    }
    Ok(Loaded {
        objects: kept,
        diags: r.diags,
        coverage: r.coverage,
    })
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
        palisade_cluster::Wanted::kinds(&[("", "Namespace"), ("", "Pod")]),
        true,
        &mut |o| objects.extend(o),
    )?;
    Ok(PodsRead {
        objects,
        diags: r.diags,
        target: r.target,
        namespace: r.namespace,
        coverage: r.coverage,
    })
}

/// Namespaces and Pods read for the Pod Security Admission audit.
pub struct PodsRead {
    pub objects: Vec<palisade_core::Object>,
    pub diags: Vec<Diagnostic>,
    pub target: String,
    /// The namespace reads were limited to (`None`: all).
    pub namespace: Option<String>,
    pub coverage: Coverage,
}

#[cfg(not(feature = "cluster"))]
pub fn load_pods(_: &ClusterConn, _: Option<String>, _: bool) -> Result<PodsRead, String> {
    Err(NO_FEATURE.into())
}

#[cfg(not(feature = "cluster"))]
const NO_FEATURE: &str = "this palisade was built without the `cluster` feature";

#[cfg(not(feature = "cluster"))]
pub fn scan_reporting(
    _: &ClusterArgs,
    _: &palisade_engine::ScanOptions,
) -> Result<(palisade_core::Report, String, Vec<String>), String> {
    Err(NO_FEATURE.into())
}

#[cfg(not(feature = "cluster"))]
pub fn load_covered(_: &ClusterConn, _: palisade_core::Reads, _: bool) -> Result<Loaded, String> {
    Err(NO_FEATURE.into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn incomplete_reads_and_default_rbac_of_another_release_are_named() {
        let mut c = Coverage {
            missing: vec!["networkpolicies.networking.k8s.io".into()],
            server_minor: Some(37),
            ..Coverage::default()
        };
        assert_eq!(
            c.incomplete().unwrap(),
            "incomplete: could not read networkpolicies.networking.k8s.io — the answer leaves out what they hold"
        );
        assert!(c
            .default_rbac_mismatch()
            .unwrap()
            .contains("v1.36 stand in for those of this v1.37 server"));
        c.server_minor = Some(36);
        assert_eq!(c.default_rbac_mismatch(), None);
        // Nothing read is reported by the read itself; no second message.
        c.nothing_read = true;
        assert_eq!(c.incomplete(), None);
        c.missing.clear();
        c.nothing_read = false;
        assert_eq!(c.incomplete(), None);
    }
}
