//! HRD026: hostPath volumes of sensitive host directories.

use super::common::{host_path_allowed, host_path_volumes, is_under, runtime_socket};
use palisade_core::{Check, Hit, PodCtx, Reference};

declare_rule! {
    /// ## What it does
    /// Flags `spec.volumes[].hostPath.path` values that expose sensitive parts of the node,
    /// after normalization (repeated and trailing slashes, `.` and `..`; `/var/run` is
    /// `/run`):
    ///
    /// - exactly `/`, `/dev`, `/run` (`/var/run`), `/usr`, `/var` or `/var/lib` — the
    ///   directory itself (their other subdirectories are mostly harmless, `/var/log` and
    ///   `/run/xtables.lock` for instance);
    /// - `/etc`, `/proc`, `/sys`, `/boot`, `/root`, `/home`, `/var/lib/kubelet`,
    ///   `/var/lib/etcd`, `/var/lib/docker`, `/var/lib/containerd`, `/run/dbus` and
    ///   `/run/systemd`, or anything below them — except a few harmless files under `/etc`
    ///   (`/etc/localtime`, `/etc/timezone`, `/etc/machine-id`, `/etc/hostname`,
    ///   `/etc/os-release`, `/etc/lsb-release`, and the CA bundles `/etc/ssl/certs`,
    ///   `/etc/ca-certificates`, `/etc/pki/ca-trust`, `/etc/pki/tls/certs`);
    /// - raw disk and memory devices: `/dev/mem`, `/dev/kmem`, `/dev/port`, `/dev/disk/…`,
    ///   `/dev/mapper/…`, `/dev/sd*`, `/dev/hd*`, `/dev/vd*`, `/dev/xvd*`, `/dev/nvme*`,
    ///   `/dev/dm-*`.
    ///
    /// Container runtime sockets and their directories are reported by
    /// `host-path-runtime-socket` instead. `/var/log` is deliberately not listed: log
    /// collectors need it read-only, and a writable mount (the dangerous case) is reported
    /// by `host-path-writable`. The volume is flagged whether or not its mounts are
    /// read-only: reading these paths already leaks credentials.
    ///
    /// Option `allowedHostPaths`: a list of path prefixes (compared component-wise after
    /// normalization) that are exempt, e.g. `["/proc", "/sys"]` for a reviewed node
    /// exporter.
    ///
    /// ## Why is this bad?
    /// These paths hold the node's secrets and its controls. From `/var/lib/kubelet` an
    /// attacker in the pod reads the service-account tokens and Secrets mounted into every
    /// other pod on the node; from `/etc/kubernetes` the kubelet's or an admin's
    /// kubeconfig; from `/var/lib/etcd` every Secret of the cluster; from `/root` and
    /// `/home` SSH keys and cloud credentials — MITRE ATT&CK T1552.001 "Credentials In
    /// Files". Writing to `/etc` (cron, systemd units, `ld.so.preload`), `/proc/sys`,
    /// `/sys/fs/cgroup` or a raw disk device runs code as root on the node: T1611 "Escape
    /// to Host".
    ///
    /// ## Example
    /// ```yaml
    /// volumes:
    ///   - name: kubelet
    ///     hostPath:
    ///       path: /var/lib/kubelet
    /// ```
    ///
    /// ## Fix
    /// ```yaml
    /// volumes:
    ///   - name: config
    ///     configMap:
    ///       name: app-config
    /// ```
    /// Get data through the Kubernetes API, ConfigMaps, Secrets or a CSI driver instead of
    /// the host's filesystem; exempt reviewed node agents with `allowedHostPaths`.
    pub static HOST_PATH_SENSITIVE = {
        code: "HRD026",
        name: "host-path-sensitive",
        severity: High,
        group: "hardening",
        summary: "hostPath volume exposes a sensitive host directory",
        remediation: "Remove the hostPath volume (use ConfigMaps, Secrets, CSI or the API), or narrow it to a harmless path and mount it read-only.",
        references: [
            Reference::Cis("5.2.11"),
            Reference::Nsa("Pod security: avoid hostPath mounts"),
            Reference::Mitre("T1552.001"),
            Reference::Mitre("T1611"),
        ],
        check: Check::Pod { reads: &[], check },
    }
}

/// Paths flagged only when mounted exactly.
const EXACT: &[(&str, &str)] = &[
    ("/", "the node's entire filesystem"),
    ("/dev", "every device of the node"),
    (
        "/run",
        "the node's runtime state, including the container runtime, systemd and D-Bus sockets",
    ),
    ("/usr", "the node's programs and libraries"),
    (
        "/var",
        "the node's variable data, including kubelet, container runtime and etcd state",
    ),
    (
        "/var/lib",
        "the node's service state, including kubelet, container runtime and etcd data",
    ),
];

/// Paths flagged with everything below them.
const TREES: &[(&str, &str)] = &[
    (
        "/etc/kubernetes",
        "Kubernetes node configuration: kubeconfigs, static pod manifests and the cluster PKI",
    ),
    (
        "/etc/cni",
        "CNI network configuration (often with a CNI kubeconfig), which the runtime acts on as root",
    ),
    ("/etc/systemd", "systemd units, run as root by the node"),
    (
        "/etc",
        "host configuration (credentials, kubeconfigs and PKI, cron and systemd units)",
    ),
    ("/proc", "host process information and kernel tunables"),
    ("/sys", "kernel, device and cgroup interfaces of the node"),
    ("/boot", "the node's kernel images and boot configuration"),
    (
        "/root",
        "root's home directory (SSH keys, cloud and kubectl credentials)",
    ),
    (
        "/home",
        "users' home directories (SSH keys, cloud and kubectl credentials)",
    ),
    (
        "/var/lib/kubelet",
        "kubelet state: the Secrets and service-account tokens of every pod on the node",
    ),
    ("/var/lib/etcd", "etcd data: every Secret of the cluster"),
    (
        "/var/lib/docker",
        "container runtime state: every container's filesystem and image layers",
    ),
    (
        "/var/lib/containerd",
        "container runtime state: every container's filesystem and image layers",
    ),
    (
        "/run/dbus",
        "the D-Bus system bus, which controls systemd and host services",
    ),
    ("/run/systemd", "systemd's control sockets and state"),
];

/// Harmless files under `/etc`.
const ETC_HARMLESS: &[&str] = &[
    "/etc/localtime",
    "/etc/timezone",
    "/etc/machine-id",
    "/etc/hostname",
    "/etc/os-release",
    "/etc/lsb-release",
    "/etc/ssl/certs",
    "/etc/ca-certificates",
    "/etc/pki/ca-trust",
    "/etc/pki/tls/certs",
];

/// Raw device nodes: exact paths, and name prefixes of direct children of `/dev`.
const DEVICES: &[&str] = &["/dev/mem", "/dev/kmem", "/dev/port", "/dev/disk", "/dev/mapper"];
const DEVICE_PREFIXES: &[&str] = &["sd", "hd", "vd", "xvd", "nvme", "dm-"];

/// Why canonical path `p` is sensitive, if it is.
fn sensitive(p: &str) -> Option<&'static str> {
    if let Some((_, what)) = EXACT.iter().find(|(e, _)| p == *e) {
        return Some(what);
    }
    if let Some((_, what)) = TREES.iter().find(|(t, _)| is_under(p, t)) {
        if ETC_HARMLESS.iter().any(|h| is_under(p, h)) {
            return None;
        }
        return Some(what);
    }
    let raw = DEVICES.iter().any(|d| is_under(p, d))
        || p.strip_prefix("/dev/").is_some_and(|name| {
            !name.contains('/') && DEVICE_PREFIXES.iter().any(|pre| name.starts_with(pre))
        });
    raw.then_some("a raw disk or memory device of the node")
}

fn check(ctx: &PodCtx<'_>, hits: &mut Vec<Hit>) {
    for v in host_path_volumes(ctx) {
        let Some(p) = v.canonical.as_deref() else { continue };
        if runtime_socket(p).is_some() || host_path_allowed(ctx.opts, p) {
            continue;
        }
        let Some(what) = sensitive(p) else { continue };
        hits.push(Hit::new(
            ctx.spec_path(&["volumes"])
                .idx(v.index)
                .key("hostPath")
                .key("path"),
            format!("hostPath volume {:?} mounts {:?}: {what}", v.name, v.path),
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::sensitive;

    #[test]
    fn sensitive_paths() {
        for p in [
            "/",
            "/etc",
            "/etc/kubernetes/pki",
            "/proc",
            "/sys/fs/cgroup",
            "/var/lib/kubelet/pods",
            "/root/.ssh",
            "/dev",
            "/dev/sda1",
            "/dev/nvme0n1",
            "/dev/disk/by-id/x",
            "/run",
            "/var",
            "/etc/ssl",
        ] {
            assert!(sensitive(p).is_some(), "{p}");
        }
        for p in [
            "/etc/localtime",
            "/etc/ssl/certs",
            "/etc/pki/ca-trust/extracted",
            "/var/log",
            "/var/log/pods",
            "/run/xtables.lock",
            "/dev/fuse",
            "/dev/net/tun",
            "/data",
            "/etcd",
            "/var/lib/rancher",
            "/lib/modules",
            "/usr/share/zoneinfo",
            "/dev/shm",
        ] {
            assert!(sensitive(p).is_none(), "{p}");
        }
    }
}
