//! Helpers shared by the RBAC rules: the RBAC model of the scanned objects (built once per
//! scan, with the default objects of a real cluster unless turned off), who a role is granted
//! to, and the generic "this role grants a risky permission" check that most RBAC rules are.

use palisade_core::{FieldPath, InvCtx, InvHit, Origin};
use palisade_rbac::{
    is_cluster_admin_rule, risk, Aggregation, Binding, BindingKind, Model, ModelOptions, RiskIndex, RiskKind,
    Role, RoleKind, Subject,
};
use std::sync::Arc;

/// The RBAC model of the scan. Objects read from a cluster carry the aggregation result in
/// their stored rules; manifests get it computed.
pub fn model(ctx: &InvCtx<'_>) -> Arc<Model> {
    ctx.cache.get_or_init(|| {
        let from_cluster = ctx
            .inv
            .objects
            .iter()
            .any(|o| matches!(o.origin, Origin::Cluster { .. }));
        Model::build(
            &ctx.inv.objects,
            ModelOptions {
                defaults: ctx.settings.default_rbac,
                aggregation: if from_cluster {
                    Aggregation::Stored
                } else {
                    Aggregation::Compute
                },
            },
        )
    })
}

/// The risks of every role rule of the scan's model, computed once.
pub struct Risks(pub RiskIndex);

pub fn risks(ctx: &InvCtx<'_>) -> Arc<Risks> {
    let m = model(ctx);
    ctx.cache.get_or_init(|| Risks(RiskIndex::new(&m)))
}

/// Whether a role is written by the user (in the input and not a cluster default).
pub fn user_role(r: &Role) -> bool {
    r.source.input.is_some() && !r.source.default
}

/// "bound cluster-wide to ServiceAccount shop/builder by ClusterRoleBinding x; …", or why it
/// is not bound, for messages.
pub fn granted_to(m: &Model, role: usize) -> String {
    let bindings = m.bindings_of_role(role);
    let mut parts = Vec::new();
    for &b in bindings.iter().take(3) {
        let b = &m.bindings[b];
        let subjects: Vec<String> = b.subjects.iter().take(3).map(|s| s.display()).collect();
        let more = if b.subjects.len() > 3 {
            format!(" and {} more", b.subjects.len() - 3)
        } else {
            String::new()
        };
        let who = if subjects.is_empty() {
            "no subjects".to_owned()
        } else {
            subjects.join(", ")
        };
        parts.push(format!("{} to {who}{more} by {}", b.scope(), b.display()));
    }
    if bindings.len() > 3 {
        parts.push(format!("and {} more binding(s)", bindings.len() - 3));
    }
    let r = &m.roles[role];
    // Only a ClusterRole can be aggregated; test the cheap conditions first (this runs once
    // per finding, over every role).
    let aggregated_into: Vec<String> = if r.kind == RoleKind::ClusterRole {
        m.roles
            .iter()
            .filter(|a| {
                a.aggregation.as_ref().is_some_and(|sels| {
                    a.kind == RoleKind::ClusterRole
                        && a.name != r.name
                        && sels.iter().any(|s| s.matches(&r.labels))
                })
            })
            .map(|a| a.name.clone())
            .collect()
    } else {
        Vec::new()
    };
    if !aggregated_into.is_empty() {
        parts.push(format!(
            "aggregated into ClusterRole {} (and so granted to everyone bound to it)",
            aggregated_into.join(", ")
        ));
    }
    if parts.is_empty() {
        "not bound in the scanned input".to_owned()
    } else {
        format!("bound {}", parts.join("; "))
    }
}

/// The generic risk check: each rule of a user-written role that grants `kind`, located on
/// the rule; and each binding (written by the user) of a default role that grants it,
/// located on its roleRef.
pub fn risk_hits(ctx: &InvCtx<'_>, kind: RiskKind, hits: &mut Vec<InvHit>) {
    let m = model(ctx);
    let ix = risks(ctx);
    let Some(risk) = risk::risk(kind) else { return };
    for (ri, role) in m.roles.iter().enumerate() {
        if !user_role(role) {
            continue;
        }
        let Some(obj) = role.source.input else { continue };
        for (i, matches) in ix.0.written[ri].iter().enumerate() {
            // A `*`/`*`/`*` rule is reported once, as cluster-admin equivalent (RBAC003).
            if is_cluster_admin_rule(&role.written[i]) {
                continue;
            }
            for rm in matches.iter().filter(|x| x.kind == kind) {
                let names = if rm.names.is_empty() {
                    String::new()
                } else {
                    format!(" (only objects named {})", rm.names.join(", "))
                };
                let scope = if role.kind == RoleKind::Role {
                    format!(" in namespace {}", role.namespace)
                } else {
                    String::new()
                };
                hits.push(InvHit::new(
                    obj,
                    FieldPath::root().key("rules").idx(i),
                    format!(
                        "{} grants {}{names}{scope}: the holder can {} — {}",
                        role.display(),
                        rm.grants,
                        risk.impact,
                        granted_to(&m, ri)
                    ),
                ));
            }
        }
    }
    for (obj, b) in user_bindings(&m) {
        let Some(ri) = b.role else { continue };
        if user_role(&m.roles[ri]) {
            continue;
        }
        let role = &m.roles[ri];
        // Bindings of cluster-admin equivalents are reported once (RBAC001).
        if role.rules.iter().any(|(r, _)| is_cluster_admin_rule(r)) {
            continue;
        }
        let grants: Vec<String> = ix.0.effective[ri]
            .iter()
            .flatten()
            .filter(|x| x.kind == kind)
            .map(|x| x.grants.clone())
            .collect();
        if grants.is_empty() {
            continue;
        }
        let subjects: Vec<String> = b.subjects.iter().map(|s| s.display()).collect();
        hits.push(InvHit::new(
            obj,
            FieldPath::root().key("roleRef").key("name"),
            format!(
                "{} grants the built-in {} {} to {}: it allows {} — the holder can {}",
                b.display(),
                role.display(),
                b.scope(),
                if subjects.is_empty() {
                    "no one".into()
                } else {
                    subjects.join(", ")
                },
                grants.join("; "),
                risk.impact
            ),
        ));
    }
}

/// The bindings written in the input (not cluster defaults), with their object index.
pub fn user_bindings(m: &Model) -> impl Iterator<Item = (usize, &Binding)> {
    m.bindings
        .iter()
        .filter(|b| !b.source.default)
        .filter_map(|b| b.source.input.map(|obj| (obj, b)))
}

/// How a binding's role is named in messages: `Role shop/x`, `the built-in ClusterRole edit`,
/// or `ClusterRole x (not found)`.
pub fn role_label(m: &Model, b: &Binding) -> String {
    match b.role {
        Some(r) if user_role(&m.roles[r]) => m.roles[r].display(),
        Some(r) => format!("the built-in {}", m.roles[r].display()),
        None => format!("{} {} (not found)", b.role_kind, b.role_name),
    }
}

/// Whether a binding's scope covers the whole cluster.
pub fn cluster_wide(kind: BindingKind) -> bool {
    kind == BindingKind::ClusterRoleBinding
}

/// Each subject of each binding written in the input: `f` returns the message for the
/// subjects it flags, and the hit is located on `subjects[i]` of the binding.
pub fn flag_subjects(
    ctx: &InvCtx<'_>,
    hits: &mut Vec<InvHit>,
    mut f: impl FnMut(&Model, &Binding, &Subject) -> Option<String>,
) {
    let m = model(ctx);
    for (obj, b) in user_bindings(&m) {
        for (i, s) in b.subjects.iter().enumerate() {
            if let Some(message) = f(&m, b, s) {
                hits.push(InvHit::new(
                    obj,
                    FieldPath::root().key("subjects").idx(i),
                    message,
                ));
            }
        }
    }
}

/// The model's problems with an input object: those located on a binding's `roleRef.name`
/// when `on_role_ref`, the others otherwise.
pub fn problem_hits(m: &Model, hits: &mut Vec<InvHit>, on_role_ref: bool) {
    let role_ref = FieldPath::root().key("roleRef").key("name");
    for p in &m.problems {
        if let Some(obj) = p.input.filter(|_| (p.path == role_ref) == on_role_ref) {
            hits.push(InvHit::new(obj, p.path.clone(), p.message.clone()));
        }
    }
}
