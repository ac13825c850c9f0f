//! NET006: networkPolicy egress rule allows connections to the internet.

use super::common::*;
use palisade_core::{Check, InvCtx, InvHit, Reference};

declare_rule! {
    /// ## What it does
    /// Flags egress rules that open the internet: no `to` (every destination), or an `ipBlock`
    /// whose range minus its `except` entries and the private, loopback, link-local and CGNAT
    /// ranges still holds a large part of the public address space (at least a /8 worth of IPv4
    /// addresses, a /32 of IPv6). A rule to one partner's range is not flagged. The finding is
    /// on the rule.
    ///
    /// ## Why is this bad?
    /// Open egress lets a compromised pod download tools, reach command-and-control servers and
    /// exfiltrate data; with `0.0.0.0/0` it also reaches the cloud metadata service unless that is
    /// excepted.
    ///
    /// ## Example
    /// ```yaml
    /// egress:
    ///   - to: [{ipBlock: {cidr: 0.0.0.0/0}}]
    /// ```
    ///
    /// ## Fix
    /// ```yaml
    /// egress:
    ///   - to: [{ipBlock: {cidr: 203.0.113.0/24}}]     # the one partner API
    ///     ports: [{port: 443}]
    /// ```
    pub static EGRESS_TO_INTERNET = {
        code: "NET006",
        name: "netpol-egress-to-internet",
        severity: Low,
        group: "netpol",
        summary: "NetworkPolicy egress rule allows connections to the internet",
        remediation: "Allow egress only to the CIDRs or in-cluster services the workload needs; route internet access through an egress proxy.",
        references: [
            Reference::Nsa("Network separation and hardening: restrict egress"),
            Reference::Mitre("T1041"),
        ],
        check: Check::Inventory {
            reads: palisade_netpol::READS,
            check,
        },
    }
}

fn check(ctx: &InvCtx<'_>, hits: &mut Vec<InvHit>) {
    flag_policies(ctx, hits, |_, p, out| {
        if !p.egress_type {
            return;
        }
        for r in &p.egress {
            let Some(what) = internet(r) else { continue };
            out.push((
                rule_path(Direction::Egress, r),
                format!(
                    "{} spec.egress[{}] lets pods {} reach public addresses ({what}) {}",
                    p.display(),
                    r.index,
                    p.pod_selector.describe(),
                    ports_text(r)
                ),
            ));
        }
    });
}
