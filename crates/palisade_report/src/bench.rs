//! The presentations of `palisade bench` (a `palisade_bench::BenchReport`): the human view
//! (a per-section pass/fail/warn/n-a table like kube-bench's summary, then the failing checks
//! with location, value and remediation), the JSON document (docs/bench.md), the `explain`
//! page of a check, and the bench report as a scan [`Report`] so that SARIF, JUnit and the
//! line format are the scan's renderers, not copies. Formatting only.

use crate::text::clean;
use palisade_bench::catalogue::{self, CheckDef};
use palisade_bench::extra::ExtraDef;
use palisade_bench::{BenchReport, CheckResult, Counts, Status, Where};
use palisade_core::{
    Check, FieldPath, Finding, Location, ObjectRef, Reference, Report, RuleMeta, ScannedObject, Scope,
    Severity,
};
use serde::Serialize;
use std::collections::HashMap;
use std::io::{self, Write};
use std::sync::{Arc, OnceLock};

/// Sections 1–4 (a node), 5 (policies, `bench --cluster`) and palisade's own node checks
/// (`N`), in report order.
const ALL_SECTIONS: [&str; 6] = ["1", "2", "3", "4", "5", palisade_bench::extra::SECTION];

/// JSON schema version of `palisade bench -o json`.
pub const BENCH_SCHEMA_VERSION: &str = "1";

fn paint(color: bool, sgr: &str, text: &str) -> String {
    if color {
        format!("\x1b[{sgr}m{text}\x1b[0m")
    } else {
        text.to_owned()
    }
}

fn status_label(s: Status, color: bool) -> String {
    let (label, sgr) = match s {
        Status::Pass => ("PASS", "32"),
        Status::Fail => ("FAIL", "31;1"),
        Status::Warn => ("WARN", "33"),
        Status::NotApplicable => ("N/A ", "2"),
    };
    paint(color, sgr, &format!("[{label}]"))
}

/// The human view. `verbose`: every check, warnings and not-applicable ones with their reason.
pub fn human(r: &BenchReport, verbose: bool, color: bool, out: &mut dyn Write) -> io::Result<()> {
    let version = r
        .kubernetes_version
        .as_ref()
        .map(|v| format!("Kubernetes {} ({})", v.version, v.source))
        .unwrap_or_else(|| "Kubernetes version not found".into());
    if r.node {
        writeln!(
            out,
            "CIS Kubernetes Benchmark {} on {} — {} layout ({}); {}",
            r.benchmark.benchmark,
            clean(&r.origin),
            r.distribution.as_str(),
            r.distribution_reason,
            version
        )?;
    } else {
        writeln!(
            out,
            "CIS Kubernetes Benchmark {} section 5 (policies) on {}",
            r.benchmark.benchmark,
            clean(&r.origin)
        )?;
    }
    writeln!(out, "benchmark: {}", r.benchmark.reason)?;
    let found: Vec<String> = r
        .components
        .iter()
        .map(|c| match &c.found {
            Some(f) => format!("{} ({})", c.name, clean(f)),
            None => format!("{} (not found)", c.name),
        })
        .collect();
    if r.node {
        writeln!(out, "components: {}", found.join(", "))?;
    }
    writeln!(out)?;
    writeln!(
        out,
        "{:<46} {:>5} {:>5} {:>5} {:>5}",
        "Section", "PASS", "FAIL", "WARN", "N/A"
    )?;
    for s in ALL_SECTIONS {
        let c = r.counts(Some(s));
        if c == Counts::default() {
            continue;
        }
        let (_, title) = catalogue::section_title(s);
        writeln!(
            out,
            "{:<46} {:>5} {:>5} {:>5} {:>5}",
            format!("{s} {title}"),
            c.pass,
            c.fail,
            c.warn,
            c.not_applicable
        )?;
    }
    let t = r.counts(None);
    writeln!(
        out,
        "{:<46} {:>5} {:>5} {:>5} {:>5}",
        "Total", t.pass, t.fail, t.warn, t.not_applicable
    )?;

    if verbose {
        let mut group = String::new();
        for c in &r.results {
            if c.group != group {
                group = c.group.clone();
                writeln!(out, "\n{} {}", group, catalogue::group_title(&group))?;
            }
            writeln!(
                out,
                "{} {} {}",
                status_label(c.status, color),
                c.id,
                clean(&c.text)
            )?;
            if c.status != Status::Pass {
                if let Some(why) = &c.reason {
                    writeln!(out, "       {}", clean(why))?;
                }
            }
        }
    }
    let failing: Vec<&CheckResult> = r.results.iter().filter(|c| c.status == Status::Fail).collect();
    let warned: Vec<&CheckResult> = r
        .results
        .iter()
        .filter(|c| c.status == Status::Warn && !c.manual)
        .collect();
    if !failing.is_empty() {
        writeln!(out, "\nFailing checks ({}):", failing.len())?;
        for c in &failing {
            detail(c, color, out)?;
        }
    }
    if verbose && !warned.is_empty() {
        writeln!(
            out,
            "\nWarnings (unscored checks that did not pass: {}):",
            warned.len()
        )?;
        for c in &warned {
            detail(c, color, out)?;
        }
    } else if !warned.is_empty() {
        let ids: Vec<&str> = warned.iter().map(|c| c.id.as_str()).collect();
        writeln!(
            out,
            "\nUnscored checks that did not pass (warn; -v shows them): {}",
            ids.join(", ")
        )?;
    }
    if !r.problems.is_empty() {
        writeln!(out, "\nInput problems ({}):", r.problems.len())?;
        for p in &r.problems {
            writeln!(
                out,
                "  {}: {}",
                match p.level {
                    palisade_bench::Level::Error => "error",
                    palisade_bench::Level::Warning => "warning",
                },
                clean(&p.to_string())
            )?;
        }
    }
    Ok(())
}

fn detail(c: &CheckResult, color: bool, out: &mut dyn Write) -> io::Result<()> {
    writeln!(
        out,
        "{} {} {}",
        status_label(c.status, color),
        c.id,
        clean(&c.text)
    )?;
    writeln!(out, "       found:    {}", clean(&c.actual))?;
    if let Some(at) = &c.location {
        writeln!(out, "       at:       {}", clean(&at.to_string()))?;
    }
    writeln!(out, "       expected: {}", clean(&c.expected))?;
    if let Some(why) = &c.reason {
        writeln!(out, "       note:     {}", clean(why))?;
    }
    writeln!(out, "       fix:      {}", clean(&c.remediation))
}

#[derive(Serialize)]
struct JsonDoc<'a> {
    #[serde(rename = "schemaVersion")]
    schema_version: &'static str,
    tool: JsonTool<'a>,
    benchmark: &'a palisade_bench::Selection,
    #[serde(rename = "kubernetesVersion", skip_serializing_if = "Option::is_none")]
    kubernetes_version: Option<&'a palisade_bench::VersionFact>,
    /// Absent when no node was read (section 5 alone).
    #[serde(skip_serializing_if = "Option::is_none")]
    distribution: Option<&'static str>,
    #[serde(rename = "distributionReason", skip_serializing_if = "Option::is_none")]
    distribution_reason: Option<&'a str>,
    origin: &'a str,
    components: &'a [palisade_bench::ComponentSummary],
    sections: Vec<JsonSection<'a>>,
    totals: Counts,
    errors: &'a [palisade_bench::Problem],
}

#[derive(Serialize)]
struct JsonTool<'a> {
    name: &'static str,
    version: &'a str,
}

#[derive(Serialize)]
struct JsonSection<'a> {
    id: &'static str,
    title: &'static str,
    node_type: &'static str,
    totals: Counts,
    groups: Vec<JsonGroup<'a>>,
}

#[derive(Serialize)]
struct JsonGroup<'a> {
    id: String,
    title: &'static str,
    totals: Counts,
    checks: Vec<JsonCheck<'a>>,
}

#[derive(Serialize)]
struct JsonCheck<'a> {
    #[serde(flatten)]
    result: &'a CheckResult,
    /// kube-bench's state: PASS, FAIL, WARN, or INFO for not applicable.
    kube_bench_status: &'static str,
    /// `location` as text: `file:line:column`, `file`, or `process PID argument N`.
    #[serde(skip_serializing_if = "Option::is_none")]
    location_text: Option<String>,
}

/// The JSON document (docs/bench.md).
pub fn json(r: &BenchReport, tool_version: &str, out: &mut dyn Write) -> io::Result<()> {
    let mut sections = Vec::new();
    for s in ALL_SECTIONS {
        let (node_type, title) = catalogue::section_title(s);
        let mut groups: Vec<JsonGroup> = Vec::new();
        for c in r.results.iter().filter(|c| c.section == s) {
            if groups.last().is_none_or(|g| g.id != c.group) {
                groups.push(JsonGroup {
                    id: c.group.clone(),
                    title: catalogue::group_title(&c.group),
                    totals: Counts::default(),
                    checks: Vec::new(),
                });
            }
            if let Some(g) = groups.last_mut() {
                add(&mut g.totals, c.status);
                g.checks.push(JsonCheck {
                    result: c,
                    kube_bench_status: c.status.kube_bench(),
                    location_text: c.location.as_ref().map(Where::to_string),
                });
            }
        }
        if groups.is_empty() {
            continue;
        }
        sections.push(JsonSection {
            id: s,
            title,
            node_type,
            totals: r.counts(Some(s)),
            groups,
        });
    }
    let doc = JsonDoc {
        schema_version: BENCH_SCHEMA_VERSION,
        tool: JsonTool {
            name: "palisade",
            version: tool_version,
        },
        benchmark: &r.benchmark,
        kubernetes_version: r.kubernetes_version.as_ref(),
        distribution: r.node.then(|| r.distribution.as_str()),
        distribution_reason: r.node.then_some(r.distribution_reason.as_str()),
        origin: &r.origin,
        components: &r.components,
        sections,
        totals: r.counts(None),
        errors: &r.problems,
    };
    serde_json::to_writer_pretty(&mut *out, &doc).map_err(io::Error::other)?;
    writeln!(out)
}

fn add(c: &mut Counts, s: Status) {
    match s {
        Status::Pass => c.pass += 1,
        Status::Fail => c.fail += 1,
        Status::Warn => c.warn += 1,
        Status::NotApplicable => c.not_applicable += 1,
    }
}

/// The rule metadata of every check of sections 1–4 (code `CIS-<id>`, name `cis-<id>`), made
/// once from the catalogue, for the scan renderers.
pub fn check_rules() -> &'static HashMap<&'static str, RuleMeta> {
    static RULES: OnceLock<HashMap<&'static str, RuleMeta>> = OnceLock::new();
    RULES.get_or_init(|| {
        palisade_bench::node_checks()
            .chain(palisade_bench::policies::checks())
            .map(|c| {
                let code: &'static str = Box::leak(format!("CIS-{}", c.id).into_boxed_str());
                let name: &'static str = Box::leak(format!("cis-{}", c.id).into_boxed_str());
                let refs: &'static [Reference] =
                    Box::leak(vec![Reference::Cis(c.id.as_str())].into_boxed_slice());
                let docs: &'static str = Box::leak(explain_text(c).into_boxed_str());
                (
                    c.id.as_str(),
                    RuleMeta {
                        code,
                        name,
                        severity: if c.scored { Severity::High } else { Severity::Low },
                        group: "cis-bench",
                        summary: c.inspects.as_str(),
                        remediation: c.pass_condition.as_str(),
                        docs,
                        references: refs,
                        requires_option: None,
                        scope: Scope::Object,
                        check: Check::Engine,
                    },
                )
            })
            .chain(palisade_bench::extra::checks().iter().map(|d| {
                let refs: &'static [Reference] = Box::leak(
                    d.cis
                        .iter()
                        .map(|c| Reference::Cis(c))
                        .collect::<Vec<_>>()
                        .into_boxed_slice(),
                );
                let docs: &'static str = Box::leak(extra_explain_text(d).into_boxed_str());
                (
                    d.code,
                    RuleMeta {
                        code: d.code,
                        name: d.name,
                        severity: if d.scored {
                            Severity::High
                        } else {
                            Severity::Medium
                        },
                        group: "bench-node",
                        summary: d.title,
                        remediation: d.pass_condition,
                        docs,
                        references: refs,
                        requires_option: None,
                        scope: Scope::Object,
                        check: Check::Engine,
                    },
                )
            }))
            .collect()
    })
}

/// The bench report as a scan report: one finding per check that failed (scored: high) or
/// did not pass (unscored: low), on an object naming the component or file; located at the
/// file:line:column when there is one (a whole file: the file without a line; a process:
/// the message says `process PID argument N`). Input problems become errors.
pub fn to_report(r: &BenchReport) -> Report {
    let rules = check_rules();
    let mut report = Report::default();
    let mut objects: Vec<Arc<ObjectRef>> = Vec::new();
    let object = |objects: &mut Vec<Arc<ObjectRef>>, kind: &str, name: String| -> Arc<ObjectRef> {
        if let Some(o) = objects.iter().find(|o| o.kind == kind && o.name == name) {
            return o.clone();
        }
        let o = Arc::new(ObjectRef {
            api_version: "bench.palisade.dev/v1".into(),
            kind: kind.into(),
            namespace: None,
            name,
            uid: None,
        });
        objects.push(o.clone());
        o
    };
    for c in &r.results {
        let Some(rule) = rules.get(c.id.as_str()) else {
            continue;
        };
        if !report.rules.iter().any(|x| x.code == rule.code) {
            report.rules.push(rule);
        }
        let target = check_target(c);
        let obj = object(&mut objects, target.0, target.1);
        if !report.objects.iter().any(|o| Arc::ptr_eq(&o.object, &obj)) {
            report.objects.push(ScannedObject {
                object: obj.clone(),
                location: None,
            });
        }
        let failing = c.status == Status::Fail || (c.status == Status::Warn && !c.manual);
        if !failing {
            continue;
        }
        let (location, exact) = match &c.location {
            Some(Where::File { file, line, column }) => (
                Some(Location {
                    file: file.as_str().into(),
                    line: *line,
                    column: *column,
                }),
                true,
            ),
            Some(Where::Path { file }) => (
                Some(Location {
                    file: file.as_str().into(),
                    line: 0,
                    column: 0,
                }),
                false,
            ),
            _ => (None, false),
        };
        let at = c
            .location
            .as_ref()
            .map(|w| format!(" at {w}"))
            .unwrap_or_default();
        let message = format!(
            "{} {}: found {}{at}; expected {}. {}",
            c.id, c.text, c.actual, c.expected, c.remediation
        );
        let f = Finding {
            rule,
            severity: rule.severity,
            exact,
            object: obj,
            object_location: None,
            container: None,
            message: message.into(),
            path: FieldPath::root(),
            location,
            pss: None,
            suppressed: None,
            also: Vec::new(),
        };
        *report.stats.findings_by_severity.entry(f.severity).or_default() += 1;
        report.findings.push(f);
    }
    for p in &r.problems {
        report.errors.push(palisade_core::Diagnostic {
            level: match p.level {
                palisade_bench::Level::Error => palisade_core::DiagLevel::Error,
                palisade_bench::Level::Warning => palisade_core::DiagLevel::Warning,
            },
            file: Some(p.file.as_str().into()),
            line: p.line,
            column: p.column,
            message: p.message.clone(),
            object: None,
        });
    }
    report.stats.objects = report.objects.len();
    report
}

/// The object a check is about: the component, or for file checks the kind of file.
fn check_target(c: &CheckResult) -> (&'static str, String) {
    let component = match c.group.as_str() {
        "1.2" | "3.1" | "3.2" => Some("kube-apiserver"),
        "1.3" => Some("kube-controller-manager"),
        "1.4" => Some("kube-scheduler"),
        "2" => Some("etcd"),
        "4.2" => Some("kubelet"),
        "4.3" => Some("kube-proxy"),
        _ => None,
    };
    if c.section == palisade_bench::extra::SECTION {
        return ("NodeConfiguration", catalogue::group_title(&c.group).to_owned());
    }
    match component {
        Some(n) => ("Component", n.to_owned()),
        None => ("NodeFiles", format!("section-{}", c.group)),
    }
}

/// The `explain` page of a check: what it reads, how it is decided, and how to fix it.
pub fn explain(c: &CheckDef, out: &mut dyn Write) -> io::Result<()> {
    out.write_all(explain_text(c).as_bytes())
}

/// The `explain` page of a section-5 check (policies), decided by palisade's rules on a
/// cluster's objects or manifests: `rules` are the rules that decide it (none: manual).
pub fn explain_policy(
    c: &CheckDef,
    rules: &[&'static palisade_core::RuleMeta],
    out: &mut dyn Write,
) -> io::Result<()> {
    let (_, section) = catalogue::section_title(c.section_id());
    let mut s = format!("# CIS {} {}\n\n", c.id, c.inspects);
    s.push_str(&format!(
        "Section {} {} › {} {}. {} in CIS ({}); palisade decides it on a cluster's objects \
         (`palisade bench --cluster`) or manifests (`palisade bench -f DIR`).\n\n",
        c.section_id(),
        section,
        c.group,
        catalogue::group_title(&c.group),
        if c.scored { "Scored" } else { "Not scored" },
        c.cis_label
    ));
    if rules.is_empty() {
        s.push_str("No palisade rule decides it: reported as WARN (manual); review it by hand.\n\n");
    } else {
        s.push_str("Decided by these rules (a finding of any of them fails the check and is listed with its object and place; none passes it):\n");
        for r in rules {
            s.push_str(&format!(
                "* {} {} ({}): {}\n",
                r.code, r.name, r.severity, r.summary
            ));
        }
        s.push_str("\nSee `palisade explain CODE` for each rule.\n\n");
    }
    s.push_str("See docs/bench.md (section 5) for the whole mapping.\n");
    out.write_all(s.as_bytes())
}

/// The `explain` page of one of palisade's own node checks (`NODE101`).
pub fn explain_extra(d: &ExtraDef, out: &mut dyn Write) -> io::Result<()> {
    out.write_all(extra_explain_text(d).as_bytes())
}

fn extra_explain_text(d: &ExtraDef) -> String {
    let mut s = format!("# {} {} ({})\n\n", d.code, d.title, d.name);
    s.push_str(&format!(
        "palisade node check, section {} {} › {} {}. {}.\n\n",
        palisade_bench::extra::SECTION,
        palisade_bench::extra::SECTION_TITLE,
        d.group,
        catalogue::group_title(d.group),
        if d.scored {
            "A failure is FAIL (severity high)"
        } else {
            "A failure is WARN (severity medium)"
        }
    ));
    s.push_str(&format!("Passes when: {}\n\n", d.pass_condition));
    for para in d.doc.split("\n\n") {
        s.push_str(para);
        s.push_str("\n\n");
    }
    if !d.cis.is_empty() {
        s.push_str(&format!(
            "Related CIS Kubernetes Benchmark checks: {}.\n\n",
            d.cis.join(", ")
        ));
    }
    s.push_str(&format!(
        "See `palisade bench --check {}` on a node, and docs/bench.md.\n",
        d.code
    ));
    s
}

fn explain_text(c: &CheckDef) -> String {
    let mut s = String::new();
    let (_, section) = catalogue::section_title(c.section_id());
    s.push_str(&format!("# CIS {} {}\n\n", c.id, c.inspects));
    s.push_str(&format!(
        "Section {} {} › {} {}. {} ({}).\n\n",
        c.section_id(),
        section,
        c.group,
        catalogue::group_title(&c.group),
        if c.scored {
            "Scored: a failure is FAIL"
        } else {
            "Not scored: a failure is WARN"
        },
        c.cis_label
    ));
    if c.is_manual() {
        s.push_str("Manual check: palisade evaluates nothing and reports WARN; review it by hand.\n");
        return s;
    }
    s.push_str(&format!("Passes when: {}\n\n", c.pass_condition));
    s.push_str("Reads:\n");
    for i in &c.test_items {
        let mut line = format!("* {}", i.flag);
        if let Some(p) = &i.path {
            line.push_str(&format!(", else config key {p}"));
        }
        if let Some(e) = &i.env {
            line.push_str(&format!(", else environment {e}"));
        }
        match (&i.compare, i.set) {
            (_, false) => line.push_str(" — must be absent"),
            (Some(cmp), true) => line.push_str(&format!(" — {} {}", cmp.op, cmp.value)),
            (None, true) => line.push_str(" — must be present"),
        }
        s.push_str(&line);
        s.push('\n');
    }
    s.push_str(&format!("Items combine with `{}`", c.bin_op));
    if c.multi_line {
        s.push_str("; every file (one line each) must pass, and no file at all fails");
    }
    s.push_str(".\n\n");
    s.push_str(match c.section_id() {
        "4" if c.group == "4.2" => "Precedence (the real kubelet): a command-line flag, else the --config-dir drop-ins (lexical order, later wins, lists replaced whole) over the --config file, else the default — with a config file anonymous auth is off, authorization is Webhook and the read-only port is 0; without one they are on, AlwaysAllow and 10255.\n",
        "2" => "Precedence (etcd): --config-file when given (authoritative), else the flag, else the ETCD_* environment variable.\n",
        _ if c.target == "file" => "Modes are compared as octal bitmasks (no bit outside the mask); owners as `user:group` resolved through the node's /etc/passwd and /etc/group.\n",
        _ => "Flags come from the running process when there is one, else the static-pod manifest (command + args, $(VAR) expanded) or the unit; a repeated list flag appends, a repeated scalar flag takes the last value.\n",
    });
    s.push_str(&format!(
        "\nSee `palisade bench --check {}` on a node, and docs/bench.md.\n",
        c.id
    ));
    s
}
