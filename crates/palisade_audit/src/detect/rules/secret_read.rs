//! AUD003: Secrets read or listed by a person, or by a ServiceAccount not allowed to.

use crate::detect::common::{actor, authz_denied, failure, glob, resource, took_effect};
use crate::detect::{AuditCheck, Ctx, Hit};
use palisade_core::{Reference, Severity};

declare_audit_rule! {
    /// ## What it does
    /// Flags `get`, `list` and `watch` of Secrets by people (users whose name does not start
    /// with `system:`) and by ServiceAccounts that are not in the allowlist
    /// `allowedServiceAccounts` (`NAMESPACE:NAME` globs; default `kube-system:*`, the
    /// controllers). The identity judged is the one the request acted as (the impersonated
    /// user when there is one). Nodes, the API server and the controller manager read Secrets
    /// for the pods they run and are not reported. A denied request is reported as an attempt,
    /// at low severity: it is a probe for credentials.
    ///
    /// Options: `allowedServiceAccounts: ["monitoring:vault-agent", "ci:*"]`.
    ///
    /// ## Why is this bad?
    /// Secrets hold passwords, API keys and ServiceAccount tokens; `list` and `watch` return
    /// every value in full. Reading them is the first step of credential theft in a cluster.
    ///
    /// ## Example
    /// ```text
    /// kubectl get secrets -n shop -o yaml
    /// ```
    ///
    /// ## Fix
    /// Remove Secret read access from people and from workloads that do not need it; mount the
    /// one Secret a workload needs instead of granting `list`.
    pub static SECRET_READ = {
        code: "AUD003",
        name: "audit-secret-read",
        severity: Medium,
        summary: "Secrets were read or listed by a person or an unexpected ServiceAccount",
        remediation: "Remove get/list/watch on secrets from people and from ServiceAccounts that do not need them.",
        references: [Reference::Mitre("T1552.007"), Reference::Mitre("T1528")],
        check: AuditCheck::Event(check),
    }
}

fn check(ctx: &Ctx<'_, '_>, hits: &mut Vec<Hit>) {
    let ev = ctx.ev;
    let (res, sub, group) = resource(ev);
    if res != "secrets" || !sub.is_empty() || !group.is_empty() {
        return;
    }
    if !matches!(ev.verb.as_ref(), "get" | "list" | "watch") {
        return;
    }
    let user = ev.effective_user();
    let who = match user.service_account() {
        Some((ns, name)) => {
            let id = format!("{ns}:{name}");
            let allowed = ctx
                .opts
                .strings("allowedServiceAccounts")
                .unwrap_or_else(|| vec!["kube-system:*".into()]);
            if allowed.iter().any(|p| glob(p, &id)) {
                return;
            }
            "ServiceAccount"
        }
        None if user.username.starts_with("system:") => return,
        None => "user",
    };
    let o = ev.object_ref.as_ref();
    let ns = o.map_or("", |o| o.namespace.as_ref());
    let name = o.map_or("", |o| o.name.as_ref());
    let what = match (ev.verb.as_ref(), name) {
        ("get", n) => format!("read Secret {ns}/{n}"),
        (v, "") if ns.is_empty() => format!("{v}ed the Secrets of every namespace"),
        (v, "") => format!("{v}ed the Secrets of namespace {ns}"),
        (v, n) => format!("{v}ed Secret {ns}/{n}"),
    };
    let msg = format!("{who} {} {what}", actor(ev));
    if took_effect(ev) {
        hits.push(Hit::new(msg));
    } else if authz_denied(ev) {
        hits.push(Hit::new(format!("{msg} — attempt, {}", failure(ev))).attempt(Severity::Low));
    }
}
