//! AUD002: an ephemeral container was added to a running pod.

use crate::detect::common::{actor, failure, images, resource, took_effect};
use crate::detect::{AuditCheck, Ctx, Hit};
use palisade_core::{Reference, Severity};

declare_audit_rule! {
    /// ## What it does
    /// Flags `update` and `patch` requests on `pods/ephemeralcontainers` (what `kubectl debug`
    /// does), with the images added when the request body is logged.
    ///
    /// ## Why is this bad?
    /// An ephemeral container joins a running pod: it shares the pod's network, can share its
    /// process namespace (`--target`), mounts its volumes and ServiceAccount token, and runs an
    /// image of the requester's choice, all without changing the workload's spec.
    ///
    /// ## Example
    /// ```text
    /// kubectl debug -n shop frontend-7d9c --image=busybox --target=server -it
    /// ```
    ///
    /// ## Fix
    /// Grant `pods/ephemeralcontainers` only to break-glass roles; keep Pod Security
    /// `baseline` or `restricted` enforced (it also checks ephemeral containers).
    pub static EPHEMERAL_CONTAINER = {
        code: "AUD002",
        name: "audit-ephemeral-container",
        severity: High,
        summary: "An ephemeral container was added to a running pod",
        remediation: "Restrict pods/ephemeralcontainers to break-glass roles and review each use.",
        references: [Reference::Mitre("T1609"), Reference::Mitre("T1610")],
        check: AuditCheck::Event(check),
    }
}

fn check(ctx: &Ctx<'_, '_>, hits: &mut Vec<Hit>) {
    let ev = ctx.ev;
    let (res, sub, group) = resource(ev);
    if res != "pods" || sub != "ephemeralcontainers" || !group.is_empty() {
        return;
    }
    if !matches!(ev.verb.as_ref(), "update" | "patch") {
        return;
    }
    let o = ev
        .object_ref
        .as_ref()
        .map(|o| format!("{}/{}", o.namespace, o.name))
        .unwrap_or_default();
    let mut msg = format!("{} added an ephemeral container to pod {o}", actor(ev));
    let imgs: Vec<&str> = ctx
        .request()
        .and_then(|r| r.get("spec"))
        .map(|s| {
            ["ephemeralContainers"]
                .iter()
                .filter_map(|k| s.get(k)?.as_array())
                .flatten()
                .filter_map(|c| c.get("image")?.as_str())
                .collect()
        })
        .or_else(|| ctx.request().map(images))
        .unwrap_or_default();
    if !imgs.is_empty() {
        msg.push_str(&format!(" (image {})", imgs.join(", ")));
    }
    if took_effect(ev) {
        hits.push(Hit::new(msg));
    } else {
        hits.push(Hit::new(format!("{msg} — attempt, {}", failure(ev))).attempt(Severity::Low));
    }
}
