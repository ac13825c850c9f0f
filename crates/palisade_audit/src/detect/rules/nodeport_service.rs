//! AUD016: a NodePort Service was created.

use crate::detect::common::{actor, object_name, took_effect};
use crate::detect::{AuditCheck, Ctx, Hit};
use palisade_core::Reference;

declare_audit_rule! {
    /// ## What it does
    /// Flags `create`, `update` and `patch` of Services whose written object has
    /// `spec.type: NodePort`, with the node ports, except by the control plane. It needs the
    /// request body (audit level `Request` for services).
    ///
    /// ## Why is this bad?
    /// A NodePort opens the service on every node's address, bypassing the load balancer,
    /// ingress and their TLS and authentication; it is also how an intruder exposes a backdoor
    /// pod to the outside.
    ///
    /// ## Example
    /// ```yaml
    /// kind: Service
    /// spec:
    ///   type: NodePort
    ///   ports: [{port: 80, nodePort: 30080}]
    /// ```
    ///
    /// ## Fix
    /// Use `ClusterIP` behind an Ingress or Gateway, or a `LoadBalancer` with
    /// `loadBalancerSourceRanges`.
    pub static NODEPORT_SERVICE = {
        code: "AUD016",
        name: "audit-nodeport-service",
        severity: Medium,
        summary: "A NodePort Service was created, exposing a workload on every node",
        remediation: "Use ClusterIP behind an Ingress or Gateway instead of NodePort.",
        references: [Reference::Mitre("T1133")],
        check: AuditCheck::Event(check),
    }
}

fn check(ctx: &Ctx<'_, '_>, hits: &mut Vec<Hit>) {
    let ev = ctx.ev;
    let Some(o) = &ev.object_ref else { return };
    if o.resource != "services" || !o.api_group.is_empty() || !o.subresource.is_empty() {
        return;
    }
    if !matches!(ev.verb.as_ref(), "create" | "update" | "patch") || !took_effect(ev) || ctx.trusted_actor() {
        return;
    }
    let Some(obj) = ctx.written_object() else { return };
    if obj.pointer("/spec/type").and_then(serde_json::Value::as_str) != Some("NodePort") {
        return;
    }
    let ports: Vec<String> = obj
        .pointer("/spec/ports")
        .and_then(serde_json::Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|p| {
                    p.get("nodePort")
                        .and_then(serde_json::Value::as_i64)
                        .map(|n| n.to_string())
                })
                .collect()
        })
        .unwrap_or_default();
    let ports = if ports.is_empty() {
        String::new()
    } else {
        format!(" on node port(s) {}", ports.join(","))
    };
    hits.push(Hit::new(format!(
        "{} {} NodePort Service {}/{}{ports}",
        actor(ev),
        if ev.verb == "create" { "created" } else { "changed" },
        o.namespace,
        object_name(ev, Some(obj))
    )));
}
