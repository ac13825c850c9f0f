//! `palisade rbac who-can`: every subject that can make a request, in one namespace or in
//! every namespace the input names.

use super::load::{load_with_nodes, parse_request, report_errors};
use super::{print, WhoCanArgs};
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
    let mut namespaces: Vec<String> = vec![a.namespace.clone().unwrap_or_default()];
    let (probe, warnings) = parse_request(&l, &a.verb, &a.resource, a.name.as_deref(), "");
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
    let requests: Vec<Request> = namespaces
        .iter()
        .map(|ns| parse_request(&l, &a.verb, &a.resource, a.name.as_deref(), ns).0)
        .collect();
    let answer = WhoCanAnswer::new(&l.model, probe, a.namespace.clone(), namespaced, &requests)
        .with_node_authorizer(&nodes, &requests);
    print(&answer, a.inputs.output)?;
    Ok(if errors { 2 } else { 0 })
}
