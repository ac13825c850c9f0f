//! AUD006: a pod or workload that breaks Pod Security `baseline` was written.

use crate::detect::common::{actor, failure, glob, images, pod_template, template_base, took_effect};
use crate::detect::{AuditCheck, Ctx, Hit};
use palisade_core::{Node, Reference, Severity};
use palisade_pss::{evaluate, Level, PodInput, Version};

declare_audit_rule! {
    /// ## What it does
    /// Evaluates the pod written by every `create` and `update` of a Pod (and of a workload
    /// with a pod template: Deployment, ReplicaSet, StatefulSet, DaemonSet, Job, CronJob,
    /// ReplicationController, PodTemplate; and the object a `patch` returned) with the exact
    /// Pod Security Admission evaluator at level `baseline`, version `latest`, and names the
    /// checks that fail: privileged containers, host namespaces (`hostNetwork`, `hostPID`,
    /// `hostIPC`), `hostPath` volumes, host ports, added capabilities, and the rest of the
    /// baseline. It needs the request body (audit level `Request` or higher for pods).
    ///
    /// A request that was rejected (by Pod Security Admission, another admission webhook, or
    /// authorization) is reported as an attempt, at medium severity: nothing ran, but someone
    /// tried to run a pod that could take over its node.
    ///
    /// Options: `trustedImages: ["registry.k8s.io/kube-proxy:*"]` — pods all of whose images
    /// match are not reported (a CNI or kube-proxy DaemonSet).
    ///
    /// ## Why is this bad?
    /// A pod outside `baseline` can escape to its node: a privileged container or a `hostPID`
    /// pod reads every process's memory, a `hostPath` of `/` is the node's root filesystem.
    ///
    /// ## Example
    /// ```yaml
    /// kind: Pod
    /// spec:
    ///   hostPID: true
    ///   containers:
    ///     - name: debug
    ///       image: busybox
    ///       securityContext: {privileged: true}
    /// ```
    ///
    /// ## Fix
    /// Enforce Pod Security `baseline` (or `restricted`) on every namespace with the label
    /// `pod-security.kubernetes.io/enforce`, and move the workloads that need host access to a
    /// dedicated, audited namespace.
    pub static POD_SECURITY_VIOLATION = {
        code: "AUD006",
        name: "audit-pod-security-violation",
        severity: High,
        summary: "A pod or workload breaking Pod Security baseline (privileged, host namespaces, hostPath, …) was created",
        remediation: "Enforce Pod Security baseline on the namespace and remove the privileged settings from the workload.",
        references: [
            Reference::Pss("baseline"),
            Reference::Mitre("T1610"),
            Reference::Mitre("T1611"),
        ],
        check: AuditCheck::Event(check),
    }
}

fn check(ctx: &Ctx<'_, '_>, hits: &mut Vec<Hit>) {
    let ev = ctx.ev;
    let Some(o) = &ev.object_ref else { return };
    if !o.subresource.is_empty() || !matches!(ev.verb.as_ref(), "create" | "update" | "patch") {
        return;
    }
    let Some((base, is_pod)) = template_base(&o.api_group, &o.resource) else {
        return;
    };
    let Some(obj) = ctx.written_object() else { return };
    let Some((meta, spec)) = pod_template(obj, base) else {
        return;
    };
    if let Some(trusted) = ctx.opts.strings("trustedImages") {
        let imgs = images(spec);
        if !imgs.is_empty() && imgs.iter().all(|i| trusted.iter().any(|p| glob(p, i))) {
            return;
        }
    }
    let spec_node = Node::from_json(spec);
    let meta_node = meta.map(Node::from_json);
    let input = PodInput {
        metadata: meta_node.as_ref(),
        spec: &spec_node,
        is_pod,
    };
    let eval = evaluate(Level::Baseline, Version::Latest, &input);
    if eval.allowed() {
        return;
    }
    let kind = obj
        .get("kind")
        .and_then(serde_json::Value::as_str)
        .unwrap_or(&o.resource);
    let name = crate::detect::common::object_name(ev, Some(obj));
    let ns = if o.namespace.is_empty() {
        obj.pointer("/metadata/namespace")
            .and_then(serde_json::Value::as_str)
            .unwrap_or("")
    } else {
        &o.namespace
    };
    let shown = if name.is_empty() {
        // A pod created by a controller from generateName.
        let g = obj
            .pointer("/metadata/generateName")
            .and_then(serde_json::Value::as_str)
            .unwrap_or("");
        format!("{ns}/{g}*")
    } else {
        format!("{ns}/{name}")
    };
    let msg = format!(
        "{} {} {kind} {shown} that violates Pod Security baseline: {}",
        actor(ev),
        if ev.verb == "create" { "created" } else { "changed" },
        eval.aggregate_detail()
    );
    if took_effect(ev) {
        hits.push(Hit::new(msg));
    } else {
        hits.push(Hit::new(format!("{msg} — attempt, {}", failure(ev))).attempt(Severity::Medium));
    }
}
