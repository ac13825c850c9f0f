//! The admission decision on AdmissionReview fixtures: allowed, denied, warned, audited,
//! exempt (user, group, namespace, runtimeClass), UPDATE with and without new findings,
//! dryRun, DELETE, ignored and evaluated subresources, controllers, namespaces' own labels.

use palisade_engine::config::AdmissionConfig;
use palisade_engine::{PssMode, ScanOptions};
use palisade_server::decide::{Decider, StaticNamespaces};
use palisade_server::review::{decode, Request};
use serde_json::{json, Value};
use std::collections::{BTreeMap, HashMap};

fn decider(cfg: AdmissionConfig) -> Decider {
    let base = ScanOptions::new(
        PssMode::Fixed(palisade_pss::Policy::DEFAULT),
        Vec::new(),
        palisade_core::Severity::Low,
    );
    Decider::new(cfg, base, Vec::new()).unwrap()
}

fn namespaces(list: &[(&str, &[(&str, &str)])]) -> StaticNamespaces {
    StaticNamespaces(
        list.iter()
            .map(|(ns, labels)| {
                (
                    (*ns).to_owned(),
                    labels
                        .iter()
                        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                        .collect::<BTreeMap<_, _>>(),
                )
            })
            .collect::<HashMap<_, _>>(),
    )
}

fn request(
    operation: &str,
    resource: (&str, &str),
    ns: &str,
    object: Option<Value>,
    old: Option<Value>,
) -> Request {
    let kind = object
        .as_ref()
        .and_then(|o| o["kind"].as_str())
        .unwrap_or("Pod")
        .to_owned();
    let mut r = json!({
        "uid": "uid-1",
        "kind": {"group": resource.0, "version": "v1", "kind": kind},
        "resource": {"group": resource.0, "version": "v1", "resource": resource.1},
        "namespace": ns,
        "name": object.as_ref().and_then(|o| o["metadata"]["name"].as_str()).unwrap_or(""),
        "operation": operation,
        "userInfo": {"username": "alice", "groups": ["dev", "system:authenticated"]},
    });
    if let Some(o) = object {
        r["object"] = o;
    }
    if let Some(o) = old {
        r["oldObject"] = o;
    }
    decode(
        &serde_json::to_vec(
            &json!({"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview", "request": r}),
        )
        .unwrap(),
    )
    .unwrap()
}

fn pod(name: &str, privileged: bool) -> Value {
    json!({
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": name, "namespace": "shop"},
        "spec": {"containers": [{"name": "app", "image": "nginx:1.27", "securityContext": {"privileged": privileged}}]}
    })
}

fn restricted_pod(name: &str) -> Value {
    json!({
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": name, "namespace": "shop"},
        "spec": {
            "securityContext": {"runAsNonRoot": true, "seccompProfile": {"type": "RuntimeDefault"}},
            "containers": [{"name": "app", "image": "nginx:1.27", "securityContext": {
                "allowPrivilegeEscalation": false, "capabilities": {"drop": ["ALL"]}}}]
        }
    })
}

fn deployment(privileged: bool) -> Value {
    json!({
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": "web", "namespace": "shop"},
        "spec": {"selector": {"matchLabels": {"app": "web"}}, "template": {
            "metadata": {"labels": {"app": "web"}},
            "spec": {"containers": [{"name": "app", "image": "nginx:1.27", "securityContext": {"privileged": privileged}}]}}}
    })
}

const BASELINE: &[(&str, &str)] = &[("palisade.dev/enforce", "baseline")];

#[test]
fn a_privileged_pod_is_denied_in_psa_format_with_rule_codes() {
    let d = decider(AdmissionConfig::default());
    let ns = namespaces(&[("shop", BASELINE)]);
    let out = d.validate(
        &request("CREATE", ("", "pods"), "shop", Some(pod("p", true)), None),
        &ns,
    );
    let r = &out.response;
    assert!(!r.allowed);
    assert_eq!(r.uid, "uid-1");
    let status = r.status.as_ref().unwrap();
    assert_eq!((status.code, status.reason.as_str()), (403, "Forbidden"));
    assert_eq!(
        status.message,
        "pods \"p\" is forbidden: violates palisade policy \"baseline:latest\": privileged (container \"app\" must not set securityContext.privileged=true) [PSS007]"
    );
    assert!(r.warnings.is_empty(), "no warnings on a denial: {:?}", r.warnings);
    assert_eq!(r.audit_annotations["enforce-policy"], "baseline:latest");
    assert_eq!(out.record.decision, "denied");
    assert_eq!(out.record.rules, [("enforce", "PSS007")]);
}

#[test]
fn a_clean_pod_is_allowed_and_a_namespace_without_labels_gets_the_defaults() {
    let d = decider(AdmissionConfig::default());
    let ns = namespaces(&[("shop", BASELINE)]);
    let out = d.validate(
        &request("CREATE", ("", "pods"), "shop", Some(pod("p", false)), None),
        &ns,
    );
    assert!(out.response.allowed);
    assert_eq!(out.record.decision, "allowed");
    // No labels, default privileged: not evaluated at all.
    let out = d.validate(
        &request("CREATE", ("", "pods"), "other", Some(pod("p", true)), None),
        &ns,
    );
    assert!(out.response.allowed);
    assert_eq!(out.record.decision, "skipped");
    // Configured defaults apply to unlabelled namespaces.
    let mut cfg = AdmissionConfig::default();
    cfg.defaults.enforce = Some("baseline".into());
    let out = decider(cfg).validate(
        &request("CREATE", ("", "pods"), "other", Some(pod("p", true)), None),
        &ns,
    );
    assert!(!out.response.allowed);
}

#[test]
fn controllers_are_warned_and_enforced_only_when_configured() {
    let ns = namespaces(&[("shop", BASELINE)]);
    let req = request(
        "CREATE",
        ("apps", "deployments"),
        "shop",
        Some(deployment(true)),
        None,
    );
    let out = decider(AdmissionConfig::default()).validate(&req, &ns);
    assert!(out.response.allowed);
    assert_eq!(out.record.decision, "warned");
    assert_eq!(out.response.warnings.len(), 1, "{:?}", out.response.warnings);
    assert!(out.response.warnings[0].starts_with(
        "would violate palisade policy \"baseline:latest\" (enforced on its pods, which will be rejected): privileged"
    ));
    assert!(!out.response.audit_annotations.contains_key("enforce-policy"));
    let cfg = AdmissionConfig {
        enforce_controllers: true,
        ..AdmissionConfig::default()
    };
    let out = decider(cfg).validate(&req, &ns);
    assert!(!out.response.allowed);
    assert!(out
        .response
        .status
        .unwrap()
        .message
        .starts_with("deployments.apps \"web\" is forbidden"));
}

#[test]
fn warn_and_audit_modes() {
    let ns = namespaces(&[(
        "shop",
        &[
            ("palisade.dev/warn", "restricted"),
            ("palisade.dev/audit", "baseline"),
        ],
    )]);
    let out = decider(AdmissionConfig::default()).validate(
        &request("CREATE", ("", "pods"), "shop", Some(pod("p", true)), None),
        &ns,
    );
    let r = out.response;
    assert!(r.allowed);
    assert!(r
        .warnings
        .iter()
        .all(|w| w.starts_with("would violate palisade policy \"restricted:latest\": ")));
    assert!(
        r.warnings.iter().any(|w| w.contains("[PSS007]")),
        "{:?}",
        r.warnings
    );
    assert!(
        r.warnings.iter().any(|w| w.contains("runAsNonRoot != true")),
        "{:?}",
        r.warnings
    );
    assert_eq!(
        r.audit_annotations["audit-violations"],
        "would violate palisade policy \"baseline:latest\": privileged (container \"app\" must not set securityContext.privileged=true) [PSS007]"
    );
    assert_eq!(r.audit_annotations["enforce-policy"], "privileged:latest");
}

#[test]
fn profiles_beyond_pod_security_run_the_hardening_rules() {
    let ns = namespaces(&[("shop", &[("palisade.dev/enforce", "all")])]);
    let out = decider(AdmissionConfig::default()).validate(
        &request("CREATE", ("", "pods"), "shop", Some(restricted_pod("p")), None),
        &ns,
    );
    let msg = out.response.status.expect("denied").message;
    // A restricted pod still lacks limits, probes, a read-only root filesystem …
    assert!(msg.contains("[HRD008]"), "{msg}");
    assert!(!msg.contains("[PSS"), "{msg}");
    // Rules that need the rest of the cluster (NetworkPolicy coverage) are not run.
    assert!(!msg.contains("[NET"), "{msg}");
    // enforceSeverity: only findings at or above it deny.
    let cfg = AdmissionConfig {
        enforce_severity: Some(palisade_engine::config::SeverityName::Critical),
        ..AdmissionConfig::default()
    };
    let out = decider(cfg).validate(
        &request("CREATE", ("", "pods"), "shop", Some(restricted_pod("p")), None),
        &ns,
    );
    assert!(out.response.allowed, "{:?}", out.response.status);
}

#[test]
fn exemptions_in_psa_order_with_audit_annotations() {
    let ns = namespaces(&[("shop", BASELINE), ("kube-system", BASELINE)]);
    let mut cfg = AdmissionConfig::default();
    cfg.exemptions.namespaces = vec!["kube-system".into()];
    cfg.exemptions.usernames = vec!["alice".into()];
    let d = decider(cfg);
    let out = d.validate(
        &request("CREATE", ("", "pods"), "kube-system", Some(pod("p", true)), None),
        &ns,
    );
    assert_eq!(
        (
            out.response.allowed,
            out.response.audit_annotations["exempt"].as_str()
        ),
        (true, "namespace")
    );
    let out = d.validate(
        &request("CREATE", ("", "pods"), "shop", Some(pod("p", true)), None),
        &ns,
    );
    assert_eq!(out.response.audit_annotations["exempt"], "user");
    let mut cfg = AdmissionConfig::default();
    cfg.exemptions.groups = vec!["dev".into()];
    let out = decider(cfg).validate(
        &request("CREATE", ("", "pods"), "shop", Some(pod("p", true)), None),
        &ns,
    );
    assert_eq!(out.response.audit_annotations["exempt"], "group");
    let mut cfg = AdmissionConfig::default();
    cfg.exemptions.runtime_classes = vec!["kata".into()];
    let mut p = pod("p", true);
    p["spec"]["runtimeClassName"] = json!("kata");
    let out = decider(cfg.clone()).validate(&request("CREATE", ("", "pods"), "shop", Some(p), None), &ns);
    assert_eq!(out.response.audit_annotations["exempt"], "runtimeClass");
    let out = decider(cfg).validate(
        &request("CREATE", ("", "pods"), "shop", Some(pod("p", true)), None),
        &ns,
    );
    assert!(!out.response.allowed);
}

#[test]
fn updates_are_blocked_only_by_new_findings() {
    let ns = namespaces(&[("shop", BASELINE)]);
    let d = decider(AdmissionConfig::default());
    // A Deployment with enforceControllers: privileged before and after → allowed, saying why.
    let cfg = AdmissionConfig {
        enforce_controllers: true,
        ..AdmissionConfig::default()
    };
    let dc = decider(cfg);
    let mut newer = deployment(true);
    newer["spec"]["replicas"] = json!(3);
    let out = dc.validate(
        &request(
            "UPDATE",
            ("apps", "deployments"),
            "shop",
            Some(newer),
            Some(deployment(true)),
        ),
        &ns,
    );
    assert!(out.response.allowed, "{:?}", out.response.status);
    assert!(
        out.response.warnings[0].contains("already had before this update do not block it"),
        "{:?}",
        out.response.warnings
    );
    // The same update that makes it privileged → denied.
    let out = dc.validate(
        &request(
            "UPDATE",
            ("apps", "deployments"),
            "shop",
            Some(deployment(true)),
            Some(deployment(false)),
        ),
        &ns,
    );
    assert!(!out.response.allowed);
    // A pod update that changes only labels is not evaluated (Pod Security Admission).
    let mut relabelled = pod("p", true);
    relabelled["metadata"]["labels"] = json!({"a": "b"});
    let out = d.validate(
        &request(
            "UPDATE",
            ("", "pods"),
            "shop",
            Some(relabelled),
            Some(pod("p", true)),
        ),
        &ns,
    );
    assert_eq!((out.response.allowed, out.record.decision), (true, "skipped"));
    // An image change is significant, and the privileged container was there before: allowed.
    let mut reimaged = pod("p", true);
    reimaged["spec"]["containers"][0]["image"] = json!("nginx:1.28");
    let out = d.validate(
        &request(
            "UPDATE",
            ("", "pods"),
            "shop",
            Some(reimaged),
            Some(pod("p", true)),
        ),
        &ns,
    );
    assert!(out.response.allowed);
}

#[test]
fn delete_subresources_and_dry_run() {
    let ns = namespaces(&[("shop", BASELINE)]);
    let d = decider(AdmissionConfig::default());
    let out = d.validate(
        &request("DELETE", ("", "pods"), "shop", None, Some(pod("p", true))),
        &ns,
    );
    assert!(out.response.allowed);
    for sub in [
        "exec",
        "attach",
        "portforward",
        "status",
        "binding",
        "eviction",
        "log",
        "proxy",
    ] {
        let mut req = request("CREATE", ("", "pods"), "shop", Some(pod("p", true)), None);
        req.sub_resource = sub.into();
        assert!(d.validate(&req, &ns).response.allowed, "{sub}");
    }
    // ephemeralcontainers is evaluated like a pod update: adding a privileged debug container.
    let mut debugged = pod("p", false);
    debugged["spec"]["ephemeralContainers"] =
        json!([{"name": "debug", "image": "busybox", "securityContext": {"privileged": true}}]);
    let mut req = request(
        "UPDATE",
        ("", "pods"),
        "shop",
        Some(debugged),
        Some(pod("p", false)),
    );
    req.sub_resource = "ephemeralcontainers".into();
    let out = d.validate(&req, &ns);
    assert!(!out.response.allowed);
    assert!(out
        .response
        .status
        .unwrap()
        .message
        .contains("container \"debug\""));
    // deployments/scale is not evaluated.
    let mut req = request(
        "UPDATE",
        ("apps", "deployments"),
        "shop",
        Some(deployment(true)),
        None,
    );
    req.sub_resource = "scale".into();
    assert_eq!(d.validate(&req, &ns).record.decision, "skipped");
    // dryRun gets the same answer.
    let mut req = request("CREATE", ("", "pods"), "shop", Some(pod("p", true)), None);
    req.dry_run = Some(true);
    assert!(!d.validate(&req, &ns).response.allowed);
}

#[test]
fn namespace_labels_are_validated_like_pod_security_labels() {
    let d = decider(AdmissionConfig::default());
    let ns_obj = |v: &str| json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "shop", "labels": {"palisade.dev/enforce": v}}});
    let none = namespaces(&[]);
    let out = d.validate(
        &request("CREATE", ("", "namespaces"), "", Some(ns_obj("strict")), None),
        &none,
    );
    let status = out.response.status.expect("rejected");
    assert_eq!((status.code, status.reason.as_str()), (422, "Invalid"));
    assert!(
        status.message.contains("palisade.dev/enforce"),
        "{}",
        status.message
    );
    assert!(
        d.validate(
            &request("CREATE", ("", "namespaces"), "", Some(ns_obj("restricted")), None),
            &none
        )
        .response
        .allowed
    );
    // An UPDATE that keeps the same invalid label is allowed (the errors did not change).
    let mut other = ns_obj("strict");
    other["metadata"]["labels"]["x"] = json!("y");
    assert!(
        d.validate(
            &request(
                "UPDATE",
                ("", "namespaces"),
                "",
                Some(other),
                Some(ns_obj("strict"))
            ),
            &none
        )
        .response
        .allowed
    );
}

#[test]
fn invalid_labels_fail_closed_and_say_so() {
    let ns = namespaces(&[("shop", &[("palisade.dev/enforce", "strict")])]);
    let out = decider(AdmissionConfig::default()).validate(
        &request("CREATE", ("", "pods"), "shop", Some(restricted_pod("p")), None),
        &ns,
    );
    // Fail closed: everything (profile all) is enforced.
    assert!(!out.response.allowed);
    assert!(out.response.audit_annotations["error"]
        .starts_with("Failed to parse policy: metadata.labels[palisade.dev/enforce]"));
}

#[test]
fn rbac_objects_are_enforced() {
    let ns = namespaces(&[("shop", &[("palisade.dev/enforce", "all")])]);
    let binding = json!({
        "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding",
        "metadata": {"name": "app-admin", "namespace": "shop"},
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "cluster-admin"},
        "subjects": [{"kind": "ServiceAccount", "name": "app", "namespace": "shop"}]
    });
    let out = decider(AdmissionConfig::default()).validate(
        &request(
            "CREATE",
            ("rbac.authorization.k8s.io", "rolebindings"),
            "shop",
            Some(binding),
            None,
        ),
        &ns,
    );
    let msg = out.response.status.expect("denied").message;
    assert!(
        msg.starts_with("rolebindings.rbac.authorization.k8s.io \"app-admin\" is forbidden"),
        "{msg}"
    );
    assert!(msg.contains("RBAC0"), "{msg}");
}

#[test]
fn exceptions_from_the_configuration_apply() {
    let ns = namespaces(&[("shop", BASELINE)]);
    let base = ScanOptions::new(
        PssMode::Fixed(palisade_pss::Policy::DEFAULT),
        Vec::new(),
        palisade_core::Severity::Low,
    );
    let mut base = base;
    let exception: palisade_engine::config::Exception = serde_json::from_value(json!({
        "rules": ["PSS007"], "namespace": "shop", "name": "p", "reason": "legacy agent", "owner": "platform"
    }))
    .unwrap();
    base.suppressor
        .exceptions
        .push(palisade_engine::config::LocatedException {
            exception,
            file: "palisade.yaml".into(),
            pos: palisade_core::Pos::new(1, 1),
            path: "exceptions[0]".into(),
            expires_day: None,
        });
    let d = Decider::new(AdmissionConfig::default(), base, Vec::new()).unwrap();
    let out = d.validate(
        &request("CREATE", ("", "pods"), "shop", Some(pod("p", true)), None),
        &ns,
    );
    assert!(out.response.allowed, "{:?}", out.response.status);
    let out = d.validate(
        &request("CREATE", ("", "pods"), "shop", Some(pod("q", true)), None),
        &ns,
    );
    assert!(!out.response.allowed);
}
