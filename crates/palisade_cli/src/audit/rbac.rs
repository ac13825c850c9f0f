//! `palisade audit rbac LOG... --user U | --serviceaccount NS/N | --group G`: reads the logs
//! (one event per request via `Dedup`), hands the subject's requests to
//! `palisade_audit::rbacgen` and prints the Roles and bindings as YAML (kubectl-appliable)
//! or a JSON summary. Exit 0 with roles, 1 when the subject made no request, 2 on errors.

use anyhow::Result;
use clap::{ArgGroup, Args, ValueEnum};
use palisade_audit::dedup::Dedup;
use palisade_audit::rbacgen::{yaml, Collector, Options, Subject};
use palisade_audit::read::{read, Input, ReadOptions};
use serde_json::json;
use std::io::Write;

#[derive(Clone, Copy, Debug, ValueEnum, PartialEq, Eq)]
pub enum Out {
    Yaml,
    Json,
}

#[derive(Args, Debug)]
#[command(group(ArgGroup::new("subject").required(true).args(["user", "serviceaccount", "group"])))]
pub struct RbacArgs {
    /// Audit logs (files, directories, .gz, - for stdin).
    #[arg(required = true)]
    pub logs: Vec<String>,
    /// The user whose requests to allow (the effective user: impersonation resolved).
    #[arg(long)]
    pub user: Option<String>,
    /// The ServiceAccount, NAMESPACE/NAME.
    #[arg(long, value_name = "NS/NAME")]
    pub serviceaccount: Option<String>,
    /// A group: the requests of its members, bound to the group.
    #[arg(long)]
    pub group: Option<String>,
    /// Name of the generated objects (default palisade:from-audit:<subject>).
    #[arg(long)]
    pub generate_name: Option<String>,
    /// More distinct names than this for one verb on one resource become all names.
    #[arg(long, default_value_t = 1)]
    pub max_names: usize,
    /// A rule needed in more namespaces than this is granted in all (ClusterRole); default never.
    #[arg(long)]
    pub max_namespaces: Option<usize>,
    /// Grant exactly the read verbs seen, not get/list/watch together.
    #[arg(long)]
    pub no_expand_read_verbs: bool,
    /// Also grant discovery, version, health and self-review requests, which the default
    /// roles allow every authenticated user.
    #[arg(long)]
    pub include_discovery: bool,
    #[arg(short, long, value_enum, default_value = "yaml")]
    pub output: Out,
}

pub fn run(a: RbacArgs) -> Result<u8> {
    let subject = if let Some(u) = &a.user {
        Subject::User(u.clone())
    } else if let Some(g) = &a.group {
        Subject::Group(g.clone())
    } else {
        let sa = a.serviceaccount.as_deref().unwrap_or("");
        match sa.split_once('/') {
            Some((ns, n)) if !ns.is_empty() && !n.is_empty() && !n.contains('/') => Subject::ServiceAccount {
                namespace: ns.into(),
                name: n.into(),
            },
            _ => {
                eprintln!("palisade: error: --serviceaccount {sa:?}: expected NAMESPACE/NAME");
                return Ok(2);
            }
        }
    };
    let mut opts = Options::for_subject(&subject);
    if let Some(n) = &a.generate_name {
        opts.name = n.clone();
    }
    opts.max_names = a.max_names;
    opts.max_namespaces = a.max_namespaces;
    opts.expand_read_verbs = !a.no_expand_read_verbs;
    opts.include_discovery = a.include_discovery;
    let mut c = Collector::new(subject, opts);
    let mut d = Dedup::default();
    let inputs: Vec<Input> = a.logs.iter().map(|l| Input::parse(l)).collect();
    let summary = read(&inputs, &ReadOptions::default(), &mut |l, e| {
        d.push(l, e, &mut |l, e| c.push(l, &e))
    });
    d.finish(&mut |l, e| c.push(l, &e));
    for e in &summary.errors {
        eprintln!("palisade: error: {e}");
    }
    let g = c.finish();
    let range = match (g.first, g.last) {
        (Some(f), Some(l)) => format!("{f} .. {l}"),
        _ => "no requests".into(),
    };
    let text = match a.output {
        Out::Yaml => {
            let mut s = format!(
                "# palisade audit rbac: {} requests ({} refused) of {}, {range}\n",
                g.requests,
                g.denied,
                g.subject.as_ref().map(|s| s.slug()).unwrap_or_default()
            );
            s.push_str(&yaml::render(&g));
            s
        }
        Out::Json => {
            let rules = |rs: &[palisade_audit::rbacgen::PolicyRule]| {
                rs.iter()
                    .map(|r| {
                        json!({"apiGroups": r.api_groups, "resources": r.resources,
                               "resourceNames": r.resource_names, "nonResourceURLs": r.non_resource_urls,
                               "verbs": r.verbs})
                    })
                    .collect::<Vec<_>>()
            };
            let seen: Vec<_> = g
                .seen
                .iter()
                .map(|(s, (loc, id))| {
                    json!({"verb": s.verb, "namespace": s.namespace, "apiGroup": s.api_group,
                           "resource": s.resource, "name": s.name, "path": s.path,
                           "refused": s.denied, "location": loc.to_string(), "auditID": id})
                })
                .collect();
            let v = json!({
                "name": g.name,
                "requests": g.requests,
                "refused": g.denied,
                "from": g.first.map(|t| t.to_string()),
                "to": g.last.map(|t| t.to_string()),
                "clusterRules": rules(&g.cluster_rules),
                "roles": g.namespaced.iter().map(|(ns, r)| (ns.clone(), json!(rules(r)))).collect::<serde_json::Map<_, _>>(),
                "observed": seen,
                "errors": summary.errors.iter().map(|e| e.to_string()).collect::<Vec<_>>(),
            });
            format!("{}\n", serde_json::to_string_pretty(&v)?)
        }
    };
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())?;
    out.flush()?;
    Ok(if summary.stats.errors > 0 {
        2
    } else if g.requests == 0 {
        eprintln!("palisade: no request of this subject in the logs");
        1
    } else {
        0
    })
}
