//! AUD004: an anonymous or unauthenticated request was allowed.

use crate::detect::common::{authz_denied, target};
use crate::detect::{AuditCheck, Ctx, Hit};
use palisade_core::Reference;

/// What the default ClusterRole `system:public-info-viewer` lets anyone read.
const PUBLIC_INFO: &[&str] = &["/healthz", "/livez", "/readyz", "/version", "/version/"];

declare_audit_rule! {
    /// ## What it does
    /// Flags requests made as `system:anonymous` or in the group `system:unauthenticated` that
    /// authorization allowed, except the health and version endpoints every cluster opens to
    /// anyone (`/healthz`, `/livez`, `/readyz`, `/version`: the default ClusterRole
    /// `system:public-info-viewer`). A denied anonymous request is not reported.
    ///
    /// ## Why is this bad?
    /// An allowed anonymous request means some binding grants `system:anonymous` or
    /// `system:unauthenticated` access: anyone who can reach the API server has it, without
    /// credentials.
    ///
    /// ## Example
    /// ```yaml
    /// kind: ClusterRoleBinding
    /// roleRef: {kind: ClusterRole, name: view}
    /// subjects: [{kind: Group, name: system:unauthenticated}]
    /// ```
    ///
    /// ## Fix
    /// Delete bindings to `system:anonymous` and `system:unauthenticated`, and run the API
    /// server with `--anonymous-auth=false` where health checks allow it.
    pub static ANONYMOUS_ALLOWED = {
        code: "AUD004",
        name: "audit-anonymous-allowed",
        severity: High,
        summary: "An anonymous or unauthenticated request was allowed",
        remediation: "Remove RBAC bindings to system:anonymous and system:unauthenticated; disable anonymous auth.",
        references: [Reference::Cis("5.1.1"), Reference::Mitre("T1078.001")],
        check: AuditCheck::Event(check),
    }
}

fn check(ctx: &Ctx<'_, '_>, hits: &mut Vec<Hit>) {
    let ev = ctx.ev;
    let u = ev.effective_user();
    if u.username != "system:anonymous" && !u.in_group("system:unauthenticated") {
        return;
    }
    if authz_denied(ev) {
        return;
    }
    // Without a decision annotation (old logs), only a request that succeeded was allowed.
    if ev.decision().is_none() && !crate::detect::common::took_effect(ev) {
        return;
    }
    if ev.is_non_resource() && PUBLIC_INFO.contains(&ev.path()) {
        return;
    }
    hits.push(Hit::new(format!(
        "anonymous request allowed: {} {} as {}",
        ev.verb,
        target(ev),
        u.username
    )));
}
