//! AUD022: a pod or workload written with an image outside the allowed images (Falco's
//! "Create Disallowed Pod").

use crate::detect::common::{glob, images, object_name, pod_template, template_base, took_effect};
use crate::detect::{AuditCheck, Ctx, Hit};
use palisade_core::Reference;

declare_audit_rule! {
    /// ## What it does
    /// With `allowedImages` set (globs: `registry.example.com/*`, `docker.io/library/nginx:*`),
    /// flags a Pod or pod-template workload (Deployment, StatefulSet, DaemonSet, ReplicaSet,
    /// Job, CronJob, ReplicationController, PodTemplate) created or changed with a container
    /// image the list does not match. Without `allowedImages` the rule checks nothing. Images
    /// are compared as written in the request.
    ///
    /// ## Why is this bad?
    /// An image from an unknown registry is code nobody reviewed running in the cluster: a
    /// cryptominer, a reverse shell, a typo-squatted base image.
    ///
    /// ## Example
    /// ```yaml
    /// rules:
    ///   audit-disallowed-image:
    ///     allowedImages: ["registry.example.com/*", "registry.k8s.io/*"]
    /// ```
    ///
    /// ## Fix
    /// Enforce the allowlist at admission (`palisade serve` with the scan's allowed-registries
    /// rule), and find who created the workload.
    pub static DISALLOWED_IMAGE = {
        code: "AUD022",
        name: "audit-disallowed-image",
        severity: Medium,
        summary: "A pod or workload was written with an image outside the allowed images",
        remediation: "Enforce allowed registries at admission and remove the workload.",
        references: [Reference::Mitre("T1610")],
        requires_option: "allowedImages",
        check: AuditCheck::Event(check),
    }
}

fn check(ctx: &Ctx<'_, '_>, hits: &mut Vec<Hit>) {
    let Some(allowed) = ctx.opts.strings("allowedImages") else {
        return;
    };
    let ev = ctx.ev;
    let Some(o) = &ev.object_ref else { return };
    if !o.subresource.is_empty() || !took_effect(ev) || ctx.trusted_actor() {
        return;
    }
    let Some((base, _)) = template_base(&o.api_group, &o.resource) else {
        return;
    };
    let Some(obj) = ctx.written_object() else { return };
    let Some((_, spec)) = pod_template(obj, base) else {
        return;
    };
    let bad: Vec<&str> = images(spec)
        .into_iter()
        .filter(|i| !allowed.iter().any(|p| glob(p, i)))
        .collect();
    if bad.is_empty() {
        return;
    }
    hits.push(Hit::new(format!(
        "{} {}/{} uses image(s) outside allowedImages: {}",
        o.resource,
        o.namespace,
        object_name(ev, Some(obj)),
        bad.join(", ")
    )));
}
