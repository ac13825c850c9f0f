//! HRD022: containers that add the ALL capability.

use super::common::check_added_capability;
use palisade_core::{Check, Hit, PodCtx, Reference};

declare_rule! {
    /// ## What it does
    /// Flags containers (init and ephemeral included) whose
    /// `securityContext.capabilities.add` lists `ALL`. Names compare as the container
    /// runtimes do: in any case and with or without the `CAP_` prefix, so
    /// `ALL`, `all` or `CAP_ALL` all match. Pods with `spec.os.name: windows` are skipped.
    ///
    /// ## Why is this bad?
    /// `add: [ALL]` grants every capability the runtime knows: `SYS_ADMIN`, `SYS_MODULE`,
    /// `SYS_PTRACE`, `NET_ADMIN`, `BPF`, `DAC_READ_SEARCH` (the "shocker" file-handle escape)
    /// and the rest. The container is then privileged in all but name; any one of these is
    /// enough for an attacker with code execution to load a kernel module, mount host
    /// devices or inject into host processes: MITRE ATT&CK T1611 "Escape to Host". The
    /// per-capability rules do not fire on `ALL`; this rule covers it.
    ///
    /// ## Example
    /// ```yaml
    /// containers:
    ///   - name: app
    ///     image: registry.example.com/app:1.4.2
    ///     securityContext:
    ///       capabilities:
    ///         add: ["ALL"]
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
    pub static CAPABILITY_ALL = {
        code: "HRD022",
        name: "capability-all",
        severity: Critical,
        group: "hardening",
        summary: "Container adds ALL capabilities",
        remediation: "Remove ALL from securityContext.capabilities.add.",
        references: [
            Reference::Nsa("Pod security: drop unneeded Linux capabilities"),
            Reference::Cis("5.2.9"),
            Reference::Mitre("T1611"),
        ],
        check: Check::Pod { reads: &[], check },
    }
}

fn check(ctx: &PodCtx<'_>, hits: &mut Vec<Hit>) {
    check_added_capability(
        ctx,
        hits,
        "ALL",
        "it holds every capability, root's full power over the kernel",
    );
}
