//! The pure lint engine: runs the selected Dockerfile rules on one parsed [`Dockerfile`] with
//! their options, and returns located hits (the exact line:column of the instruction, flag,
//! word or command to change). Also rule selection (`--select`/`--ignore`) and the rules'
//! options from the configuration file's `rules:` map. No I/O, no output formats.

use crate::model::{Dockerfile, Span};
use crate::rules::{all_rules, find_rule, Ctx, DockerfileRule, RuleHit};
use palisade_core::{RuleMeta, RuleOptions, Severity};
use std::collections::HashMap;

/// One finding of a rule in a Dockerfile.
#[derive(Clone, Debug, PartialEq)]
pub struct Hit {
    pub rule: &'static RuleMeta,
    /// What to change: the instruction, flag, word or command, exactly.
    pub span: Span,
    pub message: String,
    /// The rule's severity, or the lower one a hit states for itself.
    pub severity: Severity,
}

/// The rules' options, by rule code.
#[derive(Clone, Debug, Default)]
pub struct Config {
    pub options: HashMap<&'static str, RuleOptions>,
}

impl Config {
    /// Options from the configuration file's `rules:` map (keys are codes or names). Keys that
    /// name no Dockerfile rule are returned (they may be other rules' options).
    pub fn from_rules_map<'k>(
        map: impl IntoIterator<Item = (&'k String, &'k serde_json::Map<String, serde_json::Value>)>,
    ) -> Result<(Config, Vec<String>), String> {
        let mut cfg = Config::default();
        let mut others = Vec::new();
        for (k, v) in map {
            match find_rule(k) {
                Some(r) => {
                    check_options(r.meta, v)?;
                    cfg.options.insert(r.meta.code, RuleOptions(v.clone()));
                }
                None => others.push(k.clone()),
            }
        }
        Ok((cfg, others))
    }

    /// Sets the options of one rule (by code or name).
    pub fn set(
        &mut self,
        rule: &str,
        options: serde_json::Map<String, serde_json::Value>,
    ) -> Result<(), String> {
        let r = find_rule(rule).ok_or_else(|| format!("unknown Dockerfile rule {rule:?}"))?;
        check_options(r.meta, &options)?;
        self.options.insert(r.meta.code, RuleOptions(options));
        Ok(())
    }
}

/// The options each rule takes, with their type: a typo or a wrong type is an error, not a
/// silent default.
fn check_options(meta: &RuleMeta, o: &serde_json::Map<String, serde_json::Value>) -> Result<(), String> {
    let known: &[(&str, &str)] = match meta.code {
        "DKR002" => &[("allowedRegistries", "strings")],
        "DKR003" => &[("requireDigest", "bool"), ("exemptImages", "strings")],
        "DKR007" => &[("healthcheck", "required|optional"), ("exemptImages", "strings")],
        "DKR001" => &[("allowedUsers", "strings")],
        "DKR031" => &[("buildContexts", "strings")],
        _ => &[],
    };
    for (k, v) in o {
        let Some((_, ty)) = known.iter().find(|(n, _)| n == k) else {
            return Err(format!("rules: {}: unknown option {k:?}", meta.name));
        };
        let ok = match *ty {
            "strings" => v
                .as_array()
                .is_some_and(|a| a.iter().all(serde_json::Value::is_string)),
            "bool" => v.is_boolean(),
            "required|optional" => matches!(v.as_str(), Some("required" | "optional")),
            _ => false,
        };
        if !ok {
            return Err(format!(
                "rules: {}: option {k:?} must be {}",
                meta.name,
                match *ty {
                    "strings" => "a list of strings",
                    "bool" => "true or false",
                    t => t,
                }
            ));
        }
    }
    Ok(())
}

/// The rules matching `select` (all when empty) and not matching `ignore`: codes, code
/// prefixes (`DKR00`), names, or the group `dockerfile`, comma-separated or repeated.
pub fn select_rules(select: &[String], ignore: &[String]) -> Result<Vec<&'static DockerfileRule>, String> {
    palisade_core::rule::select_from(all_rules(), |r| r.meta, select, ignore, "Dockerfile")
}

/// Runs every rule on `file`.
pub fn lint(file: &Dockerfile, cfg: &Config) -> Vec<Hit> {
    lint_with(file, all_rules(), cfg)
}

/// Runs `rules` on `file`; hits in file order (then rule code).
pub fn lint_with(file: &Dockerfile, rules: &[&'static DockerfileRule], cfg: &Config) -> Vec<Hit> {
    let scripts = crate::rules::common::Scripts::of(file);
    let none = RuleOptions::default();
    let mut out = Vec::new();
    let mut hits: Vec<RuleHit> = Vec::new();
    for r in rules {
        let ctx = Ctx {
            file,
            opts: cfg.options.get(r.meta.code).unwrap_or(&none),
            scripts: &scripts,
        };
        hits.clear();
        (r.check)(&ctx, &mut hits);
        out.extend(hits.drain(..).map(|h| Hit {
            rule: r.meta,
            span: h.span,
            severity: h.severity.unwrap_or(r.meta.severity),
            message: h.message,
        }));
    }
    out.sort_by(|a, b| a.span.start.cmp(&b.span.start).then(a.rule.code.cmp(b.rule.code)));
    out.dedup();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn selection_by_code_prefix_name_and_group() {
        let s = |sel: &[&str], ign: &[&str]| -> Result<Vec<&str>, String> {
            let v = |x: &[&str]| x.iter().map(|s| s.to_string()).collect::<Vec<_>>();
            select_rules(&v(sel), &v(ign)).map(|r| r.iter().map(|r| r.meta.code).collect())
        };
        assert_eq!(s(&["DKR001"], &[]).unwrap(), ["DKR001"]);
        assert_eq!(s(&["dockerfile-sudo,DKR02"], &["DKR021"]).unwrap().len(), 10);
        assert_eq!(s(&["dockerfile"], &[]).unwrap().len(), all_rules().len());
        assert!(s(&["DKR9"], &[]).is_err());
    }

    #[test]
    fn options_are_typed() {
        let map =
            |j: &str| -> serde_json::Map<String, serde_json::Value> { serde_json::from_str(j).unwrap() };
        let mut cfg = Config::default();
        cfg.set(
            "dockerfile-base-image-registry",
            map(r#"{"allowedRegistries": ["r.example.com"]}"#),
        )
        .unwrap();
        assert!(cfg
            .set("DKR002", map(r#"{"allowedRegistries": "r.example.com"}"#))
            .is_err());
        assert!(cfg.set("DKR007", map(r#"{"healthcheck": "sometimes"}"#)).is_err());
        assert!(cfg.set("DKR004", map(r#"{"x": 1}"#)).is_err());
        let rules: BTreeMap<String, serde_json::Map<String, serde_json::Value>> = [
            ("DKR007".to_string(), map(r#"{"healthcheck": "optional"}"#)),
            ("allowed-registries".to_string(), map("{}")),
        ]
        .into_iter()
        .collect();
        let (cfg, others) = Config::from_rules_map(&rules).unwrap();
        assert_eq!(others, ["allowed-registries"]);
        let df = crate::parse("Dockerfile", "FROM alpine:3.19\nUSER 10001\n");
        assert!(lint(&df, &cfg).iter().all(|h| h.rule.code != "DKR007"));
        assert!(lint(&df, &Config::default())
            .iter()
            .any(|h| h.rule.code == "DKR007"));
    }

    use std::collections::BTreeMap;
}
