//! `palisade psa`: the Pod Security Admission audit of namespaces. For each namespace: its
//! enforce/audit/warn levels and versions, the pods that violate them now, and what the API
//! server answers if the enforce level is raised (`kubectl label --dry-run=server ns X
//! pod-security.kubernetes.io/enforce=…`): the same warnings, and every pod that would be
//! rejected when re-created, with why. Reads a cluster (`--cluster`, every Pod) or manifests
//! (one pod per workload template). Exit codes: 0 nothing would be rejected, 1 a change
//! would reject pods (or is invalid), 2 input errors.

use crate::input::Input;
use anyhow::Result;
use clap::{Args, ValueEnum};
use palisade_core::{pod_templates, Node, Object, TemplateKind};
use palisade_pss::{
    parse_namespace_labels, update_namespace_at, Exemptions, ExistingPod, Level, NamespaceLevels,
    NamespaceUpdate, PodInput, Policy, Version,
};
use palisade_report::psa::{PsaAnswer, PsaChange, PsaNamespace, Violating};
use std::collections::BTreeMap;
use std::io::Write;

#[derive(Clone, Copy, Debug, ValueEnum, PartialEq, Eq)]
pub enum TargetLevel {
    Privileged,
    Baseline,
    Restricted,
}

#[derive(Args, Debug)]
pub struct PsaArgs {
    #[command(flatten)]
    pub source: crate::cluster::Source,
    /// Only this namespace. With --cluster and neither -n nor -A: the context's namespace.
    #[arg(short = 'n', long, value_name = "NS", conflicts_with = "all_namespaces")]
    pub namespace: Option<String>,
    /// Every namespace (the default for manifests).
    #[arg(short = 'A', long)]
    pub all_namespaces: bool,
    /// The enforce level to try (default: the next level above each namespace's current one,
    /// or the latest version when a namespace pins restricted to an older one).
    #[arg(long, value_enum)]
    pub level: Option<TargetLevel>,
    /// Also set `pod-security.kubernetes.io/enforce-version` to this (`latest` or `v1.N`).
    #[arg(long = "version", value_name = "VERSION", requires = "level")]
    pub version: Option<String>,
    /// Namespaces exempt in the cluster's PodSecurity admission configuration (repeatable).
    #[arg(long, value_name = "NS")]
    pub exempt_namespace: Vec<String>,
    /// RuntimeClasses exempt in the cluster's PodSecurity admission configuration (repeatable).
    #[arg(long, value_name = "NAME")]
    pub exempt_runtime_class: Vec<String>,
    /// The Kubernetes release whose Pod Security Admission to emulate, `v1.N`: what `latest`
    /// (and any newer version) means. Default: the newest palisade knows; with --cluster, the
    /// API server's version.
    #[arg(long, value_name = "VERSION", conflicts_with = "cluster")]
    pub kube_version: Option<String>,
    /// Output format.
    #[arg(short, long, value_enum, default_value = "human")]
    pub output: crate::rbac::Out,
}

const PREFIX: &str = "pod-security.kubernetes.io/";

/// One pod as the namespace holds it: from the cluster, or one per workload template.
struct PodRef<'a> {
    name: String,
    controller: Option<&'a str>,
    runtime_class: Option<&'a str>,
    input: PodInput<'a>,
}

struct Ns<'a> {
    labels: Option<&'a Node>,
    /// Whether a Namespace object was read (otherwise only named by objects).
    defined: bool,
    pods: Vec<PodRef<'a>>,
}

/// The object's name; without a string `metadata.name` (an object the API server would
/// reject), what was written and where: `<name 123 at pods.yaml:4:9>`.
fn object_name(o: &Object) -> String {
    if !o.name.is_empty() {
        return o.name.clone();
    }
    let node = o.root.get("metadata").and_then(|m| m.get("name"));
    let written = match node {
        Some(n) if !n.is_null() => format!("name {}", n.to_json()),
        _ => "no name".to_owned(),
    };
    match o.location_of(node.map_or(o.root.pos, |n| n.pos)) {
        Some(at) => format!("<{written} at {at}>"),
        None => format!("<{written}>"),
    }
}

/// Builds the namespaces and their pods from the objects read.
fn namespaces<'a>(objects: &'a [Object], from_cluster: bool) -> BTreeMap<String, Ns<'a>> {
    let mut out: BTreeMap<String, Ns<'a>> = BTreeMap::new();
    for o in objects {
        if o.group().is_empty() && o.kind == "Namespace" {
            let e = out.entry(o.name.clone()).or_insert(Ns {
                labels: None,
                defined: false,
                pods: Vec::new(),
            });
            e.labels = o.labels();
            e.defined = true;
            continue;
        }
        for t in pod_templates(o) {
            let ns = o.namespace.clone().unwrap_or_else(|| "default".into());
            let is_pod = t.kind == TemplateKind::Pod;
            let name = if from_cluster || is_pod {
                object_name(o)
            } else {
                format!("{}/{}", o.kind.to_lowercase(), object_name(o))
            };
            out.entry(ns)
                .or_insert(Ns {
                    labels: None,
                    defined: false,
                    pods: Vec::new(),
                })
                .pods
                .push(PodRef {
                    name,
                    controller: if is_pod { o.controller_uid() } else { None },
                    runtime_class: t.spec.get("runtimeClassName").and_then(Node::as_str),
                    input: PodInput {
                        metadata: t.metadata,
                        spec: t.spec,
                        is_pod,
                    },
                });
        }
    }
    for ns in out.values_mut() {
        ns.pods.sort_by(|a, b| a.name.cmp(&b.name));
    }
    out
}

/// The label values of a namespace, with `set` applied.
fn labels_with(labels: Option<&Node>, set: &[(String, String)]) -> Node {
    let mut m = serde_json::Map::new();
    if let Some(entries) = labels.and_then(Node::as_map) {
        for e in entries {
            m.insert(e.key.to_string(), e.value.to_json());
        }
    }
    for (k, v) in set {
        m.insert(k.clone(), v.clone().into());
    }
    Node::from_json(&serde_json::Value::Object(m))
}

/// The changes to try on a namespace with `current` levels.
fn changes_for(current: &NamespaceLevels, a: &PsaArgs) -> Vec<Vec<(String, String)>> {
    let enforce = format!("{PREFIX}enforce");
    let version = format!("{PREFIX}enforce-version");
    if let Some(l) = a.level {
        let level = match l {
            TargetLevel::Privileged => "privileged",
            TargetLevel::Baseline => "baseline",
            TargetLevel::Restricted => "restricted",
        };
        let mut set = vec![(enforce, level.to_owned())];
        if let Some(v) = &a.version {
            set.push((version, v.clone()));
        }
        return vec![set];
    }
    match current.enforce.level {
        Level::Privileged => vec![vec![(enforce, "baseline".into())]],
        Level::Baseline => vec![vec![(enforce, "restricted".into())]],
        Level::Restricted if current.enforce.version != Version::Latest => {
            vec![vec![(version, "latest".into())]]
        }
        Level::Restricted => Vec::new(),
    }
}

/// Pods of a namespace that violate one of its current policies: (pod, detail).
fn violations(latest: u32, pods: &[PodRef<'_>], p: Policy, ex: &Exemptions) -> Vec<(String, String)> {
    if p.level == Level::Privileged {
        return Vec::new();
    }
    pods.iter()
        .filter(|r| !ex.exempts_runtime_class(r.runtime_class))
        .filter_map(|r| {
            let e = palisade_pss::evaluate_at(latest, p.level, p.version, &r.input);
            (!e.allowed()).then(|| (r.name.clone(), e.aggregate_detail()))
        })
        .collect()
}

/// The input (its problems printed), the target's name and the namespace to audit.
fn load(a: &PsaArgs) -> (Input, String, Option<String>) {
    if a.source.cluster.cluster {
        match crate::cluster::load_pods(&a.source.cluster, a.namespace.clone(), a.all_namespaces) {
            Ok(r) => {
                let input = Input::cluster(r.objects, r.diags, r.coverage);
                input.print();
                (input, r.target, r.namespace)
            }
            Err(e) => {
                let input = Input::failed(e);
                input.print();
                (input, String::new(), None)
            }
        }
    } else {
        let input = Input::files(&a.source.paths, crate::input::PSA_READS);
        input.print();
        (input, a.source.paths.join(" "), a.namespace.clone())
    }
}

pub fn run(a: PsaArgs) -> Result<u8> {
    if let Some(v) = &a.version {
        if Version::parse(v).is_none() {
            eprintln!("palisade: error: --version {v:?}: must be \"latest\" or \"v1.x\"");
            return Ok(2);
        }
    }
    let kube_version = match a.kube_version.as_deref().map(crate::release::parse_kube_version) {
        None => None,
        Some(Ok(m)) => Some(m),
        Some(Err(e)) => {
            eprintln!("palisade: error: {e}");
            return Ok(2);
        }
    };
    let (input, target, only) = load(&a);
    if input.nothing_read {
        let answer = palisade_report::NoVerdict {
            errors: input.errors(),
        };
        let mut out = std::io::BufWriter::new(std::io::stdout().lock());
        palisade_report::render_answer(&answer, a.output.into(), &mut out)?;
        out.flush()?;
        return Ok(2);
    }
    let (latest, warnings) = crate::release::pss_latest(kube_version, input.coverage.as_ref());
    warnings.iter().for_each(crate::input::print_diagnostic);
    let objects = &input.objects;
    let from_cluster = a.source.cluster.cluster;
    let ex = Exemptions {
        namespaces: a.exempt_namespace.clone(),
        runtime_classes: a.exempt_runtime_class.clone(),
    };
    let mut nss = namespaces(objects, from_cluster);
    if let Some(n) = &only {
        nss.retain(|k, _| k == n);
    }
    let mut rejecting = false;
    let mut rows = Vec::new();
    for (name, ns) in &nss {
        let current = parse_namespace_labels(ns.labels);
        let exempt = ex.namespaces.iter().any(|n| n == name);
        let pods: Vec<ExistingPod<'_>> = ns
            .pods
            .iter()
            .map(|p| ExistingPod {
                name: &p.name,
                controller: p.controller,
                runtime_class: p.runtime_class,
                pod: p.input,
            })
            .collect();
        let updates: Vec<(Vec<(String, String)>, NamespaceUpdate)> = changes_for(&current, &a)
            .into_iter()
            .map(|set| {
                let new_labels = labels_with(ns.labels, &set);
                let new = parse_namespace_labels(Some(&new_labels));
                let update =
                    update_namespace_at(latest.minor, name, &current, &new, Some(&new_labels), &pods, &ex);
                (set, update)
            })
            .collect();
        rejecting |= updates
            .iter()
            .any(|(_, u)| !u.invalid.is_empty() || !u.violations.is_empty());
        let now = if exempt {
            [Vec::new(), Vec::new(), Vec::new()]
        } else {
            [
                violations(latest.minor, &ns.pods, current.enforce, &ex),
                violations(latest.minor, &ns.pods, current.audit, &ex),
                violations(latest.minor, &ns.pods, current.warn, &ex),
            ]
        };
        let changes = updates
            .into_iter()
            .map(|(set, u)| PsaChange::new(name, set, &u))
            .collect();
        rows.push(PsaNamespace::new(
            name,
            ns.defined,
            exempt,
            &current,
            ns.pods.len(),
            Violating::new(&now),
            changes,
        ));
    }
    let mut answer = PsaAnswer::new(target, from_cluster, rows);
    answer.latest = latest.release();
    answer.latest_from = latest.from;
    answer.errors = input.errors();
    let errors = input.has_errors();
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    palisade_report::render_answer(&answer, a.output.into(), &mut out)?;
    out.flush()?;
    Ok(if errors {
        2
    } else if rejecting {
        1
    } else {
        0
    })
}
