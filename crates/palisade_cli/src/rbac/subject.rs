//! `palisade rbac subject`: the effective permissions of a user, group or ServiceAccount.

use super::load::{load, report_errors};
use super::{print, usage, SubjectArgs};
use anyhow::Result;
use palisade_rbac::answer::PermissionsAnswer;
use palisade_rbac::User;

/// Parses `user:NAME`, `group:NAME`, `sa:NS/NAME`, `serviceaccount:NS/NAME`,
/// `system:serviceaccount:NS:NAME`, or a bare user name.
fn parse_identity(s: &str, groups: &[String]) -> Result<(User, String), String> {
    let lower = s.to_ascii_lowercase();
    if let Some(name) = lower.strip_prefix("group:").map(|_| &s[6..]) {
        // The members' permissions through this group alone.
        return Ok((
            User {
                name: String::new(),
                groups: vec![name.to_owned()],
            },
            format!("Group {name}"),
        ));
    }
    for p in ["sa:", "serviceaccount:"] {
        if lower.starts_with(p) {
            let rest = &s[p.len()..];
            let (ns, name) = rest
                .split_once('/')
                .ok_or_else(|| format!("{s:?}: expected {p}NAMESPACE/NAME"))?;
            let u = User::new(&format!("system:serviceaccount:{ns}:{name}"), groups);
            return Ok((u, format!("ServiceAccount {ns}/{name}")));
        }
    }
    let name = if lower.starts_with("user:") { &s[5..] } else { s };
    if name.is_empty() {
        return Err("empty subject name".into());
    }
    let label = match palisade_rbac::parse_service_account(name) {
        Some((ns, n)) => format!("ServiceAccount {ns}/{n}"),
        None => format!("User {name}"),
    };
    Ok((User::new(name, groups), label))
}

pub(super) fn run(a: SubjectArgs) -> Result<u8> {
    let (u, label) = match parse_identity(&a.subject, &a.groups) {
        Ok(x) => x,
        Err(e) => return usage(e),
    };
    let l = load(
        &a.inputs.source.paths,
        &a.inputs.source.cluster,
        a.inputs.no_default_rbac,
    );
    let errors = report_errors(&l);
    if let Some(code) = l.unanswered(a.inputs.output, false)? {
        return Ok(code);
    }
    let answer = PermissionsAnswer::new(&l.model, &l.resources, u, label, l.completeness(false));
    print(&answer, a.inputs.output)?;
    Ok(if errors || !answer.completeness.complete {
        2
    } else {
        0
    })
}
