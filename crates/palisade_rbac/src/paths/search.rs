//! Shortest escalation paths in the graph (one reverse breadth-first search per target).

use super::*;

/// Shortest paths: for each start (`from`, or every default start) to each target (`to`, or
/// all three). A start that already holds a target gets a 0-step path (reported for
/// default starts — non-system subjects and the groups that stand for everyone —, or when
/// asked for with `from`); a super-user's other targets are
/// implied and not listed unless asked for with `to`.
pub fn paths(g: &Graph, from: Option<&Start>, to: Option<Target>) -> Vec<Path> {
    let targets: Vec<Target> = to.map_or_else(|| Target::ALL.to_vec(), |t| vec![t]);
    let starts: Vec<usize> = match from {
        Some(s) => g.find(s).into_iter().collect(),
        None => g.starts.clone(),
    };
    let toward: Vec<(Target, usize, Vec<Option<usize>>)> =
        targets.iter().map(|&t| (t, g.target(t), g.toward(t))).collect();
    let mut out = Vec::new();
    for s in starts {
        let Some(start) = g.nodes[s].start() else {
            continue;
        };
        let holds = |tid: usize| {
            g.outgoing[s]
                .iter()
                .map(|&e| &g.edges[e])
                .find(|e| e.kind == EdgeKind::Holds && e.to == tid)
        };
        let super_user = holds(g.target(Target::ClusterAdmin)).is_some();
        for (t, tid, next) in &toward {
            if let Some(e) = holds(*tid) {
                if super_user && *t != Target::ClusterAdmin && to.is_none() {
                    continue;
                }
                if from.is_none() && !g.nodes[s].is_default_start() {
                    continue;
                }
                out.push(Path {
                    start: start.clone(),
                    target: *t,
                    steps: Vec::new(),
                    evidence: e.evidence.clone(),
                });
                continue;
            }
            if super_user {
                continue;
            }
            let mut steps = Vec::new();
            let mut cur = s;
            while cur != *tid {
                let Some(e) = next[cur] else {
                    break;
                };
                let e = &g.edges[e];
                steps.push(Step {
                    from: g.nodes[e.from].clone(),
                    to: g.nodes[e.to].clone(),
                    kind: e.kind,
                    action: e.action.clone(),
                    evidence: e.evidence.clone(),
                });
                cur = e.to;
            }
            if cur == *tid && !steps.is_empty() {
                out.push(Path {
                    start: start.clone(),
                    target: *t,
                    steps,
                    evidence: Vec::new(),
                });
            }
        }
    }
    out
}
