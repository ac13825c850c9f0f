//! Runs every rule's fixture (engine-produced CFG rules are tested through the CLI): `crates/palisade_rules/fixtures/<group>/<rule-name>.yaml`.
//! Lines carrying a `# expect: <rule-name>[, <rule-name>]` comment must get a finding of that
//! rule located on that line, and the rule must fire nowhere else. A fixture must contain
//! both cases that fire and objects on which the rule must stay silent. A first-line comment
//! `# options: {json}` passes per-rule options (as in the configuration file).

use palisade_core::{Check, RuleOptions, Severity};
use palisade_engine::{scan_bytes, PssMode, ScanOptions};
use palisade_pss::{Level, Policy, Version};
use std::collections::BTreeSet;
use std::path::PathBuf;

fn fixtures_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../palisade_rules/fixtures")
}

#[test]
fn every_hardening_rule_has_a_passing_fixture() {
    let mut failures = Vec::new();
    let mut checked = 0;
    for rule in palisade_rules::all_rules() {
        if matches!(rule.check, Check::Pss | Check::Engine) {
            continue;
        }
        let path = fixtures_dir()
            .join(rule.group)
            .join(format!("{}.yaml", rule.name));
        let Ok(text) = std::fs::read_to_string(&path) else {
            failures.push(format!("{}: missing fixture {}", rule.code, path.display()));
            continue;
        };
        let expected: BTreeSet<u32> = text
            .lines()
            .enumerate()
            .filter(|(_, l)| {
                l.split_once("# expect:")
                    .is_some_and(|(_, names)| names.split(',').any(|n| n.trim() == rule.name))
            })
            .map(|(i, _)| i as u32 + 1)
            .collect();
        if expected.is_empty() {
            failures.push(format!(
                "{}: fixture has no `# expect: {}` line",
                rule.code, rule.name
            ));
        }
        let mut opts = ScanOptions::new(
            PssMode::Fixed(Policy {
                level: Level::Restricted,
                version: Version::Latest,
            }),
            vec![rule],
            Severity::Info,
        );
        if let Some(json) = text.lines().next().and_then(|l| l.strip_prefix("# options:")) {
            let v: serde_json::Value = serde_json::from_str(json.trim()).expect("options JSON");
            opts.rule_options
                .insert(rule.code, RuleOptions(v.as_object().cloned().unwrap_or_default()));
        }
        let name = path.display().to_string();
        let report = scan_bytes(&[(name.as_str(), text.as_bytes())], &opts);
        let errors: Vec<_> = report
            .errors
            .iter()
            .filter(|d| d.level == palisade_core::DiagLevel::Error)
            .collect();
        if !errors.is_empty() {
            failures.push(format!("{}: fixture has input errors: {errors:?}", rule.code));
        }
        let got: BTreeSet<u32> = report
            .findings
            .iter()
            .filter_map(|f| f.location.as_ref().map(|l| l.line))
            .collect();
        if got != expected {
            failures.push(format!(
                "{} {}: expected findings on lines {expected:?}, got {got:?}\n{:#?}",
                rule.code,
                rule.name,
                report
                    .findings
                    .iter()
                    .map(|f| (f.location.as_ref().map(|l| l.line), &f.message))
                    .collect::<Vec<_>>()
            ));
        }
        let flagged: BTreeSet<_> = report.findings.iter().map(|f| f.object.clone()).collect();
        let objects = report.stats.objects;
        if flagged.len() >= objects {
            failures.push(format!(
                "{}: every object of the fixture fires; add objects that must not",
                rule.code
            ));
        }
        checked += 1;
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
    assert!(checked >= 2);
}
