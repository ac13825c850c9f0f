//! HRD024: pods that share one process namespace between their containers.

use palisade_core::{Check, Hit, Node, PodCtx, Reference};

declare_rule! {
    /// ## What it does
    /// Flags pods (templates) with `spec.shareProcessNamespace: true`. The field exists only
    /// at pod level. Sharing the host's PID namespace (`hostPID`) is a different, worse
    /// setting flagged by `pss-host-namespaces`.
    ///
    /// ## Why is this bad?
    /// All containers of the pod then see each other's processes. A compromised container
    /// (say a log shipper sidecar) can signal the others' processes, read their environment
    /// and open files through `/proc/<pid>/environ`, `/proc/<pid>/root` and
    /// `/proc/<pid>/fd` when running as the same user — the application's secrets, tokens
    /// and key files — and with `SYS_PTRACE` inject code into them: MITRE ATT&CK T1552
    /// "Unsecured Credentials", T1055 "Process Injection". It breaks the isolation between
    /// sidecars and the main container that the pod model otherwise keeps.
    ///
    /// ## Example
    /// ```yaml
    /// spec:
    ///   shareProcessNamespace: true
    ///   containers:
    ///     - name: app
    ///       image: registry.example.com/app:1.4.2
    ///     - name: log-shipper
    ///       image: registry.example.com/shipper:2.0.1
    /// ```
    ///
    /// ## Fix
    /// ```yaml
    /// spec:
    ///   containers:
    ///     - name: app
    ///       image: registry.example.com/app:1.4.2
    ///     - name: log-shipper
    ///       image: registry.example.com/shipper:2.0.1
    /// ```
    /// Remove the field; for debugging, use `kubectl debug --target` with an ephemeral
    /// container instead.
    pub static SHARE_PROCESS_NAMESPACE = {
        code: "HRD024",
        name: "share-process-namespace",
        severity: Medium,
        group: "hardening",
        summary: "Containers of the pod share one process namespace",
        remediation: "Remove spec.shareProcessNamespace (or set it to false); debug with ephemeral containers instead.",
        references: [
            Reference::Nsa("Pod security: do not share host or pod namespaces"),
            Reference::Mitre("T1552"),
            Reference::Mitre("T1055"),
        ],
        check: Check::Pod { reads: &[], check },
    }
}

fn check(ctx: &PodCtx<'_>, hits: &mut Vec<Hit>) {
    if ctx.spec().get("shareProcessNamespace").and_then(Node::as_bool) == Some(true) {
        hits.push(Hit::new(
            ctx.spec_path(&["shareProcessNamespace"]),
            "pod sets shareProcessNamespace: true: each container can see, signal and read the processes of the others",
        ));
    }
}
