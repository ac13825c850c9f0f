//! HRD015: containers that add the SYS_ADMIN capability.

use super::common::check_added_capability;
use palisade_core::{Check, Hit, PodCtx, Reference};

declare_rule! {
    /// ## What it does
    /// Flags containers (init and ephemeral included) whose
    /// `securityContext.capabilities.add` lists `SYS_ADMIN`. Names compare as the container
    /// runtimes do: in any case and with or without the `CAP_` prefix, so
    /// `SYS_ADMIN`, `CAP_SYS_ADMIN` or `sys_admin` all match. Pods with `spec.os.name: windows` are skipped.
    ///
    /// ## Why is this bad?
    /// `CAP_SYS_ADMIN` is "the new root": it allows `mount` (including cgroupfs, whose
    /// `release_agent` runs a command as root on the node — CVE-2022-0492), `unshare` of new
    /// namespaces, `setns`, BPF and perf on older kernels, quota and swap control, and dozens
    /// of other privileged operations, and it widens the seccomp default profile. An
    /// attacker with code execution in the container uses it to mount the host's devices or
    /// cgroups and escape to the node: MITRE ATT&CK T1611 "Escape to Host". It also implies
    /// `allowPrivilegeEscalation` (the API rejects `false` with it).
    ///
    /// ## Example
    /// ```yaml
    /// containers:
    ///   - name: app
    ///     image: registry.example.com/app:1.4.2
    ///     securityContext:
    ///       capabilities:
    ///         add: ["SYS_ADMIN"]
    /// ```
    ///
    /// ## Fix
    /// ```yaml
    /// containers:
    ///   - name: app
    ///     image: registry.example.com/app:1.4.2
    ///     securityContext:
    ///       capabilities:
    ///         drop: ["ALL"]
    /// ```
    /// Remove the capability; if a component truly needs it, isolate it in a dedicated
    /// namespace with an exception that names the reason.
    pub static CAPABILITY_SYS_ADMIN = {
        code: "HRD015",
        name: "capability-sys-admin",
        severity: High,
        group: "hardening",
        summary: "Container adds the SYS_ADMIN capability",
        remediation: "Remove SYS_ADMIN from securityContext.capabilities.add.",
        references: [
            Reference::Nsa("Pod security: drop unneeded Linux capabilities"),
            Reference::Cis("5.2.9"),
            Reference::Mitre("T1611"),
            Reference::Checkov("CKV_K8S_39"),
            Reference::Trivy("KSV005"),
        ],
        check: Check::Pod { reads: &[], check },
    }
}

fn check(ctx: &PodCtx<'_>, hits: &mut Vec<Hit>) {
    check_added_capability(
        ctx,
        hits,
        "SYS_ADMIN",
        "it can mount filesystems and cgroups, the classic route out to the node",
    );
}
