//! PSS012: the Pod Security Standards "HostProcess" control (PSA check
//! `windowsHostProcess`).

use palisade_core::{Check, Reference};

declare_rule! {
    /// ## What it does
    /// Flags pods that set `spec.securityContext.windowsOptions.hostProcess: true`, or a
    /// container (including init and ephemeral containers) that sets
    /// `securityContext.windowsOptions.hostProcess: true`. Unset or `false` is fine.
    ///
    /// Pod Security Admission check `windowsHostProcess`, baseline level, every policy
    /// version from v1.0. API validation requires `hostNetwork: true` for HostProcess pods,
    /// so such pods also trip `hostNamespaces` (PSS003).
    ///
    /// ## Why is this bad?
    /// A Windows HostProcess container is not isolated at all: it runs as a process directly
    /// on the Windows node, in the host's network namespace, with access to the host's file
    /// system and, typically, as `NT AUTHORITY\SYSTEM`. It is the Windows equivalent of a
    /// privileged container with host namespaces. Anyone who gets code execution in it (a
    /// vulnerable app, a malicious image) controls the node, its kubelet credentials and
    /// every other pod's secrets on it: MITRE ATT&CK T1611 "Escape to Host".
    ///
    /// ## Example
    /// ```yaml
    /// spec:
    ///   hostNetwork: true
    ///   securityContext:
    ///     windowsOptions:
    ///       hostProcess: true
    ///       runAsUserName: "NT AUTHORITY\\SYSTEM"
    ///   containers:
    ///     - name: agent
    ///       image: registry.example.com/agent:2.0.1
    /// ```
    ///
    /// ## Fix
    /// ```yaml
    /// spec:
    ///   containers:
    ///     - name: agent
    ///       image: registry.example.com/agent:2.0.1
    /// ```
    /// Run the workload as a normal Windows container; keep genuine node-management agents
    /// that need HostProcess in a dedicated, labelled namespace.
    pub static WINDOWS_HOST_PROCESS = {
        code: "PSS012",
        name: "pss-windows-host-process",
        severity: Critical,
        group: "pss",
        summary: "Windows HostProcess containers are forbidden (baseline)",
        remediation: "Remove windowsOptions.hostProcess (or set it to false) at the pod and container \
                      levels.",
        references: [
            Reference::Pss("HostProcess"),
            Reference::Cis("5.2.10"),
            Reference::Nsa("Pod security: use non-privileged containers"),
            Reference::Mitre("T1611"),
        ],
        check: Check::Pss(&palisade_pss::checks::windows_host_process::INFO),
    }
}
