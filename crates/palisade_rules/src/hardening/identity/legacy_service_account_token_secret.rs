//! HRD043: legacy long-lived ServiceAccount token Secrets.

use palisade_core::kinds::known;
use palisade_core::{Check, FieldPath, Hit, Node, ObjCtx, Reference};

declare_rule! {
    /// ## What it does
    /// Flags Secrets (core group) of `type: kubernetes.io/service-account-token`: the legacy
    /// way of getting a ServiceAccount token, which the token controller fills with a token
    /// that never expires. The message names the ServiceAccount from the
    /// `kubernetes.io/service-account.name` annotation.
    ///
    /// ## Why is this bad?
    /// The token in such a Secret has no expiry and no audience, is not bound to a pod, and
    /// stays valid until the Secret (or the ServiceAccount) is deleted. It is readable by
    /// anyone who can read Secrets in the namespace and ends up copied into CI systems,
    /// kubeconfigs and laptops. A leaked copy gives an attacker the ServiceAccount's
    /// permissions indefinitely: MITRE ATT&CK T1528 "Steal Application Access Token".
    /// Since Kubernetes 1.24 these Secrets are no longer created automatically, and
    /// clusters clean up unused ones.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: v1
    /// kind: Secret
    /// metadata:
    ///   name: ci-deployer-token
    ///   annotations:
    ///     kubernetes.io/service-account.name: ci-deployer
    /// type: kubernetes.io/service-account-token
    /// ```
    ///
    /// ## Fix
    /// ```yaml
    /// # In pods: the default projected, auto-rotated token (or an explicit projected volume):
    /// volumes:
    ///   - name: api-token
    ///     projected:
    ///       sources:
    ///         - serviceAccountToken: {path: token, expirationSeconds: 3600, audience: deployer}
    /// ```
    /// Delete the Secret. Pods get short-lived, bound tokens through projected volumes;
    /// external clients request one with `kubectl create token` / the TokenRequest API, or
    /// use workload identity federation.
    pub static LEGACY_SERVICE_ACCOUNT_TOKEN_SECRET = {
        code: "HRD043",
        name: "legacy-service-account-token-secret",
        severity: Medium,
        group: "hardening",
        summary: "Secret holds a legacy, non-expiring ServiceAccount token",
        remediation: "Delete the kubernetes.io/service-account-token Secret; use short-lived tokens from projected \
                      volumes or the TokenRequest API (kubectl create token) instead.",
        references: [
            Reference::Nsa("Authentication and authorization: use short-lived credentials"),
            Reference::Mitre("T1528"),
        ],
        check: Check::Object { kinds: &[known::SECRET], check },
    }
}

fn check(ctx: &ObjCtx<'_>, hits: &mut Vec<Hit>) {
    let obj = ctx.obj;
    if !obj.group().is_empty()
        || obj.root.get("type").and_then(Node::as_str) != Some("kubernetes.io/service-account-token")
    {
        return;
    }
    let sa = obj
        .root
        .at(&["metadata", "annotations", "kubernetes.io/service-account.name"])
        .and_then(Node::as_str)
        .filter(|s| !s.is_empty());
    let whose = match sa {
        Some(sa) => format!("a non-expiring token of ServiceAccount {sa:?}"),
        None => "a non-expiring ServiceAccount token (no kubernetes.io/service-account.name annotation)"
            .to_owned(),
    };
    hits.push(Hit::new(
        FieldPath::root().key("type"),
        format!(
            "Secret {:?} is of type kubernetes.io/service-account-token: it holds {whose}",
            obj.name
        ),
    ));
}
