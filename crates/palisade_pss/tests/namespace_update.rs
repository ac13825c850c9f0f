//! Namespace label updates (spec §5.4): when existing pods are checked against a new enforce
//! level, and the exact warnings the API server returns (`kubectl label --dry-run=server`).

use palisade_core::Node;
use palisade_pss::{
    parse_namespace_labels, update_namespace, Exemptions, ExistingPod, Level, NamespaceUpdate, PodInput,
    Policy, Version, MAX_PODS_TO_CHECK,
};
use serde_json::{json, Value};

/// A pod spec: `privileged` → baseline and restricted fail; `root` → only restricted fails
/// (runAsNonRoot and friends); `good` → passes restricted.
fn spec(kind: &str) -> Node {
    let c = match kind {
        "privileged" => json!({"name": "c", "image": "i", "securityContext": {"privileged": true}}),
        "hostpid" => json!({"name": "c", "image": "i"}),
        "root" => json!({"name": "c", "image": "i"}),
        "good" => json!({"name": "c", "image": "i", "securityContext": {
            "allowPrivilegeEscalation": false, "capabilities": {"drop": ["ALL"]},
            "runAsNonRoot": true, "seccompProfile": {"type": "RuntimeDefault"}}}),
        _ => unreachable!(),
    };
    let mut s = json!({"containers": [c]});
    if kind == "hostpid" {
        s["hostPID"] = json!(true);
    }
    Node::from_json(&s)
}

struct P {
    name: String,
    controller: Option<String>,
    runtime_class: Option<String>,
    spec: Node,
}

fn pod(name: &str, kind: &str) -> P {
    P {
        name: name.into(),
        controller: None,
        runtime_class: None,
        spec: spec(kind),
    }
}

fn owned(name: &str, kind: &str, uid: &str) -> P {
    P {
        controller: Some(uid.into()),
        ..pod(name, kind)
    }
}

fn update(ns: &str, old: Value, new: Value, pods: &[P], ex: &Exemptions) -> NamespaceUpdate {
    let old_n = Node::from_json(&old);
    let new_n = Node::from_json(&new);
    let existing: Vec<ExistingPod<'_>> = pods
        .iter()
        .map(|p| ExistingPod {
            name: &p.name,
            controller: p.controller.as_deref(),
            runtime_class: p.runtime_class.as_deref(),
            pod: PodInput {
                metadata: None,
                spec: &p.spec,
                is_pod: true,
            },
        })
        .collect();
    update_namespace(
        ns,
        &parse_namespace_labels(Some(&old_n)),
        &parse_namespace_labels(Some(&new_n)),
        Some(&new_n),
        &existing,
        ex,
    )
}

const E: &str = "pod-security.kubernetes.io/enforce";
const EV: &str = "pod-security.kubernetes.io/enforce-version";

#[test]
fn raising_enforce_warns_per_reason_with_the_smallest_name_and_counts() {
    let pods = [
        pod("b", "root"),
        pod("a", "root"),
        pod("c", "root"),
        pod("z", "privileged"),
        pod("y", "privileged"),
        pod("ok", "good"),
        pod("h", "hostpid"),
    ];
    let u = update(
        "shop",
        json!({}),
        json!({E: "restricted"}),
        &pods,
        &Exemptions::default(),
    );
    assert!(u.invalid.is_empty());
    assert_eq!(
        u.checked_against,
        Some(Policy {
            level: Level::Restricted,
            version: Version::Latest
        })
    );
    assert_eq!((u.checked, u.total), (7, 7));
    assert_eq!(
        u.warnings,
        vec![
            r#"existing pods in namespace "shop" violate the new PodSecurity enforce level "restricted:latest""#.to_owned(),
            "a (and 2 other pods): allowPrivilegeEscalation != false, unrestricted capabilities, runAsNonRoot != true, seccompProfile".into(),
            "h: host namespaces, allowPrivilegeEscalation != false, unrestricted capabilities, runAsNonRoot != true, seccompProfile".into(),
            "y (and 1 other pod): privileged, allowPrivilegeEscalation != false, unrestricted capabilities, runAsNonRoot != true, seccompProfile".into(),
        ]
    );
    let names: Vec<&str> = u.violations.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, ["a", "b", "c", "h", "y", "z"]);
    assert!(
        u.violations[3].1.starts_with("host namespaces (hostPID=true)"),
        "{}",
        u.violations[3].1
    );
}

#[test]
fn baseline_only_reports_baseline_reasons_and_all_passing_gives_no_warning() {
    let pods = [pod("a", "root"), pod("p", "privileged")];
    let u = update(
        "ns",
        json!({}),
        json!({E: "baseline"}),
        &pods,
        &Exemptions::default(),
    );
    assert_eq!(
        u.warnings,
        vec![
            r#"existing pods in namespace "ns" violate the new PodSecurity enforce level "baseline:latest""#
                .to_owned(),
            "p: privileged".into()
        ]
    );
    let u = update(
        "ns",
        json!({}),
        json!({E: "baseline"}),
        &[pod("a", "root")],
        &Exemptions::default(),
    );
    assert!(u.warnings.is_empty() && u.violations.is_empty());
    assert_eq!(u.checked, 1);
}

#[test]
fn version_is_printed_as_written_and_kept_from_the_old_labels() {
    let pods = [pod("p", "privileged")];
    let u = update(
        "ns",
        json!({EV: "v1.25"}),
        json!({E: "baseline", EV: "v1.25"}),
        &pods,
        &Exemptions::default(),
    );
    assert_eq!(
        u.warnings[0],
        r#"existing pods in namespace "ns" violate the new PodSecurity enforce level "baseline:v1.25""#
    );
    // A future version evaluates like latest but prints as written.
    let u = update(
        "ns",
        json!({}),
        json!({E: "baseline", EV: "v1.99"}),
        &pods,
        &Exemptions::default(),
    );
    assert!(u.warnings[0].ends_with(r#""baseline:v1.99""#), "{:?}", u.warnings);
}

#[test]
fn pods_are_not_checked_when_unchanged_privileged_or_relaxed() {
    let pods = [pod("p", "privileged")];
    let ex = Exemptions::default();
    for (old, new) in [
        (json!({E: "baseline"}), json!({E: "baseline", "other": "x"})),
        (json!({E: "baseline"}), json!({E: "privileged"})),
        (json!({E: "restricted"}), json!({E: "baseline"})),
        (
            json!({E: "restricted", EV: "v1.30"}),
            json!({E: "baseline", EV: "v1.30"}),
        ),
        // Unset enforce is privileged:latest, the same as explicit.
        (json!({}), json!({E: "privileged", EV: "latest"})),
    ] {
        let u = update("ns", old.clone(), new.clone(), &pods, &ex);
        assert!(
            u.checked_against.is_none() && u.warnings.is_empty(),
            "{old} → {new}: {u:?}"
        );
        assert!(u.skipped.is_some());
    }
    // Relaxing the level while changing the version does check (versions differ).
    let u = update(
        "ns",
        json!({E: "restricted", EV: "v1.30"}),
        json!({E: "baseline", EV: "latest"}),
        &pods,
        &ex,
    );
    assert!(u.checked_against.is_some());
    assert_eq!(u.violations.len(), 1);
    // Only the version moves forward: checked.
    let u = update(
        "ns",
        json!({E: "baseline", EV: "v1.0"}),
        json!({E: "baseline", EV: "latest"}),
        &pods,
        &ex,
    );
    assert!(u.checked_against.is_some());
}

#[test]
fn invalid_labels_reject_the_update_only_when_their_errors_change() {
    let pods = [pod("p", "privileged")];
    let ex = Exemptions::default();
    let u = update("ns", json!({}), json!({E: "strict"}), &pods, &ex);
    assert_eq!(
        u.invalid,
        vec![
            r#"metadata.labels[pod-security.kubernetes.io/enforce]: Invalid value: "strict": must be one of privileged, baseline, restricted"#
        ]
    );
    assert!(u.warnings.is_empty());
    // The same invalid audit label before and after: not rejected; pods are checked.
    let bad = "pod-security.kubernetes.io/audit";
    let u = update(
        "ns",
        json!({bad: "x"}),
        json!({bad: "x", E: "baseline"}),
        &pods,
        &ex,
    );
    assert!(u.invalid.is_empty());
    assert_eq!(u.violations.len(), 1);
    // An invalid enforce label fails closed to restricted: replacing it with baseline changes
    // the errors and relaxes nothing that is checked — the update is accepted (errors gone).
    let u = update("ns", json!({E: "x"}), json!({E: "baseline"}), &pods, &ex);
    assert!(u.invalid.is_empty());
    assert!(
        u.skipped.is_some(),
        "restricted → baseline at the same version is a relaxation"
    );
}

#[test]
fn exempt_namespaces_and_runtime_classes() {
    let pods = [pod("p", "privileged")];
    let ex = Exemptions {
        namespaces: vec!["kube-system".into()],
        runtime_classes: vec!["kata".into()],
    };
    let u = update(
        "kube-system",
        json!({}),
        json!({E: "baseline", "pod-security.kubernetes.io/warn": "restricted"}),
        &pods,
        &ex,
    );
    assert!(u.checked_against.is_none());
    assert_eq!(
        u.warnings,
        vec![
            r#"namespace "kube-system" is exempt from Pod Security, and the policy (enforce=baseline:latest, warn=restricted:latest) will be ignored"#
        ]
    );
    let mut kata = pod("k", "privileged");
    kata.runtime_class = Some("kata".into());
    let u = update(
        "ns",
        json!({}),
        json!({E: "baseline"}),
        &[kata, pod("p", "privileged")],
        &ex,
    );
    assert_eq!((u.checked, u.total), (1, 1));
    assert_eq!(u.warnings[1], "p: privileged");
}

#[test]
fn at_most_3000_pods_one_per_controller_first() {
    // 3,100 replicas of one controller (all failing) and one bare failing pod listed last:
    // the bare pod and the first replica are checked first, then 2,998 more replicas.
    let mut pods: Vec<P> = (0..3100)
        .map(|i| owned(&format!("r-{i:04}"), "privileged", "uid-1"))
        .collect();
    pods.push(pod("bare", "hostpid"));
    let u = update(
        "ns",
        json!({}),
        json!({E: "baseline"}),
        &pods,
        &Exemptions::default(),
    );
    assert_eq!((u.checked, u.total), (MAX_PODS_TO_CHECK, 3101));
    assert_eq!(
        u.warnings,
        vec![
            "new PodSecurity enforce level only checked against the first 3000 of 3101 existing pods"
                .to_owned(),
            r#"existing pods in namespace "ns" violate the new PodSecurity enforce level "baseline:latest""#
                .into(),
            "bare: host namespaces".into(),
            "r-0000 (and 2998 other pods): privileged".into(),
        ]
    );
}
