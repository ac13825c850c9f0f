//! RBAC015: workloads whose mounted ServiceAccount token holds dangerous permissions.

use super::common::{model, risks};
use palisade_core::{pod_templates, Check, FieldPath, InvCtx, InvHit, Node, Reference};
use palisade_rbac::{risk, RiskKind, User};
use std::collections::HashMap;

declare_rule! {
    /// ## What it does
    /// Flags workloads (Pods, controllers, custom resources with pod templates) whose
    /// ServiceAccount token is mounted — `automountServiceAccountToken` not `false` on the pod
    /// or, when the pod leaves it unset, on its ServiceAccount — and whose ServiceAccount holds
    /// a dangerous permission through the scanned bindings (and the default ones of every
    /// cluster): cluster-admin, reading Secrets, creating workloads, exec into pods,
    /// nodes/proxy, escalate/bind, impersonation, minting tokens, approving CSRs, changing
    /// admission webhooks, creating PersistentVolumes or modifying nodes. The permissions are
    /// evaluated exactly as the API server would for the token's identity (its user and the
    /// `system:serviceaccounts`, `system:serviceaccounts:<ns>` and `system:authenticated`
    /// groups). The finding is on `serviceAccountName`.
    ///
    /// ## Why is this bad?
    /// The token is a file in every container of the pod. Whoever gets code execution in the
    /// pod — through a vulnerable dependency, an SSRF that reads local files, a debug endpoint
    /// — reads it and calls the API server with all of the ServiceAccount's permissions. This
    /// is the step that turns a compromised web frontend into a compromised cluster.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: apps/v1
    /// kind: Deployment
    /// metadata: {name: frontend, namespace: shop}
    /// spec:
    ///   template:
    ///     spec:
    ///       serviceAccountName: frontend     # bound to a Role that reads secrets
    ///       containers: [{name: web, image: registry.example.com/web:1.4.2}]
    /// ```
    ///
    /// ## Fix
    /// ```yaml
    ///     spec:
    ///       serviceAccountName: frontend
    ///       automountServiceAccountToken: false   # the frontend never calls the API
    /// ```
    /// Or reduce the ServiceAccount's role to what the workload calls (see
    /// `palisade rbac workload NS/KIND/NAME`).
    pub static WORKLOAD_TOKEN_RISKY = {
        code: "RBAC015",
        name: "rbac-workload-token-risky",
        severity: High,
        group: "rbac",
        summary: "Workload mounts a ServiceAccount token that holds dangerous permissions",
        remediation: "Set automountServiceAccountToken: false if the workload does not call the API; otherwise bind its ServiceAccount only to what it uses.",
        references: [
            Reference::Cis("5.1.6"),
            Reference::Nsa("Pod security: protect service account tokens"),
            Reference::Mitre("T1528"),
        ],
        scope: Cluster,
        check: Check::Inventory {
            reads: palisade_rbac::READS_WITH_WORKLOADS,
            check,
        },
    }
}

fn check(ctx: &InvCtx<'_>, hits: &mut Vec<InvHit>) {
    let m = model(ctx);
    let ix = risks(ctx);
    // What each ServiceAccount's token holds, by (namespace, name) as the objects spell them
    // (borrowed: a lookup per workload copies nothing).
    let mut held_by: HashMap<(&str, &str), Vec<palisade_rbac::HeldRisk>, foldhash::fast::RandomState> =
        HashMap::default();
    for (oi, obj) in ctx.inv.objects.iter().enumerate() {
        for tpl in pod_templates(obj) {
            let spec = tpl.spec;
            let (sa, field) = ["serviceAccountName", "serviceAccount"]
                .iter()
                .find_map(|f| {
                    spec.get(f)
                        .and_then(Node::as_str)
                        .filter(|s| !s.is_empty())
                        .map(|s| (s, *f))
                })
                .unwrap_or(("default", "serviceAccountName"));
            let ns = obj.namespace.as_deref().unwrap_or("default");
            let automount = spec
                .get("automountServiceAccountToken")
                .and_then(Node::as_bool)
                .or_else(|| m.service_account(ns, sa).and_then(|s| s.automount))
                .unwrap_or(true);
            if !automount {
                continue;
            }
            let held = held_by
                .entry((ns, sa))
                .or_insert_with(|| m.risks_of_indexed(&User::service_account(ns, sa), Some(&ix.0)));
            if held.is_empty() {
                continue;
            }
            let mut kinds: Vec<RiskKind> = held.iter().map(|h| h.risk.kind).collect();
            kinds.sort();
            kinds.dedup();
            let titles: Vec<&str> = kinds
                .iter()
                .map(|k| match k {
                    RiskKind::ClusterAdmin => "cluster-admin",
                    RiskKind::Wildcard => "wildcards",
                    k => risk::risk(*k).map_or("", |r| r.title),
                })
                .collect();
            let first = &held[0];
            let b = &m.bindings[first.binding];
            let (place, _) = m.rule_place(first.origin);
            let scope = if first.namespace.is_empty() {
                "cluster-wide".to_owned()
            } else {
                format!("in namespace {}", first.namespace)
            };
            hits.push(InvHit::new(oi, tpl.spec_path.clone().join(&FieldPath::root().key(field)),
                    format!(
                        "the pod's token (ServiceAccount {ns}/{sa}) can {}: e.g. {} {scope} via {} → {place}; anyone who runs code in the pod can use it",
                        titles.join(", "),
                        first.risk.grants,
                        b.display()
                    )));
        }
    }
}
