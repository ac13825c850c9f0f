//! HRD019: containers that add the SYS_MODULE capability.

use super::common::check_added_capability;
use palisade_core::{Check, Hit, PodCtx, Reference};

declare_rule! {
    /// ## What it does
    /// Flags containers (init and ephemeral included) whose
    /// `securityContext.capabilities.add` lists `SYS_MODULE`. Names compare as the container
    /// runtimes do: in any case and with or without the `CAP_` prefix, so
    /// `SYS_MODULE`, `CAP_SYS_MODULE` or `sys_module` all match. Pods with `spec.os.name: windows` are skipped.
    ///
    /// ## Why is this bad?
    /// `CAP_SYS_MODULE` loads and unloads kernel modules. The container shares the node's
    /// kernel, so a module the attacker loads runs with full kernel privileges on the node:
    /// a rootkit, a hidden backdoor, or simply code that disables every isolation —
    /// MITRE ATT&CK T1547.006 "Kernel Modules and Extensions", T1611 "Escape to Host".
    /// There is no confinement left once an untrusted module is in the kernel.
    ///
    /// ## Example
    /// ```yaml
    /// containers:
    ///   - name: app
    ///     image: registry.example.com/app:1.4.2
    ///     securityContext:
    ///       capabilities:
    ///         add: ["SYS_MODULE"]
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
    pub static CAPABILITY_SYS_MODULE = {
        code: "HRD019",
        name: "capability-sys-module",
        severity: Critical,
        group: "hardening",
        summary: "Container adds the SYS_MODULE capability",
        remediation: "Remove SYS_MODULE from securityContext.capabilities.add.",
        references: [
            Reference::Nsa("Pod security: drop unneeded Linux capabilities"),
            Reference::Cis("5.2.9"),
            Reference::Mitre("T1547.006"),
            Reference::Mitre("T1611"),
        ],
        check: Check::Pod { reads: &[], check },
    }
}

fn check(ctx: &PodCtx<'_>, hits: &mut Vec<Hit>) {
    check_added_capability(
        ctx,
        hits,
        "SYS_MODULE",
        "it can load kernel modules, i.e. run arbitrary code in the node's kernel",
    );
}
