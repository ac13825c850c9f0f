//! The typed view of a pod that the checks read: only the fields some check inspects, decoded
//! once from the positioned tree (recording type errors) with the API-server defaulting of
//! spec §7.1 (source-less volume -> emptyDir) and §7.2 (hostNetwork hostPort defaulting for
//! bare Pods) applied. It makes no Pod Security decision.

use crate::decode::{At, Decoder};
use crate::{PodInput, TypeError};
use palisade_core::FieldPath;

/// Every volume source of `core/v1.VolumeSource`: the restricted-allowed ones first, then the
/// labels of spec §3.15 in their fixed order.
pub(crate) const VOLUME_SOURCES: &[&str] = &[
    "configMap",
    "csi",
    "downwardAPI",
    "emptyDir",
    "ephemeral",
    "image",
    "persistentVolumeClaim",
    "projected",
    "secret",
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

pub(crate) fn metadata_path() -> FieldPath {
    FieldPath::root().key("metadata")
}

pub(crate) fn spec_path() -> FieldPath {
    FieldPath::root().key("spec")
}

/// The pod-level security context fields that checks read.
#[derive(Debug, Default)]
pub(crate) struct PodSecurityContext {
    pub run_as_non_root: Option<bool>,
    pub run_as_user: Option<i64>,
    pub se_linux_options: Option<SeLinuxOptions>,
    pub seccomp_profile: Option<Profile>,
    pub app_armor_profile: Option<Profile>,
    pub host_process: Option<bool>,
    /// `sysctls[*].name`, with the index of each entry.
    pub sysctls: Vec<(usize, String)>,
}

/// The container-level security context fields that checks read.
#[derive(Debug, Default)]
pub(crate) struct SecurityContext {
    pub privileged: Option<bool>,
    pub allow_privilege_escalation: Option<bool>,
    pub run_as_non_root: Option<bool>,
    pub run_as_user: Option<i64>,
    pub proc_mount: Option<String>,
    pub capabilities: Option<Capabilities>,
    pub se_linux_options: Option<SeLinuxOptions>,
    pub seccomp_profile: Option<Profile>,
    pub app_armor_profile: Option<Profile>,
    pub host_process: Option<bool>,
}

/// `capabilities.add` and `capabilities.drop`, each entry with its index.
#[derive(Debug, Default)]
pub(crate) struct Capabilities {
    pub add: Vec<(usize, String)>,
    pub drop: Vec<(usize, String)>,
}

/// `seLinuxOptions`; unset strings are empty, as in Go.
#[derive(Debug, Default)]
pub(crate) struct SeLinuxOptions {
    pub type_: String,
    pub user: String,
    pub role: String,
}

/// A seccomp or AppArmor profile; an unset `type` is the empty string, as in Go.
#[derive(Debug, Default)]
pub(crate) struct Profile {
    pub type_: String,
}

/// One container port after defaulting.
#[derive(Debug)]
pub(crate) struct Port {
    pub index: usize,
    pub host_port: i64,
}

/// A non-null `host` of a probe or lifecycle handler, with the path of the field.
#[derive(Debug)]
pub(crate) struct HandlerHost {
    pub path: FieldPath,
    pub host: String,
}

/// A container of any of the three lists.
#[derive(Debug)]
pub(crate) struct Container {
    pub name: String,
    /// `spec.<list>[i]`, the real index in its own list.
    pub path: FieldPath,
    pub sc: Option<SecurityContext>,
    pub ports: Vec<Port>,
    pub handler_hosts: Vec<HandlerHost>,
}

impl Container {
    /// The path of `securityContext.<keys...>` of this container.
    pub fn sc_path(&self, keys: &[&str]) -> FieldPath {
        keys.iter().fold(
            self.path.with_room(1 + keys.len()).key("securityContext"),
            |p, k| p.key(k),
        )
    }
}

/// A volume and the sources it has (non-null objects), in [`VOLUME_SOURCES`] order.
#[derive(Debug)]
pub(crate) struct Volume {
    pub name: String,
    pub path: FieldPath,
    pub sources: Vec<&'static str>,
}

impl Volume {
    pub fn has(&self, source: &str) -> bool {
        self.sources.contains(&source)
    }
}

/// The decoded pod.
#[derive(Debug, Default)]
pub(crate) struct Pod {
    /// `metadata.annotations`, the last duplicate key winning.
    pub annotations: Vec<(String, String)>,
    pub host_network: Option<bool>,
    pub host_pid: Option<bool>,
    pub host_ipc: Option<bool>,
    pub host_users: Option<bool>,
    pub os_name: Option<String>,
    pub sc: Option<PodSecurityContext>,
    pub volumes: Vec<Volume>,
    /// initContainers, then containers, then ephemeralContainers.
    pub containers: Vec<Container>,
}

impl Pod {
    pub fn annotation(&self, key: &str) -> Option<&str> {
        self.annotations
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// `spec.os.name == "windows"`.
    pub fn is_windows(&self) -> bool {
        self.os_name.as_deref() == Some("windows")
    }

    /// `spec.hostUsers` is explicitly false (the pod runs in a user namespace).
    pub fn in_user_namespace(&self) -> bool {
        self.host_users == Some(false)
    }

    pub fn pod_sc_path(keys: &[&str]) -> FieldPath {
        keys.iter()
            .fold(spec_path().key("securityContext"), |p, k| p.key(k))
    }

    /// Decodes the pod, returning the type errors met along the way. `api_defaulting` applies
    /// the API-server defaulting of spec §7.1 and §7.2.
    pub fn decode(input: &PodInput<'_>, api_defaulting: bool) -> (Pod, Vec<TypeError>) {
        let mut d = Decoder::default();
        let mut pod = Pod::default();
        let meta = d.object(
            input
                .metadata
                .filter(|m| !m.is_null())
                .map(|m| At::new(m, metadata_path())),
        );
        pod.annotations = d.string_map(meta.and_then(|m| m.field("annotations")));

        let Some(spec) = d.object(Some(At::new(input.spec, spec_path()))) else {
            return (pod, d.finish());
        };
        pod.host_network = d.boolean(spec.field("hostNetwork"));
        pod.host_pid = d.boolean(spec.field("hostPID"));
        pod.host_ipc = d.boolean(spec.field("hostIPC"));
        pod.host_users = d.boolean(spec.field("hostUsers"));
        let os_name = d.object(spec.field("os")).and_then(|os| os.field("name"));
        pod.os_name = d.string(os_name);
        pod.sc = d
            .object(spec.field("securityContext"))
            .map(|sc| decode_pod_sc(&mut d, &sc));
        pod.volumes = decode_volumes(&mut d, &spec, api_defaulting);
        let default_host_ports = api_defaulting && input.is_pod && pod.host_network == Some(true);
        for (list, defaulting) in [
            ("initContainers", default_host_ports),
            ("containers", default_host_ports),
            ("ephemeralContainers", false),
        ] {
            for item in d.items(spec.field(list)) {
                let path = item.path.clone();
                if let Some(c) = d.object_item(item) {
                    pod.containers.push(decode_container(&mut d, c, path, defaulting));
                }
            }
        }
        (pod, d.finish())
    }
}

fn decode_pod_sc(d: &mut Decoder, sc: &At<'_>) -> PodSecurityContext {
    let mut sysctls = Vec::new();
    for (i, item) in d.items(sc.field("sysctls")).into_iter().enumerate() {
        if let Some(entry) = d.object_item(item) {
            let name = entry.and_then(|e| d.string(e.field("name"))).unwrap_or_default();
            sysctls.push((i, name));
        }
    }
    PodSecurityContext {
        run_as_non_root: d.boolean(sc.field("runAsNonRoot")),
        run_as_user: d.int64(sc.field("runAsUser")),
        se_linux_options: decode_se_linux(d, sc.field("seLinuxOptions")),
        seccomp_profile: decode_profile(d, sc.field("seccompProfile")),
        app_armor_profile: decode_profile(d, sc.field("appArmorProfile")),
        host_process: host_process(d, sc),
        sysctls,
    }
}

fn decode_sc(d: &mut Decoder, sc: &At<'_>) -> SecurityContext {
    SecurityContext {
        privileged: d.boolean(sc.field("privileged")),
        allow_privilege_escalation: d.boolean(sc.field("allowPrivilegeEscalation")),
        run_as_non_root: d.boolean(sc.field("runAsNonRoot")),
        run_as_user: d.int64(sc.field("runAsUser")),
        proc_mount: d.string(sc.field("procMount")),
        capabilities: decode_capabilities(d, sc.field("capabilities")),
        se_linux_options: decode_se_linux(d, sc.field("seLinuxOptions")),
        seccomp_profile: decode_profile(d, sc.field("seccompProfile")),
        app_armor_profile: decode_profile(d, sc.field("appArmorProfile")),
        host_process: host_process(d, sc),
    }
}

/// `windowsOptions.hostProcess` of a (pod or container) security context.
fn host_process(d: &mut Decoder, sc: &At<'_>) -> Option<bool> {
    let host_process = d
        .object(sc.field("windowsOptions"))
        .and_then(|w| w.field("hostProcess"));
    d.boolean(host_process)
}

fn decode_capabilities(d: &mut Decoder, at: Option<At<'_>>) -> Option<Capabilities> {
    let caps = d.object(at)?;
    Some(Capabilities {
        add: string_list(d, caps.field("add")),
        drop: string_list(d, caps.field("drop")),
    })
}

fn string_list(d: &mut Decoder, at: Option<At<'_>>) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    for (i, item) in d.items(at).into_iter().enumerate() {
        if let Some(s) = d.string_item(item) {
            out.push((i, s));
        }
    }
    out
}

fn decode_se_linux(d: &mut Decoder, at: Option<At<'_>>) -> Option<SeLinuxOptions> {
    let o = d.object(at)?;
    Some(SeLinuxOptions {
        type_: d.string(o.field("type")).unwrap_or_default(),
        user: d.string(o.field("user")).unwrap_or_default(),
        role: d.string(o.field("role")).unwrap_or_default(),
    })
}

fn decode_profile(d: &mut Decoder, at: Option<At<'_>>) -> Option<Profile> {
    let o = d.object(at)?;
    Some(Profile {
        type_: d.string(o.field("type")).unwrap_or_default(),
    })
}

fn decode_container(
    d: &mut Decoder,
    c: Option<At<'_>>,
    path: FieldPath,
    default_host_ports: bool,
) -> Container {
    let mut container = Container {
        name: String::new(),
        path,
        sc: None,
        ports: Vec::new(),
        handler_hosts: Vec::new(),
    };
    let Some(c) = c else { return container };
    container.name = d.string(c.field("name")).unwrap_or_default();
    container.sc = d.object(c.field("securityContext")).map(|sc| decode_sc(d, &sc));
    for (index, item) in d.items(c.field("ports")).into_iter().enumerate() {
        if let Some(port) = d.object_item(item) {
            let host_port = d
                .int32(port.as_ref().and_then(|p| p.field("hostPort")))
                .unwrap_or(0);
            let container_port = d
                .int32(port.as_ref().and_then(|p| p.field("containerPort")))
                .unwrap_or(0);
            let host_port = if default_host_ports && host_port == 0 {
                container_port
            } else {
                host_port
            };
            container.ports.push(Port { index, host_port });
        }
    }
    let mut handlers = Vec::new();
    for probe in ["livenessProbe", "readinessProbe", "startupProbe"] {
        handlers.extend(d.object(c.field(probe)));
    }
    if let Some(lifecycle) = d.object(c.field("lifecycle")) {
        for hook in ["postStart", "preStop"] {
            handlers.extend(d.object(lifecycle.field(hook)));
        }
    }
    for handler in handlers {
        for kind in ["httpGet", "tcpSocket"] {
            if let Some(action) = d.object(handler.field(kind)) {
                let host = action.field("host");
                let path = action.path.clone().key("host");
                if let Some(host) = d.string(host) {
                    container.handler_hosts.push(HandlerHost { path, host });
                }
            }
        }
    }
    container
}

fn decode_volumes(d: &mut Decoder, spec: &At<'_>, default_empty_dir: bool) -> Vec<Volume> {
    let mut out = Vec::new();
    for item in d.items(spec.field("volumes")) {
        let path = item.path.clone();
        let Some(v) = d.object_item(item) else { continue };
        let name = v
            .as_ref()
            .and_then(|v| d.string(v.field("name")))
            .unwrap_or_default();
        let mut sources: Vec<&'static str> = Vec::new();
        if let Some(v) = &v {
            for &source in VOLUME_SOURCES {
                if d.object(v.field(source)).is_some() {
                    sources.push(source);
                }
            }
        }
        // API-server defaulting (spec §7.1): a volume without any source becomes emptyDir.
        if default_empty_dir && sources.is_empty() {
            sources.push("emptyDir");
        }
        out.push(Volume { name, path, sources });
    }
    out
}
