//! AUD011: a CertificateSigningRequest was approved by someone other than the control plane.

use crate::detect::common::{actor, resource, took_effect};
use crate::detect::{AuditCheck, Ctx, Hit};
use palisade_core::Reference;

declare_audit_rule! {
    /// ## What it does
    /// Flags `update` and `patch` on `certificatesigningrequests/approval` that took effect
    /// (`kubectl certificate approve`), except by the controller manager's CSR approver (the
    /// control-plane identities; option `trustedUsers` adds others), with the signer when the
    /// request body is logged.
    ///
    /// ## Why is this bad?
    /// An approved CSR for the `kubernetes.io/kube-apiserver-client` signer is a client
    /// certificate for any user or group the requester chose, `system:masters` included, valid
    /// for a year and impossible to revoke.
    ///
    /// ## Example
    /// ```text
    /// kubectl certificate approve backdoor-csr
    /// ```
    ///
    /// ## Fix
    /// Grant CSR approval only to the controller manager; review every manual approval and the
    /// subject of the certificate it issued.
    pub static CSR_APPROVAL = {
        code: "AUD011",
        name: "audit-csr-approval",
        severity: High,
        summary: "A certificate signing request was approved by a person or an unexpected identity",
        remediation: "Restrict certificatesigningrequests/approval to the controller manager and review manual approvals.",
        references: [Reference::Cis("5.1.11"), Reference::Mitre("T1649")],
        check: AuditCheck::Event(check),
    }
}

fn check(ctx: &Ctx<'_, '_>, hits: &mut Vec<Hit>) {
    let ev = ctx.ev;
    let (res, sub, group) = resource(ev);
    if res != "certificatesigningrequests" || sub != "approval" || group != "certificates.k8s.io" {
        return;
    }
    if !matches!(ev.verb.as_ref(), "update" | "patch") || !took_effect(ev) || ctx.trusted_actor() {
        return;
    }
    let name = ev.object_ref.as_ref().map_or("", |o| o.name.as_ref());
    let body = ctx.written_object();
    let approved = body
        .and_then(|b| b.pointer("/status/conditions"))
        .and_then(serde_json::Value::as_array)
        .map(|c| {
            c.iter()
                .any(|c| c.get("type").and_then(serde_json::Value::as_str) == Some("Approved"))
        });
    if approved == Some(false) {
        // A denial of the CSR (`kubectl certificate deny`) is not an approval.
        return;
    }
    let signer = body
        .and_then(|b| b.pointer("/spec/signerName"))
        .and_then(serde_json::Value::as_str)
        .map(|s| format!(" (signer {s})"))
        .unwrap_or_default();
    hits.push(Hit::new(format!(
        "{} approved CertificateSigningRequest {name}{signer}",
        actor(ev)
    )));
}
