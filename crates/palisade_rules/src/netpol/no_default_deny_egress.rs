//! NET002: namespace has workloads but no default-deny egress NetworkPolicy.

use super::common::*;
use palisade_core::{Check, InvCtx, InvHit, Reference};

declare_rule! {
    /// ## What it does
    /// Flags namespaces that have workloads in the input but no NetworkPolicy selecting all of
    /// their pods (`podSelector: {}`) with `Egress` in `policyTypes`. Note that a policy without
    /// `policyTypes` and without egress rules does not affect egress at all.
    ///
    /// ## Why is this bad?
    /// Without egress isolation a compromised pod can reach every other pod, the cloud metadata
    /// endpoint, the API server and the internet: lateral movement, credential theft and data
    /// exfiltration need no further foothold.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: networking.k8s.io/v1
    /// kind: NetworkPolicy
    /// metadata: {name: deny, namespace: shop}
    /// spec:
    ///   podSelector: {}        # no policyTypes and no egress rules: only ingress is isolated
    /// ```
    ///
    /// ## Fix
    /// ```yaml
    /// apiVersion: networking.k8s.io/v1
    /// kind: NetworkPolicy
    /// metadata: {name: default-deny, namespace: shop}
    /// spec:
    ///   podSelector: {}
    ///   policyTypes: [Ingress, Egress]
    ///   egress:
    ///     - to: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: kube-system}}, podSelector: {matchLabels: {k8s-app: kube-dns}}}]
    ///       ports: [{protocol: UDP, port: 53}, {protocol: TCP, port: 53}]
    /// ```
    pub static NO_DEFAULT_DENY_EGRESS = {
        code: "NET002",
        name: "netpol-namespace-no-default-deny-egress",
        severity: Low,
        group: "netpol",
        summary: "Namespace has workloads but no default-deny egress NetworkPolicy",
        remediation: "Add a NetworkPolicy with podSelector: {} and policyTypes: [Egress] (allowing DNS), then allow each outbound flow explicitly.",
        references: [
            Reference::Nsa("Network separation and hardening: default deny"),
            Reference::Mitre("T1041"),
        ],
        scope: Cluster,
        check: Check::Inventory {
            reads: palisade_netpol::READS,
            check,
        },
    }
}

fn check(ctx: &InvCtx<'_>, hits: &mut Vec<InvHit>) {
    no_default_deny(
        ctx,
        hits,
        Direction::Egress,
        "Egress",
        "can connect to every pod and every address",
    );
}
