//! PSS003: the Pod Security Standards "Host Namespaces" control (PSA check `hostNamespaces`).

use palisade_core::{Check, Reference};

declare_rule! {
    /// ## What it does
    /// Flags pods that set `spec.hostNetwork: true`, `spec.hostPID: true` or
    /// `spec.hostIPC: true`. Unset or `false` is fine. These are pod-level fields, so they
    /// apply to every container of the pod, init and ephemeral containers included.
    ///
    /// Pod Security Admission check `hostNamespaces`, baseline level, every policy version
    /// from v1.0. For Pods with `hostNetwork: true` the API server also defaults each
    /// container port's `hostPort` to its `containerPort`, so such pods usually trip
    /// `hostPorts` (PSS005) as well.
    ///
    /// ## Why is this bad?
    /// Host namespaces remove the isolation between the pod and the node:
    /// - `hostPID` shows every process on the node: an attacker can read other pods'
    ///   command lines and environment (`/proc/<pid>/environ`, often holding secrets), signal
    ///   them, and with root and `SYS_PTRACE` or `nsenter -t 1` enter the host's namespaces.
    /// - `hostNetwork` puts the pod on the node's interfaces: it reaches services bound to the
    ///   node's `localhost` (kubelet, etcd on control-plane nodes, node agents), can sniff node
    ///   traffic, and is not subject to pod NetworkPolicy.
    /// - `hostIPC` gives access to the shared memory and message queues of host processes.
    ///
    /// These enable MITRE ATT&CK T1611 "Escape to Host", T1046 "Network Service Discovery"
    /// and T1552 "Unsecured Credentials".
    ///
    /// ## Example
    /// ```yaml
    /// spec:
    ///   hostNetwork: true
    ///   hostPID: true
    ///   containers:
    ///     - name: app
    ///       image: registry.example.com/app:1.4.2
    /// ```
    ///
    /// ## Fix
    /// ```yaml
    /// spec:
    ///   containers:
    ///     - name: app
    ///       image: registry.example.com/app:1.4.2
    /// ```
    /// Remove `hostNetwork`, `hostPID` and `hostIPC` (or set them to `false`); expose the pod
    /// through a Service instead of the node's network.
    pub static HOST_NAMESPACES = {
        code: "PSS003",
        name: "pss-host-namespaces",
        severity: High,
        group: "pss",
        summary: "Sharing the host's network, PID or IPC namespace is forbidden (baseline)",
        remediation: "Remove spec.hostNetwork, spec.hostPID and spec.hostIPC or set them to false.",
        references: [
            Reference::Pss("Host Namespaces"),
            Reference::Cis("5.2.3"),
            Reference::Cis("5.2.4"),
            Reference::Cis("5.2.5"),
            Reference::Nsa("Pod security: do not share host namespaces"),
            Reference::Mitre("T1611"),
            Reference::Mitre("T1046"),
            Reference::Mitre("T1552"),
            Reference::Checkov("CKV_K8S_17"),
            Reference::Checkov("CKV_K8S_18"),
            Reference::Checkov("CKV_K8S_19"),
            Reference::Trivy("KSV008"),
            Reference::Trivy("KSV009"),
            Reference::Trivy("KSV010"),
        ],
        check: Check::Pss(&palisade_pss::checks::host_namespaces::INFO),
    }
}
