//! PSS011: the Pod Security Standards "Sysctls" control (PSA check `sysctls`).

use palisade_core::{Check, Reference};

declare_rule! {
    /// ## What it does
    /// Flags pods whose `spec.securityContext.sysctls[*].name` is not in the safe set of the
    /// policy version (exact match; values are not checked). The sysctls apply to the whole
    /// pod, so to all of its containers. The safe set grows with the version:
    ///
    /// - v1.0: `kernel.shm_rmid_forced`, `net.ipv4.ip_local_port_range`,
    ///   `net.ipv4.tcp_syncookies`, `net.ipv4.ping_group_range`,
    ///   `net.ipv4.ip_unprivileged_port_start`;
    /// - v1.27 adds `net.ipv4.ip_local_reserved_ports`;
    /// - v1.29 adds `net.ipv4.tcp_keepalive_time`, `net.ipv4.tcp_fin_timeout`,
    ///   `net.ipv4.tcp_keepalive_intvl`, `net.ipv4.tcp_keepalive_probes`;
    /// - v1.32 adds `net.ipv4.tcp_rmem`, `net.ipv4.tcp_wmem`;
    /// - v1.37 adds `net.ipv4.tcp_slow_start_after_idle`, `net.ipv4.tcp_notsent_lowat` (not
    ///   yet in a released upstream library: master and the v0.37 alphas only).
    ///
    /// Pod Security Admission check `sysctls`, baseline level, every policy version from
    /// v1.0.
    ///
    /// ## Why is this bad?
    /// The safe sysctls are namespaced and isolated: they affect only the pod. Others either
    /// change the kernel for every pod on the node, or are namespaced but let the pod
    /// consume kernel resources that are not accounted to it (`kernel.shmmax`,
    /// `kernel.msgmax`, `kernel.sem`...). An attacker controlling a pod spec can then starve
    /// its neighbours or destabilise the node: MITRE ATT&CK T1499 "Endpoint Denial of
    /// Service". The kubelet runs unsafe sysctls only when an administrator allowed them
    /// with `--allowed-unsafe-sysctls`; on such nodes admission policy is the only barrier.
    ///
    /// ## Example
    /// ```yaml
    /// spec:
    ///   securityContext:
    ///     sysctls:
    ///       - name: kernel.msgmax
    ///         value: "1048576"
    /// ```
    ///
    /// ## Fix
    /// ```yaml
    /// spec:
    ///   securityContext:
    ///     sysctls:
    ///       - name: net.ipv4.ip_local_port_range
    ///         value: "1024 65535"
    /// ```
    /// Set only sysctls from the safe set; tune node-wide kernel parameters on the nodes
    /// themselves.
    pub static SYSCTLS = {
        code: "PSS011",
        name: "pss-sysctls",
        severity: Medium,
        group: "pss",
        summary: "Sysctls outside the safe set are forbidden (baseline)",
        remediation: "Remove every spec.securityContext.sysctls entry that is not in the safe set of the \
                      policy version; configure node-level kernel parameters on the nodes instead.",
        references: [Reference::Pss("Sysctls"), Reference::Mitre("T1499")],
        check: Check::Pss(&palisade_pss::checks::sysctls::INFO),
    }
}
