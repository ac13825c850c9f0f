//! AUD025: a node outside the allowed node names joined or tried to join (Falco's "Untrusted
//! Node Successfully Joined the Cluster" / "... Unsuccessfully Tried to Join").

use crate::detect::common::{glob, object_name, took_effect};
use crate::detect::{AuditCheck, Ctx, Hit};
use palisade_core::{Reference, Severity};

declare_audit_rule! {
    /// ## What it does
    /// With `allowedNodes` set (globs of node names: `worker-*`, `ip-10-0-*`), flags the
    /// creation of a Node object (a kubelet registering) whose name the list does not match.
    /// A refused registration is reported as an attempt, at medium severity. Without
    /// `allowedNodes` the rule checks nothing.
    ///
    /// ## Why is this bad?
    /// A rogue node receives pods — and with them their Secrets and ServiceAccount tokens —
    /// and can read everything the Node authorizer gives a kubelet.
    ///
    /// ## Example
    /// ```yaml
    /// rules:
    ///   audit-untrusted-node:
    ///     allowedNodes: ["worker-*", "control-plane-*"]
    /// ```
    ///
    /// ## Fix
    /// Delete the Node, revoke its client certificate or bootstrap token, and find how it got
    /// credentials (CSR approvals: AUD011, AUD012).
    pub static UNTRUSTED_NODE = {
        code: "AUD025",
        name: "audit-untrusted-node",
        severity: High,
        summary: "A node outside the allowed node names joined, or tried to join, the cluster",
        remediation: "Delete the Node, revoke its credentials, and find how it obtained them.",
        references: [Reference::Mitre("T1078"), Reference::Mitre("T1133")],
        requires_option: "allowedNodes",
        check: AuditCheck::Event(check),
    }
}

fn check(ctx: &Ctx<'_, '_>, hits: &mut Vec<Hit>) {
    let Some(allowed) = ctx.opts.strings("allowedNodes") else {
        return;
    };
    let ev = ctx.ev;
    let Some(o) = &ev.object_ref else { return };
    if o.resource != "nodes" || !o.api_group.is_empty() || !o.subresource.is_empty() || ev.verb != "create" {
        return;
    }
    let name = object_name(ev, ctx.written_object());
    let name = if name.is_empty() {
        ev.user.username.strip_prefix("system:node:").unwrap_or("")
    } else {
        name
    };
    if name.is_empty() || allowed.iter().any(|p| glob(p, name)) {
        return;
    }
    let by = &ev.user.username;
    if took_effect(ev) {
        hits.push(Hit::new(format!(
            "node {name} joined the cluster (registered by {by}); allowedNodes does not name it"
        )));
    } else {
        hits.push(
            Hit::new(format!(
                "node {name} tried to join the cluster (by {by}) — attempt, code {}; allowedNodes does not name it",
                ev.code().map_or("-".to_owned(), |c| c.to_string())
            ))
            .attempt(Severity::Medium),
        );
    }
}
