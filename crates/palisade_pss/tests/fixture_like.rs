//! Conformance-fixture-like tests: a re-creation of the way upstream Pod Security Admission
//! generates its `test/testdata/{baseline,restricted}/v1.N/{pass,fail}/*.yaml` fixtures
//! (`test/fixtures*.go`), asserted at every policy version v1.0..v1.37 where the fixture exists.
//!
//! * Every fixture is a full bare Pod built from the minimal valid pod of its level and version
//!   (spec §9; upstream `GetMinimalValidPod`) plus one mutation.
//! * A check's fixtures exist from the first MinimumVersion of the check on; restricted
//!   fixtures include every baseline check's cases applied on top of the restricted minimal pod
//!   (upstream `checksForLevelAndVersion`), including checks the restricted level overrides.
//! * The generator in force is the newest one not above the version (upstream `getFixtures`),
//!   expressed here as version conditions inside each generator.
//! * Pass fixtures must be allowed outright. Fail fixtures must be denied by exactly the
//!   expected set of checks (the check itself, or the restricted check overriding it, plus any
//!   check that the mutation trips as a side effect, e.g. `hostNamespaces` for host-process
//!   pods, which API validation forces onto the host network).
//!
//! The cases are written from the upstream generators and from the spec, not from this
//! crate's registry: the check catalogue below is an independent copy of spec §2.

use palisade_core::Node;
use palisade_pss::{evaluate, Level, PodInput, Version, MAX_VERSION};
use serde_json::{json, Value};
use std::collections::BTreeSet;

const B: Level = Level::Baseline;
const R: Level = Level::Restricted;

/// Spec §2: (ID, level, first MinimumVersion).
const CATALOGUE: &[(&str, Level, u32)] = &[
    ("appArmorProfile", B, 0),
    ("capabilities_baseline", B, 0),
    ("hostNamespaces", B, 0),
    ("hostPathVolumes", B, 0),
    ("hostPorts", B, 0),
    ("hostProbesAndHostLifecycle", B, 34),
    ("privileged", B, 0),
    ("procMount", B, 0),
    ("seLinuxOptions", B, 0),
    ("seccompProfile_baseline", B, 0),
    ("sysctls", B, 0),
    ("windowsHostProcess", B, 0),
    ("allowPrivilegeEscalation", R, 8),
    ("capabilities_restricted", R, 22),
    ("procMount_restricted", R, 35),
    ("restrictedVolumes", R, 0),
    ("runAsNonRoot", R, 0),
    ("runAsUser", R, 23),
    ("seccompProfile_restricted", R, 19),
];

/// The checks that get fixtures at `level` and `v` (upstream `checksForLevelAndVersion`).
fn fixture_checks(level: Level, v: u32) -> Vec<&'static str> {
    CATALOGUE
        .iter()
        .filter(|(_, l, min)| v >= *min && (*l == level || level == R))
        .map(|(id, _, _)| *id)
        .collect()
}

/// The check that denies a baseline check's failure at `level`/`v` (spec §1.2 overrides).
fn denier(id: &'static str, level: Level, v: u32) -> &'static str {
    if level != R {
        return id;
    }
    match id {
        "hostPathVolumes" => "restrictedVolumes",
        "capabilities_baseline" if v >= 22 => "capabilities_restricted",
        "seccompProfile_baseline" if v >= 19 => "seccompProfile_restricted",
        "procMount" if v >= 35 => "procMount_restricted",
        other => other,
    }
}

/// Upstream's minimal valid pods (test/fixtures.go): baseline is two pause containers;
/// restricted adds runAsNonRoot (1.0), allowPrivilegeEscalation=false (1.8), a RuntimeDefault
/// seccomp profile (1.19) and capabilities.drop=["ALL"] (1.22).
fn minimal(level: Level, v: u32) -> Value {
    let mut p = json!({
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "test-pod"},
        "spec": {
            "initContainers": [{"name": "initcontainer1", "image": "registry.k8s.io/pause"}],
            "containers": [{"name": "container1", "image": "registry.k8s.io/pause"}]
        }
    });
    if level == R {
        p["spec"]["securityContext"] = json!({"runAsNonRoot": true});
        if v >= 8 {
            for list in ["initContainers", "containers"] {
                p["spec"][list][0]["securityContext"] = json!({"allowPrivilegeEscalation": false});
            }
        }
        if v >= 19 {
            p["spec"]["securityContext"]["seccompProfile"] = json!({"type": "RuntimeDefault"});
        }
        if v >= 22 {
            for list in ["initContainers", "containers"] {
                p["spec"][list][0]["securityContext"]["capabilities"] = json!({"drop": ["ALL"]});
            }
        }
    }
    p
}

fn ctr(p: &mut Value) -> &mut Value {
    &mut p["spec"]["containers"][0]
}

fn init(p: &mut Value) -> &mut Value {
    &mut p["spec"]["initContainers"][0]
}

/// `spec.securityContext`, created when absent.
fn psc(p: &mut Value) -> &mut Value {
    &mut p["spec"]["securityContext"]
}

/// A container's `securityContext`, created when absent.
fn sc(c: &mut Value) -> &mut Value {
    &mut c["securityContext"]
}

fn unset(v: &mut Value, key: &str) {
    if let Some(o) = v.as_object_mut() {
        o.remove(key);
    }
}

fn annotate(p: &mut Value, key: &str, value: &str) {
    p["metadata"]["annotations"][key] = json!(value);
}

/// Makes the pod a Windows pod as API validation requires: no Linux-only security fields.
fn windows(p: &mut Value) {
    p["spec"]["os"] = json!({"name": "windows"});
    unset(psc(p), "seccompProfile");
    unset(ctr(p), "securityContext");
    unset(init(p), "securityContext");
}

struct Case {
    label: String,
    pod: Value,
    /// The checks that must deny the pod; empty for a pass fixture.
    deny: BTreeSet<&'static str>,
}

/// Builds the fixtures of one check at one level and version.
struct Gen<'a> {
    level: Level,
    v: u32,
    base: &'a Value,
    cases: Vec<Case>,
}

impl Gen<'_> {
    fn pass(&mut self, label: &str, f: impl FnOnce(&mut Value)) {
        let mut pod = self.base.clone();
        f(&mut pod);
        self.cases.push(Case {
            label: label.to_string(),
            pod,
            deny: BTreeSet::new(),
        });
    }

    /// A fail fixture denied by `deny` (baseline IDs are mapped to their overriding restricted
    /// check at the restricted level).
    fn fail(&mut self, label: &str, deny: &[&'static str], f: impl FnOnce(&mut Value)) {
        let mut pod = self.base.clone();
        f(&mut pod);
        let deny = deny.iter().map(|id| denier(id, self.level, self.v)).collect();
        self.cases.push(Case {
            label: label.to_string(),
            pod,
            deny,
        });
    }

    fn restricted(&self) -> bool {
        self.level == R
    }
}

const ALLOWED_CAPS: &[&str] = &[
    "AUDIT_WRITE",
    "CHOWN",
    "DAC_OVERRIDE",
    "FOWNER",
    "FSETID",
    "KILL",
    "MKNOD",
    "NET_BIND_SERVICE",
    "SETFCAP",
    "SETGID",
    "SETPCAP",
    "SETUID",
    "SYS_CHROOT",
];

/// Every capability listed individually (fixtures_capabilities_restricted: dropping each one
/// is not dropping ALL).
const ALL_CAPS: &[&str] = &[
    "AUDIT_CONTROL",
    "AUDIT_READ",
    "AUDIT_WRITE",
    "BLOCK_SUSPEND",
    "BPF",
    "CHECKPOINT_RESTORE",
    "CHOWN",
    "DAC_OVERRIDE",
    "DAC_READ_SEARCH",
    "FOWNER",
    "FSETID",
    "IPC_LOCK",
    "IPC_OWNER",
    "KILL",
    "LEASE",
    "LINUX_IMMUTABLE",
    "MAC_ADMIN",
    "MAC_OVERRIDE",
    "MKNOD",
    "NET_ADMIN",
    "NET_BIND_SERVICE",
    "NET_BROADCAST",
    "NET_RAW",
    "PERFMON",
    "SETFCAP",
    "SETGID",
    "SETPCAP",
    "SETUID",
    "SYSLOG",
    "SYS_ADMIN",
    "SYS_BOOT",
    "SYS_CHROOT",
    "SYS_MODULE",
    "SYS_NICE",
    "SYS_PACCT",
    "SYS_PTRACE",
    "SYS_RAWIO",
    "SYS_RESOURCE",
    "SYS_TIME",
    "SYS_TTY_CONFIG",
    "WAKE_ALARM",
];

/// Spec §3.11: the safe sysctls and the version that added each, with upstream fixture values.
const SYSCTLS: &[(u32, &str, &str)] = &[
    (0, "kernel.shm_rmid_forced", "0"),
    (0, "net.ipv4.ip_local_port_range", "1024 65535"),
    (0, "net.ipv4.tcp_syncookies", "0"),
    (0, "net.ipv4.ping_group_range", "1 0"),
    (0, "net.ipv4.ip_unprivileged_port_start", "1024"),
    (27, "net.ipv4.ip_local_reserved_ports", "1024-4999"),
    (29, "net.ipv4.tcp_keepalive_time", "7200"),
    (29, "net.ipv4.tcp_fin_timeout", "60"),
    (29, "net.ipv4.tcp_keepalive_intvl", "75"),
    (29, "net.ipv4.tcp_keepalive_probes", "9"),
    (32, "net.ipv4.tcp_rmem", "4096 87380 16777216"),
    (32, "net.ipv4.tcp_wmem", "4096 65536 16777216"),
    (37, "net.ipv4.tcp_slow_start_after_idle", "0"),
    (37, "net.ipv4.tcp_notsent_lowat", "4294967295"),
];

/// The restricted volume sources of spec §3.15 with a plausible source object each.
const RESTRICTED_VOLUME_SOURCES: &[(&str, &str)] = &[
    ("gcePersistentDisk", r#"{"pdName": "test"}"#),
    ("awsElasticBlockStore", r#"{"volumeID": "test"}"#),
    ("gitRepo", r#"{"repository": "github.com/kubernetes/kubernetes"}"#),
    ("nfs", r#"{"server": "test", "path": "/test"}"#),
    (
        "iscsi",
        r#"{"targetPortal": "test", "iqn": "iqn.2001-04.com.example:storage.kube.sys1.xyz", "lun": 0}"#,
    ),
    ("glusterfs", r#"{"endpoints": "test", "path": "test"}"#),
    ("rbd", r#"{"monitors": ["test"], "image": "test"}"#),
    ("flexVolume", r#"{"driver": "test"}"#),
    ("cinder", r#"{"volumeID": "test"}"#),
    ("cephfs", r#"{"monitors": ["test"]}"#),
    ("flocker", r#"{"datasetName": "test"}"#),
    ("fc", r#"{"wwids": ["test"]}"#),
    ("azureFile", r#"{"secretName": "test", "shareName": "test"}"#),
    ("vsphereVolume", r#"{"volumePath": "test"}"#),
    ("quobyte", r#"{"registry": "localhost:1234", "volume": "test"}"#),
    (
        "azureDisk",
        r#"{"diskName": "test", "diskURI": "https://test.blob.core.windows.net/test/test.vhd"}"#,
    ),
    ("photonPersistentDisk", r#"{"pdID": "test", "fsType": "ext4"}"#),
    ("portworxVolume", r#"{"volumeID": "test"}"#),
    (
        "scaleIO",
        r#"{"volumeName": "test", "gateway": "localhost", "system": "test", "secretRef": {"name": "test"}}"#,
    ),
    ("storageos", r#"{"volumeName": "test"}"#),
    ("hostPath", r#"{"path": "/dev/null"}"#),
];

fn generate(check: &str, level: Level, v: u32, base: &Value) -> Vec<Case> {
    let mut g = Gen {
        level,
        v,
        base,
        cases: Vec::new(),
    };
    match check {
        "privileged" => privileged(&mut g),
        "hostNamespaces" => host_namespaces(&mut g),
        "hostPathVolumes" => host_path_volumes(&mut g),
        "hostPorts" => host_ports(&mut g),
        "hostProbesAndHostLifecycle" => host_probes(&mut g),
        "capabilities_baseline" => capabilities_baseline(&mut g),
        "appArmorProfile" => app_armor(&mut g),
        "procMount" => proc_mount(&mut g),
        "seLinuxOptions" => se_linux(&mut g),
        "seccompProfile_baseline" => seccomp_baseline(&mut g),
        "sysctls" => sysctls(&mut g),
        "windowsHostProcess" => windows_host_process(&mut g),
        "allowPrivilegeEscalation" => allow_privilege_escalation(&mut g),
        "capabilities_restricted" => capabilities_restricted(&mut g),
        "procMount_restricted" => proc_mount_restricted(&mut g),
        "restrictedVolumes" => restricted_volumes(&mut g),
        "runAsNonRoot" => run_as_non_root(&mut g),
        "runAsUser" => run_as_user(&mut g),
        "seccompProfile_restricted" => seccomp_restricted(&mut g),
        other => panic!("no generator for {other}"),
    }
    g.cases
}

fn privileged(g: &mut Gen<'_>) {
    g.pass("privileged=false", |p| {
        sc(ctr(p))["privileged"] = json!(false);
        sc(init(p))["privileged"] = json!(false);
    });
    g.fail("container privileged", &["privileged"], |p| {
        sc(ctr(p))["privileged"] = json!(true)
    });
    g.fail("initContainer privileged", &["privileged"], |p| {
        sc(init(p))["privileged"] = json!(true)
    });
}

fn host_namespaces(g: &mut Gen<'_>) {
    g.pass("explicit false", |p| {
        p["spec"]["hostNetwork"] = json!(false);
        p["spec"]["hostPID"] = json!(false);
        p["spec"]["hostIPC"] = json!(false);
    });
    for field in ["hostNetwork", "hostPID", "hostIPC"] {
        g.fail(field, &["hostNamespaces"], |p| p["spec"][field] = json!(true));
    }
}

fn host_path_volumes(g: &mut Gen<'_>) {
    g.pass("emptyDir volume (extra)", |p| {
        p["spec"]["volumes"] = json!([{"name": "volume-emptydir", "emptyDir": {}}]);
    });
    g.fail("hostPath volume", &["hostPathVolumes"], |p| {
        p["spec"]["volumes"] = json!([{"name": "volume-hostpath", "hostPath": {"path": "/a"}}]);
    });
    g.fail("hostPath volume with type (extra)", &["hostPathVolumes"], |p| {
        p["spec"]["volumes"] = json!([
            {"name": "volume-emptydir", "emptyDir": {}},
            {"name": "volume-hostpath", "hostPath": {"path": "/var/run/docker.sock", "type": "Socket"}}
        ]);
    });
}

fn host_ports(g: &mut Gen<'_>) {
    g.pass("containerPort only", |p| {
        ctr(p)["ports"] = json!([{"containerPort": 12345}]);
        init(p)["ports"] = json!([{"containerPort": 12346}]);
    });
    g.pass("explicit hostPort 0 (extra)", |p| {
        ctr(p)["ports"] = json!([{"containerPort": 12345, "hostPort": 0}]);
    });
    g.fail("container hostPort", &["hostPorts"], |p| {
        ctr(p)["ports"] = json!([{"containerPort": 12345, "hostPort": 12345}]);
    });
    g.fail("initContainer hostPort", &["hostPorts"], |p| {
        init(p)["ports"] = json!([{"containerPort": 12346, "hostPort": 12346}]);
    });
    // API-server defaulting of bare Pods (spec §7.2): hostNetwork gives hostPort=containerPort.
    g.fail(
        "hostNetwork defaults hostPort (extra)",
        &["hostNamespaces", "hostPorts"],
        |p| {
            p["spec"]["hostNetwork"] = json!(true);
            init(p)["ports"] = json!([{"containerPort": 12346}]);
        },
    );
}

fn host_probes(g: &mut Gen<'_>) {
    let handlers = |host: Option<&str>| -> Vec<(&'static str, Value)> {
        let mut out = Vec::new();
        for kind in ["httpGet", "tcpSocket"] {
            let mut action = json!({"port": 8080});
            if let Some(h) = host {
                action["host"] = json!(h);
            }
            out.push((kind, json!({ kind: action })));
        }
        out
    };
    g.pass("probes and hooks without host", |p| {
        for (i, (_, h)) in handlers(None).into_iter().enumerate() {
            let c = if i == 0 { ctr(p) } else { init(p) };
            c["livenessProbe"] = h.clone();
            c["readinessProbe"] = h.clone();
            c["startupProbe"] = h.clone();
            c["lifecycle"] = json!({"postStart": h.clone(), "preStop": h});
        }
    });
    g.pass("probes and hooks with empty host", |p| {
        for (i, (_, h)) in handlers(Some("")).into_iter().enumerate() {
            let c = if i == 0 { ctr(p) } else { init(p) };
            c["livenessProbe"] = h.clone();
            c["lifecycle"] = json!({"postStart": h.clone(), "preStop": h});
        }
    });
    g.pass("grpc and exec handlers (extra)", |p| {
        ctr(p)["livenessProbe"] = json!({"grpc": {"port": 8080}});
        ctr(p)["lifecycle"] =
            json!({"preStop": {"exec": {"command": ["true"]}}, "postStart": {"sleep": {"seconds": 1}}});
    });
    for host in ["bad.host", "localhost", "127.0.0.1", "::1"] {
        for (kind, h) in handlers(Some(host)) {
            for probe in ["livenessProbe", "readinessProbe", "startupProbe"] {
                g.fail(
                    &format!("container {probe}.{kind}.host={host}"),
                    &["hostProbesAndHostLifecycle"],
                    |p| ctr(p)[probe] = h.clone(),
                );
            }
            for hook in ["postStart", "preStop"] {
                g.fail(
                    &format!("initContainer lifecycle.{hook}.{kind}.host={host}"),
                    &["hostProbesAndHostLifecycle"],
                    |p| init(p)["lifecycle"] = json!({ hook: h.clone() }),
                );
            }
        }
    }
}

/// upstream ensureCapabilities: securityContext and capabilities present.
fn ensure_capabilities(c: &mut Value) -> &mut Value {
    let caps = &mut c["securityContext"]["capabilities"];
    if caps.is_null() {
        *caps = json!({});
    }
    caps
}

fn capabilities_baseline(g: &mut Gen<'_>) {
    let drops_all = g.base["spec"]["containers"][0]["securityContext"]["capabilities"]["drop"]
        .as_array()
        .is_some_and(|d| d.contains(&json!("ALL")));
    if !drops_all {
        g.pass("default capabilities", |p| {
            ensure_capabilities(ctr(p))["add"] = json!(ALLOWED_CAPS);
            ensure_capabilities(init(p))["add"] = json!(ALLOWED_CAPS);
        });
    }
    g.fail("container NET_RAW", &["capabilities_baseline"], |p| {
        ensure_capabilities(ctr(p))["add"] = json!(["NET_RAW"]);
    });
    g.fail("initContainer NET_RAW", &["capabilities_baseline"], |p| {
        ensure_capabilities(init(p))["add"] = json!(["NET_RAW"]);
    });
    g.fail("lower-case chown", &["capabilities_baseline"], |p| {
        ensure_capabilities(ctr(p))["add"] = json!(["chown"]);
    });
    g.fail("CAP_CHOWN", &["capabilities_baseline"], |p| {
        ensure_capabilities(ctr(p))["add"] = json!(["CAP_CHOWN"]);
    });
}

fn app_armor(g: &mut Gen<'_>) {
    const PREFIX: &str = "container.apparmor.security.beta.kubernetes.io/";
    for (label, key, value) in [
        ("container runtime/default", "container1", "runtime/default"),
        ("container localhost/foo", "container1", "localhost/foo"),
        ("initContainer localhost/", "initcontainer1", "localhost/"),
        ("empty value (extra)", "container1", ""),
        (
            "unknown container, allowed value (extra)",
            "nosuch",
            "runtime/default",
        ),
    ] {
        g.pass(label, |p| annotate(p, &format!("{PREFIX}{key}"), value));
    }
    g.pass("fields RuntimeDefault and Localhost", |p| {
        psc(p)["appArmorProfile"] = json!({"type": "RuntimeDefault"});
        sc(ctr(p))["appArmorProfile"] = json!({"type": "Localhost", "localhostProfile": "testing"});
        sc(init(p))["appArmorProfile"] = json!({"type": "RuntimeDefault"});
    });
    for (label, key, value) in [
        ("container unconfined", "container1", "unconfined"),
        ("initContainer unconfined", "initcontainer1", "unconfined"),
        ("unknown container unconfined (extra)", "nosuch", "unconfined"),
        ("bare prefix (extra)", "", "bogus"),
        ("upper-case value (extra)", "container1", "Unconfined"),
    ] {
        g.fail(label, &["appArmorProfile"], |p| {
            annotate(p, &format!("{PREFIX}{key}"), value)
        });
    }
    g.fail("pod field Unconfined", &["appArmorProfile"], |p| {
        psc(p)["appArmorProfile"] = json!({"type": "Unconfined"});
    });
    g.fail("container field Unconfined", &["appArmorProfile"], |p| {
        sc(ctr(p))["appArmorProfile"] = json!({"type": "Unconfined"});
    });
    g.fail("initContainer field Unconfined", &["appArmorProfile"], |p| {
        sc(init(p))["appArmorProfile"] = json!({"type": "Unconfined"});
    });
    g.fail("field without type (extra)", &["appArmorProfile"], |p| {
        sc(ctr(p))["appArmorProfile"] = json!({});
    });
}

fn proc_mount(g: &mut Gen<'_>) {
    g.pass("Default", |p| {
        sc(ctr(p))["procMount"] = json!("Default");
        sc(init(p))["procMount"] = json!("Default");
    });
    if g.v >= 35 && !g.restricted() {
        g.pass("Unmasked in a user namespace", |p| {
            p["spec"]["hostUsers"] = json!(false);
            sc(ctr(p))["procMount"] = json!("Unmasked");
            sc(init(p))["procMount"] = json!("Unmasked");
        });
    }
    g.fail("container Unmasked", &["procMount"], |p| {
        sc(ctr(p))["procMount"] = json!("Unmasked")
    });
    g.fail("initContainer Unmasked", &["procMount"], |p| {
        sc(init(p))["procMount"] = json!("Unmasked")
    });
    g.fail("container other", &["procMount"], |p| {
        sc(ctr(p))["procMount"] = json!("other")
    });
    g.fail("container empty string (extra)", &["procMount"], |p| {
        sc(ctr(p))["procMount"] = json!("")
    });
    g.fail("Unmasked with hostUsers true", &["procMount"], |p| {
        p["spec"]["hostUsers"] = json!(true);
        sc(ctr(p))["procMount"] = json!("Unmasked");
    });
    if g.v < 35 || g.restricted() {
        // No relaxation before v1.35, and never at restricted (procMount_restricted).
        g.fail("Unmasked in a user namespace", &["procMount"], |p| {
            p["spec"]["hostUsers"] = json!(false);
            sc(ctr(p))["procMount"] = json!("Unmasked");
        });
    }
}

fn se_linux(g: &mut Gen<'_>) {
    let mut allowed = vec!["container_t", "container_init_t", "container_kvm_t"];
    if g.v >= 31 {
        allowed.push("container_engine_t");
    }
    g.pass("seLinuxOptions null", |p| {
        psc(p)["seLinuxOptions"] = Value::Null;
        sc(ctr(p))["seLinuxOptions"] = Value::Null;
    });
    g.pass("empty seLinuxOptions", |p| {
        psc(p)["seLinuxOptions"] = json!({});
        sc(ctr(p))["seLinuxOptions"] = json!({});
        sc(init(p))["seLinuxOptions"] = json!({"type": "", "user": "", "role": ""});
    });
    for t in &allowed {
        g.pass(&format!("type {t}"), |p| {
            psc(p)["seLinuxOptions"] = json!({"type": t});
            sc(ctr(p))["seLinuxOptions"] = json!({"type": t});
            sc(init(p))["seLinuxOptions"] = json!({"type": t});
        });
    }
    g.pass("level set", |p| {
        psc(p)["seLinuxOptions"] = json!({"level": "s0:c1,c2"});
        sc(ctr(p))["seLinuxOptions"] = json!({"level": "somevalue"});
    });
    let mut bad_types = vec!["somevalue", "spc_t"];
    if g.v < 31 {
        bad_types.push("container_engine_t");
    }
    for t in bad_types {
        g.fail(&format!("pod type {t}"), &["seLinuxOptions"], |p| {
            psc(p)["seLinuxOptions"] = json!({"type": t})
        });
        g.fail(&format!("container type {t}"), &["seLinuxOptions"], |p| {
            sc(ctr(p))["seLinuxOptions"] = json!({"type": t})
        });
        g.fail(&format!("initContainer type {t}"), &["seLinuxOptions"], |p| {
            sc(init(p))["seLinuxOptions"] = json!({"type": t})
        });
    }
    for field in ["user", "role"] {
        g.fail(&format!("pod {field}"), &["seLinuxOptions"], |p| {
            psc(p)["seLinuxOptions"] = json!({ field: "somevalue" })
        });
        g.fail(&format!("container {field}"), &["seLinuxOptions"], |p| {
            sc(ctr(p))["seLinuxOptions"] = json!({ field: "somevalue", "type": "container_t" })
        });
        g.fail(&format!("initContainer {field}"), &["seLinuxOptions"], |p| {
            sc(init(p))["seLinuxOptions"] = json!({ field: "somevalue" })
        });
    }
}

fn seccomp_baseline(g: &mut Gen<'_>) {
    const POD: &str = "seccomp.security.alpha.kubernetes.io/pod";
    const PREFIX: &str = "container.seccomp.security.alpha.kubernetes.io/";
    if g.v < 19 {
        // @0: annotations only.
        for (label, key, value) in [
            ("pod runtime/default", POD.to_string(), "runtime/default"),
            ("pod docker/default", POD.to_string(), "docker/default"),
            ("pod localhost/testing", POD.to_string(), "localhost/testing"),
            (
                "container runtime/default",
                format!("{PREFIX}container1"),
                "runtime/default",
            ),
            (
                "initContainer localhost/",
                format!("{PREFIX}initcontainer1"),
                "localhost/",
            ),
            (
                "unknown container unconfined (extra)",
                format!("{PREFIX}nosuch"),
                "unconfined",
            ),
        ] {
            g.pass(label, |p| annotate(p, &key, value));
        }
        g.pass("fields are ignored before v1.19 (extra)", |p| {
            psc(p)["seccompProfile"] = json!({"type": "Unconfined"});
            sc(ctr(p))["seccompProfile"] = json!({"type": "Unconfined"});
        });
        for (label, key, value) in [
            ("pod unconfined", POD.to_string(), "unconfined"),
            (
                "container unconfined",
                format!("{PREFIX}container1"),
                "unconfined",
            ),
            (
                "initContainer unconfined",
                format!("{PREFIX}initcontainer1"),
                "unconfined",
            ),
            ("pod empty string (extra)", POD.to_string(), ""),
            ("container bogus (extra)", format!("{PREFIX}container1"), "bogus"),
            ("upper-case Localhost/ (extra)", POD.to_string(), "Localhost/x"),
        ] {
            g.fail(label, &["seccompProfile_baseline"], |p| annotate(p, &key, value));
        }
    } else {
        // @19: fields only.
        g.pass("pod RuntimeDefault", |p| {
            psc(p)["seccompProfile"] = json!({"type": "RuntimeDefault"})
        });
        g.pass("pod Localhost", |p| {
            psc(p)["seccompProfile"] = json!({"type": "Localhost", "localhostProfile": "testing"})
        });
        g.pass("containers RuntimeDefault and Localhost", |p| {
            sc(ctr(p))["seccompProfile"] = json!({"type": "RuntimeDefault"});
            sc(init(p))["seccompProfile"] = json!({"type": "Localhost", "localhostProfile": "testing"});
        });
        g.pass("annotations are ignored from v1.19 (extra)", |p| {
            annotate(p, "seccomp.security.alpha.kubernetes.io/pod", "unconfined");
            annotate(p, &format!("{PREFIX}container1"), "unconfined");
        });
        g.fail("pod Unconfined", &["seccompProfile_baseline"], |p| {
            psc(p)["seccompProfile"] = json!({"type": "Unconfined"})
        });
        g.fail("container Unconfined", &["seccompProfile_baseline"], |p| {
            sc(ctr(p))["seccompProfile"] = json!({"type": "Unconfined"})
        });
        g.fail("initContainer Unconfined", &["seccompProfile_baseline"], |p| {
            sc(init(p))["seccompProfile"] = json!({"type": "Unconfined"})
        });
        g.fail(
            "container empty type (extra)",
            &["seccompProfile_baseline"],
            |p| sc(ctr(p))["seccompProfile"] = json!({}),
        );
    }
}

fn sysctls(g: &mut Gen<'_>) {
    let v = g.v;
    g.pass("no sysctls", |p| {
        psc(p)["sysctls"] = json!([]);
    });
    let allowed: Vec<Value> = SYSCTLS
        .iter()
        .filter(|(since, _, _)| *since <= v)
        .map(|(_, n, val)| json!({"name": n, "value": val}))
        .collect();
    g.pass("every safe sysctl of the version", |p| {
        psc(p)["sysctls"] = json!(allowed);
    });
    g.fail("unknown sysctl", &["sysctls"], |p| {
        psc(p)["sysctls"] = json!([{"name": "a", "value": "b"}]);
    });
    for (since, name, value) in SYSCTLS.iter().filter(|(since, _, _)| *since > v) {
        g.fail(&format!("{name} before v1.{since} (extra)"), &["sysctls"], |p| {
            psc(p)["sysctls"] = json!([{"name": name, "value": value}])
        });
    }
}

fn windows_host_process(g: &mut Gen<'_>) {
    g.pass("hostProcess=false", |p| {
        psc(p)["windowsOptions"] = json!({"hostProcess": false});
        sc(ctr(p))["windowsOptions"] = json!({"hostProcess": false});
        sc(init(p))["windowsOptions"] = json!({"hostProcess": false});
    });
    let deny = &["windowsHostProcess", "hostNamespaces"];
    g.fail("pod hostProcess", deny, |p| {
        p["spec"]["hostNetwork"] = json!(true);
        psc(p)["windowsOptions"] = json!({"hostProcess": true});
    });
    g.fail("container hostProcess", deny, |p| {
        p["spec"]["hostNetwork"] = json!(true);
        sc(ctr(p))["windowsOptions"] = json!({"hostProcess": true});
    });
    g.fail("initContainer hostProcess", deny, |p| {
        p["spec"]["hostNetwork"] = json!(true);
        sc(init(p))["windowsOptions"] = json!({"hostProcess": true});
    });
    if !g.restricted() || g.v >= 25 {
        // Before v1.25 a Windows pod without Linux fields also fails the restricted checks.
        g.fail("windows pod hostProcess (extra)", deny, |p| {
            windows(p);
            p["spec"]["hostNetwork"] = json!(true);
            psc(p)["windowsOptions"] = json!({"hostProcess": true});
        });
    }
}

fn allow_privilege_escalation(g: &mut Gen<'_>) {
    if g.v >= 25 {
        g.pass("windows pod without allowPrivilegeEscalation", windows);
    }
    // A container without a securityContext also misses capabilities.drop=["ALL"].
    let no_sc: &[&'static str] = if g.v >= 22 {
        &["allowPrivilegeEscalation", "capabilities_restricted"]
    } else {
        &["allowPrivilegeEscalation"]
    };
    let ape = &["allowPrivilegeEscalation"];
    g.fail("container true", ape, |p| {
        sc(ctr(p))["allowPrivilegeEscalation"] = json!(true)
    });
    g.fail("initContainer true", ape, |p| {
        sc(init(p))["allowPrivilegeEscalation"] = json!(true)
    });
    g.fail("container nil", ape, |p| {
        unset(sc(ctr(p)), "allowPrivilegeEscalation")
    });
    g.fail("initContainer nil", ape, |p| {
        unset(sc(init(p)), "allowPrivilegeEscalation")
    });
    g.fail("container without securityContext", no_sc, |p| {
        unset(ctr(p), "securityContext")
    });
    g.fail("initContainer without securityContext", no_sc, |p| {
        unset(init(p), "securityContext")
    });
    if g.v >= 25 {
        g.fail("linux pod nil", ape, |p| {
            p["spec"]["os"] = json!({"name": "linux"});
            unset(sc(ctr(p)), "allowPrivilegeEscalation");
        });
        g.fail("os name is case-sensitive (extra)", ape, |p| {
            p["spec"]["os"] = json!({"name": "Windows"});
            unset(sc(ctr(p)), "allowPrivilegeEscalation");
        });
    } else {
        // Before v1.25 a Windows pod gets no exemption (extra).
        let mut deny = vec!["allowPrivilegeEscalation"];
        if g.v >= 22 {
            deny.push("capabilities_restricted");
        }
        if g.v >= 19 {
            deny.push("seccompProfile_restricted");
        }
        g.fail("windows pod before v1.25 (extra)", &deny, windows);
    }
}

fn capabilities_restricted(g: &mut Gen<'_>) {
    g.pass("NET_BIND_SERVICE", |p| {
        ensure_capabilities(ctr(p))["add"] = json!(["NET_BIND_SERVICE"]);
        ensure_capabilities(init(p))["add"] = json!(["NET_BIND_SERVICE"]);
    });
    if g.v >= 25 {
        g.pass("windows pod without capabilities", windows);
        g.pass("windows pod adding NET_RAW (extra)", |p| {
            windows(p);
            sc(ctr(p))["capabilities"] = json!({"add": ["NET_RAW"]});
        });
    }
    let deny = &["capabilities_restricted"];
    g.fail("container drop []", deny, |p| {
        ensure_capabilities(ctr(p))["drop"] = json!([])
    });
    g.fail("initContainer drop []", deny, |p| {
        ensure_capabilities(init(p))["drop"] = json!([])
    });
    g.fail("container capabilities nil", deny, |p| {
        unset(sc(ctr(p)), "capabilities")
    });
    g.fail("every capability dropped individually", deny, |p| {
        ensure_capabilities(ctr(p))["drop"] = json!(ALL_CAPS)
    });
    g.fail("lower-case all (extra)", deny, |p| {
        ensure_capabilities(ctr(p))["drop"] = json!(["all"])
    });
    g.fail("container add SYS_TIME", deny, |p| {
        ensure_capabilities(ctr(p))["add"] = json!(["SYS_TIME"])
    });
    g.fail("initContainer add NET_RAW", deny, |p| {
        ensure_capabilities(init(p))["add"] = json!(["NET_RAW"])
    });
    g.fail("container add CHOWN (default in baseline)", deny, |p| {
        ensure_capabilities(ctr(p))["add"] = json!(["NET_BIND_SERVICE", "CHOWN"])
    });
    if g.v >= 25 {
        g.fail("linux pod without capabilities", deny, |p| {
            p["spec"]["os"] = json!({"name": "linux"});
            unset(sc(ctr(p)), "capabilities");
        });
    }
}

fn proc_mount_restricted(g: &mut Gen<'_>) {
    g.pass("Default", |p| {
        sc(ctr(p))["procMount"] = json!("Default");
        sc(init(p))["procMount"] = json!("Default");
    });
    let deny = &["procMount_restricted"];
    g.fail("container Unmasked", deny, |p| {
        sc(ctr(p))["procMount"] = json!("Unmasked")
    });
    g.fail("initContainer Unmasked", deny, |p| {
        sc(init(p))["procMount"] = json!("Unmasked")
    });
    g.fail("Unmasked in a user namespace", deny, |p| {
        p["spec"]["hostUsers"] = json!(false);
        sc(ctr(p))["procMount"] = json!("Unmasked");
        sc(init(p))["procMount"] = json!("Unmasked");
    });
    g.fail("other", deny, |p| sc(ctr(p))["procMount"] = json!("other"));
}

fn restricted_volumes(g: &mut Gen<'_>) {
    g.pass("allowed volume types", |p| {
        p["spec"]["volumes"] = json!([
            {"name": "volume0"},
            {"name": "volume1", "emptyDir": {}},
            {"name": "volume2", "secret": {"secretName": "test"}},
            {"name": "volume3", "persistentVolumeClaim": {"claimName": "test"}},
            {"name": "volume4", "downwardAPI": {"items": [{"path": "labels", "fieldRef": {"fieldPath": "metadata.labels"}}]}},
            {"name": "volume5", "configMap": {"name": "test"}},
            {"name": "volume6", "projected": {"sources": []}},
            {"name": "volume7", "csi": {"driver": "inline.storage.kubernetes.io"}},
            {"name": "volume8", "ephemeral": {"volumeClaimTemplate": {"spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}}}}}},
            {"name": "volume9", "image": {"reference": "registry.k8s.io/pause"}}
        ]);
    });
    g.pass("source set to null is source-less (extra)", |p| {
        p["spec"]["volumes"] = json!([{"name": "volume0", "hostPath": null}]);
    });
    for (source, obj) in RESTRICTED_VOLUME_SOURCES {
        let obj: Value = serde_json::from_str(obj).expect("valid JSON");
        g.fail(source, &["restrictedVolumes"], |p| {
            p["spec"]["volumes"] = json!([{"name": "volume1", *source: obj}]);
        });
    }
    g.fail(
        "allowed and restricted together (extra)",
        &["restrictedVolumes"],
        |p| {
            p["spec"]["volumes"] = json!([
                {"name": "volume0"},
                {"name": "volume1", "nfs": {"server": "s", "path": "/"}}
            ]);
        },
    );
}

fn run_as_non_root(g: &mut Gen<'_>) {
    g.pass("containers true, pod nil", |p| {
        unset(psc(p), "runAsNonRoot");
        sc(ctr(p))["runAsNonRoot"] = json!(true);
        sc(init(p))["runAsNonRoot"] = json!(true);
    });
    if g.v >= 35 {
        g.pass("pod false in a user namespace", |p| {
            p["spec"]["hostUsers"] = json!(false);
            psc(p)["runAsNonRoot"] = json!(false);
        });
        g.pass("unset everywhere in a user namespace", |p| {
            p["spec"]["hostUsers"] = json!(false);
            unset(psc(p), "runAsNonRoot");
        });
    }
    let deny = &["runAsNonRoot"];
    g.fail("pod nil, containers nil", deny, |p| unset(psc(p), "runAsNonRoot"));
    g.fail("pod false", deny, |p| psc(p)["runAsNonRoot"] = json!(false));
    g.fail("container false", deny, |p| {
        sc(ctr(p))["runAsNonRoot"] = json!(false)
    });
    g.fail("initContainer false", deny, |p| {
        sc(init(p))["runAsNonRoot"] = json!(false)
    });
    g.fail("pod nil, container true, initContainer nil", deny, |p| {
        unset(psc(p), "runAsNonRoot");
        sc(ctr(p))["runAsNonRoot"] = json!(true);
    });
    g.fail("pod false, containers true", deny, |p| {
        psc(p)["runAsNonRoot"] = json!(false);
        sc(ctr(p))["runAsNonRoot"] = json!(true);
        sc(init(p))["runAsNonRoot"] = json!(true);
    });
    g.fail("hostUsers true (extra)", deny, |p| {
        p["spec"]["hostUsers"] = json!(true);
        psc(p)["runAsNonRoot"] = json!(false);
    });
    if g.v < 35 {
        g.fail("user namespace before v1.35 (extra)", deny, |p| {
            p["spec"]["hostUsers"] = json!(false);
            psc(p)["runAsNonRoot"] = json!(false);
        });
    }
}

fn run_as_user(g: &mut Gen<'_>) {
    g.pass("non-zero everywhere", |p| {
        psc(p)["runAsUser"] = json!(1000);
        sc(ctr(p))["runAsUser"] = json!(1000);
        sc(init(p))["runAsUser"] = json!(1000);
    });
    g.pass("pod non-zero, containers unset", |p| {
        psc(p)["runAsUser"] = json!(1);
    });
    if g.v >= 35 {
        g.pass("zero in a user namespace", |p| {
            p["spec"]["hostUsers"] = json!(false);
            psc(p)["runAsUser"] = json!(0);
            sc(ctr(p))["runAsUser"] = json!(0);
            sc(init(p))["runAsUser"] = json!(0);
        });
    }
    let deny = &["runAsUser"];
    g.fail("pod 0", deny, |p| psc(p)["runAsUser"] = json!(0));
    g.fail("container 0", deny, |p| sc(ctr(p))["runAsUser"] = json!(0));
    g.fail("initContainer 0", deny, |p| sc(init(p))["runAsUser"] = json!(0));
    g.fail("pod 0, containers non-zero", deny, |p| {
        psc(p)["runAsUser"] = json!(0);
        sc(ctr(p))["runAsUser"] = json!(1000);
        sc(init(p))["runAsUser"] = json!(1000);
    });
    g.fail("pod non-zero, container 0", deny, |p| {
        psc(p)["runAsUser"] = json!(1000);
        sc(ctr(p))["runAsUser"] = json!(0);
    });
    if g.v < 35 {
        g.fail("user namespace before v1.35 (extra)", deny, |p| {
            p["spec"]["hostUsers"] = json!(false);
            psc(p)["runAsUser"] = json!(0);
        });
    }
}

fn seccomp_restricted(g: &mut Gen<'_>) {
    g.pass("pod nil, containers RuntimeDefault and Localhost", |p| {
        unset(psc(p), "seccompProfile");
        sc(ctr(p))["seccompProfile"] = json!({"type": "RuntimeDefault"});
        sc(init(p))["seccompProfile"] = json!({"type": "Localhost", "localhostProfile": "testing"});
    });
    g.pass("pod Localhost", |p| {
        psc(p)["seccompProfile"] = json!({"type": "Localhost", "localhostProfile": "testing"})
    });
    if g.v >= 25 {
        g.pass("windows pod without seccompProfile", windows);
        g.pass("windows pod with Unconfined (extra)", |p| {
            windows(p);
            psc(p)["seccompProfile"] = json!({"type": "Unconfined"});
        });
    }
    let deny = &["seccompProfile_restricted"];
    g.fail("pod nil, containers nil", deny, |p| {
        unset(psc(p), "seccompProfile")
    });
    g.fail("pod Unconfined", deny, |p| {
        psc(p)["seccompProfile"] = json!({"type": "Unconfined"})
    });
    g.fail("container Unconfined", deny, |p| {
        sc(ctr(p))["seccompProfile"] = json!({"type": "Unconfined"})
    });
    g.fail("initContainer Unconfined", deny, |p| {
        sc(init(p))["seccompProfile"] = json!({"type": "Unconfined"})
    });
    g.fail("pod nil, initContainer nil", deny, |p| {
        unset(psc(p), "seccompProfile");
        sc(ctr(p))["seccompProfile"] = json!({"type": "RuntimeDefault"});
    });
    g.fail("pod Unconfined, containers RuntimeDefault", deny, |p| {
        psc(p)["seccompProfile"] = json!({"type": "Unconfined"});
        sc(ctr(p))["seccompProfile"] = json!({"type": "RuntimeDefault"});
        sc(init(p))["seccompProfile"] = json!({"type": "RuntimeDefault"});
    });
    g.fail("annotations do not count (extra)", deny, |p| {
        unset(psc(p), "seccompProfile");
        annotate(p, "seccomp.security.alpha.kubernetes.io/pod", "runtime/default");
    });
    if g.v >= 25 {
        g.fail("linux pod nil", deny, |p| {
            p["spec"]["os"] = json!({"name": "linux"});
            unset(psc(p), "seccompProfile");
        });
    }
}

fn evaluate_node(level: Level, v: u32, root: &Node) -> BTreeSet<&'static str> {
    let null = Node::null();
    let e = evaluate(
        level,
        Version::V(v),
        &PodInput {
            metadata: root.get("metadata"),
            spec: root.get("spec").unwrap_or(&null),
            is_pod: true,
        },
    );
    assert!(e.type_errors.is_empty(), "{:?}", e.type_errors);
    e.forbidden.iter().map(|r| r.id).collect()
}

fn evaluate_pod(level: Level, v: u32, pod: &Value) -> BTreeSet<&'static str> {
    evaluate_node(level, v, &Node::from_json(pod))
}

/// Emits `v` as block YAML in the style of sigs.k8s.io/yaml (go-yaml v2): sequences of a
/// mapping are not indented, strings are plain when unambiguous and double-quoted otherwise.
fn to_yaml(v: &Value) -> String {
    fn scalar(v: &Value) -> String {
        match v {
            Value::String(s) => {
                let plain = s.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
                    && s.chars().all(|c| c.is_ascii_alphanumeric() || "._/-".contains(c))
                    && !matches!(
                        s.to_ascii_lowercase().as_str(),
                        "y" | "n" | "yes" | "no" | "on" | "off" | "true" | "false" | "null"
                    );
                if plain {
                    s.clone()
                } else {
                    Value::String(s.clone()).to_string()
                }
            }
            Value::Object(o) if o.is_empty() => "{}".to_string(),
            Value::Array(a) if a.is_empty() => "[]".to_string(),
            other => other.to_string(),
        }
    }
    fn is_block(v: &Value) -> bool {
        matches!(v, Value::Object(o) if !o.is_empty()) || matches!(v, Value::Array(a) if !a.is_empty())
    }
    fn emit(v: &Value, indent: usize, out: &mut String) {
        let pad = " ".repeat(indent);
        match v {
            Value::Object(o) if !o.is_empty() => {
                for (k, child) in o {
                    out.push_str(&format!("{pad}{}:", scalar(&Value::String(k.clone()))));
                    match child {
                        Value::Object(_) if is_block(child) => {
                            out.push('\n');
                            emit(child, indent + 2, out);
                        }
                        Value::Array(_) if is_block(child) => {
                            out.push('\n');
                            emit(child, indent, out);
                        }
                        _ => out.push_str(&format!(" {}\n", scalar(child))),
                    }
                }
            }
            Value::Array(a) if !a.is_empty() => {
                for item in a {
                    if is_block(item) {
                        let mut inner = String::new();
                        emit(item, indent + 2, &mut inner);
                        let inner = inner.replacen(&format!("{pad}  "), &format!("{pad}- "), 1);
                        out.push_str(&inner);
                    } else {
                        out.push_str(&format!("{pad}- {}\n", scalar(item)));
                    }
                }
            }
            other => out.push_str(&format!("{pad}{}\n", scalar(other))),
        }
    }
    let mut out = String::new();
    emit(v, 0, &mut out);
    out
}

/// Loads `yaml` with the project's loader (as the fixture files are read) and returns the one
/// object's document tree.
fn load_yaml(yaml: &str) -> Node {
    let loaded = palisade_source::load_bytes("fixture.yaml".into(), yaml.as_bytes());
    assert!(loaded.diagnostics.is_empty(), "{:?}\n{yaml}", loaded.diagnostics);
    assert_eq!(loaded.objects.len(), 1, "{yaml}");
    loaded
        .objects
        .into_iter()
        .next()
        .map(|o| o.root)
        .unwrap_or_else(Node::null)
}

#[test]
fn every_fixture_at_every_version() {
    let mut failures = Vec::new();
    let mut evaluated = 0;
    let mut distinct = BTreeSet::new();
    let mut counts = std::collections::BTreeMap::new();
    for level in [B, R] {
        for v in 0..=MAX_VERSION {
            let base = minimal(level, v);
            let got = evaluate_pod(level, v, &base);
            evaluated += 1;
            if !got.is_empty() {
                failures.push(format!("{level} v1.{v} base: denied by {got:?}"));
            }
            for check in fixture_checks(level, v) {
                for case in generate(check, level, v, &base) {
                    evaluated += 1;
                    *counts.entry((level, case.deny.is_empty())).or_insert(0) += 1;
                    distinct.insert((level, check, case.label.clone()));
                    let got = evaluate_pod(level, v, &case.pod);
                    if got != case.deny {
                        failures.push(format!(
                            "{level} v1.{v} {check} / {}: want {:?}, got {:?}\n  {}",
                            case.label, case.deny, got, case.pod
                        ));
                    }
                    // The same pod as a fixture file: YAML through the project's loader.
                    let yaml = to_yaml(&case.pod);
                    let root = load_yaml(&yaml);
                    assert_eq!(root.to_json(), case.pod, "YAML round trip\n{yaml}");
                    let got = evaluate_node(level, v, &root);
                    if got != case.deny {
                        failures.push(format!(
                            "{level} v1.{v} {check} / {} (YAML): want {:?}, got {:?}\n{yaml}",
                            case.label, case.deny, got
                        ));
                    }
                }
            }
        }
    }
    eprintln!(
        "fixture-like: {evaluated} evaluations of {} distinct cases over v1.0..v1.{MAX_VERSION} \
         (level, pass?) -> count: {counts:?}",
        distinct.len()
    );
    assert!(evaluated > 9_000, "only {evaluated} evaluations");
    assert!(
        failures.is_empty(),
        "{} mismatches:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// `latest` and versions past the newest behave like the newest.
#[test]
fn latest_and_future_versions_match_newest_fixtures() {
    for level in [B, R] {
        let base = minimal(level, MAX_VERSION);
        for check in fixture_checks(level, MAX_VERSION) {
            for case in generate(check, level, MAX_VERSION, &base) {
                for version in [Version::Latest, Version::V(MAX_VERSION + 1), Version::V(99)] {
                    let metadata = Node::from_json(&case.pod["metadata"]);
                    let spec = Node::from_json(&case.pod["spec"]);
                    let e = evaluate(
                        level,
                        version,
                        &PodInput {
                            metadata: Some(&metadata),
                            spec: &spec,
                            is_pod: true,
                        },
                    );
                    let got: BTreeSet<&str> = e.forbidden.iter().map(|r| r.id).collect();
                    assert_eq!(got, case.deny, "{level}:{version} {check} / {}", case.label);
                }
            }
        }
    }
}

/// Checks that do not exist yet at a version allow what they would forbid later.
#[test]
fn checks_are_absent_before_their_first_version() {
    let probe = |level: Level, v: u32| {
        let mut p = minimal(level, v);
        ctr(&mut p)["readinessProbe"] = json!({"httpGet": {"host": "bad.host", "port": 80}});
        evaluate_pod(level, v, &p)
    };
    for v in 0..34 {
        assert!(probe(B, v).is_empty(), "baseline v1.{v}");
        assert!(probe(R, v).is_empty(), "restricted v1.{v}");
    }
    for v in 0..8 {
        let mut p = minimal(R, v);
        sc(ctr(&mut p))["allowPrivilegeEscalation"] = json!(true);
        assert!(evaluate_pod(R, v, &p).is_empty(), "v1.{v}");
    }
    for v in 0..23 {
        let mut p = minimal(R, v);
        psc(&mut p)["runAsUser"] = json!(0);
        assert!(evaluate_pod(R, v, &p).is_empty(), "v1.{v}");
    }
    for v in 0..19 {
        // No seccomp requirement at restricted before v1.19 (only the annotation check).
        let p = minimal(R, v);
        assert!(p["spec"]["securityContext"].get("seccompProfile").is_none());
        assert!(evaluate_pod(R, v, &p).is_empty(), "v1.{v}");
    }
}

/// Spec §3.20: restricted is not a superset of baseline for Windows pods at v1.25+.
#[test]
fn windows_asymmetry_between_levels() {
    for v in 0..=MAX_VERSION {
        let mut p = minimal(R, v);
        windows(&mut p);
        sc(ctr(&mut p))["capabilities"] = json!({"add": ["NET_RAW"]});
        psc(&mut p)["seccompProfile"] = json!({"type": "Unconfined"});
        let baseline: BTreeSet<&str> = if v >= 19 {
            ["capabilities_baseline", "seccompProfile_baseline"].into()
        } else {
            ["capabilities_baseline"].into()
        };
        assert_eq!(evaluate_pod(B, v, &p), baseline, "baseline v1.{v}");
        let restricted: BTreeSet<&str> = match v {
            25.. => BTreeSet::new(),
            22..=24 => [
                "allowPrivilegeEscalation",
                "capabilities_restricted",
                "seccompProfile_restricted",
            ]
            .into(),
            19..=21 => [
                "allowPrivilegeEscalation",
                "capabilities_baseline",
                "seccompProfile_restricted",
            ]
            .into(),
            8..=18 => ["allowPrivilegeEscalation", "capabilities_baseline"].into(),
            _ => ["capabilities_baseline"].into(),
        };
        assert_eq!(evaluate_pod(R, v, &p), restricted, "restricted v1.{v}");
    }
}

/// Ephemeral containers are visited by every container-level check (spec §3.0), although no
/// upstream fixture has one (they cannot be set at pod creation).
#[test]
fn ephemeral_containers_are_checked_at_every_version() {
    for v in 0..=MAX_VERSION {
        let base = minimal(R, v);
        let eph = |f: &dyn Fn(&mut Value)| {
            let mut p = base.clone();
            let mut e = base["spec"]["containers"][0].clone();
            e["name"] = json!("debugger");
            f(&mut e);
            p["spec"]["ephemeralContainers"] = json!([e]);
            p
        };
        assert!(evaluate_pod(R, v, &eph(&|_| {})).is_empty(), "v1.{v}");
        let privileged = eph(&|e| e["securityContext"]["privileged"] = json!(true));
        assert!(evaluate_pod(R, v, &privileged).contains("privileged"));
        assert!(evaluate_pod(B, v, &privileged).contains("privileged"));
        let annotated = {
            let mut p = eph(&|_| {});
            annotate(
                &mut p,
                "container.seccomp.security.alpha.kubernetes.io/debugger",
                "unconfined",
            );
            p
        };
        let want: BTreeSet<&str> = if v < 19 {
            ["seccompProfile_baseline"].into()
        } else {
            BTreeSet::new()
        };
        assert_eq!(evaluate_pod(B, v, &annotated), want, "v1.{v}");
        assert_eq!(evaluate_pod(R, v, &annotated), want, "v1.{v}");
        if v >= 8 {
            let ape = eph(&|e| unset(&mut e["securityContext"], "allowPrivilegeEscalation"));
            assert_eq!(
                evaluate_pod(R, v, &ape),
                ["allowPrivilegeEscalation"].into(),
                "v1.{v}"
            );
        }
    }
}

/// A few fixture files written out as upstream's `testFixtureFile` does (sigs.k8s.io/yaml with
/// sorted keys, plus the generator's leftovers `creationTimestamp: null`, `resources: {}` and
/// `status: {}` in case a file keeps them), with their level, version and expected decision.
#[test]
fn literal_fixture_files() {
    let files: &[(Level, u32, bool, &str)] = &[
        (
            R,
            22,
            true,
            r#"apiVersion: v1
kind: Pod
metadata:
  creationTimestamp: null
  name: restrictedvolumes0
spec:
  containers:
  - image: registry.k8s.io/pause
    name: container1
    resources: {}
    securityContext:
      allowPrivilegeEscalation: false
      capabilities:
        drop:
        - ALL
  initContainers:
  - image: registry.k8s.io/pause
    name: initcontainer1
    resources: {}
    securityContext:
      allowPrivilegeEscalation: false
      capabilities:
        drop:
        - ALL
  securityContext:
    runAsNonRoot: true
    seccompProfile:
      type: RuntimeDefault
  volumes:
  - name: volume0
  - emptyDir: {}
    name: volume1
  - name: volume2
    secret:
      secretName: test
  - name: volume3
    persistentVolumeClaim:
      claimName: test
  - downwardAPI:
      items:
      - fieldRef:
          fieldPath: metadata.labels
        path: labels
    name: volume4
  - configMap:
      name: test
    name: volume5
  - name: volume6
    projected:
      sources: []
status: {}
"#,
        ),
        (
            B,
            18,
            false,
            r#"apiVersion: v1
kind: Pod
metadata:
  annotations:
    seccomp.security.alpha.kubernetes.io/pod: unconfined
  name: seccompprofile_baseline0
spec:
  containers:
  - image: registry.k8s.io/pause
    name: container1
  initContainers:
  - image: registry.k8s.io/pause
    name: initcontainer1
"#,
        ),
        (
            R,
            18,
            true,
            r#"apiVersion: v1
kind: Pod
metadata:
  annotations:
    container.seccomp.security.alpha.kubernetes.io/container1: docker/default
    seccomp.security.alpha.kubernetes.io/pod: localhost/testing
  name: seccompprofile_baseline2
spec:
  containers:
  - image: registry.k8s.io/pause
    name: container1
    securityContext:
      allowPrivilegeEscalation: false
  initContainers:
  - image: registry.k8s.io/pause
    name: initcontainer1
    securityContext:
      allowPrivilegeEscalation: false
  securityContext:
    runAsNonRoot: true
"#,
        ),
        (
            B,
            26,
            false,
            r#"apiVersion: v1
kind: Pod
metadata:
  name: sysctls1
spec:
  containers:
  - image: registry.k8s.io/pause
    name: container1
  initContainers:
  - image: registry.k8s.io/pause
    name: initcontainer1
  securityContext:
    sysctls:
    - name: net.ipv4.ip_local_reserved_ports
      value: 1024-4999
"#,
        ),
        (
            B,
            37,
            true,
            r#"apiVersion: v1
kind: Pod
metadata:
  name: sysctls1
spec:
  containers:
  - image: registry.k8s.io/pause
    name: container1
  initContainers:
  - image: registry.k8s.io/pause
    name: initcontainer1
  securityContext:
    sysctls:
    - name: kernel.shm_rmid_forced
      value: "0"
    - name: net.ipv4.ip_local_port_range
      value: 1024 65535
    - name: net.ipv4.tcp_rmem
      value: 4096 87380 16777216
    - name: net.ipv4.tcp_slow_start_after_idle
      value: "0"
"#,
        ),
        (
            R,
            25,
            true,
            r#"apiVersion: v1
kind: Pod
metadata:
  name: allowprivilegeescalation0
spec:
  containers:
  - image: registry.k8s.io/pause
    name: container1
    securityContext: {}
  initContainers:
  - image: registry.k8s.io/pause
    name: initcontainer1
    securityContext: {}
  os:
    name: windows
  securityContext:
    runAsNonRoot: true
"#,
        ),
        (
            R,
            25,
            false,
            r#"apiVersion: v1
kind: Pod
metadata:
  name: windowshostprocess0
spec:
  containers:
  - image: registry.k8s.io/pause
    name: container1
  hostNetwork: true
  initContainers:
  - image: registry.k8s.io/pause
    name: initcontainer1
  os:
    name: windows
  securityContext:
    runAsNonRoot: true
    windowsOptions:
      hostProcess: true
"#,
        ),
        (
            B,
            35,
            true,
            r#"apiVersion: v1
kind: Pod
metadata:
  name: procmount1
spec:
  containers:
  - image: registry.k8s.io/pause
    name: container1
    securityContext:
      procMount: Unmasked
  hostUsers: false
  initContainers:
  - image: registry.k8s.io/pause
    name: initcontainer1
    securityContext:
      procMount: Unmasked
"#,
        ),
        (
            R,
            34,
            false,
            r#"apiVersion: v1
kind: Pod
metadata:
  name: hostprobesandhostlifecycle0
spec:
  containers:
  - image: registry.k8s.io/pause
    livenessProbe:
      httpGet:
        host: bad.host
        port: 8080
    name: container1
    securityContext:
      allowPrivilegeEscalation: false
      capabilities:
        drop:
        - ALL
  initContainers:
  - image: registry.k8s.io/pause
    name: initcontainer1
    securityContext:
      allowPrivilegeEscalation: false
      capabilities:
        drop:
        - ALL
  securityContext:
    runAsNonRoot: true
    seccompProfile:
      type: RuntimeDefault
"#,
        ),
        (
            B,
            10,
            false,
            r#"apiVersion: v1
kind: Pod
metadata:
  annotations:
    container.apparmor.security.beta.kubernetes.io/container1: unconfined
  name: apparmorprofile0
spec:
  containers:
  - image: registry.k8s.io/pause
    name: container1
  initContainers:
  - image: registry.k8s.io/pause
    name: initcontainer1
"#,
        ),
    ];
    for (level, v, allowed, yaml) in files {
        let got = evaluate_node(*level, *v, &load_yaml(yaml));
        assert_eq!(got.is_empty(), *allowed, "{level} v1.{v}: {got:?}\n{yaml}");
    }
}
