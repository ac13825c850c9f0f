//! HRD067: Namespaces that enforce the `privileged` Pod Security level.

use super::common::flag_namespace_enforce;
use palisade_core::kinds::known;
use palisade_core::{Check, Hit, ObjCtx, Reference};

declare_rule! {
    /// ## What it does
    /// Flags `Namespace` objects (core group) labelled
    /// `pod-security.kubernetes.io/enforce: privileged`. Level names are case-sensitive:
    /// `Privileged` is invalid and fails closed to `restricted`, so it is not flagged.
    ///
    /// `kube-system` is skipped: it runs the cluster's privileged node agents by design.
    /// Other namespaces dedicated to such agents (CNI, CSI node plugins, runtime security
    /// sensors) legitimately need `privileged`; record them as exceptions.
    ///
    /// ## Why is this bad?
    /// `privileged` switches Pod Security Admission off for the namespace, overriding a
    /// stricter cluster default. Anyone who may create pods there — or who compromises a
    /// controller or CI identity that can — can run a privileged container with host
    /// namespaces and host mounts and take over the node: MITRE ATT&CK T1610 "Deploy
    /// Container" leading to T1611 "Escape to Host".
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: v1
    /// kind: Namespace
    /// metadata:
    ///   name: shop
    ///   labels:
    ///     pod-security.kubernetes.io/enforce: privileged
    /// ```
    ///
    /// ## Fix
    /// ```yaml
    /// apiVersion: v1
    /// kind: Namespace
    /// metadata:
    ///   name: shop
    ///   labels:
    ///     pod-security.kubernetes.io/enforce: baseline
    ///     pod-security.kubernetes.io/warn: restricted
    /// ```
    /// Enforce `baseline` or `restricted`; move the few pods that need host access into a
    /// small dedicated namespace.
    pub static NAMESPACE_POD_SECURITY_PRIVILEGED = {
        code: "HRD067",
        name: "namespace-pod-security-privileged",
        severity: Medium,
        group: "hardening",
        summary: "Namespace enforces the privileged Pod Security level (no restrictions)",
        remediation: "Enforce the baseline or restricted level; keep privileged pods in a small dedicated namespace.",
        references: [
            Reference::Cis("5.2.1"),
            Reference::Nsa("Pod security: enforce pod security at admission"),
            Reference::Mitre("T1610"),
            Reference::Mitre("T1611"),
        ],
        check: Check::Object { kinds: &[known::NAMESPACE], check },
    }
}

fn check(ctx: &ObjCtx<'_>, hits: &mut Vec<Hit>) {
    let name = &ctx.obj.name;
    flag_namespace_enforce(ctx.obj, hits, |enforce| {
        (enforce == Some("privileged")).then(|| {
            format!(
                "Namespace {name:?} enforces Pod Security level \"privileged\": any pod is admitted, including \
                 privileged containers with host namespaces"
            )
        })
    });
}
