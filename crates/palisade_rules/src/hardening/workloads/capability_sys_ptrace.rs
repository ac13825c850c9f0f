//! HRD018: containers that add the SYS_PTRACE capability.

use super::common::check_added_capability;
use palisade_core::{Check, Hit, PodCtx, Reference};

declare_rule! {
    /// ## What it does
    /// Flags containers (init and ephemeral included) whose
    /// `securityContext.capabilities.add` lists `SYS_PTRACE`. Names compare as the container
    /// runtimes do: in any case and with or without the `CAP_` prefix, so
    /// `SYS_PTRACE`, `CAP_SYS_PTRACE` or `sys_ptrace` all match. Pods with `spec.os.name: windows` are skipped.
    ///
    /// ## Why is this bad?
    /// `CAP_SYS_PTRACE` lets a process trace, read and write the memory of any process it
    /// can see, regardless of ownership. An attacker reads secrets from the memory of the
    /// other containers of the pod (with `shareProcessNamespace`) or of every process on the
    /// node (with `hostPID: true`), and injects code into a root process on the node —
    /// a direct escape: MITRE ATT&CK T1055.008 "Ptrace System Calls", T1611 "Escape to
    /// Host". On kernels before 4.8 it also bypasses seccomp.
    ///
    /// ## Example
    /// ```yaml
    /// containers:
    ///   - name: app
    ///     image: registry.example.com/app:1.4.2
    ///     securityContext:
    ///       capabilities:
    ///         add: ["SYS_PTRACE"]
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
    pub static CAPABILITY_SYS_PTRACE = {
        code: "HRD018",
        name: "capability-sys-ptrace",
        severity: High,
        group: "hardening",
        summary: "Container adds the SYS_PTRACE capability",
        remediation: "Remove SYS_PTRACE from securityContext.capabilities.add.",
        references: [
            Reference::Nsa("Pod security: drop unneeded Linux capabilities"),
            Reference::Cis("5.2.9"),
            Reference::Mitre("T1055.008"),
            Reference::Mitre("T1611"),
        ],
        check: Check::Pod { reads: &[], check },
    }
}

fn check(ctx: &PodCtx<'_>, hits: &mut Vec<Hit>) {
    check_added_capability(
        ctx,
        hits,
        "SYS_PTRACE",
        "it can read and inject into the memory of every process it can see",
    );
}
