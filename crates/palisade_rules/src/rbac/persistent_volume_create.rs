//! RBAC013: role grants create on PersistentVolumes.

use super::common::risk_hits;
use palisade_core::{Check, InvCtx, InvHit, Reference};
use palisade_rbac::RiskKind;

declare_rule! {
    /// ## What it does
    /// Flags role rules written in the input (and bindings of built-in roles) that allow `create`
    /// on `persistentvolumes`.
    ///
    /// ## Why is this bad?
    /// A PersistentVolume can be a `hostPath` volume: whoever creates one and claims it mounts any
    /// directory of a node (the kubelet's credentials, the container runtime socket) into a pod,
    /// even where Pod Security admission forbids hostPath volumes in pods.
    ///
    /// ## Example
    /// ```yaml
    /// rules:
    ///   - apiGroups: [""]
    ///     resources: ["persistentvolumes"]
    ///     verbs: ["create"]
    /// ```
    ///
    /// ## Fix
    /// ```yaml
    /// rules:
    ///   - apiGroups: [""]
    ///     resources: ["persistentvolumeclaims"]
    ///     verbs: ["create"]
    /// ```
    pub static PERSISTENT_VOLUME_CREATE = {
        code: "RBAC013",
        name: "rbac-persistent-volume-create",
        severity: Medium,
        group: "rbac",
        summary: "Role grants create on PersistentVolumes",
        remediation: "Let users claim storage through PersistentVolumeClaims and StorageClasses; do not let them create PersistentVolumes.",
        references: [
            Reference::Cis("5.1.9"),
            Reference::Mitre("T1611"),
            Reference::Nsa("Authentication and authorization: least privilege"),
        ],
        check: Check::Inventory {
            reads: palisade_rbac::READS,
            check,
        },
    }
}

fn check(ctx: &InvCtx<'_>, hits: &mut Vec<InvHit>) {
    risk_hits(ctx, RiskKind::PersistentVolumeCreate, hits);
}
