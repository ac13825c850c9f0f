//! An exact re-implementation of Kubernetes' Pod Security Admission policy library
//! (`k8s.io/pod-security-admission/policy`): for a pod and a (level, version) it produces the
//! same decision, check IDs, reasons and details, aggregated in the same order, plus the
//! namespace-label parsing and message formats of the admission plugin. Ground truth:
//! `shared/spec/pod-security-standards.md`. No I/O and no knowledge of object kinds beyond
//! the pod (template) it is given.

pub mod checks;
mod decode;
mod format;
mod level;
mod model;
mod namespace;

use palisade_core::{FieldPath, Node};

pub use level::{Level, Version, MAX_VERSION};
pub use namespace::{
    denial_message, parse_namespace_labels, update_namespace, update_namespace_at, warning_message,
    Exemptions, ExistingPod, NamespaceLevels, NamespaceUpdate, Policy, MAX_PODS_TO_CHECK,
};

pub use palisade_core::psa::CheckInfo;

/// All 19 checks, in the global execution order (baseline IDs byte-wise sorted, then
/// restricted IDs byte-wise sorted).
pub static CHECKS: std::sync::LazyLock<Vec<&'static CheckInfo>> =
    std::sync::LazyLock::new(|| checks::DEFS.iter().map(|d| d.info).collect());

/// The IDs of the checks run at `level` and `version`, in execution order.
pub fn checks_for(level: Level, version: Version) -> Vec<&'static str> {
    checks::active(level, version.effective())
        .into_iter()
        .map(|(d, _)| d.info.id)
        .collect()
}

/// A field responsible for a forbidden result.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Offender {
    /// Path relative to a virtual pod object, starting with `metadata` or `spec`. For a field
    /// that must be set but is absent, the path of that field.
    pub path: FieldPath,
    /// The name of the container the field belongs to, if any.
    pub container: Option<String>,
    /// What is wrong with this field alone, in the words of the check's detail, when the
    /// check's detail lists several fields (`volume "data" uses restricted volume type
    /// "hostPath"`). `None` when the check's detail is about this field only.
    pub detail: Option<String>,
}

/// One forbidden check result.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CheckResult {
    /// The check (its ID is `check.id`).
    pub check: &'static CheckInfo,
    pub id: &'static str,
    pub reason: String,
    pub detail: String,
    pub offenders: Vec<Offender>,
}

/// A field whose JSON type is wrong; it was treated as unset.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct TypeError {
    pub path: FieldPath,
    /// The full message including the path, e.g.
    /// `spec.containers[0].securityContext.privileged: expected boolean, got string "maybe"`.
    pub message: String,
}

/// The outcome of evaluating one pod against one (level, version).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Evaluation {
    /// The forbidden results, in execution order.
    pub forbidden: Vec<CheckResult>,
    /// Wrong-typed fields met while reading the pod (reported whatever the level).
    pub type_errors: Vec<TypeError>,
}

const UNKNOWN_FORBIDDEN_REASON: &str = "unknown forbidden reason";

impl Evaluation {
    /// True when no check forbids the pod. Type errors do not count.
    pub fn allowed(&self) -> bool {
        self.forbidden.is_empty()
    }

    fn reasons(&self) -> impl Iterator<Item = &str> {
        self.forbidden.iter().map(|r| {
            if r.reason.is_empty() {
                UNKNOWN_FORBIDDEN_REASON
            } else {
                r.reason.as_str()
            }
        })
    }

    /// The forbidden reasons joined with `", "`.
    pub fn aggregate_reason(&self) -> String {
        self.reasons().collect::<Vec<_>>().join(", ")
    }

    /// `reason (detail)` (or `reason` alone when the detail is empty) for each forbidden
    /// result, joined with `", "`.
    pub fn aggregate_detail(&self) -> String {
        // Written into one string (a warning per pod template: many on a large input).
        let len = self
            .forbidden
            .iter()
            .map(|r| r.reason.len().max(UNKNOWN_FORBIDDEN_REASON.len()) + r.detail.len() + 5);
        let mut out = String::with_capacity(len.sum());
        for (i, (reason, r)) in self.reasons().zip(&self.forbidden).enumerate() {
            if i > 0 {
                out.push_str(", ");
            }
            out.push_str(reason);
            if !r.detail.is_empty() {
                out.push_str(" (");
                out.push_str(&r.detail);
                out.push(')');
            }
        }
        out
    }
}

/// The pod (or pod template) to evaluate.
#[derive(Clone, Copy, Debug)]
pub struct PodInput<'a> {
    /// The pod metadata (only `annotations` is read).
    pub metadata: Option<&'a Node>,
    /// The PodSpec.
    pub spec: &'a Node,
    /// True for bare Pods: enables the hostNetwork hostPort defaulting (spec §7.2).
    pub is_pod: bool,
}

/// Evaluates `pod` at `level` and `version` as Pod Security Admission inside the API server
/// sees it: after the API-server defaulting of spec §7 (a volume without a source is an
/// emptyDir; for bare Pods with `hostNetwork: true`, a zero `hostPort` takes the
/// `containerPort`). Never panics, whatever the input's shape.
pub fn evaluate(level: Level, version: Version, pod: &PodInput<'_>) -> Evaluation {
    run(level, version.effective(), pod, true)
}

/// [`evaluate`] as the admission plugin of release v1.`latest` does (a v1.36 API server:
/// `latest` means v1.36; see [`Version::effective_at`]).
pub fn evaluate_at(latest: u32, level: Level, version: Version, pod: &PodInput<'_>) -> Evaluation {
    run(level, version.effective_at(latest), pod, true)
}

/// Evaluates `pod` exactly as the policy library does when called directly (its unit tests),
/// without any API-server defaulting: a volume without a source is reported as restricted
/// volume type `"unknown"`, and `is_pod` is ignored.
pub fn evaluate_raw(level: Level, version: Version, pod: &PodInput<'_>) -> Evaluation {
    run(level, version.effective(), pod, false)
}

fn run(level: Level, minor: u32, pod: &PodInput<'_>, api_defaulting: bool) -> Evaluation {
    let (decoded, type_errors) = model::Pod::decode(pod, api_defaulting);
    let forbidden = checks::active_cached(level, minor)
        .iter()
        .filter_map(|&(def, implementation)| {
            (def.run)(&decoded, implementation).map(|f| CheckResult {
                check: def.info,
                id: def.info.id,
                reason: f.reason,
                detail: f.detail,
                offenders: f.offenders,
            })
        })
        .collect();
    Evaluation {
        forbidden,
        type_errors,
    }
}
