//! AUD024: administrative access by a user outside the allowed administrators (Falco's "Full
//! K8s Administrative Access"), once per user per window.

use crate::detect::common::{glob, target, window_option, Throttle};
use crate::detect::{AuditCheck, Ctx, Hit, StatefulCheck};
use palisade_core::{Reference, RuleOptions};

declare_audit_rule! {
    /// ## What it does
    /// With `allowedAdmins` set (globs), flags a request allowed with administrative power —
    /// authorization's reason names the ClusterRole `cluster-admin`, or the requester (real or
    /// impersonated) is in `system:masters` — by a user the list does not name. Each user is
    /// reported at its first such request and then once per `windowSeconds` (default 3600).
    /// The control plane's own identities (`system:apiserver`, the controller manager, the
    /// scheduler, `kube-system` controllers) are not reported. Without `allowedAdmins` the
    /// rule checks nothing.
    ///
    /// ## Why is this bad?
    /// Administrative access is a handful of people and break-glass accounts; anyone else
    /// using it holds a credential or binding they should not.
    ///
    /// ## Example
    /// ```yaml
    /// rules:
    ///   audit-admin-access:
    ///     allowedAdmins: [kubernetes-admin, breakglass]
    /// ```
    ///
    /// ## Fix
    /// Remove the binding or group membership that gave the access (`palisade rbac subject`),
    /// or add the user to the list.
    pub static ADMIN_ACCESS = {
        code: "AUD024",
        name: "audit-admin-access",
        severity: High,
        summary: "A user outside the allowed administrators used cluster-admin or system:masters",
        remediation: "Remove the binding or group that gave the access, or add the user to allowedAdmins.",
        references: [Reference::Mitre("T1078"), Reference::Cis("5.1.1")],
        requires_option: "allowedAdmins",
        check: AuditCheck::Stateful(new),
    }
}

struct Admin {
    allowed: Option<Vec<String>>,
    seen: Throttle<String>,
}

fn new(opts: &RuleOptions) -> Box<dyn StatefulCheck> {
    Box::new(Admin {
        allowed: opts.strings("allowedAdmins"),
        seen: Throttle::new(window_option(opts, 3600)),
    })
}

impl StatefulCheck for Admin {
    fn event(&mut self, ctx: &Ctx<'_, '_>, hits: &mut Vec<Hit>) {
        let Some(allowed) = &self.allowed else { return };
        let ev = ctx.ev;
        if ev.decision() == Some("forbid") || ctx.trusted_actor() {
            return;
        }
        let by_role = ev
            .authz_reason()
            .is_some_and(|r| r.contains("ClusterRole \"cluster-admin\""));
        let masters = ev.effective_user().in_group("system:masters");
        if !by_role && !masters {
            return;
        }
        let user = ev.effective_user().username.as_ref();
        let real = ev.user.username.as_ref();
        if allowed.iter().any(|p| glob(p, user) || glob(p, real)) {
            return;
        }
        if !self.seen.due(user.to_owned(), ev.time()) {
            return;
        }
        let how = if by_role {
            "ClusterRole cluster-admin"
        } else {
            "group system:masters"
        };
        hits.push(Hit::new(format!(
            "{user} used {how} and is not in allowedAdmins: {} {} (further requests within the window are not reported)",
            ev.verb,
            target(ev)
        )));
    }
}
