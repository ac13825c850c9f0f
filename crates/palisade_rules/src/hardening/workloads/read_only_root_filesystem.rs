//! HRD003: containers with a writable root filesystem.

use super::common::{container_says, flag_linux_containers};
use palisade_core::{Check, Hit, Node, PodCtx, Reference};

declare_rule! {
    /// ## What it does
    /// Flags containers (init and ephemeral included) whose
    /// `securityContext.readOnlyRootFilesystem` is not explicitly `true` (absent, null,
    /// `false` or wrongly typed). The field exists only at container level. Pods with
    /// `spec.os.name: windows` are skipped (the field is Linux-only), and so are containers
    /// without an `image` (fragments such as kustomize patches or operator overrides).
    ///
    /// ## Why is this bad?
    /// A writable root filesystem lets an attacker who gained code execution drop tools,
    /// replace binaries or libraries the application loads, and persist web shells or
    /// modified configuration for as long as the container lives — MITRE ATT&CK T1505.003
    /// "Server Software Component: Web Shell" and T1609 "Container Administration Command"
    /// follow-ups become trivial. A read-only root keeps the image as shipped.
    ///
    /// ## Example
    /// ```yaml
    /// containers:
    ///   - name: app
    ///     image: registry.example.com/app:1.4.2
    /// ```
    ///
    /// ## Fix
    /// ```yaml
    /// containers:
    ///   - name: app
    ///     image: registry.example.com/app:1.4.2
    ///     securityContext:
    ///       readOnlyRootFilesystem: true
    ///     volumeMounts:
    ///       - {name: tmp, mountPath: /tmp}
    /// volumes:
    ///   - {name: tmp, emptyDir: {}}
    /// ```
    /// Mount `emptyDir` volumes where the application must write.
    pub static READ_ONLY_ROOT_FILESYSTEM = {
        code: "HRD003",
        name: "read-only-root-filesystem",
        severity: Low,
        group: "hardening",
        summary: "Container root filesystem is not read-only",
        remediation: "Set securityContext.readOnlyRootFilesystem: true and mount emptyDir volumes for writable paths.",
        references: [
            Reference::Nsa("Pod security: immutable container file systems"),
            Reference::Mitre("T1505.003"),
            Reference::Checkov("CKV_K8S_22"),
            Reference::Trivy("KSV014"),
        ],
        check: Check::Pod { reads: &[], check },
    }
}

fn check(ctx: &PodCtx<'_>, hits: &mut Vec<Hit>) {
    let keys = ["securityContext", "readOnlyRootFilesystem"];
    flag_linux_containers(ctx, hits, &keys, |c| {
        match c.node.at(&keys).and_then(Node::as_bool) {
            Some(true) => None,
            Some(false) => Some(container_says(
                c,
                " sets readOnlyRootFilesystem: false (its root filesystem is writable)",
            )),
            None => Some(container_says(
                c,
                " does not set readOnlyRootFilesystem: true (its root filesystem is writable)",
            )),
        }
    });
}
