//! HRD016: containers that add the NET_ADMIN capability.

use super::common::check_added_capability;
use palisade_core::{Check, Hit, PodCtx, Reference};

declare_rule! {
    /// ## What it does
    /// Flags containers (init and ephemeral included) whose
    /// `securityContext.capabilities.add` lists `NET_ADMIN`. Names compare as the container
    /// runtimes do: in any case and with or without the `CAP_` prefix, so
    /// `NET_ADMIN`, `CAP_NET_ADMIN` or `net_admin` all match. Pods with `spec.os.name: windows` are skipped.
    ///
    /// ## Why is this bad?
    /// `CAP_NET_ADMIN` lets a process reconfigure its network namespace: interfaces,
    /// routes, iptables/nftables rules, traffic control, promiscuous mode. An attacker in
    /// the pod can redirect or intercept the traffic of every container of the pod (service
    /// mesh sidecars included, so mTLS and egress policies enforced there are bypassed), and
    /// with `hostNetwork: true` rewrites the node's own firewall and routing, silently
    /// opening paths around NetworkPolicies: MITRE ATT&CK T1557 "Adversary-in-the-Middle",
    /// T1599 "Network Boundary Bridging". It also exposes far more kernel networking code
    /// (netfilter, tc) to exploits such as CVE-2022-25636.
    ///
    /// ## Example
    /// ```yaml
    /// containers:
    ///   - name: app
    ///     image: registry.example.com/app:1.4.2
    ///     securityContext:
    ///       capabilities:
    ///         add: ["NET_ADMIN"]
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
    pub static CAPABILITY_NET_ADMIN = {
        code: "HRD016",
        name: "capability-net-admin",
        severity: Medium,
        group: "hardening",
        summary: "Container adds the NET_ADMIN capability",
        remediation: "Remove NET_ADMIN from securityContext.capabilities.add.",
        references: [
            Reference::Nsa("Pod security: drop unneeded Linux capabilities"),
            Reference::Cis("5.2.9"),
            Reference::Mitre("T1557"),
            Reference::Mitre("T1599"),
        ],
        check: Check::Pod { reads: &[], check },
    }
}

fn check(ctx: &PodCtx<'_>, hits: &mut Vec<Hit>) {
    check_added_capability(
        ctx,
        hits,
        "NET_ADMIN",
        "it can rewrite routes and firewall rules and intercept the pod's traffic",
    );
}
