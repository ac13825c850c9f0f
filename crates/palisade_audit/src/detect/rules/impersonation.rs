//! AUD009: a request impersonated another identity (reported once per pair of identities
//! per window).

use crate::detect::common::{failure, target, took_effect, window_option, Throttle};
use crate::detect::{AuditCheck, Ctx, Hit, StatefulCheck};
use palisade_core::{Reference, RuleOptions, Severity};

declare_audit_rule! {
    /// ## What it does
    /// Flags requests made with impersonation (the event has `impersonatedUser`: the
    /// `Impersonate-User`/`Impersonate-Group` headers, `kubectl --as`), and `impersonate`
    /// requests themselves (the API server's check of the right to impersonate, logged when it
    /// is denied). A denied impersonation is reported as an attempt, at low severity.
    ///
    /// One identity acting as another is reported at its first request and then once per
    /// `windowSeconds` (default 3600) — a proxy or an administrator using `kubectl --as` makes
    /// every request an impersonated one. `palisade audit timeline --impersonator USER` lists
    /// them all.
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
        check: AuditCheck::Stateful(new),
    }
}

struct Impersonation {
    /// (real user, acted as, groups, verb impersonate that took effect?).
    seen: Throttle<(String, String, String, bool)>,
}

fn new(opts: &RuleOptions) -> Box<dyn StatefulCheck> {
    Box::new(Impersonation {
        seen: Throttle::new(window_option(opts, 3600)),
    })
}

impl StatefulCheck for Impersonation {
    fn event(&mut self, ctx: &Ctx<'_, '_>, hits: &mut Vec<Hit>) {
        let ev = ctx.ev;
        if let Some(i) = &ev.impersonated_user {
            let groups: Vec<&str> = i.groups.iter().map(|g| g.as_ref()).collect();
            let key = (
                ev.user.username.to_string(),
                i.username.to_string(),
                groups.join(","),
                false,
            );
            if !self.seen.due(key, ev.time()) {
                return;
            }
            let groups = if groups.is_empty() {
                String::new()
            } else {
                format!(" (groups {})", groups.join(", "))
            };
            let msg = format!(
                "{} acted as {}{groups}: {} {} (further requests as {} within the window are not reported)",
                ev.user.username,
                i.username,
                ev.verb,
                target(ev),
                i.username
            );
            let sev = if i.in_group("system:masters") {
                Severity::Critical
            } else {
                Severity::Medium
            };
            hits.push(Hit::new(msg).severity(sev));
        } else if ev.verb == "impersonate" {
            let key = (
                ev.user.username.to_string(),
                target(ev),
                String::new(),
                took_effect(ev),
            );
            if !self.seen.due(key, ev.time()) {
                return;
            }
            let msg = format!("{} impersonate {}", ev.user.username, target(ev));
            if took_effect(ev) {
                hits.push(Hit::new(msg));
            } else {
                hits.push(Hit::new(format!("{msg} — attempt, {}", failure(ev))).attempt(Severity::Low));
            }
        }
    }
}
