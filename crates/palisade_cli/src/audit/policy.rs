//! `palisade audit policy check|lint`: reads the Policy file and the logs, asks
//! `palisade_audit::policy` (evaluation, replay, lint) and prints the answer, human or JSON.
//! Exit codes: check of one request 0; check of a log 1 when the policy would drop requests
//! or record them at a lower level; lint 1 with findings; 2 on an invalid policy or an
//! unreadable log (after printing what could be answered).

use anyhow::{Context, Result};
use clap::{Args, Subcommand, ValueEnum};
use palisade_audit::policy::lint::{self, LintFinding};
use palisade_audit::policy::replay::{Change, Replay, Replayer};
use palisade_audit::policy::{load, DiagnosticLevel, Policy, Request, Target};
use palisade_audit::read::{read, Input, ReadOptions};
use serde_json::{json, Value};
use std::io::Write;

#[derive(Subcommand, Debug)]
pub enum PolicyCommand {
    /// The level, omitted stages and omitManagedFields a policy gives one request, and the
    /// rule that decides; or, with logs, what it would record for each recorded request.
    Check(Box<CheckArgs>),
    /// Located findings about a policy (APOL001…; `palisade explain APOL001`).
    Lint(LintArgs),
}

#[derive(Clone, Copy, Debug, ValueEnum, PartialEq, Eq)]
pub enum Out {
    Human,
    Json,
}

#[derive(Args, Debug)]
pub struct CheckArgs {
    /// The Audit Policy file (YAML or JSON).
    pub policy: String,
    /// Audit logs to replay through the policy (files, directories, .gz, - for stdin).
    pub logs: Vec<String>,
    /// An audit log to replay (repeatable; the same as a positional LOG).
    #[arg(long = "log", value_name = "LOG")]
    pub log: Vec<String>,
    /// The (authenticated, not impersonated) user of the request; none: a request without a user.
    #[arg(long)]
    pub user: Option<String>,
    /// A group of the user (repeatable).
    #[arg(long = "group", value_name = "GROUP")]
    pub groups: Vec<String>,
    /// The verb (get, list, watch, create, update, patch, delete, deletecollection, ...).
    #[arg(long)]
    pub verb: Option<String>,
    /// The resource, with its subresource: pods, pods/exec.
    #[arg(long, conflicts_with = "non_resource_url")]
    pub resource: Option<String>,
    /// The API group of the resource ("" is core).
    #[arg(long, default_value = "")]
    pub api_group: String,
    /// The namespace ("" or absent: cluster-scoped or across all namespaces).
    #[arg(short = 'n', long, default_value = "")]
    pub namespace: String,
    /// The object name.
    #[arg(long, default_value = "")]
    pub name: String,
    /// A non-resource request's path: /healthz, /apis/apps/v1.
    #[arg(long)]
    pub non_resource_url: Option<String>,
    /// How many example requests of each kind of change to show.
    #[arg(long, default_value_t = 20)]
    pub examples: usize,
    #[arg(short, long, value_enum, default_value = "human")]
    pub output: Out,
}

#[derive(Args, Debug)]
pub struct LintArgs {
    /// The Audit Policy file (YAML or JSON).
    pub policy: String,
    #[arg(short, long, value_enum, default_value = "human")]
    pub output: Out,
}

pub fn run(c: PolicyCommand) -> Result<u8> {
    match c {
        PolicyCommand::Check(a) => check(*a),
        PolicyCommand::Lint(a) => lint_cmd(a),
    }
}

/// `palisade explain APOL001`.
pub fn explain(id: &str, out: &mut dyn Write) -> std::io::Result<bool> {
    match lint::find(id) {
        Some(r) => {
            palisade_report::render_explain(r, out)?;
            Ok(true)
        }
        None => Ok(false),
    }
}

/// The policy and whether it had errors (printed on stderr); `None` when it is unusable.
fn load_policy(path: &str) -> (Option<Policy>, bool) {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("palisade: error: {path}: cannot read: {e}");
            return (None, true);
        }
    };
    let (p, diags) = load(path, &text);
    let mut bad = false;
    for d in &diags {
        bad |= d.level == DiagnosticLevel::Error;
        eprintln!("{d}");
    }
    (p, bad)
}

fn emit(s: &str) -> Result<()> {
    let mut out = std::io::stdout().lock();
    out.write_all(s.as_bytes())?;
    out.flush()?;
    Ok(())
}

fn check(a: CheckArgs) -> Result<u8> {
    let (p, bad) = load_policy(&a.policy);
    let Some(p) = p else { return Ok(2) };
    let logs: Vec<&String> = a.logs.iter().chain(&a.log).collect();
    if !logs.is_empty() {
        return replay(&p, &logs, &a, bad);
    }
    let Some(verb) = a.verb.as_deref() else {
        eprintln!("palisade: error: --verb is required to check one request (or give logs to replay)");
        return Ok(2);
    };
    let target = match (&a.resource, &a.non_resource_url) {
        (Some(r), _) => {
            let (resource, sub) = r.split_once('/').unwrap_or((r, ""));
            Target::Resource {
                namespace: &a.namespace,
                api_group: &a.api_group,
                resource,
                subresource: sub,
                name: &a.name,
            }
        }
        (None, Some(path)) => Target::NonResource { path },
        (None, None) => {
            eprintln!("palisade: error: give --resource or --non-resource-url");
            return Ok(2);
        }
    };
    let req = Request {
        user: a.user.as_deref(),
        groups: a.groups.iter().map(String::as_str).collect(),
        verb,
        target,
    };
    let d = p.evaluate(&req);
    let stages: Vec<&str> = d.omit_stages.iter().map(|s| s.as_str()).collect();
    let s = match a.output {
        Out::Json => {
            let v = json!({
                "level": d.level.as_str(),
                "omitStages": stages,
                "omitManagedFields": d.omit_managed_fields,
                "rule": d.rule.map(|i| json!({"index": i, "number": i + 1, "location": p.rule_loc(i)})),
            });
            format!("{}\n", serde_json::to_string_pretty(&v)?)
        }
        Out::Human => {
            let mut s = format!("level: {}\n", d.level);
            s.push_str(&format!(
                "omitted stages: {}\n",
                if stages.is_empty() {
                    "none".to_owned()
                } else {
                    stages.join(", ")
                }
            ));
            s.push_str(&format!("omitManagedFields: {}\n", d.omit_managed_fields));
            match d.rule {
                Some(i) => s.push_str(&format!("rule: #{} at {}\n", i + 1, p.rule_loc(i))),
                None => s.push_str("rule: none matches (level None: the request is not logged)\n"),
            }
            s
        }
    };
    emit(&s)?;
    Ok(if bad { 2 } else { 0 })
}

fn change_json(c: &Change, p: &Policy) -> Value {
    json!({
        "location": c.loc.to_string(),
        "auditID": c.audit_id,
        "stage": c.stage.as_str(),
        "request": c.request,
        "recorded": c.recorded.as_str(),
        "policy": c.policy.as_str(),
        "rule": c.rule.map(|i| p.rule_loc(i)),
    })
}

fn replay(p: &Policy, logs: &[&String], a: &CheckArgs, bad: bool) -> Result<u8> {
    let inputs: Vec<Input> = logs.iter().map(|l| Input::parse(l)).collect();
    let mut r = Replayer::new(p, a.examples);
    let summary = read(&inputs, &ReadOptions::default(), &mut |loc, ev| r.push(loc, ev));
    for e in &summary.errors {
        eprintln!("palisade: error: {e}");
    }
    let r: Replay = r.finish();
    let s = match a.output {
        Out::Json => {
            let by_rule: Vec<Value> = r
                .by_rule
                .iter()
                .map(|(i, n)| {
                    json!({"rule": i.map(|i| i + 1), "location": i.map(|i| p.rule_loc(i)), "requests": n})
                })
                .collect();
            let transitions: Vec<Value> = r
                .transitions
                .iter()
                .map(|((from, to), n)| json!({"recorded": from.as_str(), "policy": to.as_str(), "requests": n}))
                .collect();
            let v = json!({
                "events": r.events,
                "requests": r.requests,
                "byLevel": r.by_level.iter().map(|(l, n)| (l.as_str().to_owned(), json!(n))).collect::<serde_json::Map<_, _>>(),
                "byRule": by_rule,
                "transitions": transitions,
                "dropped": {"count": r.dropped_count, "examples": r.dropped.iter().map(|c| change_json(c, p)).collect::<Vec<_>>()},
                "lowered": {"count": r.lowered_count, "examples": r.lowered.iter().map(|c| change_json(c, p)).collect::<Vec<_>>()},
                "raised": {"count": r.raised_count, "examples": r.raised.iter().map(|c| change_json(c, p)).collect::<Vec<_>>()},
                "omittedStage": {"count": r.omitted_stage_count, "examples": r.omitted_stage.iter().map(|c| change_json(c, p)).collect::<Vec<_>>()},
                "errors": summary.errors.iter().map(|e| e.to_string()).collect::<Vec<_>>(),
            });
            format!("{}\n", serde_json::to_string_pretty(&v)?)
        }
        Out::Human => human_replay(p, &r),
    };
    emit(&s)?;
    Ok(if bad || summary.stats.errors > 0 {
        2
    } else if r.dropped_count + r.lowered_count > 0 {
        1
    } else {
        0
    })
}

fn human_replay(p: &Policy, r: &Replay) -> String {
    let mut s = format!(
        "{} requests ({} events) replayed through {}\n\nper level:\n",
        r.requests, r.events, p.file
    );
    for (l, n) in r.by_level.iter().rev() {
        s.push_str(&format!("  {l:<16} {n}\n"));
    }
    s.push_str("\nper rule:\n");
    for (i, n) in &r.by_rule {
        match i {
            Some(i) => s.push_str(&format!(
                "  #{:<3} {:<16} {n:>8}  {}\n",
                i + 1,
                p.rules[*i].level.as_str(),
                p.rule_loc(*i)
            )),
            None => s.push_str(&format!("  none {:<16} {n:>8}  (no rule matches)\n", "None")),
        }
    }
    let mut section = |title: &str, count: u64, list: &[Change]| {
        if count == 0 {
            return;
        }
        s.push_str(&format!("\n{title}: {count}\n"));
        for c in list {
            let rule = c
                .rule
                .map_or("no rule".to_owned(), |i| format!("rule #{}", i + 1));
            s.push_str(&format!(
                "  {} {}  {}  {} → {} ({rule})  auditID {}\n",
                c.loc, c.stage, c.request, c.recorded, c.policy, c.audit_id
            ));
        }
        if (list.len() as u64) < count {
            s.push_str(&format!(
                "  … and {} more (--examples)\n",
                count - list.len() as u64
            ));
        }
    };
    section("would not be logged (level None)", r.dropped_count, &r.dropped);
    section("would be logged at a lower level", r.lowered_count, &r.lowered);
    section("would be logged at a higher level", r.raised_count, &r.raised);
    section(
        "events of a stage the policy omits",
        r.omitted_stage_count,
        &r.omitted_stage,
    );
    s
}

fn lint_cmd(a: LintArgs) -> Result<u8> {
    let (p, bad) = load_policy(&a.policy);
    let Some(p) = p else { return Ok(2) };
    let findings: Vec<LintFinding> = lint::lint(&p);
    let s = match a.output {
        Out::Json => {
            let v: Vec<Value> = findings
                .iter()
                .map(|f| {
                    json!({
                        "code": f.rule.code,
                        "name": f.rule.name,
                        "severity": f.rule.severity.to_string(),
                        "file": p.file,
                        "line": f.pos.line,
                        "column": f.pos.col,
                        "rule": f.policy_rule.map(|i| i + 1),
                        "message": f.message,
                        "remediation": f.rule.remediation,
                    })
                })
                .collect();
            format!(
                "{}\n",
                serde_json::to_string_pretty(&json!({"findings": v})).context("json")?
            )
        }
        Out::Human => {
            let mut s = String::new();
            for f in &findings {
                s.push_str(&format!(
                    "{}:{}:{}: {} [{}] {}\n",
                    p.file, f.pos.line, f.pos.col, f.rule.code, f.rule.severity, f.message
                ));
            }
            if findings.is_empty() {
                s.push_str(&format!("{}: no findings\n", p.file));
            }
            s
        }
    };
    emit(&s)?;
    Ok(if bad {
        2
    } else if findings.is_empty() {
        0
    } else {
        1
    })
}
