//! `palisade audit unused LOG... -f RBAC... | --cluster [--user U | --serviceaccount NS/N |
//! --group G]`: loads the RBAC objects like `palisade rbac` (manifests plus the compiled-in
//! default roles, or the live cluster), reads the logs (one event per request via `Dedup`),
//! hands both to `palisade_audit::rbacgen::unused` and prints, per subject, each binding →
//! role → rule with whether the log exercised it, the rules and verb/resource cells never
//! exercised (located at the rule), the requests RBAC does not grant, and the smaller roles
//! that would have sufficed (human, JSON, or the roles as YAML). Exit 0 when everything
//! granted was used, 1 when unused grants were found, 2 on unreadable logs or RBAC (when no
//! RBAC could be read there is no verdict).

use crate::rbac::load::{load_reading, report_errors};
use anyhow::Result;
use clap::{ArgGroup, Args, ValueEnum};
use palisade_audit::dedup::Dedup;
use palisade_audit::rbacgen::unused::{Analysis, Options, Report, Seen};
use palisade_audit::rbacgen::{yaml, Options as GenOptions, PolicyRule, Subject};
use palisade_audit::read::{read, Input, ReadOptions};
use serde_json::json;
use std::fmt::Write as _;
use std::io::Write;

#[derive(Clone, Copy, Debug, ValueEnum, PartialEq, Eq)]
pub enum Out {
    Human,
    Json,
    /// The suggested roles (kubectl-appliable).
    Yaml,
}

#[derive(Args, Debug)]
#[command(group(ArgGroup::new("rbac").required(true).args(["filename", "cluster"])))]
#[command(group(ArgGroup::new("subject").args(["user", "serviceaccount", "group"])))]
pub struct UnusedArgs {
    /// Audit logs (files, directories, .gz, - for stdin).
    #[arg(value_name = "LOG", required = true)]
    pub logs: Vec<String>,
    /// RBAC manifests: files, directories or globs (repeatable).
    #[arg(
        short = 'f',
        long = "filename",
        value_name = "PATH",
        conflicts_with = "cluster"
    )]
    pub filename: Vec<String>,
    #[command(flatten)]
    pub conn: crate::cluster::ClusterConn,
    /// Do not include the default RBAC objects of a Kubernetes cluster with manifests.
    #[arg(long)]
    pub no_default_rbac: bool,
    /// Only this user (the effective user: impersonation resolved).
    #[arg(long)]
    pub user: Option<String>,
    /// Only this ServiceAccount, NAMESPACE/NAME.
    #[arg(long, value_name = "NS/NAME")]
    pub serviceaccount: Option<String>,
    /// Only the bindings of this group, and the requests of its members.
    #[arg(long)]
    pub group: Option<String>,
    /// Also report default bindings and bindings named system:*, and system:* users and
    /// kube-system ServiceAccounts as subjects.
    #[arg(long)]
    pub include_system: bool,
    /// Suggested roles: more distinct names than this for one verb on one resource become
    /// all names.
    #[arg(long, default_value_t = 1)]
    pub max_names: usize,
    /// Suggested roles: grant get, list and watch together when one was seen (and granted).
    #[arg(long)]
    pub expand_read_verbs: bool,
    #[arg(short, long, value_enum, default_value = "human")]
    pub output: Out,
}

fn parse_subject(a: &UnusedArgs) -> Result<Option<Subject>, String> {
    if let Some(u) = &a.user {
        return Ok(Some(Subject::User(u.clone())));
    }
    if let Some(g) = &a.group {
        return Ok(Some(Subject::Group(g.clone())));
    }
    let Some(sa) = &a.serviceaccount else {
        return Ok(None);
    };
    match sa.split_once('/') {
        Some((ns, n)) if !ns.is_empty() && !n.is_empty() && !n.contains('/') => {
            Ok(Some(Subject::ServiceAccount {
                namespace: ns.into(),
                name: n.into(),
            }))
        }
        _ => Err(format!("--serviceaccount {sa:?}: expected NAMESPACE/NAME")),
    }
}

pub fn run(a: UnusedArgs) -> Result<u8> {
    let only = match parse_subject(&a) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("palisade: error: {e}");
            return Ok(2);
        }
    };
    let l = load_reading(&a.filename, &a.conn, a.no_default_rbac, palisade_rbac::READS);
    let rbac_errors = report_errors(&l);
    if l.nothing_read() {
        // Issue 12 item 3: without RBAC there is no verdict.
        eprintln!("palisade: error: could not read the RBAC objects; no verdict");
        return Ok(2);
    }
    let completeness = l.completeness(false);
    for u in &completeness.unread {
        eprintln!("palisade: error: could not read {u}: the answer may miss its grants");
    }
    let mut gen = GenOptions::for_subject(&Subject::User(String::new()));
    gen.max_names = a.max_names;
    gen.expand_read_verbs = a.expand_read_verbs;
    let mut an = Analysis::new(
        &l.model,
        Options {
            only,
            include_system: a.include_system,
            generate: Some(gen),
        },
    );
    let mut d = Dedup::default();
    let inputs: Vec<Input> = a.logs.iter().map(|s| Input::parse(s)).collect();
    let summary = read(&inputs, &ReadOptions::default(), &mut |l, e| {
        d.push(l, e, &mut |l, e| an.push(l, &e))
    });
    d.finish(&mut |l, e| an.push(l, &e));
    for e in &summary.errors {
        eprintln!("palisade: error: {e}");
    }
    let report = an.finish();
    let source = if a.conn.cluster {
        "the cluster".to_string()
    } else {
        a.filename.join(", ")
    };
    let text = match a.output {
        Out::Human => human(&report, &source),
        Out::Json => {
            let mut v = to_json(&report);
            v["errors"] = json!(summary
                .errors
                .iter()
                .map(ToString::to_string)
                .chain(completeness.unread.iter().map(|u| format!("could not read {u}")))
                .collect::<Vec<_>>());
            format!("{}\n", serde_json::to_string_pretty(&v)?)
        }
        Out::Yaml => {
            let mut s = format!(
                "# palisade audit unused: the roles that would have sufficed, {}\n",
                range(&report)
            );
            let mut docs = Vec::new();
            for su in &report.subjects {
                let y = yaml::render(&su.suggested);
                if !y.is_empty() {
                    docs.push(format!("# {}: {} requests\n{y}", su.display, su.requests));
                }
            }
            s.push_str(&docs.join("---\n"));
            s
        }
    };
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())?;
    out.flush()?;
    Ok(
        if summary.stats.errors > 0 || rbac_errors || !completeness.complete {
            2
        } else if report.has_unused() {
            1
        } else {
            0
        },
    )
}

fn range(r: &Report) -> String {
    match (r.first, r.last) {
        (Some(f), Some(l)) => format!("from {f} to {l}"),
        _ => "no time range (no request)".into(),
    }
}

fn seen(s: &Option<Seen>) -> String {
    s.as_ref()
        .map(|s| format!("{} {}", s.loc, s.audit_id))
        .unwrap_or_default()
}

fn human(r: &Report, source: &str) -> String {
    let mut o = String::new();
    let _ = writeln!(
        o,
        "palisade audit unused: {} requests {}; RBAC from {source}",
        r.requests,
        range(r)
    );
    if r.subjects.is_empty() {
        o.push_str("\nno subject (user or ServiceAccount) in the logs\n");
    }
    for s in &r.subjects {
        let _ = writeln!(o, "\n{}: {} requests", s.display, s.requests);
        if s.super_user > 0 {
            let _ = writeln!(
                o,
                "  {} requests allowed as system:masters (before RBAC; no rule exercised)",
                s.super_user
            );
        }
        if s.by_unreported > 0 {
            let _ = writeln!(
                o,
                "  {} requests allowed only by default or system:* bindings (--include-system)",
                s.by_unreported
            );
        }
        if s.bindings.is_empty() {
            o.push_str("  no binding (other than default or system:* ones)\n");
        }
        for b in &s.bindings {
            let _ = writeln!(o, "  {} ({}) → {}, via {}", b.display, b.place, b.role, b.via);
            if !b.role_found {
                o.push_str("    the role does not exist: the binding grants nothing\n");
            }
            for ru in &b.rules {
                let state = if ru.unused() {
                    "UNUSED".to_string()
                } else {
                    format!("used {}× (first {})", ru.uses, seen(&ru.first))
                };
                let at = ru
                    .location
                    .as_ref()
                    .map_or_else(|| ru.source.clone(), ToString::to_string);
                let _ = writeln!(o, "    {}: {}  at {at}  {state}", ru.place, ru.rule.describe());
                if !ru.unused() {
                    let never: Vec<String> = ru.unused_cells().map(|c| c.describe()).collect();
                    if !never.is_empty() {
                        let _ = writeln!(o, "      never exercised: {}", never.join(", "));
                    }
                }
            }
        }
        for n in &s.not_granted {
            let logged = if n.logged_decision.is_empty() {
                String::new()
            } else {
                format!(", logged {}", n.logged_decision)
            };
            let _ = writeln!(
                o,
                "  not granted by RBAC: {} ({}×{logged}), first {} {}",
                n.request, n.count, n.first.loc, n.first.audit_id
            );
        }
        let y = yaml::render(&s.suggested);
        if !s.bindings.is_empty() && s.has_unused() {
            if y.is_empty() {
                o.push_str("  would have sufficed: nothing (no request used these bindings)\n");
            } else {
                o.push_str("  would have sufficed (-o yaml):\n");
                for (ns, rules) in s
                    .suggested
                    .namespaced
                    .iter()
                    .map(|(n, r)| (format!("Role in {n}"), r))
                    .chain(std::iter::once((
                        "ClusterRole".to_string(),
                        &s.suggested.cluster_rules,
                    )))
                {
                    for r in rules {
                        let _ = writeln!(o, "    {ns}: {}", describe(r));
                    }
                }
            }
        }
    }
    let unused: usize = r
        .subjects
        .iter()
        .flat_map(|s| &s.bindings)
        .flat_map(|b| &b.rules)
        .filter(|r| r.unused())
        .count();
    let partial: usize = r
        .subjects
        .iter()
        .flat_map(|s| &s.bindings)
        .flat_map(|b| &b.rules)
        .filter(|r| !r.unused() && r.unused_cells().next().is_some())
        .count();
    let _ = writeln!(
        o,
        "\n{unused} rules never exercised, {partial} rules partly exercised"
    );
    o
}

fn describe(r: &PolicyRule) -> String {
    palisade_rbac::PolicyRule {
        verbs: r.verbs.clone(),
        api_groups: r.api_groups.clone(),
        resources: r.resources.clone(),
        resource_names: r.resource_names.clone(),
        non_resource_urls: r.non_resource_urls.clone(),
    }
    .describe()
}

fn rule_json(r: &PolicyRule) -> serde_json::Value {
    json!({"apiGroups": r.api_groups, "resources": r.resources, "resourceNames": r.resource_names,
           "nonResourceURLs": r.non_resource_urls, "verbs": r.verbs})
}

fn seen_json(s: &Option<Seen>) -> serde_json::Value {
    match s {
        Some(s) => json!({"location": s.loc.to_string(), "auditID": s.audit_id}),
        None => serde_json::Value::Null,
    }
}

fn to_json(r: &Report) -> serde_json::Value {
    let subjects: Vec<_> = r
        .subjects
        .iter()
        .map(|s| {
            let bindings: Vec<_> = s
                .bindings
                .iter()
                .map(|b| {
                    let rules: Vec<_> = b
                        .rules
                        .iter()
                        .map(|ru| {
                            json!({
                                "place": ru.place,
                                "location": ru.location.as_ref().map(ToString::to_string),
                                "source": ru.source,
                                "rule": ru.rule,
                                "uses": ru.uses,
                                "first": seen_json(&ru.first),
                                "unused": ru.unused(),
                                "cells": ru.cells.iter().map(|c| json!({
                                    "permission": c.describe(),
                                    "uses": c.uses,
                                    "first": seen_json(&c.first),
                                })).collect::<Vec<_>>(),
                                "neverExercised": ru.unused_cells().map(|c| c.describe()).collect::<Vec<_>>(),
                            })
                        })
                        .collect();
                    json!({"binding": b.display, "place": b.place, "role": b.role, "roleFound": b.role_found,
                           "via": b.via, "system": b.system, "rules": rules})
                })
                .collect();
            json!({
                "subject": s.display,
                "groups": s.groups,
                "requests": s.requests,
                "superUser": s.super_user,
                "allowedOnlyByUnreportedBindings": s.by_unreported,
                "unused": s.has_unused(),
                "bindings": bindings,
                "notGranted": s.not_granted.iter().map(|n| json!({
                    "request": n.request, "count": n.count, "location": n.first.loc.to_string(),
                    "auditID": n.first.audit_id, "loggedDecision": n.logged_decision,
                })).collect::<Vec<_>>(),
                "suggested": {
                    "clusterRules": s.suggested.cluster_rules.iter().map(rule_json).collect::<Vec<_>>(),
                    "roles": s.suggested.namespaced.iter()
                        .map(|(ns, r)| (ns.clone(), json!(r.iter().map(rule_json).collect::<Vec<_>>())))
                        .collect::<serde_json::Map<_, _>>(),
                },
            })
        })
        .collect();
    json!({
        "from": r.first.map(|t| t.to_string()),
        "to": r.last.map(|t| t.to_string()),
        "requests": r.requests,
        "unused": r.has_unused(),
        "subjects": subjects,
    })
}
