//! HRD041: ServiceAccounts that do not disable token automount.

use super::common::listed;
use palisade_core::kinds::known;
use palisade_core::{Check, FieldPath, Hit, Node, ObjCtx, Reference};

declare_rule! {
    /// ## What it does
    /// Flags ServiceAccount objects (core group) that do not set
    /// `automountServiceAccountToken: false`: the field absent, null, of the wrong type, or
    /// `true`. The `default` ServiceAccount of a namespace is called out in the message
    /// (CIS 5.1.5). ServiceAccounts listed in the option `allowAutomount` (names, or
    /// `namespace/name`) are for workloads that call the API and are not flagged.
    ///
    /// This is the ServiceAccount side of `service-account-token-automount`: a pod's own
    /// `automountServiceAccountToken` wins over the ServiceAccount's, so a pod can still opt
    /// in with `true` when it needs the API, and pods that set `false` are safe either way.
    ///
    /// ## Why is this bad?
    /// Every pod using the ServiceAccount that does not opt out gets an API token mounted
    /// in all its containers. Setting `false` on the ServiceAccount makes "no token" the
    /// default for everything that runs as it — in particular the `default` ServiceAccount,
    /// which every pod without `serviceAccountName` uses. A compromised container then has no
    /// token to steal: MITRE ATT&CK T1528 "Steal Application Access Token".
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: v1
    /// kind: ServiceAccount
    /// metadata:
    ///   name: default
    ///   namespace: shop
    /// ```
    ///
    /// ## Fix
    /// ```yaml
    /// apiVersion: v1
    /// kind: ServiceAccount
    /// metadata:
    ///   name: default
    ///   namespace: shop
    /// automountServiceAccountToken: false
    /// ```
    /// Disable automount on the ServiceAccount; pods that need the API set
    /// `automountServiceAccountToken: true` themselves.
    pub static SERVICE_ACCOUNT_AUTOMOUNT_ENABLED = {
        code: "HRD041",
        name: "service-account-automount-enabled",
        severity: Low,
        group: "hardening",
        summary: "ServiceAccount does not disable token automount",
        remediation: "Set automountServiceAccountToken: false on the ServiceAccount; pods that need the API \
                      can opt in with automountServiceAccountToken: true.",
        references: [
            Reference::Cis("5.1.5"),
            Reference::Cis("5.1.6"),
            Reference::Nsa("Pod security: protect service account tokens"),
            Reference::Mitre("T1528"),
            Reference::Checkov("CKV_K8S_41"),
        ],
        check: Check::Object { kinds: &[known::SERVICE_ACCOUNT], check },
    }
}

fn check(ctx: &ObjCtx<'_>, hits: &mut Vec<Hit>) {
    let obj = ctx.obj;
    if !obj.group().is_empty() {
        return;
    }
    let ns = obj.namespace.as_deref().unwrap_or("default");
    let allow = ctx.opts.strings("allowAutomount").unwrap_or_default();
    if listed(&allow, ns, &obj.name) {
        return;
    }
    let field = obj.root.get("automountServiceAccountToken");
    let what = if obj.name == "default" {
        format!(
            "the default ServiceAccount of namespace {ns:?}, used by every pod that names no ServiceAccount,"
        )
    } else {
        format!("ServiceAccount {:?}", obj.name)
    };
    let message = match field.and_then(Node::as_bool) {
        Some(false) => return,
        Some(true) => format!(
            "{what} sets automountServiceAccountToken: true: its token is mounted into every pod that does not opt out"
        ),
        None => format!(
            "{what} does not set automountServiceAccountToken: false: its token is mounted into every pod that does not opt out"
        ),
    };
    hits.push(Hit::new(
        FieldPath::root().key("automountServiceAccountToken"),
        message,
    ));
}
