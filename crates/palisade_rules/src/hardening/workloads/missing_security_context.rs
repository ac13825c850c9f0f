//! HRD034: pods with no security context at all.

use super::common::is_fragment;
use palisade_core::{Check, Hit, Node, PodCtx, Reference};

declare_rule! {
    /// ## What it does
    /// Flags pods (templates) where neither `spec.securityContext` nor any container's
    /// `securityContext` (init and ephemeral containers included) sets anything: each is
    /// absent, null, empty (`{}`) or not a mapping. One finding per pod, on
    /// `spec.securityContext`. The more specific rules (`allow-privilege-escalation`,
    /// `capabilities-drop-all`, `seccomp-unconfined`, ...) say what to set. Templates whose
    /// containers all lack an `image` (fragments such as kustomize patches or operator
    /// overrides) are skipped.
    ///
    /// ## Why is this bad?
    /// Such a pod runs with every default: as whatever user the image chose (often root),
    /// with privilege escalation allowed, the runtime's default capabilities, a writable
    /// root filesystem and, on most clusters, no seccomp profile. Nobody has considered its
    /// privileges, and an attacker who gets code execution in it (a vulnerable
    /// dependency, a malicious image) starts from the strongest position a non-privileged
    /// container offers: MITRE ATT&CK T1611 "Escape to Host", T1068 "Exploitation for
    /// Privilege Escalation".
    ///
    /// ## Example
    /// ```yaml
    /// spec:
    ///   containers:
    ///     - name: app
    ///       image: registry.example.com/app:1.4.2
    /// ```
    ///
    /// ## Fix
    /// ```yaml
    /// spec:
    ///   securityContext:
    ///     runAsNonRoot: true
    ///     seccompProfile: {type: RuntimeDefault}
    ///   containers:
    ///     - name: app
    ///       image: registry.example.com/app:1.4.2
    ///       securityContext:
    ///         allowPrivilegeEscalation: false
    ///         readOnlyRootFilesystem: true
    ///         capabilities: {drop: [ALL]}
    /// ```
    /// Start from the restricted Pod Security Standard's settings.
    pub static MISSING_SECURITY_CONTEXT = {
        code: "HRD034",
        name: "missing-security-context",
        severity: Low,
        group: "hardening",
        summary: "Pod and its containers set no securityContext at all",
        remediation: "Add a pod securityContext (runAsNonRoot, seccompProfile) and container securityContexts (allowPrivilegeEscalation: false, drop ALL, readOnlyRootFilesystem).",
        references: [
            Reference::Cis("5.6.3"),
            Reference::Nsa("Pod security: use security contexts"),
            Reference::Mitre("T1611"),
            Reference::Mitre("T1068"),
            Reference::Checkov("CKV_K8S_29"),
        ],
        check: Check::Pod { reads: &[], check },
    }
}

/// Whether `n` has a non-empty `securityContext` mapping.
fn has_context(n: &Node) -> bool {
    n.get("securityContext")
        .and_then(Node::as_map)
        .is_some_and(|m| m.iter().any(|e| !e.value.is_null()))
}

fn check(ctx: &PodCtx<'_>, hits: &mut Vec<Hit>) {
    let containers = ctx.containers();
    if has_context(ctx.spec())
        || containers.iter().any(|c| has_context(c.node))
        || containers.iter().all(is_fragment)
    {
        return;
    }
    hits.push(Hit::new(
        ctx.spec_path(&["securityContext"]),
        "neither the pod nor any of its containers sets a securityContext: everything runs with the permissive defaults",
    ));
}
