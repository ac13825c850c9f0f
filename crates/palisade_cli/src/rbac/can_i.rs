//! `palisade rbac can-i`: exit 0 yes, 1 no, 2 input errors or an answer that depends on
//! what could not be read. `--list` prints what `kubectl auth can-i --list` prints.

use super::load::{load, load_with_nodes, parse_request, report_errors};
use super::{print, usage, CanIArgs};
use anyhow::Result;
use palisade_rbac::answer::{CanIAnswer, CanIListAnswer};
use palisade_rbac::User;

pub(super) fn run(a: CanIArgs) -> Result<u8> {
    let user = User::new(&a.identity.user, &a.identity.groups);
    // A node identity is answered by the Node authorizer first (`Node,RBAC`), which reads
    // what is bound to the node.
    let (l, nodes) = if palisade_rbac::node::node_identity(&user).is_some() {
        load_with_nodes(
            &a.inputs.source.paths,
            &a.inputs.source.cluster,
            a.inputs.no_default_rbac,
        )
    } else {
        let l = load(
            &a.inputs.source.paths,
            &a.inputs.source.cluster,
            a.inputs.no_default_rbac,
        );
        (l, palisade_rbac::node::NodeGraph::default())
    };
    let errors = report_errors(&l);
    if a.quiet && l.nothing_read() {
        return Ok(2);
    }
    if let Some(code) = l.unanswered(a.inputs.output, false)? {
        return Ok(code);
    }
    let ns = if a.all_namespaces {
        String::new()
    } else {
        a.namespace.clone().unwrap_or_else(|| "default".into())
    };
    let user = User::new(&a.identity.user, &a.identity.groups);
    let completeness = l.completeness(false);
    if a.list {
        let mut answer = CanIListAnswer::new(&l.model, user, ns, completeness);
        answer.no_headers = a.no_headers;
        print(&answer, a.inputs.output)?;
        return Ok(if errors || !answer.completeness.complete {
            2
        } else {
            0
        });
    }
    // clap requires both without --list.
    let (Some(verb), Some(resource)) = (a.verb.as_deref(), a.resource.as_deref()) else {
        return usage("you must specify two arguments: verb resource or verb resource/resourceName");
    };
    let (req, warnings) = match parse_request(&l, verb, resource, a.subresource.as_deref(), &ns) {
        Ok(r) => r,
        Err(e) => return usage(e),
    };
    for w in &warnings {
        eprintln!("palisade: warning: {w}");
    }
    let known = warnings.len();
    let answer = CanIAnswer::new(&l.model, user, req, warnings, completeness).with_node_authorizer(&nodes);
    for w in &answer.warnings[known..] {
        eprintln!("palisade: warning: {w}");
    }
    if !a.quiet {
        print(&answer, a.inputs.output)?;
    }
    Ok(if errors || !answer.completeness.complete {
        2
    } else if answer.allowed == Some(true) {
        0
    } else {
        1
    })
}
