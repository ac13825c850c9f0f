//! AUD009: a request impersonated another identity.

use crate::detect::common::{failure, target, took_effect};
use crate::detect::{AuditCheck, Ctx, Hit};
use palisade_core::{Reference, Severity};

declare_audit_rule! {
    /// ## What it does
    /// Flags requests made with impersonation (the event has `impersonatedUser`: the
    /// `Impersonate-User`/`Impersonate-Group` headers, `kubectl --as`), and `impersonate`
    /// requests themselves (the API server's check of the right to impersonate, logged when it
    /// is denied). A denied impersonation is reported as an attempt, at low severity.
    ///
    /// ## Why is this bad?
    /// Impersonation runs a request with another identity's permissions; impersonating a
    /// member of `system:masters` or a controller's ServiceAccount is a complete escalation,
    /// and the audit trail then shows the impersonated name in authorization decisions.
    ///
    /// ## Example
    /// ```text
    /// kubectl --as=system:serviceaccount:kube-system:replicaset-controller get secrets -A
    /// ```
    ///
    /// ## Fix
    /// Grant `impersonate` only to proxies that need it, limited with `resourceNames`; review
    /// every impersonated request of a person.
    pub static IMPERSONATION = {
        code: "AUD009",
        name: "audit-impersonation",
        severity: Medium,
        summary: "A request impersonated another user, group or ServiceAccount",
        remediation: "Restrict impersonate to proxies with resourceNames and review impersonated requests by people.",
        references: [Reference::Cis("5.1.8"), Reference::Mitre("T1134")],
        check: AuditCheck::Event(check),
    }
}

fn check(ctx: &Ctx<'_, '_>, hits: &mut Vec<Hit>) {
    let ev = ctx.ev;
    if let Some(i) = &ev.impersonated_user {
        let groups = if i.groups.is_empty() {
            String::new()
        } else {
            format!(
                " (groups {})",
                i.groups.iter().map(|g| g.as_ref()).collect::<Vec<_>>().join(", ")
            )
        };
        let msg = format!(
            "{} acted as {}{groups}: {} {}",
            ev.user.username,
            i.username,
            ev.verb,
            target(ev)
        );
        let sev = if i.in_group("system:masters") {
            Severity::Critical
        } else {
            Severity::Medium
        };
        hits.push(Hit::new(msg).severity(sev));
    } else if ev.verb == "impersonate" {
        let msg = format!("{} impersonate {}", ev.user.username, target(ev));
        if took_effect(ev) {
            hits.push(Hit::new(msg));
        } else {
            hits.push(Hit::new(format!("{msg} — attempt, {}", failure(ev))).attempt(Severity::Low));
        }
    }
}
