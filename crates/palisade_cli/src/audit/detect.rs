//! `palisade audit detect`: reads audit logs (files, directories, gzip, stdin), one event per
//! request, runs the selected detection rules, and writes the detections as human text, JSON,
//! CSV, or — converted to palisade findings located at the event's `file:line:1` — SARIF and
//! JUnit. Unreadable lines are located errors in every format, and exit 2.

use anyhow::{Context, Result};
use clap::{Args, ValueEnum};
use palisade_audit::detect::{select_rules, Config, Detection, Engine};
use palisade_audit::read::{read, Input, ReadError, ReadOptions, ReadStats};
use std::io::Write;
use std::sync::Arc;

#[derive(Clone, Copy, Debug, ValueEnum, PartialEq, Eq)]
pub enum DetectFormat {
    Human,
    Json,
    Sarif,
    Junit,
    Csv,
}

#[derive(Args, Debug)]
pub struct DetectArgs {
    /// Audit log files, directories, gzip files, or - for stdin.
    #[arg(required = true, value_name = "LOG")]
    logs: Vec<String>,
    /// Output format.
    #[arg(short, long, value_enum, default_value = "human")]
    output: DetectFormat,
    /// Write to this file instead of standard output.
    #[arg(long, value_name = "FILE")]
    output_file: Option<std::path::PathBuf>,
    /// Run only these rules: codes (AUD001), code prefixes, names; repeatable or comma-separated.
    #[arg(long, value_name = "RULES")]
    select: Vec<String>,
    /// Do not run these rules (same forms as --select).
    #[arg(long, value_name = "RULES")]
    ignore: Vec<String>,
    /// Configuration file (rule options under `rules:`, e.g. `audit-secret-read:
    /// {allowedServiceAccounts: [...]}`); default: .palisade.yaml found upward.
    #[arg(long, value_name = "FILE")]
    config: Option<std::path::PathBuf>,
    /// Do not read any configuration file.
    #[arg(long, conflicts_with = "config")]
    no_config: bool,
    /// Only detections raised by requests matching these filters (every request still feeds
    /// the rules' memory: roles created, bursts of denials).
    #[command(flatten)]
    filter: super::FilterArgs,
    /// Skip (with an error) lines longer than this many bytes.
    #[arg(long, value_name = "BYTES", default_value_t = 256 << 20)]
    max_line_bytes: usize,
}

pub fn run(a: DetectArgs) -> Result<u8> {
    let flags = crate::settings::Flags {
        config: a.config.clone(),
        no_config: a.no_config,
        paths: a.logs.iter().filter(|p| *p != "-").cloned().collect(),
        ..Default::default()
    };
    let loaded = match crate::settings::load_config(&flags) {
        Ok(l) => l,
        Err(e) => return usage(e),
    };
    let (rules, cfg) = match configured_rules(&loaded.config, &a.select, &a.ignore) {
        Ok(r) => r,
        Err(e) => return usage(e),
    };
    let inputs: Vec<Input> = a.logs.iter().map(|s| Input::parse(s)).collect();
    let mut engine = Engine::with_rules(&rules, &cfg);
    let mut detections = Vec::new();
    let (filter, _) = a.filter.filter()?;
    let mut run = |loc: &palisade_audit::Loc, ev: palisade_audit::Event<'_>| {
        let before = detections.len();
        engine.event(loc, &ev, &mut detections);
        if !filter.is_empty() && !filter.matches(&ev) {
            detections.truncate(before);
        }
    };
    let opts = ReadOptions {
        max_line_bytes: a.max_line_bytes,
        ..ReadOptions::default()
    };
    let summary = if a.filter.all_stages() {
        read(&inputs, &opts, &mut run)
    } else {
        let mut dedup = palisade_audit::dedup::Dedup::default();
        let s = read(&inputs, &opts, &mut |loc, ev| dedup.push(loc, ev, &mut run));
        dedup.finish(&mut run);
        s
    };
    engine.finish(&mut detections);
    // In log order (dedup hands a request on at its final stage).
    detections
        .sort_by(|x, y| (&x.file, x.line, x.item, x.rule.code).cmp(&(&y.file, y.line, y.item, y.rule.code)));
    let metas: Vec<&'static palisade_core::RuleMeta> = rules.iter().map(|r| r.meta).collect();
    let out = Output {
        detections: &detections,
        errors: &summary.errors,
        stats: &summary.stats,
        rules: &metas,
        target: a.logs.join(" "),
    };
    write_to(a.output_file.as_deref(), |w| match a.output {
        DetectFormat::Human => out.human(w),
        DetectFormat::Json => out.json(w),
        DetectFormat::Csv => out.csv(w),
        DetectFormat::Sarif => out.rendered(palisade_report::Format::Sarif, w),
        DetectFormat::Junit => out.rendered(palisade_report::Format::Junit, w),
    })?;
    if summary.stats.errors > 0 {
        for e in summary.errors.iter().take(20) {
            eprintln!("palisade: error: {e}");
        }
        if a.output == DetectFormat::Human && a.output_file.is_none() {
            // Already in the output.
        }
        return Ok(2);
    }
    Ok(u8::from(!detections.is_empty()))
}

fn usage(msg: impl std::fmt::Display) -> Result<u8> {
    eprintln!("palisade: error: {msg}");
    Ok(2)
}

fn write_to(file: Option<&std::path::Path>, f: impl FnOnce(&mut dyn Write) -> Result<()>) -> Result<()> {
    match file {
        Some(p) => {
            let mut w = std::io::BufWriter::new(
                std::fs::File::create(p).with_context(|| format!("cannot write {}", p.display()))?,
            );
            f(&mut w)?;
            w.flush()?;
        }
        None => {
            let mut w = std::io::BufWriter::new(std::io::stdout().lock());
            f(&mut w)?;
            w.flush()?;
        }
    }
    Ok(())
}

struct Output<'a> {
    detections: &'a [Detection],
    errors: &'a [ReadError],
    stats: &'a ReadStats,
    rules: &'a [&'static palisade_core::RuleMeta],
    target: String,
}

impl Output<'_> {
    fn human(&self, w: &mut dyn Write) -> Result<()> {
        for d in self.detections {
            writeln!(
                w,
                "{}:{}: {} {} [{}{}] {}",
                d.file,
                d.line,
                d.rule.code,
                d.rule.name,
                d.severity.as_str(),
                if d.attempt { ", attempt" } else { "" },
                d.message
            )?;
            writeln!(
                w,
                "    auditID {} · {} · {}{}",
                d.audit_id,
                d.time.as_deref().unwrap_or("no time"),
                d.actor(),
                d.source_ip
                    .as_deref()
                    .map(|ip| format!(" from {ip}"))
                    .unwrap_or_default()
            )?;
        }
        for e in self.errors {
            writeln!(w, "{e}: error")?;
        }
        let mut by_sev = std::collections::BTreeMap::new();
        for d in self.detections {
            *by_sev.entry(std::cmp::Reverse(d.severity)).or_insert(0usize) += 1;
        }
        let sev: Vec<String> = by_sev
            .iter()
            .map(|(s, n)| format!("{n} {}", s.0.as_str()))
            .collect();
        writeln!(
            w,
            "{} detection(s){} in {} event(s) of {} file(s); {} error(s)",
            self.detections.len(),
            if sev.is_empty() {
                String::new()
            } else {
                format!(" ({})", sev.join(", "))
            },
            self.stats.events,
            self.stats.files,
            self.stats.errors
        )?;
        Ok(())
    }

    fn json(&self, w: &mut dyn Write) -> Result<()> {
        let errors: Vec<serde_json::Value> = self
            .errors
            .iter()
            .map(|e| {
                serde_json::json!({
                    "file": &*e.loc.file, "line": e.loc.line, "item": e.loc.item, "message": e.message
                })
            })
            .collect();
        let v = serde_json::json!({
            "tool": {"name": "palisade", "version": env!("CARGO_PKG_VERSION")},
            "detections": self.detections,
            "errors": errors,
            "stats": {
                "files": self.stats.files, "lines": self.stats.lines, "events": self.stats.events,
                "errors": self.stats.errors, "detections": self.detections.len(),
            },
        });
        serde_json::to_writer_pretty(&mut *w, &v)?;
        writeln!(w)?;
        Ok(())
    }

    fn csv(&self, w: &mut dyn Write) -> Result<()> {
        writeln!(
            w,
            "file,line,code,name,severity,attempt,auditID,time,user,impersonatedUser,verb,target,sourceIP,code_http,message"
        )?;
        for d in self.detections {
            let row = [
                d.file.clone(),
                d.line.to_string(),
                d.rule.code.to_owned(),
                d.rule.name.to_owned(),
                d.severity.as_str().to_owned(),
                d.attempt.to_string(),
                d.audit_id.clone(),
                d.time.clone().unwrap_or_default(),
                d.user.clone(),
                d.impersonated_user.clone().unwrap_or_default(),
                d.verb.clone(),
                d.target.clone(),
                d.source_ip.clone().unwrap_or_default(),
                d.code.map(|c| c.to_string()).unwrap_or_default(),
                d.message.clone(),
            ];
            let cells: Vec<String> = row.iter().map(|c| csv_cell(c)).collect();
            writeln!(w, "{}", cells.join(","))?;
        }
        for e in self.errors {
            let cells: Vec<String> = [
                e.loc.file.to_string(),
                e.loc.line.to_string(),
                "ERROR".into(),
                String::new(),
                "error".into(),
                String::new(),
                String::new(),
                String::new(),
                String::new(),
                String::new(),
                String::new(),
                String::new(),
                String::new(),
                String::new(),
                e.message.clone(),
            ]
            .iter()
            .map(|c| csv_cell(c))
            .collect();
            writeln!(w, "{}", cells.join(","))?;
        }
        Ok(())
    }

    /// SARIF and JUnit through palisade's renderers: each detection a finding at
    /// `file:line:1` of its event, each read error a located diagnostic.
    fn rendered(&self, format: palisade_report::Format, w: &mut dyn Write) -> Result<()> {
        let report = to_report(self.detections, self.errors, self.rules);
        let opts = palisade_report::RenderOptions {
            target: self.target.clone(),
            ..Default::default()
        };
        palisade_report::render(&report, format, &opts, w)?;
        Ok(())
    }
}

/// A CSV cell: quoted when it holds a comma, quote or newline; a leading `=+-@` is prefixed
/// with `'` so that spreadsheets do not evaluate it.
fn csv_cell(s: &str) -> String {
    let s = if s.starts_with(['=', '+', '-', '@']) {
        format!("'{s}")
    } else {
        s.to_owned()
    };
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s
    }
}

/// The detections as a palisade report (findings located at the event's line, column 1).
pub fn to_report(
    detections: &[Detection],
    errors: &[ReadError],
    rules: &[&'static palisade_core::RuleMeta],
) -> palisade_core::Report {
    use palisade_core::{DiagLevel, Diagnostic, FieldPath, Finding, Location, ObjectRef};
    let mut report = palisade_core::Report {
        rules: rules.to_vec(),
        ..Default::default()
    };
    for d in detections {
        let file: Arc<str> = Arc::from(d.file.as_str());
        let location = Location {
            file: file.clone(),
            line: u32::try_from(d.line).unwrap_or(u32::MAX),
            column: 1,
        };
        let object = Arc::new(ObjectRef {
            api_version: "audit.k8s.io/v1".into(),
            kind: "Event".into(),
            namespace: None,
            name: d.audit_id.clone(),
            uid: None,
        });
        let f = Finding {
            rule: d.rule,
            severity: d.severity,
            exact: true,
            object,
            object_location: Some(location.clone()),
            container: None,
            message: format!(
                "{} (auditID {}, {}, {})",
                d.message,
                d.audit_id,
                d.time.as_deref().unwrap_or("no time"),
                d.actor()
            )
            .into(),
            path: FieldPath::root(),
            location: Some(location),
            pss: None,
            suppressed: None,
            also: Vec::new(),
        };
        *report.stats.findings_by_severity.entry(f.severity).or_default() += 1;
        report.findings.push(f);
    }
    for e in errors {
        report.errors.push(Diagnostic {
            level: DiagLevel::Error,
            file: Some(e.loc.file.clone()),
            line: u32::try_from(e.loc.line).ok().filter(|l| *l > 0),
            column: None,
            message: e.message.clone(),
            object: None,
        });
    }
    report
}

/// The audit rules selected by the configuration file (its `select`/`ignore` entries that name
/// audit rules), overridden by `--select`/extended by `--ignore`, with their options from its
/// `rules:` map. Shared by `palisade audit detect` and the audit sink of `palisade serve`.
pub fn configured_rules(
    config: &palisade_engine::config::Config,
    select_flags: &[String],
    ignore_flags: &[String],
) -> Result<(Vec<&'static palisade_audit::detect::AuditRule>, Config), String> {
    let (cfg, _scan_rule_keys) = Config::from_rules_map(&config.rules)?;
    let is_audit = |s: &String| {
        palisade_audit::detect::all_rules()
            .iter()
            .any(|r| r.meta.matches(s))
    };
    let mut select: Vec<String> = config.select.iter().filter(|s| is_audit(s)).cloned().collect();
    if !select_flags.is_empty() {
        select = select_flags.to_vec();
    }
    let mut ignore: Vec<String> = config.ignore.iter().filter(|s| is_audit(s)).cloned().collect();
    ignore.extend(ignore_flags.iter().cloned());
    let rules = select_rules(&select, &ignore)?;
    Ok((rules, cfg))
}
