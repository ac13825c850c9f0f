//! AUD010: a ServiceAccount token was requested by someone other than a node or the control plane.

use crate::detect::common::{actor, failure, resource, took_effect};
use crate::detect::{AuditCheck, Ctx, Hit};
use palisade_core::{Reference, Severity};

declare_audit_rule! {
    /// ## What it does
    /// Flags `create` on `serviceaccounts/token` (a TokenRequest: `kubectl create token`) by
    /// anyone but a node (`system:node:*`, the kubelet minting its pods' tokens) and the
    /// control plane (API server, controller manager, kube-system controllers; option
    /// `trustedUsers` adds identities). A denied request is an attempt, at low severity.
    ///
    /// ## Why is this bad?
    /// A token of a ServiceAccount lets its holder act as that ServiceAccount from anywhere,
    /// for up to the requested lifetime, without running a pod: a quiet way to borrow a
    /// workload's permissions.
    ///
    /// ## Example
    /// ```text
    /// kubectl create token -n kube-system clusterrole-aggregation-controller --duration=48h
    /// ```
    ///
    /// ## Fix
    /// Remove `create serviceaccounts/token` from people's roles; use short-lived tokens issued
    /// by an identity provider instead.
    pub static TOKEN_REQUEST = {
        code: "AUD010",
        name: "audit-token-request",
        severity: Medium,
        summary: "A ServiceAccount token was requested by a person or an unexpected identity",
        remediation: "Remove create on serviceaccounts/token from people's roles.",
        references: [Reference::Mitre("T1528"), Reference::Mitre("T1550.001")],
        check: AuditCheck::Event(check),
    }
}

fn check(ctx: &Ctx<'_, '_>, hits: &mut Vec<Hit>) {
    let ev = ctx.ev;
    let (res, sub, group) = resource(ev);
    if res != "serviceaccounts" || sub != "token" || !group.is_empty() || ev.verb != "create" {
        return;
    }
    if ctx.trusted_actor() {
        return;
    }
    let u = ev.effective_user();
    if u.username.starts_with("system:node:") && u.in_group("system:nodes") {
        return;
    }
    let o = ev
        .object_ref
        .as_ref()
        .map(|o| format!("{}/{}", o.namespace, o.name))
        .unwrap_or_default();
    let msg = format!("{} requested a token for ServiceAccount {o}", actor(ev));
    if took_effect(ev) {
        hits.push(Hit::new(msg));
    } else {
        hits.push(Hit::new(format!("{msg} — attempt, {}", failure(ev))).attempt(Severity::Low));
    }
}
