//! The answer of `palisade psa` as a presentation model: for each namespace its Pod Security
//! Admission levels, the pods that violate them now, and the server's answer to each label
//! change tried. Built by the CLI from palisade_pss's evaluation; rendered by the human and
//! JSON formats.

use palisade_pss::{NamespaceLevels, NamespaceUpdate, Policy};
use serde::{Serialize, Serializer};

/// The audit of every namespace.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PsaAnswer {
    /// What was read (the paths given, or the cluster context).
    pub target: String,
    /// `cluster pods` or `one pod per workload template`.
    pub pods_from: &'static str,
    /// The release `latest` means here (`v1.36`): the API server's with a cluster, else
    /// `--kube-version` or the newest palisade knows.
    pub latest: String,
    /// Where `latest` comes from (`the API server's version v1.36.2`, …).
    pub latest_from: String,
    pub namespaces: Vec<PsaNamespace>,
    /// Input errors the answer rests on (e.g. Pods that could not be read): it is incomplete.
    pub errors: Vec<String>,
}

impl PsaAnswer {
    pub fn new(target: String, from_cluster: bool, namespaces: Vec<PsaNamespace>) -> PsaAnswer {
        PsaAnswer {
            target,
            pods_from: if from_cluster {
                "cluster pods"
            } else {
                "one pod per workload template"
            },
            latest: format!("v1.{}", palisade_pss::MAX_VERSION),
            latest_from: "the newest release palisade knows".to_owned(),
            namespaces,
            errors: Vec::new(),
        }
    }

    pub fn from_cluster(&self) -> bool {
        self.pods_from == "cluster pods"
    }
}

/// A policy: level and version.
#[derive(Clone, Debug, Serialize)]
pub struct PsaPolicy {
    pub level: &'static str,
    pub version: String,
}

impl From<Policy> for PsaPolicy {
    fn from(p: Policy) -> PsaPolicy {
        PsaPolicy {
            level: p.level.as_str(),
            version: p.version.to_string(),
        }
    }
}

impl std::fmt::Display for PsaPolicy {
    /// `baseline:latest`, like [`Policy`].
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}", self.level, self.version)
    }
}

/// A pod that violates a policy, and the aggregated reason.
#[derive(Clone, Debug, Serialize)]
pub struct PodViolation {
    pub pod: String,
    pub detail: String,
}

fn violations(v: &[(String, String)]) -> Vec<PodViolation> {
    v.iter()
        .map(|(pod, detail)| PodViolation {
            pod: pod.clone(),
            detail: detail.clone(),
        })
        .collect()
}

/// The pods violating each current policy.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Violating {
    pub enforce: Vec<PodViolation>,
    pub audit: Vec<PodViolation>,
    pub warn: Vec<PodViolation>,
}

impl Violating {
    /// From (pod, detail) lists for enforce, audit and warn.
    pub fn new(now: &[Vec<(String, String)>; 3]) -> Violating {
        Violating {
            enforce: violations(&now[0]),
            audit: violations(&now[1]),
            warn: violations(&now[2]),
        }
    }
}

/// One namespace.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PsaNamespace {
    pub name: String,
    /// Whether a Namespace object was read (otherwise only named by objects).
    pub defined: bool,
    pub exempt: bool,
    pub enforce: PsaPolicy,
    pub audit: PsaPolicy,
    pub warn: PsaPolicy,
    pub label_errors: Vec<String>,
    pub pods: usize,
    pub violating_now: Violating,
    pub changes: Vec<PsaChange>,
}

impl PsaNamespace {
    pub fn new(
        name: &str,
        defined: bool,
        exempt: bool,
        current: &NamespaceLevels,
        pods: usize,
        violating_now: Violating,
        changes: Vec<PsaChange>,
    ) -> PsaNamespace {
        PsaNamespace {
            name: name.to_owned(),
            defined,
            exempt,
            enforce: current.enforce.into(),
            audit: current.audit.into(),
            warn: current.warn.into(),
            label_errors: current.errors.clone(),
            pods,
            violating_now,
            changes,
        }
    }
}

fn as_map<S: Serializer>(labels: &[(String, String)], s: S) -> Result<S::Ok, S::Error> {
    s.collect_map(labels.iter().map(|(k, v)| (k, v)))
}

/// A label change tried on a namespace, and what the API server answers.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PsaChange {
    #[serde(serialize_with = "as_map")]
    pub labels: Vec<(String, String)>,
    /// The `kubectl label --dry-run=server` command whose answer this is.
    pub command: String,
    pub invalid: Vec<String>,
    pub warnings: Vec<String>,
    pub checked_against: Option<String>,
    pub skipped: Option<&'static str>,
    pub checked: usize,
    pub total: usize,
    pub rejected: Vec<PodViolation>,
}

impl PsaChange {
    pub fn new(namespace: &str, labels: Vec<(String, String)>, u: &NamespaceUpdate) -> PsaChange {
        let set: Vec<String> = labels.iter().map(|(k, v)| format!("{k}={v}")).collect();
        PsaChange {
            command: format!(
                "kubectl label --dry-run=server --overwrite ns {namespace} {}",
                set.join(" ")
            ),
            labels,
            invalid: u.invalid.clone(),
            warnings: u.warnings.clone(),
            checked_against: u.checked_against.map(|p| p.to_string()),
            skipped: u.skipped,
            checked: u.checked,
            total: u.total,
            rejected: violations(&u.violations),
        }
    }
}
