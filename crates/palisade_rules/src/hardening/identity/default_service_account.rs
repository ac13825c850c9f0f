//! HRD042: workloads running as the namespace's `default` ServiceAccount with its token.

use super::common::{automount, service_account, Automount};
use palisade_core::kinds::known;
use palisade_core::{Check, Hit, PodCtx, Reference};

declare_rule! {
    /// ## What it does
    /// Flags pod templates that run as the `default` ServiceAccount — named explicitly in
    /// `spec.serviceAccountName` (or the deprecated `spec.serviceAccount`), or implicitly
    /// because neither is set — while its token is mounted (see
    /// `service-account-token-automount` for how that is decided). A pod that uses `default`
    /// with the token disabled has no API identity at all and is not flagged.
    ///
    /// The finding is on the field naming `default`, or on the pod spec when the name is
    /// implicit.
    ///
    /// ## Why is this bad?
    /// Every pod in the namespace that names no ServiceAccount shares the `default`
    /// identity. Any permission granted to it — often added "temporarily" for one workload —
    /// is held by all of them, and an attacker who compromises the least important pod of
    /// the namespace steals a token that works for everything bound to `default`, with no
    /// way to tell the workloads apart in audit logs: MITRE ATT&CK T1078.001 "Valid
    /// Accounts: Default Accounts".
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: apps/v1
    /// kind: Deployment
    /// spec:
    ///   template:
    ///     spec:
    ///       containers:
    ///         - name: worker
    ///           image: registry.example.com/worker:3.0.1
    /// ```
    ///
    /// ## Fix
    /// ```yaml
    /// apiVersion: apps/v1
    /// kind: Deployment
    /// spec:
    ///   template:
    ///     spec:
    ///       serviceAccountName: worker      # a dedicated ServiceAccount with only what it needs
    ///       automountServiceAccountToken: false   # or no token at all if it never calls the API
    ///       containers:
    ///         - name: worker
    ///           image: registry.example.com/worker:3.0.1
    /// ```
    /// Give each workload that needs the API its own ServiceAccount; for the others, disable
    /// the token.
    pub static DEFAULT_SERVICE_ACCOUNT = {
        code: "HRD042",
        name: "default-service-account",
        severity: Low,
        group: "hardening",
        summary: "Workload runs as the default ServiceAccount with its token mounted",
        remediation: "Run the workload as a dedicated ServiceAccount, or set automountServiceAccountToken: false \
                      if it does not call the Kubernetes API.",
        references: [
            Reference::Cis("5.1.5"),
            Reference::Nsa("Pod security: protect service account tokens"),
            Reference::Mitre("T1078.001"),
        ],
        check: Check::Pod {
            reads: &[known::SERVICE_ACCOUNT],
            check,
        },
    }
}

fn check(ctx: &PodCtx<'_>, hits: &mut Vec<Hit>) {
    let sa = service_account(ctx);
    if sa.name != "default" {
        return;
    }
    let mode = automount(ctx, sa.name);
    if !mode.mounted() {
        return;
    }
    let how = match sa.field {
        Some(field) => ["pod sets ", field, ": default"].concat(),
        None => "pod sets no serviceAccountName, so it runs as ServiceAccount \"default\"".to_owned(),
    };
    let token = match mode {
        Automount::PodTrue { .. } => "the pod mounts its token (automountServiceAccountToken: true)",
        Automount::SaTrue => "its token is mounted (the ServiceAccount sets automountServiceAccountToken: true)",
        Automount::SaMissing => "its token is mounted unless that ServiceAccount, not among the scanned objects, disables automount",
        _ => "its token is mounted (automountServiceAccountToken is not set to false)",
    };
    hits.push(Hit::new(
        sa.path,
        [
            &*how,
            ", an identity shared by every pod of the namespace that names no ServiceAccount, and ",
            token,
        ]
        .concat(),
    ));
}
