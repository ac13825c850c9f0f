//! HRD035: workloads missing labels the configuration requires.

use palisade_core::{pod_templates, Check, FieldPath, Hit, Node, PodCtx, Reference};

declare_rule! {
    /// ## What it does
    /// Flags workloads (objects that carry a pod template: Pods, Deployments, StatefulSets,
    /// DaemonSets, Jobs, CronJobs, ReplicaSets, ReplicationControllers, PodTemplates and
    /// custom resources with templates) whose own `metadata.labels` lack a key listed in the
    /// rule's `labels` option. A key counts as present whatever its value (the empty string
    /// included, null excluded). One finding per object, listing every missing key. The
    /// rule is silent when the option is not configured.
    ///
    /// ```yaml
    /// rules:
    ///   required-labels:
    ///     labels: [app.kubernetes.io/name, app.kubernetes.io/part-of, team]
    /// ```
    ///
    /// Only the object's labels are checked, not those of its pod template.
    ///
    /// ## Why is this bad?
    /// Labels are how people and tools find who owns a workload. Without owner, app or
    /// environment labels, network policies, cost and security dashboards, exceptions and
    /// incident response cannot select it, and an unlabelled workload is exactly what an
    /// attacker's implant looks like (MITRE ATT&CK T1610 "Deploy Container",
    /// T1036.005 "Masquerading: Match Legitimate Name or Location"): requiring labels makes
    /// such strays stand out.
    ///
    /// ## Example
    /// ```yaml
    /// # labels: [team]
    /// kind: Deployment
    /// metadata:
    ///   name: api
    ///   labels:
    ///     app.kubernetes.io/name: api
    /// ```
    ///
    /// ## Fix
    /// ```yaml
    /// kind: Deployment
    /// metadata:
    ///   name: api
    ///   labels:
    ///     app.kubernetes.io/name: api
    ///     team: payments
    /// ```
    /// Add the required labels (a kustomize `labels:` or Helm common-labels helper keeps
    /// them consistent).
    pub static REQUIRED_LABELS = {
        code: "HRD035",
        name: "required-labels",
        severity: Low,
        group: "hardening",
        summary: "Workload lacks labels required by the configuration",
        remediation: "Add the labels listed in the rule's labels option to the object's metadata.labels.",
        references: [
            Reference::Mitre("T1610"),
            Reference::Mitre("T1036.005"),
            Reference::Url("https://kubernetes.io/docs/concepts/overview/working-with-objects/common-labels/"),
        ],
        requires_option: "labels",
        check: Check::Pod { reads: &[], check },
    }
}

fn check(ctx: &PodCtx<'_>, hits: &mut Vec<Hit>) {
    let Some(required) = ctx.opts.strings("labels") else {
        return;
    };
    // Objects with several pod templates are reported once, with their first template.
    if pod_templates(ctx.obj)
        .first()
        .is_some_and(|t| t.spec_path != ctx.tpl.spec_path)
    {
        return;
    }
    let labels = ctx.obj.labels();
    let missing: Vec<String> = required
        .iter()
        .map(|k| k.trim())
        .filter(|k| !k.is_empty())
        .filter(|k| labels.and_then(|l| l.get(k)).is_none_or(Node::is_null))
        .map(|k| format!("{k:?}"))
        .collect();
    if missing.is_empty() {
        return;
    }
    hits.push(Hit::new(
        FieldPath::root().key("metadata").key("labels"),
        format!(
            "{} {:?} lacks required label{} {}",
            ctx.obj.kind,
            ctx.obj.name,
            if missing.len() == 1 { "" } else { "s" },
            missing.join(", ")
        ),
    ));
}
