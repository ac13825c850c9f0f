//! `palisade rbac workload`: what a workload's ServiceAccount token can do, and whether the
//! pods get the token at all.

use super::load::{load, report_errors};
use super::{print, usage, WorkloadArgs};
use anyhow::Result;
use palisade_core::{pod_templates, Node, Object};
use palisade_rbac::answer::{PermissionsAnswer, WorkloadAnswer, WorkloadRef};
use palisade_rbac::User;

/// Finds a workload by NS/KIND/NAME or KIND/NAME.
fn find_workload<'a>(objects: &'a [Object], spec: &str) -> Result<&'a Object, String> {
    let parts: Vec<&str> = spec.split('/').collect();
    let (ns, kind, name) = match parts.as_slice() {
        [ns, kind, name] => (*ns, *kind, *name),
        [kind, name] => ("default", *kind, *name),
        _ => return Err(format!("{spec:?}: expected NAMESPACE/KIND/NAME")),
    };
    objects
        .iter()
        .find(|o| {
            o.kind.eq_ignore_ascii_case(kind)
                && o.name == name
                && o.namespace.as_deref().unwrap_or("default") == ns
                && !pod_templates(o).is_empty()
        })
        .ok_or_else(|| format!("no workload {kind} {name} in namespace {ns} in the input"))
}

pub(super) fn run(a: WorkloadArgs) -> Result<u8> {
    let l = load(
        &a.inputs.source.paths,
        &a.inputs.source.cluster,
        a.inputs.no_default_rbac,
    );
    let errors = report_errors(&l);
    if let Some(code) = l.unanswered(a.inputs.output, true)? {
        return Ok(code);
    }
    let obj = match find_workload(&l.objects, &a.workload) {
        Ok(o) => o,
        Err(e) => return usage(e),
    };
    let tpl = &pod_templates(obj)[0];
    let ns = obj.namespace.as_deref().unwrap_or("default");
    let (sa, field) = ["serviceAccountName", "serviceAccount"]
        .iter()
        .find_map(|f| {
            tpl.spec
                .get(f)
                .and_then(Node::as_str)
                .filter(|s| !s.is_empty())
                .map(|s| (s, Some(*f)))
        })
        .unwrap_or(("default", None));
    let pod_auto = tpl
        .spec
        .get("automountServiceAccountToken")
        .and_then(Node::as_bool);
    let sa_obj = l.model.service_account(ns, sa);
    let sa_auto = sa_obj.and_then(|s| s.automount);
    let (mounted, why) = match (pod_auto, sa_auto) {
        (Some(v), _) => (v, format!("pod spec automountServiceAccountToken: {v}")),
        (None, Some(v)) => (
            v,
            format!("ServiceAccount {ns}/{sa} automountServiceAccountToken: {v}"),
        ),
        (None, None) if sa_obj.is_none() => (
            true,
            format!("neither the pod nor ServiceAccount {ns}/{sa} (not in the input) disables it"),
        ),
        (None, None) => (
            true,
            "neither the pod nor its ServiceAccount disables it".to_owned(),
        ),
    };
    let u = User::service_account(ns, sa);
    let answer = WorkloadAnswer {
        permissions: PermissionsAnswer::new(
            &l.model,
            &l.resources,
            u,
            format!("ServiceAccount {ns}/{sa}"),
            l.completeness(true),
        ),
        workload: WorkloadRef {
            kind: obj.kind.clone(),
            namespace: ns.to_owned(),
            name: obj.name.clone(),
            location: obj.location_of(obj.root.pos).map(|l| l.to_string()),
        },
        token_mounted: mounted,
        token_mounted_because: why,
        implicit_service_account: field.is_none(),
        service_account: sa.to_owned(),
    };
    print(&answer, a.inputs.output)?;
    Ok(if errors || !answer.permissions.completeness.complete {
        2
    } else {
        0
    })
}
