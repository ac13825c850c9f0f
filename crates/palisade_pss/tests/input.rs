//! Input handling: API-server defaulting (spec §7), offender paths, wrong-typed values
//! recorded as type errors and treated as unset, and arbitrary shapes never panicking.

mod common;

use common::*;
use palisade_core::{FieldPath, Node};
use palisade_pss::{evaluate, Level, Offender, PodInput, Version};
use serde_json::{json, Value};

fn path(s: &str) -> FieldPath {
    FieldPath::parse(s).unwrap_or_else(|| panic!("bad path {s}"))
}

fn offenders(pod: &Value, level: Level, version: Version, id: &str) -> Vec<(String, Option<String>)> {
    let e = eval(level, version, pod);
    e.forbidden
        .iter()
        .filter(|r| r.id == id)
        .flat_map(|r| r.offenders.iter())
        .map(|o: &Offender| (o.path.to_string(), o.container.clone()))
        .collect()
}

fn own(v: &[(&str, Option<&str>)]) -> Vec<(String, Option<String>)> {
    v.iter()
        .map(|(p, c)| (p.to_string(), c.map(str::to_string)))
        .collect()
}

#[test]
fn sourceless_volume_is_empty_dir() {
    // The shape of restricted/v1.N/pass/restrictedvolumes0.yaml.
    let mut pod = restricted_pod();
    pod["spec"]["volumes"] = json!([{"name": "volume0"}]);
    for n in 0..=37 {
        let e = eval(RESTRICTED, v(n), &pod);
        assert!(e.allowed(), "v1.{n}: {}", e.aggregate_detail());
    }
    // A wrong-typed source is no source either.
    pod["spec"]["volumes"] = json!([{"name": "volume0", "hostPath": "/etc"}]);
    let e = eval(RESTRICTED, Version::Latest, &pod);
    assert!(e.allowed());
    assert_eq!(e.type_errors.len(), 1);
    assert_eq!(
        e.type_errors[0].message,
        r#"spec.volumes[0].hostPath: expected object, got string "/etc""#
    );
}

#[test]
fn offender_paths_use_the_index_in_each_list() {
    let pod = json!({"spec": {
        "initContainers": [{"name": "i0"}, {"name": "i1", "securityContext": {"privileged": true}}],
        "containers": [{"name": "c0", "securityContext": {"privileged": true}}],
        "ephemeralContainers": [{"name": "e0"}, {"name": "e1"}, {"name": "e2", "securityContext": {"privileged": true}}]
    }});
    assert_eq!(
        offenders(&pod, BASELINE, Version::Latest, "privileged"),
        own(&[
            ("spec.initContainers[1].securityContext.privileged", Some("i1")),
            ("spec.containers[0].securityContext.privileged", Some("c0")),
            (
                "spec.ephemeralContainers[2].securityContext.privileged",
                Some("e2")
            ),
        ])
    );
    // Must-set failures name the field that should be set.
    assert_eq!(
        offenders(&pod, RESTRICTED, Version::Latest, "allowPrivilegeEscalation")[0],
        (
            "spec.initContainers[0].securityContext.allowPrivilegeEscalation".to_string(),
            Some("i0".to_string())
        )
    );
}

#[test]
fn offender_paths_per_check() {
    let pod = json!({
        "metadata": {"annotations": {"container.apparmor.security.beta.kubernetes.io/c": "unconfined"}},
        "spec": {
            "hostNetwork": true,
            "hostIPC": true,
            "securityContext": {"runAsNonRoot": false, "runAsUser": 0, "sysctls": [{"name": "kernel.shm_rmid_forced"}, {"name": "x"}],
                                "seLinuxOptions": {"type": "t", "role": "r"}},
            "volumes": [{"name": "a", "secret": {}}, {"name": "b", "nfs": {}}],
            "containers": [{"name": "c", "ports": [{"containerPort": 80}, {"containerPort": 81, "hostPort": 90}],
                            "securityContext": {"capabilities": {"add": ["CHOWN", "SYS_ADMIN"]}, "appArmorProfile": {"type": "Unconfined"}},
                            "startupProbe": {"tcpSocket": {"host": "h", "port": 1}}}]
        }
    });
    let latest = Version::Latest;
    assert_eq!(
        offenders(&pod, BASELINE, latest, "hostNamespaces"),
        own(&[("spec.hostNetwork", None), ("spec.hostIPC", None)])
    );
    // hostNetwork defaulting: ports[0] takes its containerPort.
    assert_eq!(
        offenders(&pod, BASELINE, latest, "hostPorts"),
        own(&[
            ("spec.containers[0].ports[0].hostPort", Some("c")),
            ("spec.containers[0].ports[1].hostPort", Some("c"))
        ])
    );
    assert_eq!(
        offenders(&pod, BASELINE, latest, "sysctls"),
        own(&[("spec.securityContext.sysctls[1].name", None)])
    );
    assert_eq!(
        offenders(&pod, BASELINE, latest, "seLinuxOptions"),
        own(&[
            ("spec.securityContext.seLinuxOptions.type", None),
            ("spec.securityContext.seLinuxOptions.role", None)
        ])
    );
    assert_eq!(
        offenders(&pod, BASELINE, latest, "capabilities_baseline"),
        own(&[(
            "spec.containers[0].securityContext.capabilities.add[1]",
            Some("c")
        )])
    );
    assert_eq!(
        offenders(&pod, BASELINE, latest, "appArmorProfile"),
        own(&[
            (
                "spec.containers[0].securityContext.appArmorProfile.type",
                Some("c")
            ),
            (
                r#"metadata.annotations["container.apparmor.security.beta.kubernetes.io/c"]"#,
                None
            ),
        ])
    );
    assert_eq!(
        offenders(&pod, BASELINE, latest, "hostProbesAndHostLifecycle"),
        own(&[("spec.containers[0].startupProbe.tcpSocket.host", Some("c"))])
    );
    assert_eq!(
        offenders(&pod, RESTRICTED, latest, "restrictedVolumes"),
        own(&[("spec.volumes[1].nfs", None)])
    );
    assert_eq!(
        offenders(&pod, RESTRICTED, latest, "runAsNonRoot"),
        own(&[("spec.securityContext.runAsNonRoot", None)])
    );
    assert_eq!(
        offenders(&pod, RESTRICTED, latest, "runAsUser"),
        own(&[("spec.securityContext.runAsUser", None)])
    );
    assert_eq!(
        offenders(&pod, RESTRICTED, latest, "capabilities_restricted"),
        own(&[
            ("spec.containers[0].securityContext.capabilities.drop", Some("c")),
            (
                "spec.containers[0].securityContext.capabilities.add[0]",
                Some("c")
            ),
            (
                "spec.containers[0].securityContext.capabilities.add[1]",
                Some("c")
            ),
        ])
    );
    assert_eq!(
        offenders(&pod, RESTRICTED, latest, "seccompProfile_restricted"),
        own(&[("spec.containers[0].securityContext.seccompProfile", Some("c"))])
    );
    let seccomp = json!({"metadata": {"annotations": {"seccomp.security.alpha.kubernetes.io/pod": "unconfined"}}, "spec": {}});
    assert_eq!(
        offenders(&seccomp, BASELINE, v(0), "seccompProfile_baseline"),
        own(&[(
            r#"metadata.annotations["seccomp.security.alpha.kubernetes.io/pod"]"#,
            None
        )])
    );
}

#[test]
fn wrong_types_are_reported_once_and_treated_as_unset() {
    let pod = json!({
        "metadata": {"annotations": {"container.apparmor.security.beta.kubernetes.io/a": 5}},
        "spec": {
            "hostNetwork": "yes please",
            "containers": [{"name": "a", "securityContext": {"privileged": "maybe", "allowPrivilegeEscalation": false,
                            "runAsUser": "0", "capabilities": {"drop": "ALL"}, "procMount": 7}}]
        }
    });
    for level in [Level::Privileged, BASELINE, RESTRICTED] {
        let e = eval(level, Version::Latest, &pod);
        let messages: Vec<&str> = e.type_errors.iter().map(|t| t.message.as_str()).collect();
        assert_eq!(
            messages,
            vec![
                r#"metadata.annotations["container.apparmor.security.beta.kubernetes.io/a"]: expected string, got number 5"#,
                r#"spec.hostNetwork: expected boolean, got string "yes please""#,
                r#"spec.containers[0].securityContext.privileged: expected boolean, got string "maybe""#,
                r#"spec.containers[0].securityContext.runAsUser: expected integer, got string "0""#,
                r#"spec.containers[0].securityContext.procMount: expected string, got number 7"#,
                r#"spec.containers[0].securityContext.capabilities.drop: expected array, got string "ALL""#,
            ]
        );
        assert_eq!(
            e.type_errors[2].path,
            path("spec.containers[0].securityContext.privileged")
        );
    }
    // Treated as unset: baseline allows; restricted misses drop ALL, runAsNonRoot, seccomp.
    assert!(eval(BASELINE, Version::Latest, &pod).allowed());
    let e = eval(RESTRICTED, Version::Latest, &pod);
    assert_eq!(
        e.forbidden.iter().map(|r| r.id).collect::<Vec<_>>(),
        vec![
            "capabilities_restricted",
            "runAsNonRoot",
            "seccompProfile_restricted"
        ]
    );
}

#[test]
fn integral_floats_count_as_integers() {
    let pod = json!({"spec": {"securityContext": {"runAsUser": 0.0},
                              "containers": [{"name": "a", "ports": [{"hostPort": 8080.0}]}]}});
    let e = eval(RESTRICTED, Version::Latest, &pod);
    assert!(e.type_errors.is_empty());
    assert_eq!(
        result_of(&e, "runAsUser"),
        Some(("runAsUser=0".into(), "pod must not set runAsUser=0".into()))
    );
    assert_eq!(
        result_of(&e, "hostPorts"),
        Some(("hostPort".into(), r#"container "a" uses hostPort 8080"#.into()))
    );
    let pod = json!({"spec": {"securityContext": {"runAsUser": 0.5}}});
    let e = eval(RESTRICTED, Version::Latest, &pod);
    assert_eq!(result_of(&e, "runAsUser"), None);
    assert_eq!(
        e.type_errors[0].message,
        "spec.securityContext.runAsUser: expected integer, got number 0.5"
    );
}

#[test]
fn null_list_items_are_zero_values_and_wrong_typed_items_are_skipped() {
    let pod = json!({"spec": {"containers": [null, "junk", {"name": "b", "securityContext": {"capabilities": {"add": [null, 3, "CHOWN"]}}}]}});
    let e = eval(BASELINE, v(0), &pod);
    assert_eq!(
        result_of(&e, "capabilities_baseline"),
        Some((
            "non-default capabilities".into(),
            r#"container "b" must not include "" in securityContext.capabilities.add"#.into()
        ))
    );
    assert_eq!(e.type_errors.len(), 2);
    assert_eq!(
        e.type_errors[0].message,
        r#"spec.containers[1]: expected object, got string "junk""#
    );
    // The null container is a nameless container without a securityContext.
    let e = eval(RESTRICTED, v(8), &pod);
    assert_eq!(
        result_of(&e, "allowPrivilegeEscalation").map(|r| r.1),
        Some(r#"containers "", "b" must set securityContext.allowPrivilegeEscalation=false"#.into())
    );
}

#[test]
fn null_annotation_value_is_the_empty_string() {
    let pod = json!({"metadata": {"annotations": {"seccomp.security.alpha.kubernetes.io/pod": null,
                                                  "container.apparmor.security.beta.kubernetes.io/a": null}},
                     "spec": {"containers": [{"name": "a"}]}});
    let e = eval(BASELINE, v(0), &pod);
    assert_eq!(
        e.aggregate_detail(),
        r#"seccompProfile (forbidden annotation seccomp.security.alpha.kubernetes.io/pod="")"#
    );
}

/// Every JSON shape in every position the evaluator reads: no panics, and wrong types are
/// reported.
#[test]
fn arbitrary_shapes_never_panic() {
    let shapes = [
        json!(null),
        json!(true),
        json!(0),
        json!(-1.5),
        json!("s"),
        json!([]),
        json!([null, 1, "x", {}]),
        json!({}),
    ];
    let fields = [
        "/spec",
        "/spec/hostNetwork",
        "/spec/os",
        "/spec/os/name",
        "/spec/securityContext",
        "/spec/securityContext/sysctls",
        "/spec/securityContext/seLinuxOptions",
        "/spec/securityContext/seccompProfile/type",
        "/spec/volumes",
        "/spec/volumes/0",
        "/spec/volumes/0/name",
        "/spec/containers",
        "/spec/containers/0",
        "/spec/containers/0/name",
        "/spec/containers/0/ports",
        "/spec/containers/0/ports/0/hostPort",
        "/spec/containers/0/securityContext",
        "/spec/containers/0/securityContext/capabilities",
        "/spec/containers/0/securityContext/capabilities/add",
        "/spec/containers/0/livenessProbe",
        "/spec/containers/0/livenessProbe/httpGet/host",
        "/spec/containers/0/lifecycle",
        "/metadata",
        "/metadata/annotations",
    ];
    let base = json!({
        "metadata": {"annotations": {"a": "b"}},
        "spec": {
            "os": {"name": "linux"},
            "securityContext": {"sysctls": [{"name": "x"}], "seLinuxOptions": {}, "seccompProfile": {"type": "x"}},
            "volumes": [{"name": "v", "hostPath": {}}],
            "containers": [{"name": "c", "ports": [{"hostPort": 1}],
                            "securityContext": {"capabilities": {"add": ["X"]}},
                            "livenessProbe": {"httpGet": {"host": "h"}}, "lifecycle": {}}]
        }
    });
    for field in fields {
        for shape in &shapes {
            let mut pod = base.clone();
            if let Some(slot) = pod.pointer_mut(field) {
                *slot = shape.clone();
            }
            for level in [BASELINE, RESTRICTED] {
                for version in [v(0), v(18), v(25), Version::Latest] {
                    let e = eval(level, version, &pod);
                    let _ = (e.aggregate_detail(), e.aggregate_reason(), e.allowed());
                }
            }
        }
    }
    // A non-mapping spec or metadata.
    let spec = Node::from_json(&json!([1, 2]));
    let meta = Node::from_json(&json!("x"));
    let e = evaluate(
        RESTRICTED,
        Version::Latest,
        &PodInput {
            metadata: Some(&meta),
            spec: &spec,
            is_pod: true,
        },
    );
    assert!(e.allowed());
    assert_eq!(
        e.type_errors
            .iter()
            .map(|t| t.message.as_str())
            .collect::<Vec<_>>(),
        vec![
            r#"metadata: expected object, got string "x""#,
            "spec: expected object, got array"
        ]
    );
}

#[test]
fn raw_evaluation_skips_api_server_defaulting() {
    let raw = |pod: &Value| {
        let metadata = pod.get("metadata").map(Node::from_json);
        let spec = Node::from_json(&pod["spec"]);
        palisade_pss::evaluate_raw(
            RESTRICTED,
            Version::Latest,
            &PodInput {
                metadata: metadata.as_ref(),
                spec: &spec,
                is_pod: true,
            },
        )
    };
    let mut volumes: Vec<Value> = [
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
    ]
    .iter()
    .enumerate()
    .map(|(i, s)| json!({"name": format!("b{}", i + 1), *s: {}}))
    .collect();
    volumes.insert(0, json!({"name": "a1", "emptyDir": {}}));
    volumes.push(json!({"name": "c1"}));
    let pod = json!({"spec": {"volumes": volumes}});
    let detail = concat!(
        r#"volumes "b1", "b2", "b3", "b4", "b5", "b6", "b7", "b8", "b9", "b10", "b11", "b12", "b13", "b14", "b15", "b16", "b17", "b18", "b19", "b20", "b21", "c1""#,
        r#" use restricted volume types "awsElasticBlockStore", "azureDisk", "azureFile", "cephfs", "cinder", "fc", "flexVolume", "flocker", "gcePersistentDisk", "gitRepo", "glusterfs", "hostPath", "iscsi", "nfs", "photonPersistentDisk", "portworxVolume", "quobyte", "rbd", "scaleIO", "storageos", "unknown", "vsphereVolume""#,
    );
    assert_eq!(
        result_of(&raw(&pod), "restrictedVolumes"),
        Some(("restricted volume types".into(), detail.into()))
    );
    let last = raw(&pod)
        .forbidden
        .into_iter()
        .find(|r| r.id == "restrictedVolumes")
        .and_then(|r| r.offenders.last().cloned());
    assert_eq!(
        last.map(|o| o.path.to_string()),
        Some("spec.volumes[22]".to_string())
    );
    // With defaulting, c1 is an emptyDir.
    assert!(
        !result_of(&eval(RESTRICTED, Version::Latest, &pod), "restrictedVolumes")
            .is_some_and(|r| r.1.contains("unknown"))
    );
    // No hostPort defaulting either.
    let pod = json!({"spec": {"hostNetwork": true, "containers": [{"name": "c", "ports": [{"containerPort": 80}]}]}});
    assert_eq!(result_of(&raw(&pod), "hostPorts"), None);
    assert!(result_of(&eval(RESTRICTED, Version::Latest, &pod), "hostPorts").is_some());
}
