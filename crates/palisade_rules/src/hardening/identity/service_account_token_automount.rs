//! HRD040: the ServiceAccount token is mounted into a pod that does not need the API.

use super::common::{automount, listed, sa_automount, service_account, Automount};
use palisade_core::kinds::known;
use palisade_core::{Check, Hit, Msg, PodCtx, Reference};

declare_rule! {
    /// ## What it does
    /// Flags pod templates (Pods, controllers, custom resources with a pod template) into
    /// which Kubernetes mounts a ServiceAccount token, using the API server's rules:
    /// `spec.automountServiceAccountToken`, when set, wins; otherwise the
    /// `automountServiceAccountToken` of the pod's ServiceAccount (`spec.serviceAccountName`,
    /// else the deprecated `spec.serviceAccount`, else `default`) decides; unset on both
    /// means the token is mounted. The ServiceAccount is looked up among the scanned objects
    /// (same namespace, or without a namespace); the message says whether it was found and
    /// what it sets.
    ///
    /// The finding is on `spec.automountServiceAccountToken` when the pod sets `true`, else on
    /// the pod spec. ServiceAccounts listed in the option `allowAutomount` (names, or
    /// `namespace/name`) are for workloads that call the Kubernetes API (operators,
    /// controllers) and are not flagged.
    ///
    /// ## Why is this bad?
    /// Every container of the pod gets a bearer token for the API server at
    /// `/var/run/secrets/kubernetes.io/serviceaccount/token`. An attacker who gets code
    /// execution or a file read in any container (an RCE, a path traversal, an SSRF to a
    /// file URL) reads it and talks to the API server with the ServiceAccount's permissions —
    /// listing Secrets, creating pods — from inside or, with the token, from anywhere that
    /// reaches the API: MITRE ATT&CK T1528 "Steal Application Access Token". Most
    /// applications never call the API and should not carry the token at all.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: apps/v1
    /// kind: Deployment
    /// spec:
    ///   template:
    ///     spec:
    ///       serviceAccountName: web
    ///       containers:
    ///         - name: web
    ///           image: registry.example.com/web:2.1.0
    /// ```
    ///
    /// ## Fix
    /// ```yaml
    /// apiVersion: apps/v1
    /// kind: Deployment
    /// spec:
    ///   template:
    ///     spec:
    ///       serviceAccountName: web
    ///       automountServiceAccountToken: false
    ///       containers:
    ///         - name: web
    ///           image: registry.example.com/web:2.1.0
    /// ```
    /// Set `automountServiceAccountToken: false` on the pod (or on a ServiceAccount used only
    /// by workloads that do not need the API). Workloads that call the API keep the token:
    /// list their ServiceAccount in `allowAutomount`.
    pub static SERVICE_ACCOUNT_TOKEN_AUTOMOUNT = {
        code: "HRD040",
        name: "service-account-token-automount",
        severity: Medium,
        group: "hardening",
        summary: "ServiceAccount token is mounted into the pod",
        remediation: "Set automountServiceAccountToken: false on the pod (or its ServiceAccount) unless the \
                      workload calls the Kubernetes API; list API clients in the allowAutomount option.",
        references: [
            Reference::Cis("5.1.6"),
            Reference::Nsa("Pod security: protect service account tokens"),
            Reference::Mitre("T1528"),
            Reference::Checkov("CKV_K8S_38"),
            Reference::Trivy("KSV036"),
        ],
        check: Check::Pod {
            reads: &[known::SERVICE_ACCOUNT],
            check,
        },
    }
}

fn check(ctx: &PodCtx<'_>, hits: &mut Vec<Hit>) {
    let sa = service_account(ctx);
    let allow = ctx.opts.strings("allowAutomount").unwrap_or_default();
    if listed(&allow, ctx.namespace(), sa.name) {
        return;
    }
    let who = if sa.field.is_some() {
        Msg::new().s("ServiceAccount ").q(sa.name).done()
    } else {
        "ServiceAccount \"default\" (no serviceAccountName set)".to_owned()
    };
    let field = ctx.spec_path(&["automountServiceAccountToken"]);
    let message = match automount(ctx, sa.name) {
        Automount::PodFalse | Automount::SaFalse => return,
        Automount::PodTrue { sa: found } => {
            let sa_says = match found.map(sa_automount) {
                Some(Some(false)) => "; it overrides the ServiceAccount, which sets false",
                Some(Some(true)) => "; the ServiceAccount sets true as well",
                Some(None) => "; the ServiceAccount does not set it",
                None => "; the ServiceAccount is not among the scanned objects",
            };
            format!("pod sets automountServiceAccountToken: true: the token of {who} is mounted into every container{sa_says}")
        }
        Automount::SaTrue => format!(
            "pod does not set automountServiceAccountToken and {who} sets it to true: the token is mounted into every container"
        ),
        Automount::SaUnset => format!(
            "neither the pod nor {who} sets automountServiceAccountToken: the token is mounted into every container"
        ),
        Automount::SaMissing => format!(
            "pod does not set automountServiceAccountToken and {who} is not among the scanned objects: \
             the token is mounted unless that ServiceAccount sets automountServiceAccountToken: false"
        ),
    };
    hits.push(Hit::new(field, message));
}
