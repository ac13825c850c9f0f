//! Helpers shared by the identity rules: which ServiceAccount a pod runs as, whether its
//! token is mounted, and allow-lists of ServiceAccounts. Secret values are the business of
//! [`super::secret_detector`].

use palisade_core::{FieldPath, Node, Object, PodCtx};

// ---------------------------------------------------------------------------------------------
// ServiceAccounts and token automount
// ---------------------------------------------------------------------------------------------

/// The ServiceAccount a pod template runs as, and where that is said.
pub struct SaRef<'a> {
    pub name: &'a str,
    /// The field naming it (`serviceAccountName`, or the deprecated `serviceAccount`), or the
    /// path of the absent `serviceAccountName` when the name is implicit.
    pub path: FieldPath,
    /// `Some("serviceAccountName")` / `Some("serviceAccount")` when explicit, `None` when the
    /// admission controller fills in `default`.
    pub field: Option<&'static str>,
}

/// Kubernetes semantics: a non-empty `serviceAccountName` wins, else the deprecated
/// `serviceAccount`, else `default`.
pub fn service_account<'a>(ctx: &PodCtx<'a>) -> SaRef<'a> {
    for field in ["serviceAccountName", "serviceAccount"] {
        if let Some(name) = ctx
            .spec()
            .get(field)
            .and_then(Node::as_str)
            .filter(|s| !s.is_empty())
        {
            return SaRef {
                name,
                path: ctx.spec_path(&[field]),
                field: Some(field),
            };
        }
    }
    SaRef {
        name: "default",
        path: ctx.spec_path(&["serviceAccountName"]),
        field: None,
    }
}

/// Looks up the pod's ServiceAccount among the scanned objects. A manifest without a
/// namespace lands in the namespace it is applied to, so a ServiceAccount without
/// `metadata.namespace` in the same input is taken to be the same one.
pub fn find_service_account<'a>(ctx: &PodCtx<'a>, name: &str) -> Option<&'a Object> {
    ctx.inv
        .get("ServiceAccount", ctx.namespace(), name)
        .or_else(|| ctx.inv.get("ServiceAccount", "", name))
        .filter(|o| o.group().is_empty())
}

/// Where a pod's token automount decision comes from.
pub enum Automount<'a> {
    /// `spec.automountServiceAccountToken: false`.
    PodFalse,
    /// `spec.automountServiceAccountToken: true` (overrides the ServiceAccount).
    PodTrue { sa: Option<&'a Object> },
    /// The pod leaves it unset and the ServiceAccount sets false.
    SaFalse,
    /// The pod leaves it unset and the ServiceAccount sets true.
    SaTrue,
    /// The pod and the (found) ServiceAccount both leave it unset: mounted.
    SaUnset,
    /// The pod leaves it unset and the ServiceAccount is not among the scanned objects.
    SaMissing,
}

impl Automount<'_> {
    pub fn mounted(&self) -> bool {
        !matches!(self, Automount::PodFalse | Automount::SaFalse)
    }
}

/// The value of `automountServiceAccountToken` on a ServiceAccount object (wrong types are
/// unset).
pub fn sa_automount(sa: &Object) -> Option<bool> {
    sa.root
        .get("automountServiceAccountToken")
        .and_then(Node::as_bool)
}

/// The effective automount decision for a pod template: the pod field wins when set;
/// otherwise the ServiceAccount's field; unset on both means the token is mounted.
pub fn automount<'a>(ctx: &PodCtx<'a>, sa_name: &str) -> Automount<'a> {
    let sa = find_service_account(ctx, sa_name);
    match ctx
        .spec()
        .get("automountServiceAccountToken")
        .and_then(Node::as_bool)
    {
        Some(false) => Automount::PodFalse,
        Some(true) => Automount::PodTrue { sa },
        None => match sa {
            None => Automount::SaMissing,
            Some(sa) => match sa_automount(sa) {
                Some(false) => Automount::SaFalse,
                Some(true) => Automount::SaTrue,
                None => Automount::SaUnset,
            },
        },
    }
}

/// Whether `name` (a ServiceAccount in namespace `ns`) is listed in an `allowAutomount`-style
/// option: entries are `name` or `namespace/name`.
pub fn listed(list: &[String], ns: &str, name: &str) -> bool {
    list.iter().any(|e| match e.split_once('/') {
        Some((n, s)) => n == ns && s == name,
        None => e == name,
    })
}
