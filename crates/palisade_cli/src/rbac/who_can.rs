//! `palisade rbac who-can`: every subject that can make a request, in one namespace or in
//! every namespace the input names.

use super::load::{load_with_nodes, parse_request, report_errors};
use super::{print, usage, WhoCanArgs};
use anyhow::Result;
use palisade_rbac::answer::WhoCanAnswer;
use palisade_rbac::Request;

pub(super) fn run(a: WhoCanArgs) -> Result<u8> {
    // Nodes are answered by the Node authorizer (what their pods reference).
    let (l, nodes) = load_with_nodes(
        &a.inputs.source.paths,
        &a.inputs.source.cluster,
        a.inputs.no_default_rbac,
    );
    let errors = report_errors(&l);
    if let Some(code) = l.unanswered(a.inputs.output, false)? {
        return Ok(code);
    }
    let mut namespaces: Vec<String> = vec![a.namespace.clone().unwrap_or_default()];
    let sub = a.subresource.as_deref();
    let (probe, warnings) = match parse_request(&l, &a.verb, &a.resource, sub, "") {
        Ok(r) => r,
        Err(e) => return usage(e),
    };
    for w in &warnings {
        eprintln!("palisade: warning: {w}");
    }
    let namespaced = match &probe {
        Request::Resource {
            resource, api_group, ..
        } => l.resources.find(api_group, resource).is_none_or(|r| r.namespaced),
        Request::NonResource { .. } => false,
    };
    if a.namespace.is_none() && namespaced {
        namespaces.extend(l.model.namespaces());
        namespaces.extend(nodes.namespaces());
        namespaces[1..].sort();
        namespaces.dedup();
    }
    let mut requests = Vec::new();
    for ns in &namespaces {
        match parse_request(&l, &a.verb, &a.resource, sub, ns) {
            Ok((r, _)) => requests.push(r),
            Err(e) => return usage(e),
        }
    }
    let answer = WhoCanAnswer::new(
        &l.model,
        probe,
        a.namespace.clone(),
        namespaced,
        &requests,
        l.completeness(false),
    )
    .with_node_authorizer(&nodes, &requests);
    print(&answer, a.inputs.output)?;
    Ok(if errors || !answer.completeness.complete {
        2
    } else {
        0
    })
}
