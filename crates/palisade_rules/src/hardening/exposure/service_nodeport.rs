//! HRD060: Services of type NodePort.

use palisade_core::kinds::known;
use palisade_core::{Check, FieldPath, Hit, Node, ObjCtx, Reference};

declare_rule! {
    /// ## What it does
    /// Flags Services of `type: NodePort`.
    ///
    /// ## Why is this bad?
    /// A NodePort opens the same port on every node of the cluster, on every node address,
    /// bypassing the load balancer, its source ranges and usually the NetworkPolicies that
    /// protect the pods (traffic arrives from the node). Anyone who can reach a node — the
    /// whole VPC, often the internet — reaches the service: MITRE ATT&CK T1133 "External
    /// Remote Services".
    ///
    /// ## Example
    /// ```yaml
    /// kind: Service
    /// spec:
    ///   type: NodePort
    /// ```
    ///
    /// ## Fix
    /// ```yaml
    /// kind: Service
    /// spec:
    ///   type: ClusterIP   # expose through an Ingress or a LoadBalancer with loadBalancerSourceRanges
    /// ```
    pub static SERVICE_NODEPORT = {
        code: "HRD060",
        name: "service-nodeport",
        severity: Medium,
        group: "hardening",
        summary: "Service of type NodePort exposes a port on every node",
        remediation: "Use type ClusterIP behind an Ingress, or a LoadBalancer restricted with loadBalancerSourceRanges.",
        references: [
            Reference::Nsa("Network separation and hardening"),
            Reference::Mitre("T1133"),
        ],
        check: Check::Object { kinds: &[known::SERVICE], check },
    }
}

fn check(ctx: &ObjCtx<'_>, hits: &mut Vec<Hit>) {
    if ctx.obj.root.at(&["spec", "type"]).and_then(Node::as_str) == Some("NodePort") {
        hits.push(Hit::new(
            FieldPath::root().key("spec").key("type"),
            format!(
                "Service {:?} is of type NodePort: its ports are open on every node",
                ctx.obj.name
            ),
        ));
    }
}
