//! AUD012: a CertificateSigningRequest was created by something other than a node.

use crate::detect::common::{actor, resource, took_effect};
use crate::detect::{AuditCheck, Ctx, Hit};
use palisade_core::Reference;

declare_audit_rule! {
    /// ## What it does
    /// Flags `create` of CertificateSigningRequests that took effect, by anyone but nodes and
    /// node bootstrap (users `system:node:*`, groups `system:nodes` and `system:bootstrappers`)
    /// and the control plane (option `trustedUsers` adds identities), with the signer when the
    /// request body is logged.
    ///
    /// ## Why is this bad?
    /// Outside node bootstrap and certificate rotation, CSRs are rare; one made by a person or
    /// a workload is often the first half of minting a client certificate for another
    /// identity (see `audit-csr-approval`).
    ///
    /// ## Example
    /// ```text
    /// kubectl apply -f csr.yaml   # signerName: kubernetes.io/kube-apiserver-client
    /// ```
    ///
    /// ## Fix
    /// Find out who needs the certificate and why; deny the CSR unless expected.
    pub static CSR_CREATED = {
        code: "AUD012",
        name: "audit-csr-created",
        severity: Medium,
        summary: "A certificate signing request was created by something other than a node",
        remediation: "Deny the CSR unless it is expected; restrict create on certificatesigningrequests.",
        references: [Reference::Mitre("T1649")],
        check: AuditCheck::Event(check),
    }
}

fn check(ctx: &Ctx<'_, '_>, hits: &mut Vec<Hit>) {
    let ev = ctx.ev;
    let (res, sub, group) = resource(ev);
    if res != "certificatesigningrequests" || !sub.is_empty() || group != "certificates.k8s.io" {
        return;
    }
    if ev.verb != "create" || !took_effect(ev) || ctx.trusted_actor() {
        return;
    }
    let u = ev.effective_user();
    if (u.username.starts_with("system:node:") && u.in_group("system:nodes"))
        || u.in_group("system:bootstrappers")
    {
        return;
    }
    let body = ctx.written_object();
    let name = crate::detect::common::object_name(ev, body);
    let signer = body
        .and_then(|b| b.pointer("/spec/signerName"))
        .and_then(serde_json::Value::as_str)
        .map(|s| format!(" (signer {s})"))
        .unwrap_or_default();
    hits.push(Hit::new(format!(
        "{} created CertificateSigningRequest {name}{signer}",
        actor(ev)
    )));
}
