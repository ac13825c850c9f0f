//! `palisade rbac paths`: escalation paths to cluster-admin, secrets or nodes; exit 1 when
//! there is one.

use super::load::{load_with_nodes, report_errors};
use super::{usage, PathsArgs, Target};
use anyhow::Result;
use palisade_rbac::answer::PathsAnswer;
use palisade_rbac::paths;
use std::io::Write;

pub(super) fn run(a: PathsArgs) -> Result<u8> {
    let from = match a.from.as_deref().map(paths::parse_subject).transpose() {
        Ok(f) => f,
        Err(e) => return usage(e),
    };
    let (l, nodes) = load_with_nodes(&a.source.paths, &a.source.cluster, a.no_default_rbac);
    let errors = report_errors(&l);
    if l.nothing_read() {
        let answer = PathsAnswer {
            paths: Vec::new(),
            to: None,
            completeness: l.completeness(true),
        };
        let mut out = std::io::BufWriter::new(std::io::stdout().lock());
        match a.output {
            super::GraphOut::Json => palisade_report::render_answer(
                &palisade_rbac::answer::Unanswered {
                    completeness: answer.completeness,
                },
                palisade_report::AnswerFormat::Json,
                &mut out,
            )?,
            super::GraphOut::Human => palisade_report::render_answer(
                &palisade_rbac::answer::Unanswered {
                    completeness: answer.completeness,
                },
                palisade_report::AnswerFormat::Human,
                &mut out,
            )?,
            // The graph formats: the reasons as comments, no graph.
            f => palisade_report::render_paths(&answer, f.into(), &mut out)?,
        }
        out.flush()?;
        return Ok(2);
    }
    let to = a.to.map(|t| match t {
        Target::ClusterAdmin => paths::Target::ClusterAdmin,
        Target::Secrets => paths::Target::Secrets,
        Target::Nodes => paths::Target::Nodes,
    });
    let workloads = paths::workloads_from(&l.objects, &l.model);
    if let Some(paths::Start::Workload {
        namespace,
        kind,
        name,
    }) = &from
    {
        if !workloads
            .iter()
            .any(|w| &w.namespace == namespace && w.kind.eq_ignore_ascii_case(kind) && &w.name == name)
        {
            return usage(format!(
                "no workload {kind} {name} in namespace {namespace} in the input"
            ));
        }
    }
    let secrets = paths::token_secrets_from(&l.objects);
    // A --from subject that no binding names still holds what its implicit groups hold.
    let extra: Vec<paths::Start> = from.iter().cloned().collect();
    let g = paths::graph_with_nodes(&l.model, &workloads, &secrets, &extra, &nodes);
    let found = paths::paths(&g, from.as_ref(), to);
    let answer = PathsAnswer {
        paths: found,
        to,
        completeness: l.completeness(true),
    };
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    palisade_report::render_paths(&answer, a.output.into(), &mut out)?;
    out.flush()?;
    Ok(if errors || !answer.completeness.complete {
        2
    } else if answer.paths.is_empty() {
        0
    } else {
        1
    })
}
