//! NET009: networkPolicy is invalid: the API server rejects it.

use super::common::*;
use palisade_core::{Check, InvCtx, InvHit, Reference};

declare_rule! {
    /// ## What it does
    /// Flags what the API server's validation rejects: an invalid `cidr`, an `except` that is not
    /// a strict subset of its `cidr`, an `ipBlock` combined with a selector in one peer, an empty
    /// peer `{}`, `endPort` with a named or missing `port` or smaller than `port`, an unknown
    /// protocol, invalid label selectors (unknown operator, bad label key or value, missing values),
    /// invalid port names or numbers, unknown policy types, and two policies with the same name. An
    /// invalid policy is left out of palisade's reachability analysis, as it would never exist.
    ///
    /// ## Why is this bad?
    /// A rejected policy is not in the cluster: the deployment fails, or — in pipelines that
    /// ignore apply errors — the workloads it should protect run unprotected while the repository
    /// says otherwise.
    ///
    /// ## Example
    /// ```yaml
    /// egress:
    ///   - to:
    ///       - ipBlock:
    ///           cidr: 10.0.0.0/16
    ///           except: [10.1.0.0/24]     # outside the cidr
    /// ```
    ///
    /// ## Fix
    /// ```yaml
    /// egress:
    ///   - to:
    ///       - ipBlock:
    ///           cidr: 10.0.0.0/16
    ///           except: [10.0.5.0/24]
    /// ```
    pub static INVALID_POLICY = {
        code: "NET009",
        name: "netpol-invalid-policy",
        severity: High,
        group: "netpol",
        summary: "NetworkPolicy is invalid: the API server rejects it",
        remediation: "Fix the field so the API server accepts the policy.",
        references: [
            Reference::Url("https://kubernetes.io/docs/reference/kubernetes-api/policy-resources/network-policy-v1/"),
        ],
        check: Check::Inventory {
            reads: palisade_netpol::READS,
            check,
        },
    }
}

fn check(ctx: &InvCtx<'_>, hits: &mut Vec<InvHit>) {
    let m = model(ctx);
    for p in &m.problems {
        hits.push(InvHit::new(
            p.input,
            p.path.clone(),
            format!(
                "{} (the API server rejects this NetworkPolicy; palisade leaves it out of the analysis)",
                p.message
            ),
        ));
    }
}
