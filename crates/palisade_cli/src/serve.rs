//! `palisade serve`: the admission webhook and the audit sink. Parses the flags, loads the
//! configuration into a decider (again on reload), chooses where namespace labels come from
//! (a watch of the cluster, or Namespace manifests), the audit store and its retention, and
//! hands over to `palisade_server::serve`.

use crate::settings::{self, Flags};
use anyhow::Result;
use clap::{Args, ValueEnum};
use palisade_engine::config::LoadedConfig;
use palisade_server::decide::{Decider, Namespaces, StaticNamespaces};
use palisade_server::router::{FailSafe, Limits};
use palisade_server::serve::{Configure, Configured, ServeOptions, TlsSource};
use std::collections::{BTreeMap, HashMap};
use std::net::IpAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

#[derive(Args, Debug)]
pub struct ServeArgs {
    /// The configuration file (`.palisade.yaml`): its `admission:` section (defaults,
    /// exemptions, mutation), exceptions, severities and rule options. Reloaded on SIGHUP and
    /// when it changes. Without it every namespace is unlabelled-privileged: only namespaces
    /// with `palisade.dev/` labels are checked.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Address to listen on.
    #[arg(long, value_name = "IP", default_value = "0.0.0.0")]
    pub address: IpAddr,
    /// TLS port of /validate and /mutate (0: any free port; the address is logged).
    #[arg(long, default_value_t = 8443)]
    pub port: u16,
    /// Plain HTTP port of /healthz, /readyz and /metrics.
    #[arg(long, default_value_t = 8081)]
    pub health_port: u16,
    /// PEM certificate chain of the serving certificate (reloaded when it changes).
    #[arg(
        long,
        value_name = "FILE",
        requires = "tls_private_key_file",
        required_unless_present = "self_signed"
    )]
    pub tls_cert_file: Option<PathBuf>,
    /// PEM private key of the serving certificate.
    #[arg(long, value_name = "FILE", requires = "tls_cert_file")]
    pub tls_private_key_file: Option<PathBuf>,
    /// Serve with a throwaway CA and certificate made at start (for trying palisade out):
    /// names from --self-signed-name, the CA written to --write-ca for the caBundle.
    #[arg(long, conflicts_with_all = ["tls_cert_file", "tls_private_key_file"])]
    pub self_signed: bool,
    /// A DNS name or IP address of the self-signed certificate (repeatable).
    #[arg(long = "self-signed-name", value_name = "NAME", requires = "self_signed", default_values_t = ["localhost".to_owned(), "127.0.0.1".to_owned()])]
    pub self_signed_names: Vec<String>,
    /// Write the self-signed certificate's CA (PEM) here.
    #[arg(long, value_name = "FILE", requires = "self_signed")]
    pub write_ca: Option<PathBuf>,
    /// Read namespace labels from these manifests (Namespace objects) instead of watching the
    /// cluster's namespaces.
    #[arg(long, value_name = "PATH")]
    pub namespaces_from: Vec<String>,
    /// Kubeconfig for the namespace watch (default: KUBECONFIG, ~/.kube/config, then the
    /// in-cluster service account).
    #[arg(long, value_name = "FILE", conflicts_with = "namespaces_from")]
    pub kubeconfig: Option<PathBuf>,
    /// The kubeconfig context to use.
    #[arg(long, value_name = "NAME", conflicts_with = "namespaces_from")]
    pub context: Option<String>,
    /// The Kubernetes release whose Pod Security `latest` to enforce, `v1.N`. Default: the API
    /// server's version when namespaces are watched, else the newest palisade knows.
    #[arg(long, value_name = "VERSION")]
    pub kube_version: Option<String>,
    /// Requests evaluated at once; beyond it the --fail-safe answer is given at once.
    #[arg(long, default_value_t = 256)]
    pub concurrency: usize,
    /// Per-request deadline in seconds; past it the --fail-safe answer is given.
    #[arg(long, value_name = "SECONDS", default_value_t = 5.0)]
    pub timeout: f64,
    /// What to answer for a request palisade could not evaluate (overload, deadline): allow
    /// it with a warning and an audit annotation, or deny it.
    #[arg(long, value_enum, default_value = "allow")]
    pub fail_safe: FailSafeArg,
    /// After SIGTERM, seconds to keep answering while /readyz fails, before closing.
    #[arg(long, value_name = "SECONDS", default_value_t = 2.0)]
    pub shutdown_delay: f64,
    /// Log format on stderr.
    #[arg(long, value_enum, default_value = "json")]
    pub log_format: LogFormat,
    /// Turn on the audit sink (`POST /audit` on the webhook port, for the API server's
    /// webhook backend) storing into this store: a SQLite file (`PATH` or `sqlite:PATH`,
    /// created if missing) or PostgreSQL (`postgres://USER@HOST:PORT/DB`) when several
    /// replicas share one store.
    #[arg(long, value_name = "URL")]
    pub audit_store: Option<String>,
    /// Delete stored audit events older than this (`30d`, `12h`, `90m`, `2w`).
    #[arg(long, value_name = "AGE", requires = "audit_store", value_parser = parse_age)]
    pub audit_retention: Option<Duration>,
    /// Delete the oldest stored audit events while the store uses more than this (`10GiB`,
    /// `500MB`).
    #[arg(long, value_name = "SIZE", requires = "audit_store", value_parser = parse_size)]
    pub audit_max_size: Option<u64>,
    /// Delete the oldest stored audit events while there are more than this many.
    #[arg(long, value_name = "N", requires = "audit_store")]
    pub audit_max_events: Option<u64>,
    /// Seconds between retention passes (which also measure the store's size for
    /// /metrics).
    #[arg(
        long,
        value_name = "SECONDS",
        default_value_t = 60.0,
        requires = "audit_store"
    )]
    pub audit_retention_interval: f64,
}

/// `30d`, `12h`, `90m`, `45s`, `2w`.
pub fn parse_age(s: &str) -> Result<Duration, String> {
    let s = s.trim();
    let split = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
    let (n, unit) = s.split_at(split);
    let n: u64 = n
        .parse()
        .map_err(|_| format!("{s:?}: expected a number and a unit (30d, 12h, 90m)"))?;
    let secs = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86400,
        "w" => 7 * 86400,
        _ => return Err(format!("{s:?}: the unit is one of s, m, h, d, w")),
    };
    if n == 0 {
        return Err(format!("{s:?}: must be more than 0"));
    }
    n.checked_mul(secs)
        .map(Duration::from_secs)
        .ok_or_else(|| format!("{s:?}: too long"))
}

/// `10GiB`, `500MB`, `1024` (bytes).
pub fn parse_size(s: &str) -> Result<u64, String> {
    let s = s.trim();
    let split = s
        .find(|c: char| !c.is_ascii_digit() && c != '.')
        .unwrap_or(s.len());
    let (n, unit) = s.split_at(split);
    let n: f64 = n
        .parse()
        .map_err(|_| format!("{s:?}: expected a number and a unit (10GiB, 500MB)"))?;
    let mult: f64 = match unit.trim() {
        "" | "B" => 1.0,
        "KB" | "kB" => 1e3,
        "MB" => 1e6,
        "GB" => 1e9,
        "TB" => 1e12,
        "KiB" => 1024.0,
        "MiB" => 1024.0 * 1024.0,
        "GiB" => 1024.0 * 1024.0 * 1024.0,
        "TiB" => 1024.0 * 1024.0 * 1024.0 * 1024.0,
        u => {
            return Err(format!(
                "{s:?}: unknown unit {u:?} (B, KB, MB, GB, TB, KiB, MiB, GiB, TiB)"
            ))
        }
    };
    let v = n * mult;
    if !(v >= 1.0 && v < u64::MAX as f64) {
        return Err(format!("{s:?}: out of range"));
    }
    Ok(v as u64)
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum FailSafeArg {
    Allow,
    Deny,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    Json,
    Text,
}

/// Logs for a server: JSON lines (or text) on stderr at info, `RUST_LOG` overrides.
pub fn init_logging(format: LogFormat, verbose: u8, quiet: bool) {
    use tracing_subscriber::EnvFilter;
    let filter = match std::env::var("RUST_LOG") {
        Ok(v) if !v.is_empty() => EnvFilter::try_new(&v).unwrap_or_else(|_| EnvFilter::new("palisade=info")),
        _ => EnvFilter::new(match (quiet, verbose) {
            (true, _) => "palisade=error",
            (false, 0) => "palisade=info",
            (false, 1) => "palisade=debug",
            (false, _) => "debug,palisade=trace",
        }),
    };
    let b = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(false);
    let _ = match format {
        LogFormat::Json => b.json().flatten_event(true).with_current_span(false).try_init(),
        LogFormat::Text => b.try_init(),
    };
}

/// The configuration file, loaded again on every reload.
struct FileConfig {
    path: Option<PathBuf>,
    /// What Pod Security `latest` means (the cluster's release).
    latest: palisade_core::PssLatest,
}

impl FileConfig {
    fn load(&self) -> Result<LoadedConfig, String> {
        match &self.path {
            Some(p) => settings::load(p).map_err(|e| e.to_string()),
            None => Ok(LoadedConfig::default()),
        }
    }
}

impl Configure for FileConfig {
    fn build(&self) -> Result<Configured, String> {
        let loaded = self.load()?;
        // The file and its exception files: a change of any of them is a reload.
        let mut files: Vec<PathBuf> = self.path.iter().cloned().collect();
        for e in &loaded.exceptions {
            let f = PathBuf::from(&*e.file);
            if !files.contains(&f) {
                files.push(f);
            }
        }
        let flags = Flags {
            config: self.path.clone(),
            no_config: self.path.is_none(),
            ..Flags::default()
        };
        let mut base = settings::scan_options(&flags, &loaded)?;
        base.pss_latest = self.latest.clone();
        let decider = Decider::new(
            loaded.config.admission.clone(),
            base,
            loaded.config.ignore.clone(),
        )
        .map_err(|e| {
            format!(
                "{}: {e}",
                self.path
                    .as_ref()
                    .map_or(String::new(), |p| p.display().to_string())
            )
        })?;
        Ok(Configured { decider, files })
    }
}

/// Namespace labels from Namespace manifests.
fn static_namespaces(paths: &[String]) -> Result<StaticNamespaces, String> {
    const NAMESPACES: &[palisade_core::GroupKind] = &[palisade_core::GroupKind::core("Namespace")];
    let reads = palisade_core::Reads::kinds(NAMESPACES);
    let (objects, diags) = crate::input::load_files(paths, reads);
    if let Some(d) = diags.iter().find(|d| d.level == palisade_core::DiagLevel::Error) {
        return Err(format!("--namespaces-from: {}", d.message));
    }
    let mut map = HashMap::new();
    for o in objects
        .iter()
        .filter(|o| o.kind == "Namespace" && o.group().is_empty())
    {
        let labels: BTreeMap<String, String> = o
            .labels()
            .and_then(palisade_core::Node::as_map)
            .map(|entries| {
                entries
                    .iter()
                    .filter_map(|e| Some((e.key.to_string(), e.value.as_str()?.to_owned())))
                    .collect()
            })
            .unwrap_or_default();
        map.insert(o.name.clone(), labels);
    }
    Ok(StaticNamespaces(map))
}

#[cfg(feature = "cluster")]
struct Live(palisade_cluster::namespaces::NamespaceWatch);

/// Labels from the cluster, and its release (`/version`) when it answers.
type Watched = (Arc<dyn Namespaces>, crate::cluster::Coverage);

#[cfg(feature = "cluster")]
impl Namespaces for Live {
    fn labels(&self, name: &str) -> Result<Option<BTreeMap<String, String>>, String> {
        self.0.labels(name)
    }
    fn cached(&self, name: &str) -> Option<Result<Option<BTreeMap<String, String>>, String>> {
        self.0.cached(name).map(|l| Ok(Some(l)))
    }
}

#[cfg(feature = "cluster")]
fn live_namespaces(a: &ServeArgs) -> Result<Watched, String> {
    let opts = palisade_cluster::ClusterOptions {
        kubeconfig: a.kubeconfig.clone(),
        context: a.context.clone(),
        timeout: Some(Duration::from_secs(30)),
        ..Default::default()
    };
    let cluster = palisade_cluster::Cluster::connect(&opts).map_err(|e| e.to_string())?;
    tracing::info!(server = %cluster.server, context = %cluster.context, "watching namespaces");
    let watch = palisade_cluster::namespaces::NamespaceWatch::start(cluster).map_err(|e| e.to_string())?;
    let mut coverage = crate::cluster::Coverage::default();
    match watch.server_version() {
        Ok(v) if v.major == 1 => {
            coverage.server_minor = Some(v.minor);
            coverage.server_git_version = Some(v.git_version);
        }
        Ok(_) => {}
        Err(e) => tracing::warn!(error = %e, "the API server's version is unknown"),
    }
    Ok((Arc::new(Live(watch)), coverage))
}

#[cfg(not(feature = "cluster"))]
fn live_namespaces(_: &ServeArgs) -> Result<Watched, String> {
    Err("this palisade was built without cluster support: give --namespaces-from".into())
}

pub fn run(a: ServeArgs) -> Result<u8> {
    let fail = |e: String| {
        tracing::error!(error = %e, "cannot serve");
        eprintln!("palisade: error: {e}");
        Ok(2)
    };
    let valid =
        a.timeout > 0.0 && a.timeout.is_finite() && a.shutdown_delay >= 0.0 && a.shutdown_delay.is_finite();
    if !valid {
        return fail("--timeout must be positive and --shutdown-delay not negative".into());
    }
    if !(a.audit_retention_interval > 0.0 && a.audit_retention_interval.is_finite()) {
        return fail("--audit-retention-interval must be positive".into());
    }
    let kube_version = match a.kube_version.as_deref().map(crate::release::parse_kube_version) {
        None => None,
        Some(Ok(m)) => Some(m),
        Some(Err(e)) => return fail(e),
    };
    let (namespaces, coverage): (Arc<dyn Namespaces>, Option<crate::cluster::Coverage>) =
        if a.namespaces_from.is_empty() {
            match live_namespaces(&a) {
                Ok((n, c)) => (n, Some(c)),
                Err(e) => return fail(format!("namespace labels: {e}")),
            }
        } else {
            match static_namespaces(&a.namespaces_from) {
                Ok(n) => (Arc::new(n), None),
                Err(e) => return fail(e),
            }
        };
    let (latest, warnings) = crate::release::pss_latest(kube_version, coverage.as_ref());
    for w in warnings {
        tracing::warn!("{}", w.message);
    }
    tracing::info!(latest = %latest.release(), from = %latest.from, "Pod Security latest");
    let configure = Arc::new(FileConfig {
        path: a.config.clone(),
        latest,
    });
    let tls = match (&a.tls_cert_file, &a.tls_private_key_file) {
        (Some(cert), Some(key)) => TlsSource::Files {
            cert: cert.clone(),
            key: key.clone(),
        },
        _ => TlsSource::SelfSigned {
            names: a.self_signed_names.clone(),
            write_ca: a.write_ca.clone(),
        },
    };
    let opts = ServeOptions {
        address: a.address,
        port: a.port,
        health_port: a.health_port,
        tls,
        limits: Limits {
            concurrency: a.concurrency.max(1),
            timeout: Duration::from_secs_f64(a.timeout),
            fail_safe: match a.fail_safe {
                FailSafeArg::Allow => FailSafe::Allow,
                FailSafeArg::Deny => FailSafe::Deny,
            },
        },
        reload_every: Duration::from_secs(2),
        shutdown_delay: Duration::from_secs_f64(a.shutdown_delay),
        audit: a
            .audit_store
            .as_ref()
            .map(|url| palisade_server::audit::SinkOptions {
                url: url.clone(),
                retention: palisade_audit_store::Retention {
                    max_age: a.audit_retention,
                    max_events: a.audit_max_events,
                    max_bytes: a.audit_max_size,
                },
                retention_every: Duration::from_secs_f64(a.audit_retention_interval),
            }),
    };
    let detect: Box<dyn palisade_server::audit::Detect> = if a.audit_store.is_some() {
        match sink_detections(a.config.as_deref()) {
            Ok(d) => Box::new(d),
            Err(e) => return fail(e),
        }
    } else {
        Box::new(palisade_server::audit::NoDetections)
    };
    match palisade_server::serve::run(opts, configure, namespaces, detect) {
        Ok(()) => Ok(0),
        Err(e) => fail(e),
    }
}

/// The audit detections (`palisade audit detect`'s rules, selected and configured by the same
/// configuration file as the webhook) run by the audit sink on every stored event.
///
/// A request is evaluated once, at its first stage after `RequestReceived` (which has no
/// response yet): an exec is reported when its stream starts (`ResponseStarted`), not again
/// when it ends. The audit IDs already evaluated are remembered (the latest 100,000).
pub(crate) struct SinkDetections {
    engine: palisade_audit::detect::Engine,
    found: Vec<palisade_audit::detect::Detection>,
    seen: std::collections::HashSet<String>,
    order: std::collections::VecDeque<String>,
}

const SINK_SEEN: usize = 100_000;

pub(crate) fn sink_detections(config: Option<&std::path::Path>) -> Result<SinkDetections, String> {
    let flags = Flags {
        config: config.map(std::path::Path::to_path_buf),
        no_config: config.is_none(),
        ..Default::default()
    };
    let loaded = settings::load_config(&flags).map_err(|e| e.to_string())?;
    let (rules, cfg) = crate::audit::detect::configured_rules(&loaded.config, &[], &[])?;
    tracing::info!(rules = rules.len(), "audit detections");
    Ok(SinkDetections {
        engine: palisade_audit::detect::Engine::with_rules(&rules, &cfg),
        found: Vec::new(),
        seen: std::collections::HashSet::new(),
        order: std::collections::VecDeque::new(),
    })
}

impl palisade_server::audit::Detect for SinkDetections {
    fn event(
        &mut self,
        loc: &palisade_audit::Loc,
        ev: &palisade_audit::Event<'_>,
        out: &mut Vec<palisade_server::audit::Detected>,
    ) {
        if ev.stage == palisade_audit::Stage::RequestReceived {
            return;
        }
        if !ev.audit_id.is_empty() {
            if self.seen.contains(ev.audit_id.as_ref()) {
                return;
            }
            let id = ev.audit_id.to_string();
            self.seen.insert(id.clone());
            self.order.push_back(id);
            if self.order.len() > SINK_SEEN {
                if let Some(old) = self.order.pop_front() {
                    self.seen.remove(&old);
                }
            }
        }
        self.found.clear();
        self.engine.event(loc, ev, &mut self.found);
        for d in self.found.drain(..) {
            out.push(palisade_server::audit::Detected {
                rule: d.rule.code.to_owned(),
                message: format!(
                    "{} {} ({}{}): {}",
                    d.rule.name,
                    d.severity,
                    if d.attempt { "attempt, " } else { "" },
                    d.target,
                    d.message
                ),
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sink_detections_run_once_per_request() {
        use palisade_server::audit::Detect;
        let mut d = sink_detections(None).unwrap();
        let text = |stage: &str| {
            format!(
                r#"{{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Metadata","auditID":"x1","stage":"{stage}","requestURI":"/api/v1/namespaces/shop/pods/web/exec?command=sh","verb":"create","user":{{"username":"mallory","groups":["system:authenticated"]}},"sourceIPs":["10.0.0.9"],"objectRef":{{"resource":"pods","namespace":"shop","name":"web","subresource":"exec","apiVersion":"v1"}},"responseStatus":{{"code":101}},"stageTimestamp":"2026-11-22T13:03:10.204691Z","annotations":{{"authorization.k8s.io/decision":"allow"}}}}"#
            )
        };
        let loc = palisade_audit::Loc {
            file: std::sync::Arc::from("sink"),
            line: 1,
            item: None,
        };
        let mut out = Vec::new();
        for stage in ["RequestReceived", "ResponseStarted", "ResponseComplete"] {
            palisade_audit::decode::decode(&text(stage), &mut |_, ev| d.event(&loc, &ev, &mut out)).unwrap();
        }
        let codes: Vec<&str> = out.iter().map(|x| x.rule.as_str()).collect();
        assert_eq!(codes.iter().filter(|c| **c == codes[0]).count(), 1, "{out:?}");
        assert!(!out.is_empty());
        assert!(
            out.iter().any(|x| x.message.contains("pods/exec shop/web")),
            "{out:?}"
        );
    }

    #[test]
    fn ages_and_sizes() {
        assert_eq!(parse_age("30d"), Ok(Duration::from_secs(30 * 86400)));
        assert_eq!(parse_age("90m"), Ok(Duration::from_secs(5400)));
        assert!(parse_age("30").is_err());
        assert!(parse_age("0h").is_err());
        assert!(parse_age("3y").is_err());
        assert_eq!(parse_size("10GiB"), Ok(10 << 30));
        assert_eq!(parse_size("500MB"), Ok(500_000_000));
        assert_eq!(parse_size("1.5KiB"), Ok(1536));
        assert_eq!(parse_size("4096"), Ok(4096));
        assert!(parse_size("10 parsecs").is_err());
        assert!(parse_size("0").is_err());
    }
}
