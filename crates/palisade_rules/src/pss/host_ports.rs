//! PSS005: the Pod Security Standards "Host Ports" control (PSA check `hostPorts`).

use palisade_core::{Check, Reference};

declare_rule! {
    /// ## What it does
    /// Flags containers (including init and ephemeral containers) with a `ports[*].hostPort`
    /// other than 0. Unset or `0` is fine.
    ///
    /// Pod Security Admission check `hostPorts`, baseline level, every policy version from
    /// v1.0. For Pods (not pod templates) with `hostNetwork: true`, the API server defaults
    /// each container and init-container port's `hostPort` to its `containerPort` before
    /// admission, so those ports are flagged too.
    ///
    /// ## Why is this bad?
    /// A host port publishes the container directly on the node's addresses, outside the
    /// Service and Ingress path that the cluster's exposure controls govern (and, with many
    /// CNI plugins, outside NetworkPolicy). An internal or debugging endpoint becomes
    /// reachable from anywhere the node is reachable, giving an attacker an entry point:
    /// MITRE ATT&CK T1190 "Exploit Public-Facing Application". A pod can also claim a port a
    /// node-local agent expects and intercept its traffic, and host ports limit scheduling
    /// to one such pod per node.
    ///
    /// ## Example
    /// ```yaml
    /// containers:
    ///   - name: app
    ///     image: registry.example.com/app:1.4.2
    ///     ports:
    ///       - containerPort: 8080
    ///         hostPort: 8080
    /// ```
    ///
    /// ## Fix
    /// ```yaml
    /// containers:
    ///   - name: app
    ///     image: registry.example.com/app:1.4.2
    ///     ports:
    ///       - containerPort: 8080
    /// ```
    /// Remove `hostPort` and expose the port through a Service (ClusterIP, NodePort or
    /// LoadBalancer) or an Ingress.
    pub static HOST_PORTS = {
        code: "PSS005",
        name: "pss-host-ports",
        severity: Medium,
        group: "pss",
        summary: "Host ports are forbidden (baseline)",
        remediation: "Remove ports[].hostPort (or set it to 0) and expose the container through a Service \
                      or Ingress.",
        references: [
            Reference::Pss("Host Ports"),
            Reference::Cis("5.2.12"),
            Reference::Nsa("Pod security: avoid hostPath mounts and hostPorts"),
            Reference::Mitre("T1190"),
            Reference::Checkov("CKV_K8S_26"),
            Reference::Trivy("KSV024"),
        ],
        check: Check::Pss(&palisade_pss::checks::host_ports::INFO),
    }
}
