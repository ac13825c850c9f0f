//! Shared helpers for the integration tests: build pods from `serde_json::json!` values and
//! evaluate them.
#![allow(dead_code)]

use palisade_core::Node;
use palisade_pss::{evaluate, Evaluation, Level, PodInput, Version};
use serde_json::Value;

/// Evaluates a pod written as `{"metadata": ..., "spec": ...}` (a bare Pod).
pub fn eval(level: Level, version: Version, pod: &Value) -> Evaluation {
    eval_as(level, version, pod, true)
}

/// Evaluates a pod; `is_pod` false means a pod template.
pub fn eval_as(level: Level, version: Version, pod: &Value, is_pod: bool) -> Evaluation {
    let metadata = pod.get("metadata").map(Node::from_json);
    let spec = Node::from_json(pod.get("spec").unwrap_or(&Value::Null));
    evaluate(
        level,
        version,
        &PodInput {
            metadata: metadata.as_ref(),
            spec: &spec,
            is_pod,
        },
    )
}

pub fn v(n: u32) -> Version {
    Version::V(n)
}

pub const BASELINE: Level = Level::Baseline;
pub const RESTRICTED: Level = Level::Restricted;

/// The (reason, detail) of the single forbidden result with `id`, or None when it passed.
pub fn result_of(e: &Evaluation, id: &str) -> Option<(String, String)> {
    let found: Vec<_> = e.forbidden.iter().filter(|r| r.id == id).collect();
    assert!(found.len() <= 1, "check {id} reported twice");
    found.first().map(|r| (r.reason.clone(), r.detail.clone()))
}

/// Asserts that `id` is forbidden at `level`/`version` with exactly `reason` and `detail`.
#[track_caller]
pub fn assert_forbidden(level: Level, version: Version, pod: &Value, id: &str, reason: &str, detail: &str) {
    let e = eval(level, version, pod);
    assert_eq!(
        result_of(&e, id),
        Some((reason.to_string(), detail.to_string())),
        "{id} at {level}:{version}; all results: {:?}",
        e.forbidden
    );
}

/// Asserts that `id` did not forbid the pod at `level`/`version`.
#[track_caller]
pub fn assert_passes(level: Level, version: Version, pod: &Value, id: &str) {
    let e = eval(level, version, pod);
    assert_eq!(result_of(&e, id), None, "{id} at {level}:{version}");
}

/// A restricted-compliant container named `name`.
pub fn good_container(name: &str) -> Value {
    serde_json::json!({
        "name": name,
        "image": "img",
        "securityContext": {
            "allowPrivilegeEscalation": false,
            "capabilities": {"drop": ["ALL"]},
            "runAsNonRoot": true,
            "seccompProfile": {"type": "RuntimeDefault"}
        }
    })
}

/// A pod that passes restricted at every version, with one container `c`.
pub fn restricted_pod() -> Value {
    serde_json::json!({"metadata": {"name": "p"}, "spec": {"containers": [good_container("c")]}})
}
