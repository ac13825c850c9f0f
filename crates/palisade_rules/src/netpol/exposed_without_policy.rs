//! NET007: workload exposed by a LoadBalancer/NodePort Service or an Ingress has no ingress NetworkPolicy.

use super::common::*;
use palisade_core::{Check, InvCtx, InvHit, Reference};

declare_rule! {
    /// ## What it does
    /// Flags Services of type `LoadBalancer` or `NodePort`, and Ingresses (through the Services
    /// they route to), whose selected workloads are not isolated for ingress. The finding is on the
    /// Service's `spec.type` (or the Ingress's `spec`) and names the workloads.
    ///
    /// ## Why is this bad?
    /// An exposed workload is the first thing an attacker reaches. Without an ingress policy it
    /// accepts every port from every source that can reach the node or the load balancer, and every
    /// pod of the cluster can reach it too: debug and metrics ports included.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: v1
    /// kind: Service
    /// metadata: {name: web, namespace: shop}
    /// spec:
    ///   type: LoadBalancer
    ///   selector: {app: web}     # no NetworkPolicy selects app=web
    /// ```
    ///
    /// ## Fix
    /// ```yaml
    /// apiVersion: networking.k8s.io/v1
    /// kind: NetworkPolicy
    /// metadata: {name: web, namespace: shop}
    /// spec:
    ///   podSelector: {matchLabels: {app: web}}
    ///   ingress:
    ///     - ports: [{port: http}]
    /// ```
    pub static EXPOSED_WITHOUT_POLICY = {
        code: "NET007",
        name: "netpol-exposed-without-ingress-policy",
        severity: High,
        group: "netpol",
        summary: "Workload exposed by a LoadBalancer/NodePort Service or an Ingress has no ingress NetworkPolicy",
        remediation: "Select the exposed workload with an ingress NetworkPolicy that allows only its service port(s).",
        references: [
            Reference::Nsa("Network separation and hardening: restrict ingress"),
            Reference::Mitre("T1190"),
        ],
        scope: Cluster,
        check: Check::Inventory {
            reads: palisade_netpol::READS,
            check,
        },
    }
}

fn check(ctx: &InvCtx<'_>, hits: &mut Vec<InvHit>) {
    let m = model(ctx);
    for e in &m.exposures {
        let open: Vec<String> = m
            .workloads
            .iter()
            .filter(|w| {
                w.namespace() == e.namespace
                    && e.selectors
                        .iter()
                        .any(|s| s.iter().all(|(k, v)| w.labels.get(k) == Some(v)))
                    && !w.host_network
                    && !isolated(&m, w, Direction::Ingress)
            })
            .map(Workload::display)
            .collect();
        if open.is_empty() {
            continue;
        }
        let what = if e.how == "Ingress" {
            "an Ingress".to_owned()
        } else {
            format!("a {} Service", e.how)
        };
        hits.push(InvHit::new(e.input, e.path.clone(),
                format!(
                    "{} {}/{} is {what} in front of {}, which no ingress NetworkPolicy selects: every port is open to every source",
                    e.reference.kind,
                    e.namespace,
                    e.reference.name,
                    open.join(", ")
                )));
    }
}
