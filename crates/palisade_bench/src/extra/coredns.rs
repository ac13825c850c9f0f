//! The CoreDNS check (`NODE601`): the Corefile has the `health` plugin. The Corefile comes from
//! `palisade bench --coredns-config FILE` (a `coredns` ConfigMap as YAML/JSON, a List holding
//! it, or a bare Corefile), else from the node: k3s's packaged manifest
//! (`/var/lib/rancher/k3s/server/manifests/coredns.yaml`, a ConfigMap among other documents)
//! or `/etc/coredns/Corefile`. kubeadm keeps no CoreDNS configuration on disk: without the
//! option the check is not applicable there.

use super::{verdict_of, Ctx, ExtraDef, Item, Verdict};
use crate::argv::Where;
use crate::eval::Status;
use crate::facts::Problem;
use palisade_core::Node;

/// Node paths where a CoreDNS configuration may be, in order.
pub const NODE_PATHS: [&str; 3] = [
    "/var/lib/rancher/k3s/server/manifests/coredns.yaml",
    "/etc/coredns/Corefile",
    "/etc/coredns/coredns.yaml",
];

/// A Corefile found, with where its first line is.
pub struct Corefile {
    pub file: String,
    pub text: String,
    /// The file line of the Corefile's first line minus one (0 for a bare Corefile).
    pub line_offset: u32,
    /// The indentation of the Corefile's lines in the file (a YAML block scalar's).
    pub indent: u32,
}

/// The Corefile of a text: a ConfigMap (or a List of objects holding one) with
/// `data.Corefile`, or a bare Corefile.
fn corefile_of(file: &str, text: &str) -> Result<Corefile, Problem> {
    if let Ok(d) = palisade_source::yaml::decode(text, 0) {
        let mut maps: Vec<&Node> = Vec::new();
        for doc in &d.docs {
            if doc.get("kind").and_then(Node::as_str) == Some("List") {
                maps.extend(doc.get("items").and_then(Node::as_seq).unwrap_or(&[]).iter());
            } else {
                maps.push(doc);
            }
        }
        let cms: Vec<&Node> = maps
            .into_iter()
            .filter(|m| m.get("kind").and_then(Node::as_str) == Some("ConfigMap"))
            .collect();
        let cm = cms
            .iter()
            .find(|m| m.at(&["data", "Corefile"]).is_some())
            .or_else(|| {
                cms.iter()
                    .find(|m| m.at(&["metadata", "name"]).and_then(Node::as_str) == Some("coredns"))
            });
        if let Some(cm) = cm {
            let Some(data) = cm.get("data") else {
                return Err(located(file, cm, "CoreDNS ConfigMap without data.Corefile"));
            };
            let Some(entry) = data.entry("Corefile") else {
                return Err(located(file, data, "CoreDNS ConfigMap without data.Corefile"));
            };
            let Some(body) = entry.value.as_str() else {
                return Err(located(file, &entry.value, "data.Corefile is not a string"));
            };
            // A block scalar (`Corefile: |`) starts on the line after its key; find its
            // indentation from the first content line.
            let key_line = entry.key_pos.line;
            let first = body.lines().next().unwrap_or("");
            let (offset, indent) = text
                .lines()
                .enumerate()
                .skip(key_line as usize)
                .find(|(_, l)| !first.is_empty() && l.trim_start() == first)
                .map(|(i, l)| (i as u32, (l.len() - l.trim_start().len()) as u32))
                .unwrap_or((key_line, 0));
            return Ok(Corefile {
                file: file.to_owned(),
                text: body.to_owned(),
                line_offset: offset,
                indent,
            });
        }
        if d.docs
            .iter()
            .any(|n| n.as_map().is_some() && n.get("kind").is_some())
        {
            return Err(Problem::error(
                file,
                Some(1),
                Some(1),
                "no CoreDNS ConfigMap (kind ConfigMap with data.Corefile) in this file",
            ));
        }
    }
    Ok(Corefile {
        file: file.to_owned(),
        text: text.to_owned(),
        line_offset: 0,
        indent: 0,
    })
}

fn located(file: &str, n: &Node, msg: &str) -> Problem {
    let (l, c) = crate::argv::node_pos(n);
    Problem::error(file, l, c, msg)
}

/// The Corefile to check: the option's, else the node's; `None` when there is none.
fn find(ctx: &Ctx) -> Option<Result<Corefile, Problem>> {
    if let Some((name, text)) = ctx.coredns {
        return Some(corefile_of(name, text));
    }
    for p in NODE_PATHS {
        if let Some(text) = ctx.facts.get(p).and_then(|f| f.text()) {
            return Some(corefile_of(p, text));
        }
    }
    None
}

/// A directive of a server block: its name and 1-based line and column in the Corefile.
pub struct Directive {
    pub name: String,
    pub line: u32,
    pub col: u32,
}

/// The server blocks of a Corefile: (their keys, their top-level directives). Comments (`#`)
/// are skipped; nested blocks (`kubernetes … { … }`) belong to their directive.
pub fn server_blocks(text: &str) -> Vec<(String, Vec<Directive>)> {
    let mut out: Vec<(String, Vec<Directive>)> = Vec::new();
    let mut depth = 0usize;
    for (i, raw) in text.lines().enumerate() {
        let line = raw.split('#').next().unwrap_or("");
        let trimmed = line.trim();
        if trimmed.is_empty() {
            continue;
        }
        let col = (line.len() - line.trim_start().len()) as u32 + 1;
        if depth == 0 {
            let keys = trimmed.trim_end_matches('{').trim().to_owned();
            out.push((keys, Vec::new()));
        } else if depth == 1 && trimmed != "}" {
            let name = trimmed
                .split(|c: char| c.is_whitespace() || c == '{')
                .next()
                .unwrap_or("")
                .to_owned();
            if let Some((_, d)) = out.last_mut() {
                d.push(Directive {
                    name,
                    line: i as u32 + 1,
                    col,
                });
            }
        }
        for c in trimmed.chars() {
            match c {
                '{' => depth += 1,
                '}' => depth = depth.saturating_sub(1),
                _ => {}
            }
        }
    }
    out
}

fn health(ctx: &Ctx) -> Verdict {
    let cf = match find(ctx) {
        None => {
            return Verdict::not_applicable(
                "no CoreDNS configuration: give `palisade bench --coredns-config FILE` (kubectl -n kube-system get configmap coredns -o yaml)",
            )
        }
        Some(Err(p)) => {
            return Verdict::not_applicable(format!("the CoreDNS configuration is unusable: {}", p.message))
        }
        Some(Ok(c)) => c,
    };
    let blocks = server_blocks(&cf.text);
    let place = |d: &Directive| Where::file(&cf.file, cf.line_offset + d.line, cf.indent + d.col);
    let found = blocks
        .iter()
        .flat_map(|(k, ds)| ds.iter().map(move |d| (k, d)))
        .find(|(_, d)| d.name == "health");
    let item = match found {
        Some((k, d)) => Item::new(
            Status::Pass,
            format!("server block {k}"),
            Some("health".into()),
            Some(place(d)),
        ),
        None => {
            let at = blocks
                .first()
                .and_then(|(_, ds)| ds.first())
                .map(place)
                .unwrap_or(Where::Path {
                    file: cf.file.clone(),
                });
            Item::new(
                Status::Fail,
                "Corefile",
                Some(format!("no health plugin in {} server block(s)", blocks.len())),
                Some(at),
            )
            .note("without the health endpoint the kubelet's liveness probe cannot restart a hung CoreDNS")
        }
    };
    verdict_of(
        vec![item],
        "",
        "Add `health` (kubeadm's default: `health { lameduck 5s }`) to the Corefile's main server block, matching the CoreDNS Deployment's livenessProbe (port 8080 /health).".into(),
    )
}

/// The problems of the CoreDNS configuration (a ConfigMap without a Corefile).
pub fn problems(ctx: &Ctx) -> Vec<Problem> {
    match find(ctx) {
        Some(Err(p)) => vec![p],
        _ => Vec::new(),
    }
}

pub static CHECKS: [ExtraDef; 1] = [ExtraDef {
    code: "NODE601",
    name: "coredns-health-plugin",
    group: "N.6",
    title: "CoreDNS has the health plugin",
    scored: false,
    pass_condition: "a server block of the Corefile has the health directive",
    cis: &[],
    doc: "Reads: the Corefile of the CoreDNS ConfigMap given with `palisade bench --coredns-config FILE` (the output of `kubectl -n kube-system get configmap coredns -o yaml`, a List holding it, or a bare Corefile), else the node's k3s manifest /var/lib/rancher/k3s/server/manifests/coredns.yaml or /etc/coredns/Corefile. kubeadm keeps none on disk: not applicable there without the option.\n\nWhy: the CoreDNS Deployment's liveness probe calls the health plugin's endpoint; without it a hung CoreDNS is never restarted and cluster DNS — which NetworkPolicies and service discovery depend on — silently fails. CIS does not cover CoreDNS beyond this; upstream forwarders are not judged.\n\nDecided: passes when any server block has a `health` directive (comments ignored, nested blocks belong to their directive); fails otherwise, located at the first directive of the first server block (file line and column, inside the ConfigMap's block scalar). A ConfigMap without data.Corefile is a located error.\n\nFix: add `health { lameduck 5s }` to the main server block.",
    run: health,
}];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn server_blocks_and_directives() {
        let t = ".:53 {\n    errors\n    # health\n    kubernetes cluster.local {\n       pods insecure\n    }\n    forward . /etc/resolv.conf\n}\nexample.org {\n  health :8081\n}\n";
        let b = server_blocks(t);
        assert_eq!(b.len(), 2);
        assert_eq!(b[0].0, ".:53");
        let names: Vec<&str> = b[0].1.iter().map(|d| d.name.as_str()).collect();
        assert_eq!(names, ["errors", "kubernetes", "forward"]);
        assert_eq!(
            (b[1].1[0].name.as_str(), b[1].1[0].line, b[1].1[0].col),
            ("health", 10, 3)
        );
    }
}
