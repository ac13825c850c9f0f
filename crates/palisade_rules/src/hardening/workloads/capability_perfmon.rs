//! HRD021: containers that add the PERFMON capability.

use super::common::check_added_capability;
use palisade_core::{Check, Hit, PodCtx, Reference};

declare_rule! {
    /// ## What it does
    /// Flags containers (init and ephemeral included) whose
    /// `securityContext.capabilities.add` lists `PERFMON`. Names compare as the container
    /// runtimes do: in any case and with or without the `CAP_` prefix, so
    /// `PERFMON`, `CAP_PERFMON` or `perfmon` all match. Pods with `spec.os.name: windows` are skipped.
    ///
    /// ## Why is this bad?
    /// `CAP_PERFMON` (Linux 5.8+) opens `perf_event_open` for system-wide monitoring and,
    /// with `BPF`, attaches tracing programs to kprobes and tracepoints. An attacker
    /// observes what every process on the node does, reads kernel addresses that defeat
    /// KASLR, and reaches the perf subsystem's history of local privilege-escalation bugs
    /// (CVE-2023-2235): MITRE ATT&CK T1005 "Data from Local System", T1068 "Exploitation
    /// for Privilege Escalation".
    ///
    /// ## Example
    /// ```yaml
    /// containers:
    ///   - name: app
    ///     image: registry.example.com/app:1.4.2
    ///     securityContext:
    ///       capabilities:
    ///         add: ["PERFMON"]
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
    pub static CAPABILITY_PERFMON = {
        code: "HRD021",
        name: "capability-perfmon",
        severity: Medium,
        group: "hardening",
        summary: "Container adds the PERFMON capability",
        remediation: "Remove PERFMON from securityContext.capabilities.add.",
        references: [
            Reference::Nsa("Pod security: drop unneeded Linux capabilities"),
            Reference::Cis("5.2.9"),
            Reference::Mitre("T1005"),
            Reference::Mitre("T1068"),
        ],
        check: Check::Pod { reads: &[], check },
    }
}

fn check(ctx: &PodCtx<'_>, hits: &mut Vec<Hit>) {
    check_added_capability(
        ctx,
        hits,
        "PERFMON",
        "it can monitor the whole node through perf events",
    );
}
