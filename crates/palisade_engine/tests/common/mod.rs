//! Shared helpers of the engine's tests: finding a rule's fixture, reading the findings it
//! expects, running the rule on it through the public engine API, comparing expected and
//! actual findings as a multiset, and rendering findings for snapshots.
//!
//! Fixture convention (`crates/palisade_rules/fixtures/<group>/<rule-name>.yaml`):
//! * a line carrying `# expect: <rule-name>[, <rule-name>]` must get exactly one finding of
//!   each rule named, located on that line; `<rule-name>*N` expects N findings on the line;
//! * the rule must fire nowhere else, and at least one object of the fixture must stay
//!   silent (a fixture shows both what fires and what must not);
//! * a first line `# options: {json}` passes per-rule options (as in the configuration file);
//! * a line `# pss: baseline` evaluates Pod Security Standards at that level (default
//!   `restricted`): the baseline checks that a restricted check overrides only run at the
//!   baseline level.
//!
//! Rules of the `config` group (exception accounting, produced by the engine) have a
//! configuration file as fixture: its `# expect:` lines are exceptions that must be reported.
//! The objects they are checked against are in `config/objects.yaml`, the rules they name run
//! too, and "today" is [`CONFIG_TODAY`].

#![allow(dead_code)] // each test binary uses a part of the helpers

use palisade_core::{DiagLevel, Finding, Report, RuleMeta, RuleOptions, Severity};
use palisade_engine::{scan_bytes, PssMode, ScanOptions};
use palisade_pss::{Level, Policy, Version};
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::PathBuf;

/// The fixtures of the rule catalogue.
pub fn fixtures_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../palisade_rules/fixtures")
}

/// The registry entry for `code`.
pub fn rule(code: &str) -> &'static RuleMeta {
    palisade_rules::all_rules()
        .iter()
        .copied()
        .find(|r| r.code == code)
        .unwrap_or_else(|| panic!("{code} is not in the registry (palisade_rules::all_rules)"))
}

/// A fixture: its path relative to the fixtures directory (as findings name it) and its text.
pub struct Fixture {
    pub name: String,
    pub text: String,
}

/// The fixture of `rule`: `<group>/<rule-name>.yaml`.
pub fn fixture_of(rule: &RuleMeta) -> Result<Fixture, String> {
    let name = format!("{}/{}.yaml", rule.group, rule.name);
    let path = fixtures_dir().join(&name);
    let text = std::fs::read_to_string(&path).map_err(|e| {
        format!(
            "{} {}: no fixture: cannot read {}: {e}",
            rule.code,
            rule.name,
            path.display()
        )
    })?;
    Ok(Fixture { name, text })
}

/// (line, code) → how many findings are expected there, from the `# expect:` comments
/// naming `rule`.
pub fn expected(text: &str, rule: &RuleMeta) -> Result<BTreeMap<(u32, &'static str), usize>, String> {
    let mut out = BTreeMap::new();
    for (i, line) in text.lines().enumerate() {
        let Some((_, names)) = line.split_once("# expect:") else {
            continue;
        };
        for item in names.split(',').map(str::trim) {
            let (name, count) = match item.split_once('*') {
                Some((n, c)) => {
                    let c = c
                        .trim()
                        .parse::<usize>()
                        .map_err(|_| format!("line {}: bad count in `# expect: {item}`", i + 1))?;
                    (n.trim(), c)
                }
                None => (item, 1),
            };
            if name == rule.name {
                *out.entry((i as u32 + 1, rule.code)).or_default() += count;
            }
        }
    }
    Ok(out)
}

/// Options that run only `rules`, evaluating Pod Security Standards at `level` (latest
/// version), reporting every severity.
pub fn options_for(rules: Vec<&'static RuleMeta>, level: Level) -> ScanOptions {
    ScanOptions::new(
        PssMode::Fixed(Policy {
            level,
            version: Version::Latest,
        }),
        rules,
        Severity::Info,
    )
}

/// Reads a `# options: {json}` first line into the options of `rule`.
pub fn apply_fixture_options(
    text: &str,
    rule: &'static RuleMeta,
    opts: &mut ScanOptions,
) -> Result<(), String> {
    let Some(json) = text.lines().next().and_then(|l| l.strip_prefix("# options:")) else {
        return Ok(());
    };
    let v: serde_json::Value =
        serde_json::from_str(json.trim()).map_err(|e| format!("`# options:` line is not JSON: {e}"))?;
    let map = v
        .as_object()
        .cloned()
        .ok_or("`# options:` must be a JSON object")?;
    opts.rule_options.insert(rule.code, RuleOptions(map));
    Ok(())
}

/// The Pod Security level a fixture asks for with a `# pss: <level>` line (default restricted).
pub fn fixture_level(text: &str) -> Result<Level, String> {
    let Some(level) = text.lines().find_map(|l| l.strip_prefix("# pss:")) else {
        return Ok(Level::Restricted);
    };
    match level.trim() {
        "privileged" => Ok(Level::Privileged),
        "baseline" => Ok(Level::Baseline),
        "restricted" => Ok(Level::Restricted),
        other => Err(format!("`# pss: {other}`: not a Pod Security level")),
    }
}

/// The code of a finding.
pub fn code_of(f: &Finding) -> &'static str {
    f.code()
}

/// The line a finding is located on (0 when it has no location).
pub fn line_of(f: &Finding) -> u32 {
    f.location.as_ref().map_or(0, |l| l.line)
}

/// `Kind namespace/name` of a finding's object.
pub fn object_of(f: &Finding) -> String {
    let o = &f.object;
    match &o.namespace {
        Some(ns) => format!("{} {ns}/{}", o.kind, o.name),
        None => format!("{} {}", o.kind, o.name),
    }
}

/// One line per finding, for snapshots and failure messages:
/// `line:col CODE Kind ns/name path` and the message indented below.
pub fn render(findings: &[&Finding]) -> String {
    let mut out = String::new();
    for f in findings {
        let (line, col) = f.location.as_ref().map_or((0, 0), |l| (l.line, l.column));
        let _ = writeln!(
            out,
            "{line}:{col} {} {} {}\n    {}",
            code_of(f),
            object_of(f),
            f.path,
            f.message
        );
    }
    out
}

/// Input errors (not warnings) of a report.
pub fn input_errors(report: &Report) -> Vec<String> {
    report
        .errors
        .iter()
        .filter(|d| d.level == DiagLevel::Error)
        .map(|d| {
            format!(
                "{}:{}: {}",
                d.file.as_deref().unwrap_or("?"),
                d.line.unwrap_or(0),
                d.message
            )
        })
        .collect()
}

/// Compares expected and actual (line, code) multisets; one message per line that differs,
/// naming the rule, the fixture and the line, with the findings actually there.
pub fn compare(
    rule: &RuleMeta,
    fixture: &str,
    expected: &BTreeMap<(u32, &'static str), usize>,
    findings: &[&Finding],
) -> Vec<String> {
    let mut got: BTreeMap<(u32, &'static str), Vec<&Finding>> = BTreeMap::new();
    for f in findings {
        got.entry((line_of(f), code_of(f))).or_default().push(f);
    }
    let mut keys: Vec<_> = expected.keys().chain(got.keys()).copied().collect();
    keys.sort();
    keys.dedup();
    let mut failures = Vec::new();
    for key @ (line, code) in keys {
        let want = expected.get(&key).copied().unwrap_or(0);
        let there = got.get(&key).map_or(&[][..], Vec::as_slice);
        if want != there.len() {
            let what = match (want, there.len()) {
                (_, 0) => "missing finding".to_owned(),
                (0, _) => "unexpected finding".to_owned(),
                (w, g) if g > w => "duplicated finding".to_owned(),
                _ => "missing finding".to_owned(),
            };
            failures.push(format!(
                "{} {}: {fixture}:{line}: {what}: expected {want} finding(s) of {code}, got {}\n{}",
                rule.code,
                rule.name,
                there.len(),
                render(there)
            ));
        }
    }
    failures
}

/// Panics with every failure, one paragraph each.
pub fn assert_no_failures(failures: &[String]) {
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

/// "Today" for the `config` rules' fixtures (days since 1970-01-01): 2026-01-01.
pub const CONFIG_TODAY: &str = "2026-01-01";

/// The findings of `rule` on `fixture`, and the number of objects (or exceptions) that could
/// have fired, or the problems that prevented running it.
pub struct Run {
    pub report: Report,
    pub candidates: usize,
}

/// Runs `rule` on its fixture: the fixture as the only input (`config` rules: the fixture
/// as configuration over `config/objects.yaml`).
pub fn run_rule(rule: &'static RuleMeta, fixture: &Fixture) -> Result<Run, String> {
    if rule.group == "config" {
        return run_config_rule(rule, fixture);
    }
    let mut opts = options_for(vec![rule], fixture_level(&fixture.text)?);
    apply_fixture_options(&fixture.text, rule, &mut opts)?;
    let report = scan_bytes(&[(fixture.name.as_str(), fixture.text.as_bytes())], &opts);
    let candidates = report.stats.objects;
    Ok(Run { report, candidates })
}

fn run_config_rule(rule: &'static RuleMeta, fixture: &Fixture) -> Result<Run, String> {
    let path = fixtures_dir().join(&fixture.name);
    let text = std::fs::read_to_string(&path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let loaded = palisade_engine::config::parse(&text, &path.display().to_string())
        .map_err(|e| format!("{} fixture: {e}", rule.code))?;
    let mut rules = vec![rule];
    for e in &loaded.exceptions {
        for sel in &e.exception.rules {
            let r = palisade_rules::find_rule(sel)
                .ok_or_else(|| format!("{}: exception names unknown rule {sel}", fixture.name))?;
            if !rules.iter().any(|x| std::ptr::eq(*x, r)) {
                rules.push(r);
            }
        }
    }
    let candidates = loaded.exceptions.len();
    let mut opts = options_for(rules, Level::Restricted);
    opts.suppressor.today =
        palisade_engine::config::parse_date(CONFIG_TODAY).map_err(|e| format!("bad CONFIG_TODAY: {e}"))?;
    opts.suppressor.exceptions = loaded.exceptions;
    let objects_name = "config/objects.yaml";
    let objects = std::fs::read(fixtures_dir().join(objects_name))
        .map_err(|e| format!("cannot read {objects_name}: {e}"))?;
    let mut report = scan_bytes(&[(objects_name, &objects)], &opts);
    // Findings carry the configuration's absolute path; name it like the other fixtures.
    let abs = path.display().to_string();
    for f in &mut report.findings {
        if let Some(l) = &mut f.location {
            if *l.file == *abs {
                l.file = fixture.name.as_str().into();
            }
        }
    }
    Ok(Run { report, candidates })
}

/// Checks `code` on its fixture: (line, code) multiset, no input errors, something stays
/// silent. Returns the snapshot name (`<CODE>-<name>`) and the rendered findings, for the
/// caller to snapshot (insta names snapshot files after the calling test file).
pub fn check_rule(code: &str) -> (String, String) {
    let rule = rule(code);
    let fixture = fixture_of(rule).unwrap_or_else(|e| panic!("{e}"));
    let expected = expected(&fixture.text, rule).unwrap_or_else(|e| panic!("{}: {e}", fixture.name));
    let mut failures = Vec::new();
    if expected.is_empty() {
        failures.push(format!(
            "{} {}: {} has no `# expect: {}` line",
            rule.code, rule.name, fixture.name, rule.name
        ));
    }
    let run = run_rule(rule, &fixture).unwrap_or_else(|e| panic!("{} {}: {e}", rule.code, rule.name));
    let errors = input_errors(&run.report);
    if !errors.is_empty() {
        failures.push(format!(
            "{} {}: {} has input errors:\n  {}",
            rule.code,
            rule.name,
            fixture.name,
            errors.join("\n  ")
        ));
    }
    // The rule runs alone, so every finding is compared (a finding of another code fails);
    // `config` rules run beside the rules their exceptions name, whose findings are not theirs.
    let mine: Vec<&Finding> = run
        .report
        .findings
        .iter()
        .filter(|f| rule.group != "config" || code_of(f) == rule.code)
        .collect();
    failures.extend(compare(rule, &fixture.name, &expected, &mine));
    let flagged: std::collections::BTreeSet<(String, String)> = mine
        .iter()
        .map(|f| {
            (
                object_of(f),
                f.location
                    .as_ref()
                    .map(|l| l.file.to_string())
                    .unwrap_or_default(),
            )
        })
        .collect();
    if flagged.len() >= run.candidates {
        failures.push(format!(
            "{} {}: every object of {} fires; add objects that must not",
            rule.code, rule.name, fixture.name
        ));
    }
    assert_no_failures(&failures);
    (format!("{}-{}", rule.code, rule.name), render(&mine))
}

/// A Role that reads Secrets in namespace `shop`, bound to ServiceAccount `shop/<sa>` (a
/// token RBAC015 calls risky).
pub fn secret_reader_for(sa: &str) -> String {
    format!(
        r#"apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {{name: secret-reader, namespace: shop}}
rules:
  - {{apiGroups: [""], resources: ["secrets"], verbs: ["get", "list"]}}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {{name: reader, namespace: shop}}
roleRef: {{apiGroup: rbac.authorization.k8s.io, kind: Role, name: secret-reader}}
subjects:
  - {{kind: ServiceAccount, name: {sa}, namespace: shop}}
"#
    )
}
