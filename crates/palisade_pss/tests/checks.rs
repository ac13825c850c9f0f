//! Per-check behaviour with exact reason and detail strings (spec §3), one test per check.

mod common;

use common::*;
use serde_json::{json, Value};

fn spec(spec: Value) -> Value {
    json!({"metadata": {"name": "p"}, "spec": spec})
}

fn sc(name: &str, sc: Value) -> Value {
    json!({"name": name, "securityContext": sc})
}

/// A case: the pod, and the expected (reason, detail) or None for a pass.
type Case = (Value, Option<(&'static str, &'static str)>);

#[track_caller]
fn run_cases(level: palisade_pss::Level, version: palisade_pss::Version, id: &str, cases: Vec<Case>) {
    for (i, (pod, want)) in cases.into_iter().enumerate() {
        let e = eval(level, version, &pod);
        let got = result_of(&e, id);
        let want = want.map(|(r, d)| (r.to_string(), d.to_string()));
        assert_eq!(got, want, "case {i} of {id}: {pod}");
    }
}

#[test]
fn privileged() {
    run_cases(
        BASELINE,
        v(0),
        "privileged",
        vec![
            (spec(json!({"containers": [{"name": "a"}]})), None),
            (
                spec(json!({"containers": [sc("a", json!({"privileged": false}))]})),
                None,
            ),
            (
                spec(json!({"containers": [sc("a", json!({"privileged": null}))]})),
                None,
            ),
            (
                spec(json!({"containers": [sc("container1", json!({"privileged": true}))]})),
                Some((
                    "privileged",
                    r#"container "container1" must not set securityContext.privileged=true"#,
                )),
            ),
            (
                spec(json!({
                    "initContainers": [sc("i", json!({"privileged": true}))],
                    "containers": [{"name": "a"}, sc("b", json!({"privileged": true})), sc("c", json!({"privileged": false}))],
                    "ephemeralContainers": [sc("e", json!({"privileged": true}))]
                })),
                Some((
                    "privileged",
                    r#"containers "i", "b", "e" must not set securityContext.privileged=true"#,
                )),
            ),
        ],
    );
}

#[test]
fn host_namespaces() {
    run_cases(
        BASELINE,
        v(0),
        "hostNamespaces",
        vec![
            (
                spec(json!({"hostNetwork": false, "hostPID": false, "hostIPC": false})),
                None,
            ),
            (
                spec(json!({"hostIPC": true})),
                Some(("host namespaces", "hostIPC=true")),
            ),
            (
                spec(json!({"hostIPC": true, "hostPID": true, "hostNetwork": true})),
                Some(("host namespaces", "hostNetwork=true, hostPID=true, hostIPC=true")),
            ),
            (
                spec(json!({"hostPID": true, "hostNetwork": false})),
                Some(("host namespaces", "hostPID=true")),
            ),
        ],
    );
}

#[test]
fn host_path_volumes() {
    run_cases(
        BASELINE,
        v(0),
        "hostPathVolumes",
        vec![
            (spec(json!({"volumes": [{"name": "a", "emptyDir": {}}]})), None),
            (
                spec(json!({"volumes": [{"name": "a", "hostPath": {"path": "/"}}]})),
                Some(("hostPath volumes", r#"volume "a""#)),
            ),
            (
                spec(json!({"volumes": [
                    {"name": "a", "hostPath": {}},
                    {"name": "b", "secret": {}},
                    {"name": "c", "hostPath": {"path": "/var", "type": "Directory"}}
                ]})),
                Some(("hostPath volumes", r#"volumes "a", "c""#)),
            ),
        ],
    );
    // Never runs at restricted: restrictedVolumes reports hostPath instead.
    let pod = spec(json!({"volumes": [{"name": "a", "hostPath": {}}]}));
    for n in [0, 22, 37] {
        assert_passes(RESTRICTED, v(n), &pod, "hostPathVolumes");
        assert_forbidden(
            RESTRICTED,
            v(n),
            &pod,
            "restrictedVolumes",
            "restricted volume types",
            r#"volume "a" uses restricted volume type "hostPath""#,
        );
    }
}

#[test]
fn host_ports() {
    let ports = |ps: &[Value]| json!(ps);
    run_cases(
        BASELINE,
        v(0),
        "hostPorts",
        vec![
            (
                spec(json!({"containers": [{"name": "a", "ports": [{"containerPort": 80}]}]})),
                None,
            ),
            (
                spec(json!({"containers": [{"name": "a", "ports": [{"containerPort": 80, "hostPort": 0}]}]})),
                None,
            ),
            (
                spec(json!({"containers": [{"name": "a", "ports": [{"hostPort": 8080}]}]})),
                Some(("hostPort", r#"container "a" uses hostPort 8080"#)),
            ),
            (
                spec(json!({"containers": [
                    {"name": "a", "ports": ports(&[json!({"containerPort": 1})])},
                    {"name": "b", "ports": ports(&[json!({"hostPort": 10}), json!({"hostPort": 20})])},
                    {"name": "c", "ports": ports(&[json!({"hostPort": 30}), json!({"hostPort": 10})])}
                ]})),
                Some(("hostPort", r#"containers "b", "c" use hostPorts 10, 20, 30"#)),
            ),
            // Numbers sort as strings; the verb follows the container count.
            (
                spec(
                    json!({"containers": [{"name": "a", "ports": [{"hostPort": 8080}, {"hostPort": 10000}]}]}),
                ),
                Some(("hostPort", r#"container "a" uses hostPorts 10000, 8080"#)),
            ),
            (
                spec(
                    json!({"initContainers": [{"name": "i", "ports": [{"hostPort": 1}]}],
                            "containers": [{"name": "c", "ports": [{"hostPort": 1}]}]}),
                ),
                Some(("hostPort", r#"containers "i", "c" use hostPort 1"#)),
            ),
            (
                spec(json!({"ephemeralContainers": [{"name": "e", "ports": [{"hostPort": -1}]}]})),
                Some(("hostPort", r#"container "e" uses hostPort -1"#)),
            ),
        ],
    );
}

#[test]
fn host_ports_defaulting_for_host_network_pods() {
    let pod = spec(json!({
        "hostNetwork": true,
        "initContainers": [{"name": "i", "ports": [{"containerPort": 53}]}],
        "containers": [{"name": "c", "ports": [{"containerPort": 8080, "hostPort": 0}, {"containerPort": 9090, "hostPort": 9091}]}, {"name": "n", "ports": [{"name": "none"}]}],
        "ephemeralContainers": [{"name": "e", "ports": [{"containerPort": 7}]}]
    }));
    // Bare Pod: hostPort 0/unset takes the containerPort (not for ephemeral containers).
    let e = common::eval_as(BASELINE, v(0), &pod, true);
    assert_eq!(
        result_of(&e, "hostPorts"),
        Some((
            "hostPort".into(),
            r#"containers "i", "c" use hostPorts 53, 8080, 9091"#.into()
        ))
    );
    // Template: no defaulting.
    let e = common::eval_as(BASELINE, v(0), &pod, false);
    assert_eq!(
        result_of(&e, "hostPorts"),
        Some(("hostPort".into(), r#"container "c" uses hostPort 9091"#.into()))
    );
    // No hostNetwork: no defaulting.
    let pod = spec(json!({"containers": [{"name": "c", "ports": [{"containerPort": 8080}]}]}));
    assert_eq!(
        result_of(&common::eval_as(BASELINE, v(0), &pod, true), "hostPorts"),
        None
    );
}

#[test]
fn host_probes_and_host_lifecycle() {
    let http = |host: &str| json!({"httpGet": {"host": host, "port": 80}});
    let tcp = |host: &str| json!({"tcpSocket": {"host": host, "port": 80}});
    run_cases(
        BASELINE,
        v(34),
        "hostProbesAndHostLifecycle",
        vec![
            (
                spec(json!({"containers": [{"name": "a", "livenessProbe": http("")}]})),
                None,
            ),
            (
                spec(json!({"containers": [{"name": "a", "livenessProbe": {"httpGet": {"port": 80}}}]})),
                None,
            ),
            (
                spec(json!({"containers": [{"name": "a", "livenessProbe": {"grpc": {"port": 80}}}]})),
                None,
            ),
            (
                spec(
                    json!({"containers": [{"name": "a", "lifecycle": {"preStop": {"exec": {"command": ["x"]}}}}]}),
                ),
                None,
            ),
            (
                spec(json!({"containers": [{"name": "a", "readinessProbe": http("localhost")}]})),
                Some((
                    "probe or lifecycle host",
                    r#"container "a" uses probe or lifecycle host "localhost""#,
                )),
            ),
            (
                spec(json!({"containers": [
                    {"name": "invalid2", "startupProbe": tcp("b.com"), "lifecycle": {"postStart": http("a.com")}},
                    {"name": "valid", "livenessProbe": http("")},
                    {"name": "invalid1", "lifecycle": {"preStop": tcp("a.com")}}
                ]})),
                Some((
                    "probe or lifecycle host",
                    r#"containers "invalid1", "invalid2" use probe or lifecycle hosts "a.com", "b.com""#,
                )),
            ),
            (
                spec(
                    json!({"initContainers": [{"name": "i", "livenessProbe": tcp("::1")}],
                            "ephemeralContainers": [{"name": "e", "readinessProbe": http("127.0.0.1")}]}),
                ),
                Some((
                    "probe or lifecycle host",
                    r#"containers "e", "i" use probe or lifecycle hosts "127.0.0.1", "::1""#,
                )),
            ),
        ],
    );
    let pod = spec(json!({"containers": [{"name": "a", "readinessProbe": http("evil")}]}));
    assert_passes(BASELINE, v(33), &pod, "hostProbesAndHostLifecycle");
    assert_passes(RESTRICTED, v(33), &pod, "hostProbesAndHostLifecycle");
    assert_forbidden(
        RESTRICTED,
        v(34),
        &pod,
        "hostProbesAndHostLifecycle",
        "probe or lifecycle host",
        r#"container "a" uses probe or lifecycle host "evil""#,
    );
}

#[test]
fn capabilities_baseline() {
    let caps = |add: Value| json!({"capabilities": add});
    run_cases(
        BASELINE,
        v(0),
        "capabilities_baseline",
        vec![
            (
                spec(
                    json!({"containers": [sc("a", caps(json!({"add": ["CHOWN", "NET_BIND_SERVICE", "SYS_CHROOT"]})))]}),
                ),
                None,
            ),
            (
                spec(json!({"containers": [sc("a", caps(json!({"drop": ["ALL", "anything"]})))]})),
                None,
            ),
            (
                spec(json!({"containers": [
                    sc("a", caps(json!({"add": ["AUDIT_WRITE"]}))),
                    sc("b", caps(json!({"add": ["FOO", "BAR", "CHOWN"]}))),
                    sc("c", caps(json!({"add": ["BAZ", "FOO"]})))
                ]})),
                Some((
                    "non-default capabilities",
                    r#"containers "b", "c" must not include "BAR", "BAZ", "FOO" in securityContext.capabilities.add"#,
                )),
            ),
            (
                spec(json!({"containers": [sc("a", caps(json!({"add": ["chown", "CAP_CHOWN"]})))]})),
                Some((
                    "non-default capabilities",
                    r#"container "a" must not include "CAP_CHOWN", "chown" in securityContext.capabilities.add"#,
                )),
            ),
        ],
    );
    // Runs at restricted up to v1.21 and is replaced by capabilities_restricted from v1.22.
    let pod = spec(
        json!({"containers": [sc("a", json!({"capabilities": {"add": ["NET_RAW"], "drop": ["ALL"]}}))]}),
    );
    assert_forbidden(
        RESTRICTED,
        v(21),
        &pod,
        "capabilities_baseline",
        "non-default capabilities",
        r#"container "a" must not include "NET_RAW" in securityContext.capabilities.add"#,
    );
    assert_passes(RESTRICTED, v(21), &pod, "capabilities_restricted");
    assert_passes(RESTRICTED, v(22), &pod, "capabilities_baseline");
    assert_forbidden(
        RESTRICTED,
        v(22),
        &pod,
        "capabilities_restricted",
        "unrestricted capabilities",
        r#"container "a" must not include "NET_RAW" in securityContext.capabilities.add"#,
    );
}

#[test]
fn app_armor_profile_annotations() {
    let pod = json!({"metadata": {"annotations": {
        "container.apparmor.security.beta.kubernetes.io/": "bogus",
        "container.apparmor.security.beta.kubernetes.io/a": "",
        "container.apparmor.security.beta.kubernetes.io/b": "runtime/default",
        "container.apparmor.security.beta.kubernetes.io/c": "localhost/",
        "container.apparmor.security.beta.kubernetes.io/d": "localhost/foo",
        "container.apparmor.security.beta.kubernetes.io/f": "unknown",
        "container.apparmor.security.beta.kubernetes.io/e": "unconfined",
        "other.apparmor/e": "unconfined"
    }}, "spec": {"containers": [{"name": "a"}]}});
    let detail = concat!(
        r#"annotations must not set AppArmor profile type to "#,
        r#""container.apparmor.security.beta.kubernetes.io/="bogus"", "#,
        r#""container.apparmor.security.beta.kubernetes.io/e="unconfined"", "#,
        r#""container.apparmor.security.beta.kubernetes.io/f="unknown"""#,
    );
    for n in [0, 18, 30, 37] {
        assert_forbidden(
            BASELINE,
            v(n),
            &pod,
            "appArmorProfile",
            "forbidden AppArmor profiles",
            detail,
        );
    }
    let one = json!({"metadata": {"annotations": {"container.apparmor.security.beta.kubernetes.io/x": "unconfined"}}, "spec": {}});
    assert_forbidden(
        BASELINE,
        v(0),
        &one,
        "appArmorProfile",
        "forbidden AppArmor profile",
        r#"annotation must not set AppArmor profile type to "container.apparmor.security.beta.kubernetes.io/x="unconfined"""#,
    );
    // Go %q quoting of annotation values.
    let quoted = json!({"metadata": {"annotations": {"container.apparmor.security.beta.kubernetes.io/x": "a\"b\n"}}, "spec": {}});
    assert_forbidden(
        BASELINE,
        v(0),
        &quoted,
        "appArmorProfile",
        "forbidden AppArmor profile",
        r#"annotation must not set AppArmor profile type to "container.apparmor.security.beta.kubernetes.io/x="a\"b\n"""#,
    );
}

#[test]
fn app_armor_profile_fields() {
    let aa = |t: Value| json!({"appArmorProfile": t});
    run_cases(
        BASELINE,
        v(0),
        "appArmorProfile",
        vec![
            (
                spec(json!({"securityContext": aa(json!({"type": "RuntimeDefault"})),
                            "containers": [sc("a", aa(json!({"type": "Localhost", "localhostProfile": "x"})))]})),
                None,
            ),
            (
                spec(
                    json!({"securityContext": aa(json!({"type": "Unconfined"})), "containers": [{"name": "a"}]}),
                ),
                Some((
                    "forbidden AppArmor profile",
                    r#"pod must not set AppArmor profile type to "Unconfined""#,
                )),
            ),
            (
                spec(json!({
                    "securityContext": aa(json!({"type": "Unconfined"})),
                    "containers": [
                        {"name": "a"},
                        sc("b", aa(json!({"type": "RuntimeDefault"}))),
                        sc("c", aa(json!({"type": "Unconfined"}))),
                        sc("d", aa(json!({"type": "Localhost"}))),
                        sc("e", aa(json!({"type": "Unconfined"})))
                    ]
                })),
                Some((
                    "forbidden AppArmor profile",
                    r#"pod and containers "c", "e" must not set AppArmor profile type to "Unconfined""#,
                )),
            ),
            (
                spec(json!({"containers": [sc("a", aa(json!({}))), sc("b", aa(json!({"type": "Bogus"})))]})),
                Some((
                    "forbidden AppArmor profiles",
                    r#"containers "a", "b" must not set AppArmor profile type to "", "Bogus""#,
                )),
            ),
            // Fields and annotations together: field values first, then annotations.
            (
                json!({"metadata": {"annotations": {"container.apparmor.security.beta.kubernetes.io/c": "unconfined"}},
                       "spec": {"containers": [sc("c", aa(json!({"type": "Unconfined"})))]}}),
                Some((
                    "forbidden AppArmor profiles",
                    r#"container "c" and annotation must not set AppArmor profile type to "Unconfined", "container.apparmor.security.beta.kubernetes.io/c="unconfined"""#,
                )),
            ),
        ],
    );
}

#[test]
fn proc_mount() {
    let pm = |name: &str, v: Value| sc(name, json!({"procMount": v}));
    let cases = |bad_pod: &Value| -> Vec<Case> {
        vec![
            (
                spec(
                    json!({"containers": [{"name": "a"}, sc("b", json!({})), pm("c", json!("Default")), pm("d", Value::Null)]}),
                ),
                None,
            ),
            (
                bad_pod.clone(),
                Some((
                    "procMount",
                    r#"containers "d", "e", "f" must not set securityContext.procMount to "", "Unmasked", "other""#,
                )),
            ),
        ]
    };
    let bad = spec(
        json!({"containers": [pm("c", json!("Default")), pm("d", json!("Unmasked")), pm("e", json!("other")), pm("f", json!(""))]}),
    );
    run_cases(BASELINE, v(0), "procMount", cases(&bad));
    run_cases(BASELINE, v(34), "procMount", cases(&bad));
    run_cases(RESTRICTED, v(34), "procMount", cases(&bad));
    run_cases(RESTRICTED, v(35), "procMount_restricted", cases(&bad));

    // User-namespace relaxation at baseline v1.35+ only.
    let userns = spec(json!({"hostUsers": false, "containers": [pm("a", json!("Unmasked"))]}));
    let detail = r#"container "a" must not set securityContext.procMount to "Unmasked""#;
    assert_forbidden(BASELINE, v(34), &userns, "procMount", "procMount", detail);
    assert_passes(BASELINE, v(35), &userns, "procMount");
    assert_passes(BASELINE, Version::Latest, &userns, "procMount");
    // hostUsers: true is no relaxation.
    let host_users = spec(json!({"hostUsers": true, "containers": [pm("a", json!("Unmasked"))]}));
    assert_forbidden(BASELINE, v(35), &host_users, "procMount", "procMount", detail);
    // Restricted v1.35+: procMount_restricted replaces procMount and never relaxes.
    assert_passes(RESTRICTED, v(35), &userns, "procMount");
    assert_forbidden(
        RESTRICTED,
        v(35),
        &userns,
        "procMount_restricted",
        "procMount",
        detail,
    );
    assert_forbidden(RESTRICTED, v(34), &userns, "procMount", "procMount", detail);
    assert_passes(RESTRICTED, v(34), &userns, "procMount_restricted");
}

use palisade_pss::Version;

#[test]
fn se_linux_options() {
    let se = |o: Value| json!({"seLinuxOptions": o});
    run_cases(
        BASELINE,
        v(0),
        "seLinuxOptions",
        vec![
            (
                spec(
                    json!({"securityContext": se(json!({"type": "container_t", "level": "s0:c1"})),
                            "containers": [sc("a", se(json!({}))), sc("b", se(json!({"type": "container_init_t"}))),
                                           sc("c", se(json!({"type": "container_kvm_t", "user": "", "role": ""})))]}),
                ),
                None,
            ),
            (
                spec(json!({"securityContext": se(json!({"type": "foo"})), "containers": [{"name": "a"}]})),
                Some((
                    "seLinuxOptions",
                    r#"pod set forbidden securityContext.seLinuxOptions: type "foo""#,
                )),
            ),
            (
                spec(json!({"containers": [sc("a", se(json!({"user": "u"})))]})),
                Some((
                    "seLinuxOptions",
                    r#"container "a" set forbidden securityContext.seLinuxOptions: user may not be set"#,
                )),
            ),
            (
                spec(json!({"containers": [sc("a", se(json!({"role": "r"})))]})),
                Some((
                    "seLinuxOptions",
                    r#"container "a" set forbidden securityContext.seLinuxOptions: role may not be set"#,
                )),
            ),
            (
                spec(json!({
                    "securityContext": se(json!({"type": "foo"})),
                    "containers": [
                        sc("a", se(json!({"type": "container_t"}))),
                        sc("e", se(json!({"type": "bar"}))),
                        sc("f", se(json!({"user": "x"}))),
                        sc("g", se(json!({"role": "y", "type": "foo"})))
                    ]
                })),
                Some((
                    "seLinuxOptions",
                    r#"pod and containers "e", "f", "g" set forbidden securityContext.seLinuxOptions: types "bar", "foo"; user may not be set; role may not be set"#,
                )),
            ),
        ],
    );
    // container_engine_t is allowed from v1.31.
    let engine = spec(json!({"containers": [sc("a", se(json!({"type": "container_engine_t"})))]}));
    assert_forbidden(
        BASELINE,
        v(30),
        &engine,
        "seLinuxOptions",
        "seLinuxOptions",
        r#"container "a" set forbidden securityContext.seLinuxOptions: type "container_engine_t""#,
    );
    assert_passes(BASELINE, v(31), &engine, "seLinuxOptions");
    assert_passes(RESTRICTED, v(31), &engine, "seLinuxOptions");
    assert_passes(BASELINE, Version::Latest, &engine, "seLinuxOptions");
}

#[test]
fn seccomp_profile_baseline_annotations() {
    let pod = json!({
        "metadata": {"annotations": {
            "seccomp.security.alpha.kubernetes.io/pod": "unconfined",
            "container.seccomp.security.alpha.kubernetes.io/a": "runtime/default",
            "container.seccomp.security.alpha.kubernetes.io/b": "docker/default",
            "container.seccomp.security.alpha.kubernetes.io/c": "localhost/x",
            "container.seccomp.security.alpha.kubernetes.io/d": "",
            "container.seccomp.security.alpha.kubernetes.io/e": "unconfined",
            "container.seccomp.security.alpha.kubernetes.io/nosuch": "unconfined"
        }},
        "spec": {
            "initContainers": [{"name": "a"}],
            "containers": [{"name": "b"}, {"name": "c"}, {"name": "d"}],
            "ephemeralContainers": [{"name": "e"}],
            "securityContext": {"seccompProfile": {"type": "Unconfined"}}
        }
    });
    let detail = concat!(
        r#"forbidden annotations container.seccomp.security.alpha.kubernetes.io/d="", "#,
        r#"container.seccomp.security.alpha.kubernetes.io/e="unconfined", "#,
        r#"seccomp.security.alpha.kubernetes.io/pod="unconfined""#,
    );
    for n in [0, 18] {
        assert_forbidden(
            BASELINE,
            v(n),
            &pod,
            "seccompProfile_baseline",
            "seccompProfile",
            detail,
        );
        assert_forbidden(
            RESTRICTED,
            v(n),
            &pod,
            "seccompProfile_baseline",
            "seccompProfile",
            detail,
        );
    }
    let one = json!({"metadata": {"annotations": {"seccomp.security.alpha.kubernetes.io/pod": "unconfined"}}, "spec": {}});
    assert_forbidden(
        BASELINE,
        v(10),
        &one,
        "seccompProfile_baseline",
        "seccompProfile",
        r#"forbidden annotation seccomp.security.alpha.kubernetes.io/pod="unconfined""#,
    );
    // From v1.19 the annotations are ignored and the fields count.
    assert_forbidden(
        BASELINE,
        v(19),
        &pod,
        "seccompProfile_baseline",
        "seccompProfile",
        r#"pod must not set securityContext.seccompProfile.type to "Unconfined""#,
    );
    assert_passes(BASELINE, v(19), &one, "seccompProfile_baseline");
    // At v1.0-v1.18 the fields are ignored.
    let fields_only = spec(
        json!({"securityContext": {"seccompProfile": {"type": "Unconfined"}}, "containers": [{"name": "a"}]}),
    );
    assert_passes(BASELINE, v(18), &fields_only, "seccompProfile_baseline");
}

#[test]
fn seccomp_profile_baseline_fields() {
    let sp = |t: Value| json!({"seccompProfile": t});
    run_cases(
        BASELINE,
        v(19),
        "seccompProfile_baseline",
        vec![
            (spec(json!({"containers": [{"name": "a"}]})), None),
            (
                spec(json!({"securityContext": sp(json!({"type": "RuntimeDefault"})),
                            "containers": [sc("a", sp(json!({"type": "Localhost", "localhostProfile": "p"})))]})),
                None,
            ),
            (
                spec(json!({
                    "securityContext": sp(json!({"type": "Unconfined"})),
                    "containers": [{"name": "a"}, sc("b", sp(json!({"type": "RuntimeDefault"}))),
                                   sc("c", sp(json!({"type": ""}))), sc("d", sp(json!({"type": "Unconfined"}))),
                                   sc("e", sp(json!({})))]
                })),
                Some((
                    "seccompProfile",
                    r#"pod and containers "c", "d", "e" must not set securityContext.seccompProfile.type to "", "Unconfined""#,
                )),
            ),
        ],
    );
}

#[test]
fn sysctls() {
    let sysctls = |names: &[&str]| {
        let items: Vec<Value> = names.iter().map(|n| json!({"name": n, "value": "1"})).collect();
        spec(json!({"securityContext": {"sysctls": items}, "containers": [{"name": "c"}]}))
    };
    run_cases(
        BASELINE,
        v(0),
        "sysctls",
        vec![
            (spec(json!({"containers": [{"name": "c"}]})), None),
            (
                sysctls(&[
                    "kernel.shm_rmid_forced",
                    "net.ipv4.ip_local_port_range",
                    "net.ipv4.tcp_syncookies",
                    "net.ipv4.ping_group_range",
                    "net.ipv4.ip_unprivileged_port_start",
                ]),
                None,
            ),
            (
                sysctls(&["a", "kernel.shm_rmid_forced", "b", "a"]),
                Some(("forbidden sysctls", "a, b, a")),
            ),
        ],
    );
    // Each addition to the safe list, one version before and at its version.
    for (name, since) in [
        ("net.ipv4.ip_local_reserved_ports", 27),
        ("net.ipv4.tcp_keepalive_time", 29),
        ("net.ipv4.tcp_fin_timeout", 29),
        ("net.ipv4.tcp_keepalive_intvl", 29),
        ("net.ipv4.tcp_keepalive_probes", 29),
        ("net.ipv4.tcp_rmem", 32),
        ("net.ipv4.tcp_wmem", 32),
        ("net.ipv4.tcp_slow_start_after_idle", 37),
        ("net.ipv4.tcp_notsent_lowat", 37),
    ] {
        let pod = sysctls(&[name]);
        for level in [BASELINE, RESTRICTED] {
            assert_forbidden(level, v(since - 1), &pod, "sysctls", "forbidden sysctls", name);
            assert_passes(level, v(since), &pod, "sysctls");
            assert_passes(level, Version::Latest, &pod, "sysctls");
        }
    }
}

#[test]
fn windows_host_process() {
    let wo = |name: &str, hp: Value| sc(name, json!({"windowsOptions": {"hostProcess": hp}}));
    run_cases(
        BASELINE,
        v(0),
        "windowsHostProcess",
        vec![
            (
                spec(json!({"containers": [wo("a", json!(false)), wo("b", Value::Null), {"name": "c"}]})),
                None,
            ),
            (
                spec(
                    json!({"securityContext": {"windowsOptions": {"hostProcess": true}}, "containers": [{"name": "a"}]}),
                ),
                Some((
                    "hostProcess",
                    "pod must not set securityContext.windowsOptions.hostProcess=true",
                )),
            ),
            (
                spec(
                    json!({"securityContext": {"windowsOptions": {"hostProcess": true}},
                            "containers": [wo("a", json!(true)), wo("b", json!(true)), wo("c", json!(false))]}),
                ),
                Some((
                    "hostProcess",
                    r#"pod and containers "a", "b" must not set securityContext.windowsOptions.hostProcess=true"#,
                )),
            ),
            (
                spec(json!({"containers": [wo("a", json!(true))]})),
                Some((
                    "hostProcess",
                    r#"container "a" must not set securityContext.windowsOptions.hostProcess=true"#,
                )),
            ),
        ],
    );
}

#[test]
fn allow_privilege_escalation() {
    let ape = |name: &str, v: Value| sc(name, json!({"allowPrivilegeEscalation": v}));
    run_cases(
        RESTRICTED,
        v(8),
        "allowPrivilegeEscalation",
        vec![
            (spec(json!({"containers": [ape("a", json!(false))]})), None),
            (
                spec(
                    json!({"containers": [{"name": "a"}, ape("b", Value::Null), ape("c", json!(true)), ape("d", json!(false))]}),
                ),
                Some((
                    "allowPrivilegeEscalation != false",
                    r#"containers "a", "b", "c" must set securityContext.allowPrivilegeEscalation=false"#,
                )),
            ),
            (
                spec(json!({"initContainers": [{"name": "i"}], "containers": [ape("c", json!(false))]})),
                Some((
                    "allowPrivilegeEscalation != false",
                    r#"container "i" must set securityContext.allowPrivilegeEscalation=false"#,
                )),
            ),
        ],
    );
    let pod = spec(json!({"containers": [{"name": "a"}]}));
    assert_passes(RESTRICTED, v(7), &pod, "allowPrivilegeEscalation");
    assert_passes(BASELINE, v(37), &pod, "allowPrivilegeEscalation");
    // Windows exemption from v1.25 only, and only for the exact string "windows".
    let windows = spec(json!({"os": {"name": "windows"}, "containers": [ape("a", json!(true))]}));
    let detail = r#"container "a" must set securityContext.allowPrivilegeEscalation=false"#;
    assert_forbidden(
        RESTRICTED,
        v(24),
        &windows,
        "allowPrivilegeEscalation",
        "allowPrivilegeEscalation != false",
        detail,
    );
    assert_passes(RESTRICTED, v(25), &windows, "allowPrivilegeEscalation");
    let not_windows = spec(json!({"os": {"name": "Windows"}, "containers": [ape("a", json!(true))]}));
    assert_forbidden(
        RESTRICTED,
        v(25),
        &not_windows,
        "allowPrivilegeEscalation",
        "allowPrivilegeEscalation != false",
        detail,
    );
}

#[test]
fn capabilities_restricted() {
    let caps = |name: &str, c: Value| sc(name, json!({"capabilities": c}));
    run_cases(
        RESTRICTED,
        v(22),
        "capabilities_restricted",
        vec![
            (
                spec(
                    json!({"containers": [caps("a", json!({"drop": ["ALL"], "add": ["NET_BIND_SERVICE"]}))]}),
                ),
                None,
            ),
            (
                spec(json!({"containers": [caps("a", json!({"drop": ["NET_RAW", "ALL"]}))]})),
                None,
            ),
            (
                spec(json!({"containers": [
                    {"name": "a"},
                    sc("b", json!({})),
                    caps("c", json!({"drop": ["all"], "add": ["FOO"]})),
                    caps("d", json!({"drop": ["ALL"], "add": ["BAR", "BAZ", "NET_BIND_SERVICE"]})),
                    caps("e", json!({"drop": ["ALL"]}))
                ]})),
                Some((
                    "unrestricted capabilities",
                    r#"containers "a", "b", "c" must set securityContext.capabilities.drop=["ALL"]; containers "c", "d" must not include "BAR", "BAZ", "FOO" in securityContext.capabilities.add"#,
                )),
            ),
            (
                spec(json!({"containers": [caps("a", json!({}))]})),
                Some((
                    "unrestricted capabilities",
                    r#"container "a" must set securityContext.capabilities.drop=["ALL"]"#,
                )),
            ),
            (
                spec(json!({"containers": [caps("a", json!({"drop": ["ALL"], "add": ["CHOWN"]}))]})),
                Some((
                    "unrestricted capabilities",
                    r#"container "a" must not include "CHOWN" in securityContext.capabilities.add"#,
                )),
            ),
        ],
    );
    let pod = spec(json!({"containers": [{"name": "a"}]}));
    assert_passes(RESTRICTED, v(21), &pod, "capabilities_restricted");
    assert_passes(BASELINE, v(37), &pod, "capabilities_restricted");
    let windows = spec(json!({"os": {"name": "windows"}, "containers": [{"name": "a"}]}));
    assert_forbidden(
        RESTRICTED,
        v(24),
        &windows,
        "capabilities_restricted",
        "unrestricted capabilities",
        r#"container "a" must set securityContext.capabilities.drop=["ALL"]"#,
    );
    assert_passes(RESTRICTED, v(25), &windows, "capabilities_restricted");
}

#[test]
fn restricted_volumes() {
    let all_bad = [
        "hostPath",
        "gcePersistentDisk",
        "awsElasticBlockStore",
        "gitRepo",
        "nfs",
        "iscsi",
        "glusterfs",
        "rbd",
        "flexVolume",
        "cinder",
        "cephfs",
        "flocker",
        "fc",
        "azureFile",
        "vsphereVolume",
        "quobyte",
        "azureDisk",
        "photonPersistentDisk",
        "portworxVolume",
        "scaleIO",
        "storageos",
    ];
    let good = [
        "configMap",
        "csi",
        "downwardAPI",
        "emptyDir",
        "ephemeral",
        "image",
        "persistentVolumeClaim",
        "projected",
        "secret",
    ];
    let mut volumes: Vec<Value> = good
        .iter()
        .map(|s| json!({"name": format!("ok-{s}"), *s: {}}))
        .collect();
    volumes.push(json!({"name": "defaulted"}));
    let pod = spec(json!({"volumes": volumes, "containers": [{"name": "c"}]}));
    for n in [0, 25, 37] {
        assert_passes(RESTRICTED, v(n), &pod, "restrictedVolumes");
    }
    for bad in all_bad {
        let pod = spec(json!({"volumes": [{"name": "v", bad: {}}]}));
        let detail = format!(r#"volume "v" uses restricted volume type "{bad}""#);
        assert_forbidden(
            RESTRICTED,
            v(0),
            &pod,
            "restrictedVolumes",
            "restricted volume types",
            &detail,
        );
    }
    run_cases(
        RESTRICTED,
        v(0),
        "restrictedVolumes",
        vec![
            (
                spec(json!({"volumes": [
                    {"name": "a", "emptyDir": {}},
                    {"name": "b", "nfs": {}},
                    {"name": "c", "hostPath": {}},
                    {"name": "d", "nfs": {"server": "x"}}
                ]})),
                Some((
                    "restricted volume types",
                    r#"volumes "b", "c", "d" use restricted volume types "hostPath", "nfs""#,
                )),
            ),
            (
                spec(json!({"volumes": [{"name": "b", "nfs": {}}, {"name": "c", "nfs": {}}]})),
                Some((
                    "restricted volume types",
                    r#"volumes "b", "c" use restricted volume type "nfs""#,
                )),
            ),
            // The label is the first match in the fixed order, whatever the key order.
            (
                spec(json!({"volumes": [{"name": "x", "storageos": {}, "gitRepo": {}, "hostPath": {}}]})),
                Some((
                    "restricted volume types",
                    r#"volume "x" uses restricted volume type "hostPath""#,
                )),
            ),
            // An allowed source wins over a forbidden one.
            (
                spec(json!({"volumes": [{"name": "x", "hostPath": {}, "secret": {}}]})),
                None,
            ),
            // A null source is no source: the volume defaults to emptyDir.
            (spec(json!({"volumes": [{"name": "x", "hostPath": null}]})), None),
        ],
    );
}

#[test]
fn run_as_non_root() {
    let rnr = |name: &str, v: Value| sc(name, json!({"runAsNonRoot": v}));
    let pod_sc = |v: bool, containers: Value| {
        spec(json!({"securityContext": {"runAsNonRoot": v}, "containers": containers}))
    };
    run_cases(
        RESTRICTED,
        v(0),
        "runAsNonRoot",
        vec![
            (pod_sc(true, json!([{"name": "a"}, rnr("b", json!(true))])), None),
            (spec(json!({"containers": [rnr("a", json!(true))]})), None),
            (spec(json!({"containers": []})), None),
            (
                pod_sc(false, json!([rnr("a", json!(true))])),
                Some((
                    "runAsNonRoot != true",
                    "pod must not set securityContext.runAsNonRoot=false",
                )),
            ),
            (
                pod_sc(
                    true,
                    json!([rnr("a", json!(false)), {"name": "b"}, rnr("c", json!(false))]),
                ),
                Some((
                    "runAsNonRoot != true",
                    r#"containers "a", "c" must not set securityContext.runAsNonRoot=false"#,
                )),
            ),
            (
                pod_sc(false, json!([rnr("a", json!(false)), {"name": "b"}])),
                Some((
                    "runAsNonRoot != true",
                    r#"pod and container "a" must not set securityContext.runAsNonRoot=false"#,
                )),
            ),
            // Explicit offenders hide implicit ones.
            (
                spec(json!({"containers": [{"name": "a"}, rnr("b", json!(false))]})),
                Some((
                    "runAsNonRoot != true",
                    r#"container "b" must not set securityContext.runAsNonRoot=false"#,
                )),
            ),
            (
                spec(
                    json!({"initContainers": [{"name": "i"}], "containers": [{"name": "a"}, rnr("b", json!(true)), rnr("c", Value::Null)]}),
                ),
                Some((
                    "runAsNonRoot != true",
                    r#"pod or containers "i", "a", "c" must set securityContext.runAsNonRoot=true"#,
                )),
            ),
            (
                spec(json!({"containers": [{"name": "a"}]})),
                Some((
                    "runAsNonRoot != true",
                    r#"pod or container "a" must set securityContext.runAsNonRoot=true"#,
                )),
            ),
        ],
    );
    // User namespaces relax the check from v1.35; no Windows exemption.
    let userns = spec(json!({"hostUsers": false, "containers": [rnr("a", json!(false))]}));
    let detail = r#"container "a" must not set securityContext.runAsNonRoot=false"#;
    assert_forbidden(
        RESTRICTED,
        v(34),
        &userns,
        "runAsNonRoot",
        "runAsNonRoot != true",
        detail,
    );
    assert_passes(RESTRICTED, v(35), &userns, "runAsNonRoot");
    let windows = spec(json!({"os": {"name": "windows"}, "containers": [rnr("a", json!(false))]}));
    assert_forbidden(
        RESTRICTED,
        v(37),
        &windows,
        "runAsNonRoot",
        "runAsNonRoot != true",
        detail,
    );
}

#[test]
fn run_as_user() {
    let rau = |name: &str, v: Value| sc(name, json!({"runAsUser": v}));
    run_cases(
        RESTRICTED,
        v(23),
        "runAsUser",
        vec![
            (
                spec(
                    json!({"securityContext": {"runAsUser": 1000}, "containers": [{"name": "a"}, rau("b", json!(1))]}),
                ),
                None,
            ),
            (
                spec(json!({"securityContext": {"runAsUser": 0}, "containers": [rau("a", json!(1000))]})),
                Some(("runAsUser=0", "pod must not set runAsUser=0")),
            ),
            (
                spec(json!({"securityContext": {"runAsUser": 1000}, "containers": [rau("a", json!(0))]})),
                Some(("runAsUser=0", r#"container "a" must not set runAsUser=0"#)),
            ),
            (
                spec(
                    json!({"securityContext": {"runAsUser": 0}, "containers": [{"name": "a"}, rau("d", json!(0)), rau("e", json!(0.0))]}),
                ),
                Some((
                    "runAsUser=0",
                    r#"pod and containers "d", "e" must not set runAsUser=0"#,
                )),
            ),
        ],
    );
    let pod = spec(json!({"securityContext": {"runAsUser": 0}, "containers": [{"name": "a"}]}));
    assert_passes(RESTRICTED, v(22), &pod, "runAsUser");
    assert_passes(BASELINE, v(37), &pod, "runAsUser");
    let userns = spec(json!({"hostUsers": false, "securityContext": {"runAsUser": 0}}));
    assert_forbidden(
        RESTRICTED,
        v(34),
        &userns,
        "runAsUser",
        "runAsUser=0",
        "pod must not set runAsUser=0",
    );
    assert_passes(RESTRICTED, v(35), &userns, "runAsUser");
    let windows = spec(json!({"os": {"name": "windows"}, "securityContext": {"runAsUser": 0}}));
    assert_forbidden(
        RESTRICTED,
        v(30),
        &windows,
        "runAsUser",
        "runAsUser=0",
        "pod must not set runAsUser=0",
    );
}

#[test]
fn seccomp_profile_restricted() {
    let sp = |name: &str, t: Value| sc(name, json!({"seccompProfile": t}));
    run_cases(
        RESTRICTED,
        v(19),
        "seccompProfile_restricted",
        vec![
            (
                spec(
                    json!({"securityContext": {"seccompProfile": {"type": "RuntimeDefault"}}, "containers": [{"name": "a"}]}),
                ),
                None,
            ),
            (
                spec(json!({"containers": [sp("a", json!({"type": "Localhost", "localhostProfile": "x"}))]})),
                None,
            ),
            (
                spec(
                    json!({"containers": [{"name": "a"}, sp("b", json!({"type": "RuntimeDefault"})), sc("c", json!({}))]}),
                ),
                Some((
                    "seccompProfile",
                    r#"pod or containers "a", "c" must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost""#,
                )),
            ),
            (
                spec(
                    json!({"securityContext": {"seccompProfile": {"type": "Unconfined"}}, "containers": [{"name": "a"}]}),
                ),
                Some((
                    "seccompProfile",
                    r#"pod must not set securityContext.seccompProfile.type to "Unconfined""#,
                )),
            ),
            (
                spec(
                    json!({"securityContext": {"seccompProfile": {"type": "Unconfined"}},
                            "containers": [{"name": "a"}, sp("b", json!({"type": "Unconfined"})), sp("c", json!({"type": "bogus"}))]}),
                ),
                Some((
                    "seccompProfile",
                    r#"pod and containers "b", "c" must not set securityContext.seccompProfile.type to "Unconfined", "bogus""#,
                )),
            ),
            (
                spec(
                    json!({"securityContext": {"seccompProfile": {"type": "RuntimeDefault"}},
                            "containers": [{"name": "a"}, sp("b", json!({"type": "Unconfined"}))]}),
                ),
                Some((
                    "seccompProfile",
                    r#"container "b" must not set securityContext.seccompProfile.type to "Unconfined""#,
                )),
            ),
        ],
    );
    // Annotations never count for the restricted check.
    let annotated = json!({"metadata": {"annotations": {"seccomp.security.alpha.kubernetes.io/pod": "runtime/default"}},
                           "spec": {"containers": [{"name": "a"}]}});
    assert_forbidden(
        RESTRICTED,
        v(19),
        &annotated,
        "seccompProfile_restricted",
        "seccompProfile",
        r#"pod or container "a" must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost""#,
    );
    assert_passes(RESTRICTED, v(18), &annotated, "seccompProfile_restricted");
    let windows =
        spec(json!({"os": {"name": "windows"}, "containers": [sp("a", json!({"type": "Unconfined"}))]}));
    assert_forbidden(
        RESTRICTED,
        v(24),
        &windows,
        "seccompProfile_restricted",
        "seccompProfile",
        r#"container "a" must not set securityContext.seccompProfile.type to "Unconfined""#,
    );
    assert_passes(RESTRICTED, v(25), &windows, "seccompProfile_restricted");
}
