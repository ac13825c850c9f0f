//! AUD021: a request from a user outside the configured allowlist (Falco's "Disallowed K8s
//! User"), once per user per window.

use crate::detect::common::{glob, target, window_option, Throttle};
use crate::detect::{AuditCheck, Ctx, Hit, StatefulCheck};
use palisade_core::{Reference, RuleOptions};

declare_audit_rule! {
    /// ## What it does
    /// With `allowedUsers` set (globs: `alice`, `system:serviceaccount:kube-system:*`,
    /// `system:node:*`), flags a request that authorization allowed from an authenticated user
    /// the list does not name. Each such user is reported at its first request and then once
    /// per `windowSeconds` (default 3600). Without `allowedUsers` the rule checks nothing.
    ///
    /// ## Why is this bad?
    /// In a cluster whose users are known (SSO groups, a few CI identities, the control
    /// plane), a new name is a stolen or forgotten credential, a new token issuer, or a
    /// client certificate nobody should have signed.
    ///
    /// ## Example
    /// ```yaml
    /// # .palisade.yaml
    /// rules:
    ///   audit-disallowed-user:
    ///     allowedUsers: [alice, bob, "system:*"]
    /// ```
    ///
    /// ## Fix
    /// Find where the credential came from (`palisade audit timeline --user NAME`), revoke it,
    /// or add the user to the list.
    pub static DISALLOWED_USER = {
        code: "AUD021",
        name: "audit-disallowed-user",
        severity: Medium,
        summary: "A user outside the allowed users made requests",
        remediation: "Revoke the credential, or add the user to allowedUsers.",
        references: [Reference::Mitre("T1078")],
        requires_option: "allowedUsers",
        check: AuditCheck::Stateful(new),
    }
}

struct Disallowed {
    allowed: Option<Vec<String>>,
    seen: Throttle<String>,
}

fn new(opts: &RuleOptions) -> Box<dyn StatefulCheck> {
    Box::new(Disallowed {
        allowed: opts.strings("allowedUsers"),
        seen: Throttle::new(window_option(opts, 3600)),
    })
}

impl StatefulCheck for Disallowed {
    fn event(&mut self, ctx: &Ctx<'_, '_>, hits: &mut Vec<Hit>) {
        let Some(allowed) = &self.allowed else { return };
        let ev = ctx.ev;
        let user = ev.user.username.as_ref();
        if ev.decision() == Some("forbid") || allowed.iter().any(|p| glob(p, user)) {
            return;
        }
        if !self.seen.due(user.to_owned(), ev.time()) {
            return;
        }
        hits.push(Hit::new(format!(
            "user {user} is not in allowedUsers: {} {} (further requests within the window are not reported)",
            ev.verb,
            target(ev)
        )));
    }
}
