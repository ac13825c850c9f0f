//! palisade bench: the CIS Kubernetes Benchmark (sections 1–4: control-plane files, API
//! server, controller-manager, scheduler, etcd, control-plane configuration, worker files,
//! kubelet, kube-proxy) checked from what a node *is*: its files with modes and owners, its
//! static-pod manifests, systemd units, kubelet configuration with drop-ins, and process
//! command lines.
//!
//! * [`facts`]: the node facts model ([`NodeFacts`]: files, processes, versions, problems);
//! * [`gather`]: all I/O — a directory, a tarball, or this machine (`--node`);
//! * [`layout`]: where files are per distribution (kubeadm, k3s, RKE2, microk8s), overrides;
//! * [`argv`], [`components`]: flags and configuration of each component with locations;
//! * [`catalogue`]: the embedded checks file and the benchmark selection;
//! * [`collect`]: `bench collect` — the facts as a tarball, secrets summarised, not copied;
//! * [`policies`]: section 5, decided by the scan's rules that cite its ids (`bench --cluster`);
//! * [`eval`]: the pure evaluation of one check; [`bench`] runs them all into a [`BenchReport`];
//! * [`extra`]: palisade's own node checks beyond the flags (`NODE101`…: PKI, kubeconfigs,
//!   encryption at rest, audit policy, admission plugins, CoreDNS), after the catalogue's.
//!
//! Rendering is `palisade_report::bench`'s job; this crate never prints.

pub mod argv;
pub mod catalogue;
pub mod collect;
pub mod components;
pub mod eval;
pub mod extra;
pub mod facts;
pub mod gather;
pub mod layout;
pub mod policies;

pub use argv::Where;
pub use catalogue::Selection;
pub use eval::{CheckResult, ItemResult, Source, Status};
pub use facts::{FileFact, FileKind, Level, NodeFacts, Problem, Process, ProcessOrigin, VersionFact};
pub use layout::{Distribution, PathKind};

use serde::Serialize;

/// What to check and how.
#[derive(Clone, Debug, Default)]
pub struct Options {
    /// `--benchmark`: `cis-1.12` or `cis-2.0`.
    pub benchmark: Option<String>,
    /// `--distribution`: force a layout instead of detecting it.
    pub distribution: Option<Distribution>,
    /// `--kubelet-config PATH` and the other path overrides.
    pub overrides: Vec<(PathKind, String)>,
    /// `--kube-version`: the Kubernetes version, when the node does not tell.
    pub kube_version: Option<String>,
    /// Only these checks (ids or group prefixes: `1.2`, `4.2.1`; `NODE101`, `N.1`, `N`); empty: all.
    pub checks: Vec<String>,
    /// The options of palisade's own checks (certificate expiry warning, CoreDNS config).
    pub extra: extra::ExtraOptions,
}

/// A component as found on the node.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ComponentSummary {
    pub name: &'static str,
    /// How it was found; absent when it is not on the node.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub found: Option<String>,
    /// Where its flags came from.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub flags_from: Option<String>,
    /// Its configuration files, in merge order.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub config_files: Vec<String>,
}

/// Pass / fail / warn / not-applicable counts.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    pub pass: usize,
    pub fail: usize,
    pub warn: usize,
    pub not_applicable: usize,
}

impl Counts {
    fn add(&mut self, s: Status) {
        match s {
            Status::Pass => self.pass += 1,
            Status::Fail => self.fail += 1,
            Status::Warn => self.warn += 1,
            Status::NotApplicable => self.not_applicable += 1,
        }
    }
}

/// The outcome of `palisade bench`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct BenchReport {
    pub benchmark: Selection,
    /// The Kubernetes version used for the selection, and where it was found.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kubernetes_version: Option<VersionFact>,
    pub distribution: Distribution,
    pub distribution_reason: String,
    /// What was read (`/host`, `node.tar.gz`, `this node`).
    pub origin: String,
    pub components: Vec<ComponentSummary>,
    pub results: Vec<CheckResult>,
    /// Input problems, located; errors make the run exit 2.
    pub problems: Vec<Problem>,
    /// A node was read (sections 1–4); false for section 5 alone (`bench --cluster`).
    #[serde(skip)]
    pub node: bool,
}

impl BenchReport {
    /// Counts of one section (`"1"`), or of all with `None`.
    pub fn counts(&self, section: Option<&str>) -> Counts {
        let mut c = Counts::default();
        for r in self
            .results
            .iter()
            .filter(|r| section.is_none_or(|s| r.section == s))
        {
            c.add(r.status);
        }
        c
    }
    pub fn has_errors(&self) -> bool {
        self.problems.iter().any(|p| p.level == Level::Error)
    }
    /// 0: every evaluated check passed (warnings and not-applicable allowed); 1: a check
    /// failed; 2: an input error, or nothing to check.
    pub fn exit_code(&self) -> u8 {
        if self.has_errors() {
            2
        } else if self.counts(None).fail > 0 {
            1
        } else {
            0
        }
    }
}

/// Runs the checks of sections 1–4 on the facts of a node. Pure. Err: an unknown
/// `--benchmark` or `--check` (usage errors).
pub fn bench(facts: &NodeFacts, opts: &Options) -> Result<BenchReport, String> {
    let gopts = gather::GatherOptions {
        distribution: opts.distribution,
        overrides: opts.overrides.clone(),
        pids: Vec::new(),
        proc_dir: None,
    };
    let (layout, distribution_reason) = gather::layout_for(facts, &gopts);
    let overridden = |k: PathKind| opts.overrides.iter().any(|(o, _)| *o == k);
    // A first model finds the images (versions); the second knows the version.
    let probe = components::build(facts, &layout, &components::ModelOptions::default());
    let version = find_version(facts, &probe, opts.kube_version.as_deref());
    let parsed = version
        .as_ref()
        .and_then(|v| catalogue::parse_version(&v.version));
    if let (Some(v), None) = (&version, parsed) {
        if v.source == "--kube-version" {
            return Err(format!("--kube-version {:?}: expected v1.N or v1.N.P", v.version));
        }
    }
    let selection = catalogue::select(opts.benchmark.as_deref(), parsed)?;
    let model = components::build(
        facts,
        &layout,
        &components::ModelOptions {
            kubelet_config_overridden: overridden(PathKind::KubeletConfig),
            kube_proxy_config_overridden: overridden(PathKind::ProxyConfig),
            version: parsed,
        },
    );
    for c in &opts.checks {
        let known = catalogue::catalogue()
            .checks
            .iter()
            .any(|d| d.id == *c || d.id.starts_with(&format!("{c}.")) || d.section_id() == c)
            || extra::known_selector(c);
        if !known {
            return Err(format!(
                "--check {c}: no such check or group in {}",
                selection.benchmark
            ));
        }
    }
    let eopts = eval::EvalOptions {
        kubelet_config_overridden: overridden(PathKind::KubeletConfig),
    };
    let mut results = Vec::new();
    for check in &catalogue::catalogue().checks {
        if !catalogue::NODE_SECTIONS.contains(&check.section_id()) {
            continue;
        }
        if !opts.checks.is_empty()
            && !opts
                .checks
                .iter()
                .any(|c| check.id == *c || check.id.starts_with(&format!("{c}.")) || check.section_id() == c)
        {
            continue;
        }
        results.push(eval::evaluate(check, &model, facts, &eopts));
    }
    // palisade's own checks, after the catalogue's (`--check` selects them by code or group).
    let (extra_results, extra_problems) = extra::run(facts, &model, parsed, &opts.extra, &opts.checks);
    results.extend(extra_results);
    let mut problems = facts.problems.clone();
    problems.extend(model.problems.iter().cloned());
    problems.extend(extra_problems);
    if let Some(w) = &selection.wanted {
        problems.push(Problem::warning(
            version.as_ref().map_or(String::new(), |v| v.source.clone()),
            format!(
                "Kubernetes {} maps to {w}, which palisade does not have: checked against cis-1.12",
                version.as_ref().map_or("", |v| v.version.as_str())
            ),
        ));
    }
    if !model.components.iter().any(|c| c.present()) {
        problems.push(Problem::error(
            facts.origin.clone(),
            None,
            None,
            format!(
                "nothing to check: no Kubernetes component found ({} layout: no process, static-pod manifest, systemd unit or configuration file)",
                layout.distribution.as_str()
            ),
        ));
    }
    problems.sort();
    problems.dedup();
    Ok(BenchReport {
        benchmark: selection,
        kubernetes_version: version,
        distribution: layout.distribution,
        distribution_reason,
        origin: facts.origin.clone(),
        components: model
            .components
            .iter()
            .map(|c| ComponentSummary {
                name: c.kind.name(),
                found: c.found.clone(),
                flags_from: c.flags_from.clone(),
                config_files: c.config_files.clone(),
            })
            .collect(),
        results,
        problems,
        node: true,
    })
}

/// A report of section 5 alone (`bench --cluster` without a node): the benchmark from
/// `--benchmark` / `--kube-version` (else cis-1.12; section 5 is the same in both).
pub fn policies_report(opts: &Options, origin: &str) -> Result<BenchReport, String> {
    let parsed = match &opts.kube_version {
        Some(v) => Some(
            catalogue::parse_version(v)
                .ok_or_else(|| format!("--kube-version {v:?}: expected v1.N or v1.N.P"))?,
        ),
        None => None,
    };
    Ok(BenchReport {
        benchmark: catalogue::select(opts.benchmark.as_deref(), parsed)?,
        kubernetes_version: opts.kube_version.as_ref().map(|v| VersionFact {
            version: v.clone(),
            source: "--kube-version".into(),
        }),
        distribution: Distribution::Kubeadm,
        distribution_reason: "no node read: section 5 only".into(),
        origin: origin.to_owned(),
        components: Vec::new(),
        results: Vec::new(),
        problems: Vec::new(),
        node: false,
    })
}

impl BenchReport {
    /// Joins the section-5 results (`policies::evaluate`) and the problems met reading the
    /// objects they were decided on (`origin`: the cluster or the manifests).
    pub fn add_policies(&mut self, results: Vec<CheckResult>, problems: Vec<Problem>, origin: &str) {
        self.results.extend(results);
        self.problems.extend(problems);
        if self.node {
            self.origin = format!("{} + {origin}", self.origin);
        }
    }
}

/// The Kubernetes version: `--kube-version`, else one the facts record (a collected
/// `kubelet --version`), else the image tag of a control-plane static pod or kube-proxy
/// (etcd's image has etcd's own version).
pub(crate) fn find_version(
    facts: &NodeFacts,
    m: &components::NodeModel,
    forced: Option<&str>,
) -> Option<VersionFact> {
    if let Some(v) = forced {
        return Some(VersionFact {
            version: v.to_owned(),
            source: "--kube-version".into(),
        });
    }
    if let Some(v) = facts
        .versions
        .iter()
        .find(|v| catalogue::parse_version(&v.version).is_some())
    {
        return Some(v.clone());
    }
    for k in [
        components::Kind::Apiserver,
        components::Kind::ControllerManager,
        components::Kind::Scheduler,
        components::Kind::Proxy,
    ] {
        let c = m.get(k);
        if let Some(img) = &c.image {
            let tag = img.rsplit_once(':').map(|(_, t)| t).unwrap_or("");
            if tag.starts_with('v') && catalogue::parse_version(tag).is_some() {
                return Some(VersionFact {
                    version: tag.to_owned(),
                    source: format!("image of {}", c.found.clone().unwrap_or_default()),
                });
            }
        }
    }
    None
}

/// The check definitions of sections 1–4 (for `palisade bench --explain` and `--list`).
pub fn node_checks() -> impl Iterator<Item = &'static catalogue::CheckDef> {
    catalogue::catalogue()
        .checks
        .iter()
        .filter(|c| catalogue::NODE_SECTIONS.contains(&c.section_id()))
}
