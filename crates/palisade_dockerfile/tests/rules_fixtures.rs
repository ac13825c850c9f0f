//! The rules' fixtures: `tests/fixtures/<code>-<name>/fires.Dockerfile` and
//! `clean.Dockerfile` for every registered rule (a test fails when one is missing). A comment
//! line `# expect: <rule-name>[, <rule-name>*N]` says the next line that is not a comment
//! must get exactly one (or N) findings of that rule; the rule must fire nowhere else in
//! `fires.Dockerfile` and nowhere in `clean.Dockerfile`. An optional `options.json` holds the
//! rule's options as in the configuration file. Both files must parse without error.

use palisade_dockerfile::lint::{lint_with, Config};
use palisade_dockerfile::rules::{all_rules, DockerfileRule};
use std::collections::BTreeMap;
use std::path::PathBuf;

fn dir_of(rule: &DockerfileRule) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(format!("{}-{}", rule.meta.code, rule.meta.name))
}

/// line → expected count, for `name`.
fn expected(text: &str, name: &str) -> Result<BTreeMap<u32, usize>, String> {
    let lines: Vec<&str> = text.lines().collect();
    let mut out = BTreeMap::new();
    for (i, line) in lines.iter().enumerate() {
        let Some((_, names)) = line.trim_start().split_once("# expect:") else {
            continue;
        };
        // The next line that is not a comment.
        let target = lines[i + 1..]
            .iter()
            .position(|l| !l.trim_start().starts_with('#'))
            .map(|p| (i + 1 + p + 1) as u32)
            .ok_or_else(|| format!("line {}: `# expect:` with no line after it", i + 1))?;
        for item in names.split(',').map(str::trim) {
            let (n, c) = match item.split_once('*') {
                Some((n, c)) => (
                    n.trim(),
                    c.trim()
                        .parse::<usize>()
                        .map_err(|_| format!("line {}: bad count", i + 1))?,
                ),
                None => (item, 1),
            };
            if n == name {
                *out.entry(target).or_default() += c;
            }
        }
    }
    Ok(out)
}

fn run(
    rule: &'static DockerfileRule,
    file: &str,
    text: &str,
    cfg: &Config,
) -> Result<BTreeMap<u32, usize>, String> {
    let df = palisade_dockerfile::parse(file, text);
    if !df.errors.is_empty() {
        return Err(format!("{file}: parse errors: {:?}", df.errors));
    }
    let mut got = BTreeMap::new();
    for h in lint_with(&df, &[rule], cfg) {
        assert!(
            h.span.start.line >= 1 && h.span.start.column >= 1,
            "{file}: unlocated hit {h:?}"
        );
        *got.entry(h.span.start.line).or_default() += 1;
    }
    Ok(got)
}

fn check(rule: &'static DockerfileRule) -> Result<(), String> {
    let dir = dir_of(rule);
    let read = |f: &str| {
        std::fs::read_to_string(dir.join(f)).map_err(|e| format!("{}: cannot read {f}: {e}", dir.display()))
    };
    let fires = read("fires.Dockerfile")?;
    let clean = read("clean.Dockerfile")?;
    let mut cfg = Config::default();
    if let Ok(opts) = std::fs::read_to_string(dir.join("options.json")) {
        let v: serde_json::Value = serde_json::from_str(&opts).map_err(|e| format!("options.json: {e}"))?;
        let map = v.as_object().cloned().ok_or("options.json must be an object")?;
        cfg.set(rule.meta.code, map)?;
    }
    let want = expected(&fires, rule.meta.name)?;
    if want.is_empty() {
        return Err(format!(
            "{}: fires.Dockerfile has no `# expect: {}`",
            rule.meta.code, rule.meta.name
        ));
    }
    let got = run(rule, "fires.Dockerfile", &fires, &cfg)?;
    if got != want {
        return Err(format!(
            "{} fires.Dockerfile: expected findings on lines {want:?}, got {got:?}",
            rule.meta.code
        ));
    }
    let got = run(rule, "clean.Dockerfile", &clean, &cfg)?;
    if !got.is_empty() {
        return Err(format!(
            "{} clean.Dockerfile: unexpected findings on lines {got:?}",
            rule.meta.code
        ));
    }
    Ok(())
}

#[test]
fn every_rule_fires_where_expected_and_only_there() {
    let failures: Vec<String> = all_rules().iter().filter_map(|r| check(r).err()).collect();
    assert!(
        failures.is_empty(),
        "{} of {} rules failed:\n{}",
        failures.len(),
        all_rules().len(),
        failures.join("\n")
    );
}

#[test]
fn messages_and_spans_are_exact() {
    // A sample of exact positions: the word, flag or command to change.
    let text = "FROM ubuntu\nRUN apt-get update && apt-get install -y curl\nADD --chown=1:1 https://example.com/x.tgz /x/\nUSER 0:0\n";
    let df = palisade_dockerfile::parse("Dockerfile", text);
    let hits = palisade_dockerfile::lint::lint(&df, &Config::default());
    let at = |code: &str| -> Vec<String> {
        hits.iter()
            .filter(|h| h.rule.code == code)
            .map(|h| {
                format!(
                    "{}:{}-{}:{}",
                    h.span.start.line, h.span.start.column, h.span.end.line, h.span.end.column
                )
            })
            .collect()
    };
    assert_eq!(at("DKR017"), ["1:6-1:12"], "{hits:#?}");
    assert_eq!(at("DKR004"), ["2:31-2:38"]);
    assert_eq!(at("DKR023"), ["2:42-2:46"]);
    assert_eq!(at("DKR011"), ["3:17-3:42"]);
    assert_eq!(at("DKR001"), ["4:6-4:9"]);
}
