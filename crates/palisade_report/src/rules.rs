//! The rule catalogue pages: `palisade rules` (an aligned table or a JSON array) and
//! `palisade explain CODE` (one rule's header, documentation, remediation and references).

use crate::json::JsonRule;
use palisade_core::{Reference, RuleMeta};
use serde::Serialize;
use std::fmt::Write as _;
use std::io::{self, Write};

pub(crate) fn render_rules_table(rules: &[&'static RuleMeta], out: &mut dyn Write) -> io::Result<()> {
    let header = ["CODE", "NAME", "SEVERITY", "GROUP", "SUMMARY"];
    let rows: Vec<[&str; 5]> = rules
        .iter()
        .map(|r| [r.code, r.name, r.severity.as_str(), r.group, r.summary])
        .collect();
    let mut widths = header.map(str::len);
    for r in &rows {
        for (w, cell) in widths.iter_mut().zip(r) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let mut s = String::new();
    for row in std::iter::once(&header).chain(&rows) {
        let mut line = String::new();
        for (i, (cell, w)) in row.iter().zip(widths).enumerate() {
            if i > 0 {
                line.push_str("  ");
            }
            line.push_str(cell);
            if i + 1 < row.len() {
                line.push_str(&" ".repeat(w - cell.chars().count()));
            }
        }
        let _ = writeln!(s, "{}", line.trim_end());
    }
    let _ = writeln!(
        s,
        "\n{} {}",
        rules.len(),
        if rules.len() == 1 { "rule" } else { "rules" }
    );
    out.write_all(s.as_bytes())
}

#[derive(Serialize)]
struct JsonRuleDoc<'a> {
    #[serde(flatten)]
    rule: JsonRule<'a>,
    remediation: &'a str,
    references: Vec<JsonReference>,
}

#[derive(Serialize)]
pub(crate) struct JsonReference {
    kind: &'static str,
    id: &'static str,
    label: String,
}

pub(crate) fn reference(r: &Reference) -> JsonReference {
    let (kind, id) = r.kind_and_id();
    JsonReference {
        kind,
        id,
        label: r.label(),
    }
}

pub(crate) fn render_rules_json(rules: &[&'static RuleMeta], out: &mut dyn Write) -> io::Result<()> {
    let doc: Vec<JsonRuleDoc<'_>> = rules
        .iter()
        .map(|r| JsonRuleDoc {
            rule: JsonRule::from(*r),
            remediation: r.remediation,
            references: r.references.iter().map(reference).collect(),
        })
        .collect();
    serde_json::to_writer_pretty(&mut *out, &doc)?;
    out.write_all(b"\n")
}

pub(crate) fn render_explain(rule: &RuleMeta, out: &mut dyn Write) -> io::Result<()> {
    let mut s = String::new();
    let _ = writeln!(s, "{} {}", rule.code, rule.name);
    let _ = writeln!(s, "severity: {}  group: {}", rule.severity, rule.group);
    let _ = writeln!(s, "{}", rule.summary);
    if rule.scope == palisade_core::Scope::Cluster {
        let _ = writeln!(
            s,
            "Needs the other objects of the cluster: not run by the admission webhook (palisade serve)."
        );
    }
    let docs = dedent(rule.docs);
    let docs = docs.trim();
    if !docs.is_empty() {
        let _ = writeln!(s, "\n{docs}");
    }
    let _ = writeln!(
        s,
        "\nRemediation:\n  {}",
        rule.remediation.trim().replace('\n', "\n  ")
    );
    if !rule.references.is_empty() {
        s.push_str("\nReferences:\n");
        for r in rule.references {
            let _ = writeln!(s, "  - {}", r.label());
        }
    }
    out.write_all(s.as_bytes())
}

/// The rule catalogue as one Markdown page (docs/rules.md is generated with it): an index
/// table, then each rule's documentation with its headings demoted under the rule's own.
pub(crate) fn render_rules_markdown(rules: &[&'static RuleMeta], out: &mut dyn Write) -> io::Result<()> {
    let mut s = String::from(
        "# palisade rules\n\nGenerated from the rules' own documentation by `palisade rules -o markdown`; \
         `palisade explain CODE` prints the same text. Do not edit by hand.\n\n\
         | code | name | severity | summary |\n|---|---|---|---|\n",
    );
    for r in rules {
        let _ = writeln!(
            s,
            "| [{}](#{}) | `{}` | {} | {} |",
            r.code,
            r.code.to_ascii_lowercase(),
            r.name,
            r.severity,
            r.summary
        );
    }
    for r in rules {
        let _ = writeln!(
            s,
            "\n## {}\n\n`{}` · severity **{}** · group `{}`\n\n{}\n",
            r.code, r.name, r.severity, r.group, r.summary
        );
        if r.scope == palisade_core::Scope::Cluster {
            let _ = writeln!(
                s,
                "*Needs the other objects of the cluster: not run by the admission webhook (`palisade serve`).*\n"
            );
        }
        for line in dedent(r.docs).trim().lines() {
            if line.starts_with('#') {
                let _ = writeln!(s, "##{line}");
            } else {
                let _ = writeln!(s, "{line}");
            }
        }
        let _ = writeln!(s, "\n**Remediation.** {}", r.remediation.trim());
        if !r.references.is_empty() {
            s.push_str("\n**References.**\n\n");
            for reference in r.references {
                let _ = writeln!(s, "* {}", reference.label());
            }
        }
    }
    out.write_all(s.as_bytes())
}

/// Removes the indentation common to all non-blank lines (rule docs written as `///`
/// comments carry one leading space per line).
pub(crate) fn dedent(text: &str) -> String {
    let indent = text
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| l.len() - l.trim_start_matches(' ').len())
        .min()
        .unwrap_or(0);
    let mut out = String::with_capacity(text.len());
    for l in text.lines() {
        out.push_str(l.get(indent..).unwrap_or("").trim_end());
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dedent_removes_common_indent() {
        assert_eq!(
            dedent(" ## What\n Flags x.\n\n ```yaml\n   a: 1\n ```\n"),
            "## What\nFlags x.\n\n```yaml\n  a: 1\n```\n"
        );
    }
}
