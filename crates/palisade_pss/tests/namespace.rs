//! Namespace label parsing (spec §5.1): defaults, fail-closed enforce, fail-open audit/warn,
//! invalid versions and warn defaulting.

use palisade_core::Node;
use palisade_pss::{parse_namespace_labels, Level, NamespaceLevels, Policy, Version};
use serde_json::{json, Value};

fn parse(labels: Value) -> NamespaceLevels {
    parse_namespace_labels(Some(&Node::from_json(&labels)))
}

fn p(level: Level, version: Version) -> Policy {
    Policy { level, version }
}

const DEFAULT: Policy = Policy {
    level: Level::Privileged,
    version: Version::Latest,
};

#[test]
fn no_labels_means_cluster_defaults() {
    for ns in [
        parse_namespace_labels(None),
        parse(json!({})),
        parse(json!({"app": "x"})),
        parse(json!(null)),
    ] {
        assert_eq!((ns.enforce, ns.audit, ns.warn), (DEFAULT, DEFAULT, DEFAULT));
        assert!(ns.errors.is_empty());
        assert!(!ns.has_labels);
    }
}

#[test]
fn valid_labels_are_taken_as_written() {
    let ns = parse(json!({
        "pod-security.kubernetes.io/enforce": "baseline",
        "pod-security.kubernetes.io/enforce-version": "v1.25",
        "pod-security.kubernetes.io/audit": "restricted",
        "pod-security.kubernetes.io/audit-version": "latest",
        "pod-security.kubernetes.io/warn": "restricted",
        "pod-security.kubernetes.io/warn-version": "v1.99"
    }));
    assert_eq!(ns.enforce, p(Level::Baseline, Version::V(25)));
    assert_eq!(ns.audit, p(Level::Restricted, Version::Latest));
    assert_eq!(ns.warn, p(Level::Restricted, Version::V(99)));
    assert_eq!(ns.warn.to_string(), "restricted:v1.99");
    assert!(ns.errors.is_empty());
    assert!(ns.has_labels);
}

#[test]
fn version_label_alone_keeps_default_level() {
    let ns = parse(json!({"pod-security.kubernetes.io/enforce-version": "v1.20"}));
    assert_eq!(ns.enforce, p(Level::Privileged, Version::V(20)));
    assert_eq!(ns.warn, DEFAULT);
    assert!(ns.has_labels);
}

#[test]
fn invalid_enforce_level_fails_closed_and_does_not_default_warn() {
    let ns = parse(json!({"pod-security.kubernetes.io/enforce": "Baseline"}));
    assert_eq!(ns.enforce, p(Level::Restricted, Version::Latest));
    assert_eq!(ns.warn, DEFAULT);
    assert_eq!(
        ns.errors,
        vec![
            r#"metadata.labels[pod-security.kubernetes.io/enforce]: Invalid value: "Baseline": must be one of privileged, baseline, restricted"#
        ]
    );
}

#[test]
fn invalid_audit_and_warn_levels_fail_open() {
    let ns = parse(json!({
        "pod-security.kubernetes.io/audit": "strict",
        "pod-security.kubernetes.io/warn": ""
    }));
    assert_eq!(ns.audit.level, Level::Privileged);
    assert_eq!(ns.warn.level, Level::Privileged);
    assert_eq!(ns.errors.len(), 2);
    assert!(ns.errors[0]
        .starts_with("metadata.labels[pod-security.kubernetes.io/audit]: Invalid value: \"strict\""));
    assert!(ns.errors[1].starts_with("metadata.labels[pod-security.kubernetes.io/warn]: Invalid value: \"\""));
}

#[test]
fn invalid_versions_become_latest() {
    for bad in ["v1.05", "1.25", "v2.0", "v1", "LATEST"] {
        let ns = parse(json!({
            "pod-security.kubernetes.io/enforce": "baseline",
            "pod-security.kubernetes.io/enforce-version": bad
        }));
        assert_eq!(ns.enforce, p(Level::Baseline, Version::Latest), "{bad}");
        assert_eq!(
            ns.errors,
            vec![format!(
                r#"metadata.labels[pod-security.kubernetes.io/enforce-version]: Invalid value: "{bad}": must be "latest" or "v1.x""#
            )]
        );
        // A valid enforce level still defaults warn, with the (defaulted) enforce version.
        assert_eq!(ns.warn, p(Level::Baseline, Version::Latest));
    }
    let ns = parse(
        json!({"pod-security.kubernetes.io/audit-version": "v1.x", "pod-security.kubernetes.io/warn-version": "v1.7"}),
    );
    assert_eq!(ns.audit, DEFAULT);
    assert_eq!(ns.warn, p(Level::Privileged, Version::V(7)));
    assert_eq!(ns.errors.len(), 1);
}

#[test]
fn non_string_label_values_are_invalid() {
    let ns = parse(
        json!({"pod-security.kubernetes.io/enforce": true, "pod-security.kubernetes.io/enforce-version": 1.25}),
    );
    assert_eq!(ns.enforce, p(Level::Restricted, Version::Latest));
    assert_eq!(ns.errors.len(), 2);
}

#[test]
fn warn_defaults_to_a_stricter_enforce() {
    // Enforce with version, no warn labels: warn takes both.
    let ns = parse(json!({
        "pod-security.kubernetes.io/enforce": "restricted",
        "pod-security.kubernetes.io/enforce-version": "v1.22"
    }));
    assert_eq!(ns.warn, p(Level::Restricted, Version::V(22)));
    // A warn-version label is kept.
    let ns = parse(json!({
        "pod-security.kubernetes.io/enforce": "restricted",
        "pod-security.kubernetes.io/enforce-version": "v1.22",
        "pod-security.kubernetes.io/warn-version": "v1.30"
    }));
    assert_eq!(ns.warn, p(Level::Restricted, Version::V(30)));
    // An explicit warn level (even a laxer one, even an invalid one) is kept.
    let ns = parse(
        json!({"pod-security.kubernetes.io/enforce": "restricted", "pod-security.kubernetes.io/warn": "baseline"}),
    );
    assert_eq!(ns.warn, p(Level::Baseline, Version::Latest));
    let ns = parse(
        json!({"pod-security.kubernetes.io/enforce": "restricted", "pod-security.kubernetes.io/warn": "bad"}),
    );
    assert_eq!(ns.warn, p(Level::Privileged, Version::Latest));
    // Enforce privileged is not stricter than the default warn.
    let ns = parse(
        json!({"pod-security.kubernetes.io/enforce": "privileged", "pod-security.kubernetes.io/enforce-version": "v1.3"}),
    );
    assert_eq!(ns.warn, DEFAULT);
    // Audit is never defaulted.
    let ns = parse(json!({"pod-security.kubernetes.io/enforce": "baseline"}));
    assert_eq!(ns.audit, DEFAULT);
    assert_eq!(ns.warn, p(Level::Baseline, Version::Latest));
}
