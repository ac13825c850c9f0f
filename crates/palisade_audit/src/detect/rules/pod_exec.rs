//! AUD001: exec, attach or port-forward into a pod.

use crate::detect::common::{actor, failure, resource, took_effect};
use crate::detect::{AuditCheck, Ctx, Hit};
use palisade_core::{Reference, Severity};

declare_audit_rule! {
    /// ## What it does
    /// Flags `create` or `get` requests on `pods/exec`, `pods/attach` and `pods/portforward`
    /// (kubectl uses either verb, depending on the protocol), with the command run, taken
    /// from the `command=` parameters of the request URI. A request that did not go through
    /// (denied, or failed) is reported as an attempt, at low severity.
    ///
    /// ## Why is this bad?
    /// A shell in a running container reads its ServiceAccount token, its mounted Secrets and
    /// its memory, and runs anything inside the pod's network identity. Outside debugging
    /// sessions, it is how an intruder moves from the API to a workload.
    ///
    /// ## Example
    /// ```text
    /// kubectl exec -it -n shop frontend-7d9c -- sh
    /// ```
    ///
    /// ## Fix
    /// Grant `pods/exec` only to break-glass roles, and use ephemeral debug containers under
    /// review; alert on every exec in production namespaces.
    pub static POD_EXEC = {
        code: "AUD001",
        name: "audit-pod-exec",
        severity: High,
        summary: "Someone exec'd, attached or port-forwarded into a pod",
        remediation: "Restrict pods/exec, pods/attach and pods/portforward to break-glass roles and review each use.",
        references: [Reference::Mitre("T1609"), Reference::Mitre("T1613")],
        check: AuditCheck::Event(check),
    }
}

fn check(ctx: &Ctx<'_, '_>, hits: &mut Vec<Hit>) {
    let ev = ctx.ev;
    let (res, sub, group) = resource(ev);
    if res != "pods" || !group.is_empty() || !matches!(ev.verb.as_ref(), "create" | "get") {
        return;
    }
    let what = match sub {
        "exec" => "exec into",
        "attach" => "attach to",
        "portforward" => "port-forward to",
        _ => return,
    };
    let o = ev
        .object_ref
        .as_ref()
        .map(|o| format!("{}/{}", o.namespace, o.name))
        .unwrap_or_default();
    let mut msg = format!("{} {what} pod {o}", actor(ev));
    let container = ev.query_values("container");
    if let Some(c) = container.first() {
        msg.push_str(&format!(" (container {c})"));
    }
    if sub == "exec" {
        let cmd = ev.query_values("command");
        if !cmd.is_empty() {
            msg.push_str(&format!(": command {:?}", cmd.join(" ")));
        }
    }
    if sub == "portforward" {
        let ports = ev.query_values("ports");
        if !ports.is_empty() {
            msg.push_str(&format!(": ports {}", ports.join(",")));
        }
    }
    if took_effect(ev) {
        hits.push(Hit::new(msg));
    } else {
        hits.push(Hit::new(format!("{msg} — attempt, {}", failure(ev))).attempt(Severity::Low));
    }
}
