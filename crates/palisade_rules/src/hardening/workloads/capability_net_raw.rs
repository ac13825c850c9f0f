//! HRD017: containers that add the NET_RAW capability.

use super::common::check_added_capability;
use palisade_core::{Check, Hit, PodCtx, Reference};

declare_rule! {
    /// ## What it does
    /// Flags containers (init and ephemeral included) whose
    /// `securityContext.capabilities.add` lists `NET_RAW`. Names compare as the container
    /// runtimes do: in any case and with or without the `CAP_` prefix, so
    /// `NET_RAW`, `CAP_NET_RAW` or `net_raw` all match. Pods with `spec.os.name: windows` are skipped.
    ///
    /// ## Why is this bad?
    /// `CAP_NET_RAW` allows raw and packet sockets: the process can forge any packet on the
    /// pod network. On many CNI set-ups an attacker uses it to spoof ARP replies or IPv6
    /// router advertisements and answer DNS queries of neighbouring pods or the node
    /// (CVE-2020-10749), redirecting their traffic through the attacker — MITRE ATT&CK
    /// T1557 "Adversary-in-the-Middle" — and packet sockets were the entry point of kernel
    /// exploits such as CVE-2020-14386. Few applications need it: `ping` can use
    /// unprivileged ICMP sockets (the safe sysctl `net.ipv4.ping_group_range`).
    ///
    /// ## Example
    /// ```yaml
    /// containers:
    ///   - name: app
    ///     image: registry.example.com/app:1.4.2
    ///     securityContext:
    ///       capabilities:
    ///         add: ["NET_RAW"]
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
    pub static CAPABILITY_NET_RAW = {
        code: "HRD017",
        name: "capability-net-raw",
        severity: Medium,
        group: "hardening",
        summary: "Container adds the NET_RAW capability",
        remediation: "Remove NET_RAW from securityContext.capabilities.add.",
        references: [
            Reference::Nsa("Pod security: drop unneeded Linux capabilities"),
            Reference::Cis("5.2.8"),
            Reference::Mitre("T1557"),
            Reference::Checkov("CKV_K8S_28"),
        ],
        check: Check::Pod { reads: &[], check },
    }
}

fn check(ctx: &PodCtx<'_>, hits: &mut Vec<Hit>) {
    check_added_capability(
        ctx,
        hits,
        "NET_RAW",
        "it can forge packets to spoof ARP, DNS or router advertisements to its neighbours",
    );
}
