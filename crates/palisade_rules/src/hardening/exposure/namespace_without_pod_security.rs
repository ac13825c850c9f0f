//! HRD066: Namespaces without a Pod Security Admission enforce label.

use super::common::{flag_namespace_enforce, PSA_ENFORCE};
use palisade_core::kinds::known;
use palisade_core::{Check, Hit, ObjCtx, Reference};

declare_rule! {
    /// ## What it does
    /// Flags `Namespace` objects (core group) without a string
    /// `metadata.labels["pod-security.kubernetes.io/enforce"]`. Any string value counts as
    /// enforcing: an invalid level fails closed to `restricted`. `warn` and `audit` labels
    /// alone do not count, because they never reject a pod; the message mentions them.
    ///
    /// `kube-system` is skipped: it runs the cluster's privileged node agents and is
    /// normally exempted in the API server's PodSecurity admission configuration. If your
    /// API server sets a cluster-wide `defaults.enforce` level (AdmissionConfiguration), or
    /// another admission controller (Kyverno, Gatekeeper) enforces pod security, the
    /// unlabelled namespaces are covered and this rule can be disabled.
    ///
    /// ## Why is this bad?
    /// Pod Security Admission enforces nothing in an unlabelled namespace unless the
    /// cluster default says otherwise, and the built-in default is `privileged`. Anyone who
    /// may create a pod there (directly or through a Deployment, Job or CI pipeline) can
    /// start a privileged container with the host's PID namespace or root filesystem
    /// mounted and take over the node — MITRE ATT&CK T1610 "Deploy Container" leading to
    /// T1611 "Escape to Host".
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: v1
    /// kind: Namespace
    /// metadata:
    ///   name: shop
    /// ```
    ///
    /// ## Fix
    /// ```yaml
    /// apiVersion: v1
    /// kind: Namespace
    /// metadata:
    ///   name: shop
    ///   labels:
    ///     pod-security.kubernetes.io/enforce: restricted
    ///     pod-security.kubernetes.io/enforce-version: latest
    /// ```
    /// Enforce `restricted` (or at least `baseline`) in every application namespace.
    pub static NAMESPACE_WITHOUT_POD_SECURITY = {
        code: "HRD066",
        name: "namespace-without-pod-security",
        severity: Medium,
        group: "hardening",
        summary: "Namespace does not enforce a Pod Security Standards level",
        remediation: "Label the Namespace pod-security.kubernetes.io/enforce: restricted (or baseline).",
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
    let obj = ctx.obj;
    flag_namespace_enforce(obj, hits, |enforce| {
        if enforce.is_some() {
            return None;
        }
        let others: Vec<String> = ["warn", "audit"]
            .iter()
            .filter_map(|mode| {
                obj.label(&format!("pod-security.kubernetes.io/{mode}"))
                    .map(|level| format!("{mode}s at {level:?}"))
            })
            .collect();
        let extra = if others.is_empty() {
            String::new()
        } else {
            format!(" (it only {})", others.join(" and "))
        };
        Some(format!(
            "Namespace {:?} has no {PSA_ENFORCE} label{extra}: Pod Security Admission admits any pod unless \
             the cluster default is stricter",
            obj.name
        ))
    });
}
