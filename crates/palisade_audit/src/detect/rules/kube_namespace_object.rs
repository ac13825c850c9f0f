//! AUD018: a pod or ServiceAccount was created in kube-system or kube-public.

use crate::detect::common::{actor, glob, images, object_name, took_effect};
use crate::detect::{AuditCheck, Ctx, Hit};
use palisade_core::Reference;

/// The registries of the control-plane images a cluster runs in kube-system.
const DEFAULT_TRUSTED_IMAGES: &[&str] = &["registry.k8s.io/*", "k8s.gcr.io/*"];

declare_audit_rule! {
    /// ## What it does
    /// Flags Pods created in `kube-system` or `kube-public` whose images are not all trusted
    /// (option `trustedImages`, globs; default `registry.k8s.io/*` and `k8s.gcr.io/*`, the
    /// control plane's own), whoever created them — a DaemonSet's controller included, since
    /// the pod runs either way; and ServiceAccounts created there by anyone but the control
    /// plane (option `trustedUsers` adds identities).
    ///
    /// ## Why is this bad?
    /// `kube-system` holds the cluster's most powerful identities and is exempt from most
    /// policies; a foreign pod or ServiceAccount there blends in with the components and is a
    /// classic place to hide persistence. `kube-public` is readable by everyone.
    ///
    /// ## Example
    /// ```text
    /// kubectl run -n kube-system kube-proxy-x --image=attacker.io/miner
    /// ```
    ///
    /// ## Fix
    /// Deploy add-ons into their own namespaces; restrict create in kube-system to the
    /// platform's deployment identity.
    pub static KUBE_NAMESPACE_OBJECT = {
        code: "AUD018",
        name: "audit-kube-namespace-object",
        severity: Medium,
        summary: "A pod or ServiceAccount was created in kube-system or kube-public",
        remediation: "Deploy workloads in their own namespaces; restrict create in kube-system.",
        references: [Reference::Mitre("T1036.005"), Reference::Mitre("T1610")],
        check: AuditCheck::Event(check),
    }
}

fn check(ctx: &Ctx<'_, '_>, hits: &mut Vec<Hit>) {
    let ev = ctx.ev;
    let Some(o) = &ev.object_ref else { return };
    if !o.api_group.is_empty() || !o.subresource.is_empty() || ev.verb != "create" {
        return;
    }
    if !matches!(o.namespace.as_ref(), "kube-system" | "kube-public") || !took_effect(ev) {
        return;
    }
    let obj = ctx.written_object();
    match o.resource.as_ref() {
        "pods" => {
            let Some(spec) = obj.and_then(|b| b.get("spec")) else {
                return;
            };
            let imgs = images(spec);
            let trusted: Vec<String> = ctx
                .opts
                .strings("trustedImages")
                .unwrap_or_else(|| DEFAULT_TRUSTED_IMAGES.iter().map(|s| (*s).to_owned()).collect());
            let untrusted: Vec<&str> = imgs
                .iter()
                .copied()
                .filter(|i| !trusted.iter().any(|p| glob(p, i)))
                .collect();
            if untrusted.is_empty() {
                return;
            }
            let mut name = object_name(ev, obj).to_owned();
            if name.is_empty() {
                let g = obj
                    .and_then(|b| b.pointer("/metadata/generateName"))
                    .and_then(serde_json::Value::as_str)
                    .unwrap_or("");
                name = format!("{g}*");
            }
            hits.push(Hit::new(format!(
                "{} created pod {}/{name} with untrusted image(s) {}",
                actor(ev),
                o.namespace,
                untrusted.join(", ")
            )));
        }
        "serviceaccounts" => {
            if ctx.trusted_actor() {
                return;
            }
            hits.push(Hit::new(format!(
                "{} created ServiceAccount {}/{}",
                actor(ev),
                o.namespace,
                object_name(ev, obj)
            )));
        }
        _ => {}
    }
}
