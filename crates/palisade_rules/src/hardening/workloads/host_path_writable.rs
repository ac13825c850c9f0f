//! HRD027: hostPath volumes mounted writable.

use super::common::host_path_volumes;
use palisade_core::{Check, Hit, Node, PodCtx, Reference};

declare_rule! {
    /// ## What it does
    /// Flags every `volumeMounts[]` entry of a container (init and ephemeral included) that
    /// mounts a hostPath volume of the pod without `readOnly: true` (absent, null, `false`
    /// or wrongly typed). One finding per mount. hostPath volumes that no container mounts
    /// are not flagged here, nor are unrendered placeholder paths (`<dataDirHostPath>`,
    /// `{{ .Values.path }}`); which paths are dangerous in themselves is the business of
    /// `host-path-sensitive` and `host-path-runtime-socket`.
    ///
    /// ## Why is this bad?
    /// A writable hostPath lets anyone with code execution in the container change files on
    /// the node, outside any container and beyond the pod's lifetime. Depending on the path
    /// that means planting binaries or cron jobs that the node runs as root, filling the
    /// node's disk, or tampering with other workloads' data. Even "harmless" directories
    /// are dangerous: with `/var/log` writable an attacker replaces a pod log file by a
    /// symlink to `/etc/shadow` or a kubelet key, and the kubelet, which reads logs as root,
    /// serves the target through `kubectl logs` — MITRE ATT&CK T1611 "Escape to Host".
    /// Read-only mounts remove the write half of these attacks.
    ///
    /// ## Example
    /// ```yaml
    /// containers:
    ///   - name: agent
    ///     image: registry.example.com/agent:3.1.0
    ///     volumeMounts:
    ///       - name: varlog
    ///         mountPath: /var/log
    /// volumes:
    ///   - name: varlog
    ///     hostPath:
    ///       path: /var/log
    /// ```
    ///
    /// ## Fix
    /// ```yaml
    /// containers:
    ///   - name: agent
    ///     image: registry.example.com/agent:3.1.0
    ///     volumeMounts:
    ///       - name: varlog
    ///         mountPath: /var/log
    ///         readOnly: true
    /// ```
    /// Mount host paths read-only; keep writable state in `emptyDir` or persistent volumes.
    pub static HOST_PATH_WRITABLE = {
        code: "HRD027",
        name: "host-path-writable",
        severity: Medium,
        group: "hardening",
        summary: "hostPath volume is mounted writable",
        remediation: "Set readOnly: true on every volumeMount of a hostPath volume, or replace the hostPath with another volume type.",
        references: [
            Reference::Cis("5.2.11"),
            Reference::Nsa("Pod security: avoid hostPath mounts; mount them read-only"),
            Reference::Mitre("T1611"),
        ],
        check: Check::Pod { reads: &[], check },
    }
}

/// Unrendered placeholders (`<dataDirHostPath>`, `{{ .Values.path }}`, `${DIR}`) and empty
/// paths are not host paths yet.
fn is_placeholder(p: &str) -> bool {
    let p = p.trim();
    p.is_empty() || p.contains(['<', '>']) || p.contains("{{") || p.contains("${") || p.contains("$(")
}

fn check(ctx: &PodCtx<'_>, hits: &mut Vec<Hit>) {
    let vols = host_path_volumes(ctx);
    if vols.is_empty() {
        return;
    }
    for &c in ctx.containers() {
        let Some(mounts) = c.node.get("volumeMounts").and_then(Node::as_seq) else {
            continue;
        };
        for (j, m) in mounts.iter().enumerate() {
            let Some(name) = m.get("name").and_then(Node::as_str) else {
                continue;
            };
            let Some(v) = vols.iter().find(|v| v.name == name) else {
                continue;
            };
            if is_placeholder(v.path) {
                continue;
            }
            if m.get("readOnly").and_then(Node::as_bool) == Some(true) {
                continue;
            }
            let mount_path = m.get("mountPath").and_then(Node::as_str).unwrap_or("");
            hits.push(
                Hit::new(
                    ctx.container_path(&c, &["volumeMounts"]).idx(j).key("readOnly"),
                    format!(
                        "container {:?} mounts hostPath volume {name:?} ({:?}) at {mount_path:?} without readOnly: true",
                        c.name(),
                        v.path
                    ),
                )
                .container(c.name()),
            );
        }
    }
}
