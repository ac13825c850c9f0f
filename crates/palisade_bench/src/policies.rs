//! Section 5 of the benchmark (policies: RBAC and service accounts, pod security, network
//! policies, secrets, admission, general policies) decided by palisade's own scan, RBAC and
//! NetworkPolicy rules: each section-5 check is mapped to the rules whose references carry its
//! CIS id (`Reference::Cis("5.2.2")`), and is `fail` when one of them found something (the
//! failing objects and rule codes are its items), `pass` when they ran and found nothing, and
//! `warn` (manual) when no rule decides it. Pure: the caller runs the rules (the scan engine)
//! on a cluster's objects or on manifests and hands over the findings. No rule is
//! re-implemented here.

use crate::argv::Where;
use crate::catalogue::{self, CheckDef};
use crate::eval::{CheckResult, ItemResult, Source, Status};
use palisade_core::{Finding, Reference, RuleMeta};

/// The section-5 checks of the catalogue.
pub fn checks() -> impl Iterator<Item = &'static CheckDef> {
    catalogue::catalogue()
        .checks
        .iter()
        .filter(|c| c.section_id() == "5")
}

/// Whether a rule's references name this CIS id.
fn cites(rule: &RuleMeta, id: &str) -> bool {
    rule.references
        .iter()
        .any(|r| matches!(r, Reference::Cis(c) if *c == id))
}

/// The rules that decide a section-5 check (those citing its id), in the order given.
pub fn rules_for(id: &str, rules: &[&'static RuleMeta]) -> Vec<&'static RuleMeta> {
    rules.iter().copied().filter(|r| cites(r, id)).collect()
}

/// Every rule that decides some section-5 check: what a section-5 run selects. Rules that
/// check nothing without an option (`allowedRegistries` for 5.5.1) are left out — a
/// section-5 run sets no rule options — so their checks stay manual instead of passing on
/// a rule that did not look.
pub fn mapped_rules(all: &[&'static RuleMeta]) -> Vec<&'static RuleMeta> {
    all.iter()
        .copied()
        .filter(|r| r.requires_option.is_none())
        .filter(|r| checks().any(|c| cites(r, &c.id)))
        .collect()
}

/// The rules that would decide a section-5 check but need an option to check anything
/// (left out of [`mapped_rules`] unless the configuration gives it).
pub fn mapped_with_options(all: &[&'static RuleMeta]) -> Vec<&'static RuleMeta> {
    all.iter()
        .copied()
        .filter(|r| r.requires_option.is_some())
        .filter(|r| checks().any(|c| cites(r, &c.id)))
        .collect()
}

/// Whether `check` is selected by `--check` ids and group prefixes (all when empty).
fn selected(check: &CheckDef, only: &[String]) -> bool {
    only.is_empty()
        || only
            .iter()
            .any(|c| check.id == *c || check.id.starts_with(&format!("{c}.")) || check.section_id() == c)
}

/// Where a finding is: `file:line:column` for manifests, the object and field for a cluster.
fn where_of(f: &Finding) -> Where {
    match &f.location {
        Some(l) if l.line > 0 => Where::File {
            file: l.file.to_string(),
            line: l.line,
            column: l.column,
        },
        _ => Where::Object {
            object: object_name(f),
            path: f.path.to_string(),
        },
    }
}

/// `Kind namespace/name` (or `Kind name` for cluster-scoped objects).
fn object_name(f: &Finding) -> String {
    let o = f.object();
    match &o.namespace {
        Some(ns) => format!("{} {ns}/{}", o.kind, o.name),
        None => format!("{} {}", o.kind, o.name),
    }
}

/// Decides the section-5 checks (limited to `only`, as `--check`) from the findings of a scan
/// that ran `ran`. Suppressed findings (exceptions, inline ignores) do not fail a check.
pub fn evaluate(findings: &[Finding], ran: &[&'static RuleMeta], only: &[String]) -> Vec<CheckResult> {
    let mut out = Vec::new();
    for check in checks().filter(|c| selected(c, only)) {
        let rules = rules_for(&check.id, ran);
        let mut r = CheckResult {
            id: check.id.clone(),
            section: "5".into(),
            group: check.group.clone(),
            text: check.inspects.clone(),
            scored: check.scored,
            manual: rules.is_empty(),
            status: Status::Warn,
            reason: None,
            expected: String::new(),
            actual: String::new(),
            location: None,
            items: Vec::new(),
            remediation: String::new(),
        };
        if rules.is_empty() {
            r.reason = Some("manual check: no palisade rule decides it; review it by hand".into());
            r.expected = check.inspects.clone();
            r.actual = "manual".into();
            r.remediation = format!("Review by hand: {}.", check.inspects);
            out.push(r);
            continue;
        }
        let codes: Vec<&str> = rules.iter().map(|r| r.code).collect();
        r.expected = format!("no finding of {}", codes.join(", "));
        let hits: Vec<&Finding> = findings
            .iter()
            .filter(|f| f.suppressed.is_none())
            .filter(|f| codes.contains(&f.rule.code) || f.also.iter().any(|a| codes.contains(&a.code)))
            .collect();
        r.remediation = rules
            .iter()
            .map(|x| format!("{} ({}): {}", x.code, x.name, x.remediation))
            .collect::<Vec<_>>()
            .join(" ");
        if hits.is_empty() {
            r.status = Status::Pass;
            r.actual = "no finding".into();
            out.push(r);
            continue;
        }
        r.status = Status::Fail;
        for f in &hits {
            let code = if codes.contains(&f.rule.code) {
                f.rule.code
            } else {
                f.also
                    .iter()
                    .find(|a| codes.contains(&a.code))
                    .map_or(f.rule.code, |a| a.code)
            };
            let container = f
                .container()
                .map(|c| format!(" container {c}"))
                .unwrap_or_default();
            r.items.push(ItemResult {
                item: code.to_owned(),
                value: Some(format!("{}{container}: {}", object_name(f), f.message())),
                source: Some(Source::Object),
                location: Some(where_of(f)),
                passed: false,
            });
        }
        let mut objects: Vec<String> = hits.iter().map(|f| object_name(f)).collect();
        objects.dedup();
        let n = objects.len();
        objects.truncate(3);
        r.actual = format!(
            "{} finding(s) on {n} object(s): {}{}",
            hits.len(),
            objects.join(", "),
            if n > 3 { ", …" } else { "" }
        );
        r.location = r.items.first().and_then(|i| i.location.clone());
        out.push(r);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn there_are_34_section_5_checks() {
        assert_eq!(checks().count(), 34);
        assert!(checks().all(|c| !c.scored));
    }

    #[test]
    fn selection_by_group_and_id() {
        let c = catalogue::find("5.2.2").unwrap();
        assert!(selected(c, &[]));
        assert!(selected(c, &["5".into()]));
        assert!(selected(c, &["5.2".into()]));
        assert!(!selected(c, &["5.1".into()]));
        assert!(!selected(c, &["5.2.1".into()]));
    }

    #[test]
    fn unmapped_checks_are_manual_warnings() {
        let r = evaluate(&[], &[], &["5.2.2".into()]);
        assert_eq!(r.len(), 1);
        assert_eq!((r[0].status, r[0].manual), (Status::Warn, true));
    }
}
