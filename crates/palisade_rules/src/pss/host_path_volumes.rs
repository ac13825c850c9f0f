//! PSS004: the Pod Security Standards "HostPath Volumes" control (PSA check
//! `hostPathVolumes`).

use palisade_core::{Check, Reference};

declare_rule! {
    /// ## What it does
    /// Flags every entry of `spec.volumes` that has a `hostPath` source, whatever its `path`
    /// or `type`, and whether or not the containers mount it read-only. The volume list is
    /// pod-level, so it covers what any container (init and ephemeral included) can mount.
    ///
    /// Pod Security Admission check `hostPathVolumes`, baseline level, every policy version
    /// from v1.0. It never runs at the restricted level: there `restrictedVolumes` (PSS016)
    /// reports hostPath volumes instead.
    ///
    /// ## Why is this bad?
    /// A hostPath volume gives the container the node's own files. Mounting `/`,
    /// `/var/lib/kubelet` or `/var/run/containerd/containerd.sock` lets an attacker who
    /// gets code execution in the container read every pod's service-account tokens and
    /// Secret volumes on the node (MITRE ATT&CK T1552.001 "Credentials In Files"), and
    /// writing to paths such as `/etc/cron.d`, `/root/.ssh` or the runtime socket turns into
    /// root on the node: T1611 "Escape to Host". Even a read-only mount leaks credentials.
    ///
    /// ## Example
    /// ```yaml
    /// spec:
    ///   containers:
    ///     - name: app
    ///       image: registry.example.com/app:1.4.2
    ///       volumeMounts:
    ///         - name: host
    ///           mountPath: /host
    ///   volumes:
    ///     - name: host
    ///       hostPath:
    ///         path: /
    /// ```
    ///
    /// ## Fix
    /// ```yaml
    /// spec:
    ///   containers:
    ///     - name: app
    ///       image: registry.example.com/app:1.4.2
    ///       volumeMounts:
    ///         - name: data
    ///           mountPath: /data
    ///   volumes:
    ///     - name: data
    ///       persistentVolumeClaim:
    ///         claimName: app-data
    /// ```
    /// Use an `emptyDir`, `configMap`, `secret` or `persistentVolumeClaim` volume; keep node
    /// agents that really need host files in a dedicated, labelled namespace.
    pub static HOST_PATH_VOLUMES = {
        code: "PSS004",
        name: "pss-host-path-volumes",
        severity: High,
        group: "pss",
        summary: "HostPath volumes are forbidden (baseline)",
        remediation: "Replace hostPath volumes with emptyDir, configMap, secret or persistentVolumeClaim \
                      volumes.",
        references: [
            Reference::Pss("HostPath Volumes"),
            Reference::Cis("5.2.11"),
            Reference::Nsa("Pod security: avoid hostPath mounts and hostPorts"),
            Reference::Mitre("T1611"),
            Reference::Mitre("T1552.001"),
            Reference::Trivy("KSV023"),
        ],
        check: Check::Pss(&palisade_pss::checks::host_path_volumes::INFO),
    }
}
