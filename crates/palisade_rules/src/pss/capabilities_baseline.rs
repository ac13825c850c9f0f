//! PSS002: the Pod Security Standards baseline "Capabilities" control (PSA check
//! `capabilities_baseline`).

use palisade_core::{Check, Reference};

declare_rule! {
    /// ## What it does
    /// Flags containers (including init and ephemeral containers) whose
    /// `securityContext.capabilities.add` lists a capability outside the default set
    /// `AUDIT_WRITE`, `CHOWN`, `DAC_OVERRIDE`, `FOWNER`, `FSETID`, `KILL`, `MKNOD`,
    /// `NET_BIND_SERVICE`, `SETFCAP`, `SETGID`, `SETPCAP`, `SETUID`, `SYS_CHROOT`. The
    /// comparison is exact and case-sensitive, so `chown` and `CAP_CHOWN` are flagged too.
    /// `capabilities.drop` is ignored.
    ///
    /// Pod Security Admission check `capabilities_baseline`, baseline level, every policy
    /// version from v1.0. At the restricted level it runs only at v1.0–v1.21; from v1.22
    /// `capabilities_restricted` (PSS014) replaces it.
    ///
    /// ## Why is this bad?
    /// Each added capability hands the container a piece of root's power over the kernel.
    /// `SYS_ADMIN` allows `mount` and the cgroup `release_agent` escape (CVE-2022-0492);
    /// `SYS_MODULE` loads kernel modules; `SYS_PTRACE` injects code into other processes
    /// (with `hostPID`, into the node's); `NET_ADMIN` rewrites the pod's or node's routing
    /// and firewall; `NET_RAW` crafts packets to spoof ARP or DNS answers to neighbouring
    /// pods. An attacker with code execution in the container uses them to escape to the
    /// node: MITRE ATT&CK T1611 "Escape to Host".
    ///
    /// ## Example
    /// ```yaml
    /// containers:
    ///   - name: app
    ///     image: registry.example.com/app:1.4.2
    ///     securityContext:
    ///       capabilities:
    ///         add: ["SYS_ADMIN", "NET_RAW"]
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
    /// Add only capabilities from the default set (ideally none but `NET_BIND_SERVICE`), and
    /// keep workloads that truly need more in a dedicated, labelled namespace.
    pub static CAPABILITIES_BASELINE = {
        code: "PSS002",
        name: "pss-capabilities-baseline",
        severity: High,
        group: "pss",
        summary: "Adding capabilities beyond the default set is forbidden (baseline)",
        remediation: "Remove every capability from securityContext.capabilities.add that is not in the \
                      baseline default set (AUDIT_WRITE, CHOWN, DAC_OVERRIDE, FOWNER, FSETID, KILL, \
                      MKNOD, NET_BIND_SERVICE, SETFCAP, SETGID, SETPCAP, SETUID, SYS_CHROOT).",
        references: [
            Reference::Pss("Capabilities"),
            Reference::Cis("5.2.8"),
            Reference::Cis("5.2.9"),
            Reference::Nsa("Pod security: drop unneeded Linux capabilities"),
            Reference::Mitre("T1611"),
            Reference::Checkov("CKV_K8S_25"),
            Reference::Trivy("KSV022"),
        ],
        check: Check::Pss(&palisade_pss::checks::capabilities_baseline::INFO),
    }
}
