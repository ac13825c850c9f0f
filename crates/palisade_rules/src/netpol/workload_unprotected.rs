//! NET003: workload is selected by no ingress NetworkPolicy: every pod can connect to it.

use super::common::*;
use palisade_core::{Check, Hit, InvCtx, InvHit, Msg, Object, Reference};

declare_rule! {
    /// ## What it does
    /// Flags workloads (Pods, controllers, custom resources with pod templates) that no
    /// NetworkPolicy of type `Ingress` selects, so they accept connections from every pod of every
    /// namespace on every port. hostNetwork pods are not flagged: NetworkPolicies do not apply to
    /// them. The finding is on the pod template's labels (what a policy selects).
    ///
    /// ## Why is this bad?
    /// This is the flat network attackers rely on: from one compromised frontend pod straight to
    /// Redis, the database or an internal admin endpoint that was never meant to be reachable.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: apps/v1
    /// kind: StatefulSet
    /// metadata: {name: redis, namespace: shop}
    /// spec:
    ///   template:
    ///     metadata:
    ///       labels: {app: redis}      # no policy selects app=redis
    /// ```
    ///
    /// ## Fix
    /// ```yaml
    /// apiVersion: networking.k8s.io/v1
    /// kind: NetworkPolicy
    /// metadata: {name: redis, namespace: shop}
    /// spec:
    ///   podSelector: {matchLabels: {app: redis}}
    ///   ingress:
    ///     - from: [{podSelector: {matchLabels: {app: messages}}}]
    ///       ports: [{port: 6379}]
    /// ```
    pub static WORKLOAD_UNPROTECTED = {
        code: "NET003",
        name: "netpol-workload-unprotected",
        severity: Medium,
        group: "netpol",
        summary: "Workload is selected by no ingress NetworkPolicy: every pod can connect to it",
        remediation: "Select the workload with a NetworkPolicy of type Ingress (a namespace default-deny does it) and allow only its clients.",
        references: [
            Reference::Cis("5.3.2"),
            Reference::Nsa("Network separation and hardening: default deny"),
            Reference::Mitre("T1210"),
            Reference::Trivy("KSV-0038"),
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
    hits.reserve(m.workloads.len());
    for w in &m.workloads {
        if w.host_network || isolated(&m, w, Direction::Ingress) {
            continue;
        }
        // Made at the workload's turn: a large input flags every workload, and its findings
        // would otherwise wait, message and path, until then.
        hits.push(InvHit::later(w.input, w.template, hit));
    }
}

/// The finding on pod template `template` of `o` (a workload the model found unprotected).
fn hit(o: &Object, template: u32) -> Option<Hit> {
    let tpl = o.pod_templates().into_iter().nth(template as usize)?;
    let workload = palisade_netpol::model::workload_display(&o.shared_reference());
    Some(Hit::new(
        palisade_netpol::model::labels_path(&tpl),
        message(&workload, &palisade_netpol::model::template_ports(&tpl)),
    ))
}

fn message(workload: &str, ports: &[palisade_netpol::model::NamedPort]) -> String {
    let mut m = Msg::new()
        .s("no NetworkPolicy of type Ingress selects ")
        .s(workload);
    for (i, p) in ports.iter().enumerate() {
        m = m
            .s(if i == 0 { " (container ports " } else { ", " })
            .n(u64::from(p.port))
            .s("/")
            .s(p.proto.as_str());
    }
    if !ports.is_empty() {
        m = m.s(")");
    }
    m.s(": every pod of every namespace can connect to it on every port")
        .done()
}
