//! Whole-pod evaluation: execution order, aggregation (spec §4), overrides (spec §1.2), the
//! asymmetries of spec §3.20 and the admission message formats (spec §5.3).

mod common;

use common::*;
use palisade_pss::{
    denial_message, parse_namespace_labels, warning_message, Evaluation, Level, Policy, Version,
};
use serde_json::json;

fn ids(e: &Evaluation) -> Vec<&'static str> {
    e.forbidden.iter().map(|r| r.id).collect()
}

#[test]
fn compliant_pod_passes_everywhere() {
    let pod = restricted_pod();
    for level in [Level::Privileged, Level::Baseline, Level::Restricted] {
        for n in 0..=40 {
            let e = eval(level, v(n), &pod);
            assert!(e.allowed(), "{level}:v1.{n}: {}", e.aggregate_detail());
        }
    }
}

#[test]
fn aggregated_detail_example_from_the_spec() {
    let pod = json!({"spec": {"containers": [{
        "name": "container1",
        "securityContext": {"privileged": true, "runAsNonRoot": true, "capabilities": {"drop": ["ALL"]},
                            "seccompProfile": {"type": "RuntimeDefault"}}
    }]}});
    let e = eval(RESTRICTED, Version::Latest, &pod);
    assert_eq!(ids(&e), vec!["privileged", "allowPrivilegeEscalation"]);
    assert_eq!(
        e.aggregate_reason(),
        "privileged, allowPrivilegeEscalation != false"
    );
    assert_eq!(
        e.aggregate_detail(),
        r#"privileged (container "container1" must not set securityContext.privileged=true), allowPrivilegeEscalation != false (container "container1" must set securityContext.allowPrivilegeEscalation=false)"#
    );
    assert!(!e.allowed());
}

#[test]
fn everything_wrong_at_restricted_latest_in_global_order() {
    let pod = json!({
        "metadata": {"annotations": {"container.apparmor.security.beta.kubernetes.io/a": "unconfined"}},
        "spec": {
            "hostPID": true,
            "hostUsers": true,
            "securityContext": {"sysctls": [{"name": "kernel.msgmax", "value": "1"}], "seLinuxOptions": {"user": "root"},
                                "runAsUser": 0, "seccompProfile": {"type": "Unconfined"}, "windowsOptions": {"hostProcess": true}},
            "volumes": [{"name": "h", "hostPath": {"path": "/"}}],
            "containers": [{
                "name": "a",
                "ports": [{"containerPort": 80, "hostPort": 80}],
                "livenessProbe": {"httpGet": {"host": "x", "port": 80}},
                "securityContext": {"privileged": true, "procMount": "Unmasked", "capabilities": {"add": ["SYS_ADMIN"]}}
            }]
        }
    });
    let e = eval(RESTRICTED, Version::Latest, &pod);
    assert_eq!(
        ids(&e),
        vec![
            "appArmorProfile",
            "hostNamespaces",
            "hostPorts",
            "hostProbesAndHostLifecycle",
            "privileged",
            "seLinuxOptions",
            "sysctls",
            "windowsHostProcess",
            "allowPrivilegeEscalation",
            "capabilities_restricted",
            "procMount_restricted",
            "restrictedVolumes",
            "runAsNonRoot",
            "runAsUser",
            "seccompProfile_restricted",
        ]
    );
    assert_eq!(
        e.aggregate_reason(),
        "forbidden AppArmor profile, host namespaces, hostPort, probe or lifecycle host, privileged, seLinuxOptions, \
         forbidden sysctls, hostProcess, allowPrivilegeEscalation != false, unrestricted capabilities, procMount, \
         restricted volume types, runAsNonRoot != true, runAsUser=0, seccompProfile"
    );
    let e = eval(BASELINE, Version::Latest, &pod);
    assert_eq!(
        ids(&e),
        vec![
            "appArmorProfile",
            "capabilities_baseline",
            "hostNamespaces",
            "hostPathVolumes",
            "hostPorts",
            "hostProbesAndHostLifecycle",
            "privileged",
            "procMount",
            "seLinuxOptions",
            "seccompProfile_baseline",
            "sysctls",
            "windowsHostProcess",
        ]
    );
    assert!(eval(Level::Privileged, Version::Latest, &pod).allowed());
}

#[test]
fn restricted_reports_overridden_baseline_results_only_before_the_override() {
    // capabilities: baseline check at restricted up to v1.21.
    let caps = json!({"spec": {"containers": [{"name": "a", "securityContext": {"capabilities": {"add": ["NET_RAW"]}}}]}});
    let at = |n| {
        ids(&eval(RESTRICTED, v(n), &caps))
            .into_iter()
            .filter(|id| id.starts_with("capabilities"))
            .collect::<Vec<_>>()
    };
    assert_eq!(at(21), vec!["capabilities_baseline"]);
    assert_eq!(at(22), vec!["capabilities_restricted"]);
    // seccomp: annotation check at restricted up to v1.18.
    let seccomp = json!({"metadata": {"annotations": {"seccomp.security.alpha.kubernetes.io/pod": "unconfined"}},
                         "spec": {"containers": [{"name": "a"}]}});
    let at = |n| {
        ids(&eval(RESTRICTED, v(n), &seccomp))
            .into_iter()
            .filter(|id| id.starts_with("seccomp"))
            .collect::<Vec<_>>()
    };
    assert_eq!(at(18), vec!["seccompProfile_baseline"]);
    assert_eq!(at(19), vec!["seccompProfile_restricted"]);
}

#[test]
fn windows_pods_pass_restricted_but_not_baseline() {
    let pod = json!({"spec": {"os": {"name": "windows"}, "containers": [{
        "name": "a",
        "securityContext": {"runAsNonRoot": true, "capabilities": {"add": ["NET_RAW"]}, "seccompProfile": {"type": "Unconfined"}}
    }]}});
    let restricted = eval(RESTRICTED, v(25), &pod);
    assert!(restricted.allowed(), "{}", restricted.aggregate_detail());
    assert!(eval(RESTRICTED, Version::Latest, &pod).allowed());
    let baseline = eval(BASELINE, v(25), &pod);
    assert_eq!(
        baseline.aggregate_detail(),
        r#"non-default capabilities (container "a" must not include "NET_RAW" in securityContext.capabilities.add), seccompProfile (container "a" must not set securityContext.seccompProfile.type to "Unconfined")"#
    );
    // Before v1.25 restricted denies the same pod.
    let old = eval(RESTRICTED, v(24), &pod);
    assert_eq!(
        ids(&old),
        vec![
            "allowPrivilegeEscalation",
            "capabilities_restricted",
            "seccompProfile_restricted"
        ]
    );
}

#[test]
fn user_namespace_procmount_passes_baseline_fails_restricted() {
    let pod = json!({"spec": {"hostUsers": false, "containers": [{
        "name": "a",
        "securityContext": {"procMount": "Unmasked", "allowPrivilegeEscalation": false, "capabilities": {"drop": ["ALL"]},
                            "seccompProfile": {"type": "RuntimeDefault"}}
    }]}});
    assert!(eval(BASELINE, v(35), &pod).allowed());
    let e = eval(RESTRICTED, v(35), &pod);
    assert_eq!(
        e.aggregate_detail(),
        r#"procMount (container "a" must not set securityContext.procMount to "Unmasked")"#
    );
    // Before v1.35 no relaxation at all: baseline fails, restricted also fails runAsNonRoot.
    assert_eq!(ids(&eval(BASELINE, v(34), &pod)), vec!["procMount"]);
    assert_eq!(
        ids(&eval(RESTRICTED, v(34), &pod)),
        vec!["procMount", "runAsNonRoot"]
    );
}

#[test]
fn empty_detail_prints_reason_alone() {
    let pod = json!({"spec": {"securityContext": {"sysctls": [null]}, "containers": []}});
    let e = eval(BASELINE, v(0), &pod);
    assert_eq!(ids(&e), vec!["sysctls"]);
    assert_eq!(e.forbidden[0].detail, "");
    assert_eq!(e.aggregate_detail(), "forbidden sysctls");
}

#[test]
fn denial_and_warning_messages() {
    let pod = json!({"spec": {"hostPID": true, "containers": [{"name": "shell", "securityContext": {"privileged": true}}]}});
    let e = eval(BASELINE, Version::Latest, &pod);
    let policy = Policy {
        level: Level::Baseline,
        version: Version::Latest,
    };
    assert_eq!(
        denial_message("pods", "debug-priv", &policy, &e),
        r#"pods "debug-priv" is forbidden: violates PodSecurity "baseline:latest": host namespaces (hostPID=true), privileged (container "shell" must not set securityContext.privileged=true)"#
    );
    let policy = Policy {
        level: Level::Restricted,
        version: Version::V(99),
    };
    let e = eval(policy.level, policy.version, &pod);
    assert!(warning_message(&policy, &e)
        .starts_with(r#"would violate PodSecurity "restricted:v1.99": host namespaces (hostPID=true), "#));
    assert_eq!(
        denial_message("pods", "", &policy, &Evaluation::default()),
        r#"pods is forbidden: violates PodSecurity "restricted:v1.99": "#
    );
    assert_eq!(policy.to_string(), "restricted:v1.99");
}

#[test]
fn namespace_labels_drive_evaluation() {
    let labels = palisade_core::Node::from_json(&json!({
        "pod-security.kubernetes.io/enforce": "baseline",
        "pod-security.kubernetes.io/enforce-version": "v1.24"
    }));
    let ns = parse_namespace_labels(Some(&labels));
    assert_eq!(
        ns.enforce,
        Policy {
            level: Level::Baseline,
            version: Version::V(24)
        }
    );
    assert_eq!(ns.warn, ns.enforce);
    let pod =
        json!({"metadata": {"name": "p"}, "spec": {"hostNetwork": true, "containers": [{"name": "c"}]}});
    let e = eval(ns.enforce.level, ns.enforce.version, &pod);
    assert_eq!(
        denial_message("pods", "p", &ns.enforce, &e),
        r#"pods "p" is forbidden: violates PodSecurity "baseline:v1.24": host namespaces (hostNetwork=true)"#
    );
}
