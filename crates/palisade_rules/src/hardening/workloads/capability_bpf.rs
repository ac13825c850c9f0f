//! HRD020: containers that add the BPF capability.

use super::common::check_added_capability;
use palisade_core::{Check, Hit, PodCtx, Reference};

declare_rule! {
    /// ## What it does
    /// Flags containers (init and ephemeral included) whose
    /// `securityContext.capabilities.add` lists `BPF`. Names compare as the container
    /// runtimes do: in any case and with or without the `CAP_` prefix, so
    /// `BPF`, `CAP_BPF` or `bpf` all match. Pods with `spec.os.name: windows` are skipped.
    ///
    /// ## Why is this bad?
    /// `CAP_BPF` (Linux 5.8+) loads eBPF programs and creates BPF maps. Together with
    /// `PERFMON` or `NET_ADMIN`, which it is usually paired with, the programs attach to
    /// kernel tracepoints, kprobes and network hooks node-wide: an attacker reads the memory
    /// and traffic of every process on the node (credentials, tokens), hides processes and
    /// connections in a BPF rootkit, and reaches the verifier bugs behind many kernel
    /// exploits (CVE-2021-3490, CVE-2022-23222): MITRE ATT&CK T1014 "Rootkit", T1611
    /// "Escape to Host".
    ///
    /// ## Example
    /// ```yaml
    /// containers:
    ///   - name: app
    ///     image: registry.example.com/app:1.4.2
    ///     securityContext:
    ///       capabilities:
    ///         add: ["BPF"]
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
    pub static CAPABILITY_BPF = {
        code: "HRD020",
        name: "capability-bpf",
        severity: High,
        group: "hardening",
        summary: "Container adds the BPF capability",
        remediation: "Remove BPF from securityContext.capabilities.add.",
        references: [
            Reference::Nsa("Pod security: drop unneeded Linux capabilities"),
            Reference::Cis("5.2.9"),
            Reference::Mitre("T1014"),
            Reference::Mitre("T1611"),
        ],
        check: Check::Pod { reads: &[], check },
    }
}

fn check(ctx: &PodCtx<'_>, hits: &mut Vec<Hit>) {
    check_added_capability(
        ctx,
        hits,
        "BPF",
        "it can load eBPF programs into the node's kernel",
    );
}
