//! PSS014: the Pod Security Standards restricted "Capabilities" control (PSA check
//! `capabilities_restricted`).

use palisade_core::{Check, Reference};

declare_rule! {
    /// ## What it does
    /// Flags containers (including init and ephemeral containers) that either:
    /// - do not drop all capabilities: the securityContext or `capabilities` is absent, or
    ///   `securityContext.capabilities.drop` does not contain the exact string `ALL`
    ///   (case-sensitive: `all` does not count, nor does listing every capability); or
    /// - add anything but `NET_BIND_SERVICE` in `securityContext.capabilities.add`.
    ///
    /// Pod Security Admission check `capabilities_restricted`, restricted level, from policy
    /// version v1.22 (absent at v1.0–v1.21, where `capabilities_baseline`, PSS002, runs at
    /// restricted instead). From v1.22 it replaces `capabilities_baseline` at the restricted
    /// level. From v1.25, pods with `spec.os.name: windows` are exempt, so a Windows pod that
    /// adds `NET_RAW` passes restricted but fails baseline.
    ///
    /// ## Why is this bad?
    /// Even without additions, the runtime's default set keeps capabilities most
    /// applications never use: `DAC_OVERRIDE` and `FOWNER` bypass file permissions on
    /// mounted volumes, `SETUID`/`SETGID` ease privilege changes, and `NET_RAW` (kept by
    /// containerd) lets a process spoof ARP or DNS answers to pods on the same node and was
    /// the entry point of kernel exploits such as CVE-2020-14386. Every retained capability
    /// is kernel attack surface that an attacker with code execution in the container can
    /// use to escalate (MITRE ATT&CK T1068 "Exploitation for Privilege Escalation") and
    /// then break out (T1611 "Escape to Host").
    ///
    /// ## Example
    /// ```yaml
    /// containers:
    ///   - name: app
    ///     image: registry.example.com/app:1.4.2
    ///     securityContext:
    ///       capabilities:
    ///         add: ["CHOWN"]
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
    ///         add: ["NET_BIND_SERVICE"]
    /// ```
    /// Drop `ALL` on every container and add back at most `NET_BIND_SERVICE`.
    pub static CAPABILITIES_RESTRICTED = {
        code: "PSS014",
        name: "pss-capabilities-restricted",
        severity: Medium,
        group: "pss",
        summary: "Containers must drop ALL capabilities and may add only NET_BIND_SERVICE (restricted)",
        remediation: "Set securityContext.capabilities.drop: [\"ALL\"] on every container and remove every \
                      capabilities.add entry except NET_BIND_SERVICE.",
        references: [
            Reference::Pss("Capabilities"),
            Reference::Cis("5.2.8"),
            Reference::Cis("5.2.9"),
            Reference::Nsa("Pod security: drop unneeded Linux capabilities"),
            Reference::Mitre("T1068"),
            Reference::Mitre("T1611"),
        ],
        check: Check::Pss(&palisade_pss::checks::capabilities_restricted::INFO),
    }
}
