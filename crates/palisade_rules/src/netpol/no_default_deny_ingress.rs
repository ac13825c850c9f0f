//! NET001: namespace has workloads but no default-deny ingress NetworkPolicy.

use super::common::*;
use palisade_core::{Check, InvCtx, InvHit, Reference};

declare_rule! {
    /// ## What it does
    /// Flags namespaces that have workloads in the input but no NetworkPolicy selecting all of
    /// their pods (`podSelector: {}`) for ingress. The finding is on the Namespace object, or on the
    /// `metadata.namespace` of the namespace's first workload when the input does not define it.
    ///
    /// ## Why is this bad?
    /// Kubernetes networking is open by default: without a policy, every pod accepts connections
    /// from every pod of every namespace. A default-deny policy makes every new workload closed
    /// until someone writes the flow it needs; without it, each new Deployment is reachable from a
    /// compromised pod anywhere in the cluster.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: v1
    /// kind: Namespace
    /// metadata: {name: shop}
    /// # ... and no NetworkPolicy in shop
    /// ```
    ///
    /// ## Fix
    /// ```yaml
    /// apiVersion: networking.k8s.io/v1
    /// kind: NetworkPolicy
    /// metadata: {name: default-deny-ingress, namespace: shop}
    /// spec:
    ///   podSelector: {}
    ///   policyTypes: [Ingress]
    /// ```
    pub static NO_DEFAULT_DENY_INGRESS = {
        code: "NET001",
        name: "netpol-namespace-no-default-deny-ingress",
        severity: Medium,
        group: "netpol",
        summary: "Namespace has workloads but no default-deny ingress NetworkPolicy",
        remediation: "Add a NetworkPolicy with podSelector: {} and policyTypes: [Ingress] to the namespace, then allow each needed flow explicitly.",
        references: [
            Reference::Cis("5.3.2"),
            Reference::Nsa("Network separation and hardening: default deny"),
            Reference::Mitre("T1046"),
            Reference::Checkov("CKV_K8S_6"),
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
        Direction::Ingress,
        "Ingress",
        "accept connections from every pod of every namespace",
    );
}
