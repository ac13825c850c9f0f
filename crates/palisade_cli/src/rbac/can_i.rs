//! `palisade rbac can-i`: exit 0 yes, 1 no, 2 input errors.

use super::load::{load, load_with_nodes, parse_request, report_errors};
use super::{print, CanIArgs};
use anyhow::Result;
use palisade_rbac::answer::CanIAnswer;
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
    let ns = if a.all_namespaces {
        String::new()
    } else {
        a.namespace.clone().unwrap_or_else(|| "default".into())
    };
    let resource = match &a.subresource {
        Some(s) => format!("{}/{s}", a.resource),
        None => a.resource.clone(),
    };
    let (req, warnings) = parse_request(&l, &a.verb, &resource, a.name.as_deref(), &ns);
    let answer = CanIAnswer::new(&l.model, user, req, warnings).with_node_authorizer(&nodes);
    for w in &answer.warnings {
        eprintln!("palisade: warning: {w}");
    }
    print(&answer, a.inputs.output)?;
    Ok(if errors {
        2
    } else if answer.allowed {
        0
    } else {
        1
    })
}
