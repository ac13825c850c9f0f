//! Dockerfiles through the engine: parses each text (`palisade_dockerfile::parse`), runs the
//! selected `DKR` rules (`palisade_dockerfile::lint`), and turns their hits into located
//! findings on an object of kind `Dockerfile` named by the file's path, with the same
//! configuration as manifests: severity overrides, exceptions (kind `Dockerfile`, name globs
//! on the path) and inline ignores (`# palisade:ignore=DKR001,DKR004 reason` on the comment
//! lines just above an instruction). Parse errors become located input errors; the rest of the
//! file and the other files are still linted. No I/O: the CLI hands in the texts.

use crate::Suppressor;
use palisade_core::{
    DiagLevel, Diagnostic, FieldPath, Finding, Location, ObjectRef, Report, RuleMeta, ScannedObject,
    Severity, Suppression, SuppressionKind,
};
use palisade_dockerfile::lint;
use palisade_dockerfile::rules::DockerfileRule;
use palisade_dockerfile::{Dockerfile, Instruction};
use std::collections::HashMap;
use std::sync::Arc;

/// The object kind of a Dockerfile's findings (what exceptions name with `kind:`).
pub const KIND: &str = "Dockerfile";
/// The apiVersion of that object (not a Kubernetes one: palisade's own).
pub const API_VERSION: &str = "dockerfile.palisade.dev/v1";
/// The comment that suppresses findings on the instruction below it.
pub const INLINE_IGNORE: &str = "palisade:ignore=";

/// What a Dockerfile lint runs and how.
#[derive(Clone)]
pub struct DockerfileOptions {
    /// The selected rules.
    pub rules: Vec<&'static DockerfileRule>,
    /// The rules' options (`rules:` of the configuration file).
    pub config: lint::Config,
    /// Severity overrides, by rule code.
    pub severity: HashMap<&'static str, Severity>,
    /// Exceptions and the inline-ignore switch (`inlineIgnores`).
    pub suppressor: Suppressor,
    pub fail_on: Severity,
    /// Report expired exceptions too (`palisade dockerfile`; a scan reports them once itself).
    pub expired: bool,
}

/// One inline ignore comment: the rule selectors, the reason, where it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InlineIgnore {
    pub rules: Vec<String>,
    pub reason: String,
    /// The line of the comment and the column of `palisade:ignore=`.
    pub line: u32,
    pub column: u32,
}

/// Parses `# palisade:ignore=RULE[,RULE] reason` from a comment line; `Err` for a comment
/// that has the marker but no rule or no reason (a typo suppresses nothing, and says so).
pub fn parse_inline_ignore(line_text: &str, line: u32) -> Option<Result<InlineIgnore, String>> {
    let trimmed = line_text.trim_start();
    let comment = trimmed.strip_prefix('#')?;
    let at = comment.find(INLINE_IGNORE)?;
    let rest = &comment[at + INLINE_IGNORE.len()..];
    let column = (line_text.len() - trimmed.len() + 1 + at) as u32 + 1;
    let (rules, reason) = rest.split_once(char::is_whitespace).unwrap_or((rest, ""));
    let rules: Vec<String> = rules
        .split(',')
        .map(str::trim)
        .filter(|r| !r.is_empty())
        .map(str::to_owned)
        .collect();
    let reason = reason.trim();
    if rules.is_empty() {
        return Some(Err(format!(
            "{INLINE_IGNORE} names no rule; nothing is suppressed"
        )));
    }
    if reason.is_empty() {
        return Some(Err(format!(
            "{INLINE_IGNORE}{} has no reason; a reason is required, nothing is suppressed",
            rules.join(",")
        )));
    }
    Some(Ok(InlineIgnore {
        rules,
        reason: reason.to_owned(),
        line,
        column,
    }))
}

/// The inline ignores that apply to each instruction, by its first line: the comment lines
/// directly above it (no blank line between).
fn inline_ignores(
    file: &Arc<str>,
    text: &str,
    df: &Dockerfile,
    known: &dyn Fn(&str) -> bool,
    diags: &mut Vec<Diagnostic>,
) -> HashMap<u32, Vec<InlineIgnore>> {
    let lines: Vec<&str> = text.lines().collect();
    let mut out: HashMap<u32, Vec<InlineIgnore>> = HashMap::new();
    let warn = |diags: &mut Vec<Diagnostic>, line: u32, column: u32, message: String| {
        diags.push(Diagnostic {
            level: DiagLevel::Warning,
            file: Some(file.clone()),
            line: Some(line),
            column: Some(column),
            message,
            object: None,
        })
    };
    for ins in all_instructions(df) {
        let start = ins.span.start.line;
        let mut l = start as usize;
        // Comment lines directly above (l is 1-based: lines[l - 2] is the line above).
        while l >= 2 {
            let above = lines.get(l - 2).copied().unwrap_or("");
            if !above.trim_start().starts_with('#') {
                break;
            }
            l -= 1;
            match parse_inline_ignore(above, l as u32) {
                None => {}
                Some(Err(e)) => warn(diags, l as u32, 1, e),
                Some(Ok(ig)) => {
                    let unknown: Vec<&String> = ig.rules.iter().filter(|r| !known(r)).collect();
                    if !unknown.is_empty() {
                        let names: Vec<String> = unknown.iter().map(|s| format!("{s:?}")).collect();
                        warn(
                            diags,
                            ig.line,
                            ig.column,
                            format!(
                                "{INLINE_IGNORE} names unknown rule(s) {} (see `palisade rules`); they suppress nothing",
                                names.join(", ")
                            ),
                        );
                    }
                    out.entry(start).or_default().push(ig);
                }
            }
        }
    }
    out
}

/// Every instruction, ONBUILD's inner ones after their ONBUILD.
fn all_instructions(df: &Dockerfile) -> impl Iterator<Item = &Instruction> {
    df.instructions.iter()
}

/// The instruction that contains line `line` (the last one starting at or before it).
fn instruction_at(df: &Dockerfile, line: u32) -> Option<(usize, &Instruction)> {
    df.instructions
        .iter()
        .enumerate()
        .take_while(|(_, i)| i.span.start.line <= line)
        .last()
}

/// A finding's field path: the stage (its name, or its index), the instruction's keyword and
/// its rank among the stage's instructions of that keyword — stable when lines are added
/// above, so that a baseline still knows the finding.
fn path_of(df: &Dockerfile, idx: Option<usize>) -> FieldPath {
    let Some(idx) = idx else {
        return FieldPath::root();
    };
    let ins = &df.instructions[idx];
    let stage = df
        .stages
        .iter()
        .find(|s| s.instructions.contains(&idx) || s.from == idx);
    let mut p = FieldPath::root().key("stages");
    let first = match stage {
        Some(s) => {
            p = match &s.name {
                Some(n) => p.key(n),
                None => p.idx(s.index),
            };
            s.from
        }
        None => {
            p = p.key("global");
            0
        }
    };
    let keyword = ins.keyword.as_str().to_ascii_uppercase();
    let rank = df.instructions[first..idx]
        .iter()
        .filter(|i| i.keyword == ins.keyword)
        .count();
    p.key(&keyword).idx(rank)
}

/// Lints the Dockerfiles `inputs` (display name, text) into a report: findings in file and
/// line order, suppressed findings, located parse errors, the files as scanned objects.
pub fn lint_texts(inputs: &[(Arc<str>, String)], opts: &DockerfileOptions) -> Report {
    let metas: Vec<&'static RuleMeta> = opts.rules.iter().map(|r| r.meta).collect();
    let mut report = Report {
        rules: metas.clone(),
        fail_on: Some(opts.fail_on),
        ..Report::default()
    };
    let known = |s: &str| {
        palisade_dockerfile::rules::all_rules()
            .iter()
            .any(|r| r.meta.matches(s))
    };
    let mut used = vec![0usize; opts.suppressor.exceptions.len()];
    for (file, text) in inputs {
        report.stats.files += 1;
        report.stats.bytes += text.len() as u64;
        let df = palisade_dockerfile::parse(&file[..], text);
        let object = Arc::new(ObjectRef {
            api_version: API_VERSION.into(),
            kind: KIND.into(),
            namespace: None,
            name: file.to_string(),
            uid: None,
        });
        let object_location = Some(Location {
            file: file.clone(),
            line: 1,
            column: 1,
        });
        report.stats.documents += 1;
        report.stats.objects += 1;
        let scanned = ScannedObject {
            object: object.clone(),
            location: object_location.clone(),
        };
        report.objects.push(scanned.clone());
        report.scanned.push(scanned);
        for e in &df.errors {
            report.errors.push(Diagnostic {
                level: DiagLevel::Error,
                file: Some(file.clone()),
                line: Some(e.span.start.line),
                column: Some(e.span.start.column),
                message: e.message.clone(),
                object: None,
            });
        }
        // A RUN the shell parser cannot read (a syntax error, or a construct it does not
        // know) is linted without its commands: say so, as a located warning.
        for e in palisade_dockerfile::shell::check(&df) {
            report.errors.push(Diagnostic {
                level: DiagLevel::Warning,
                file: Some(file.clone()),
                line: Some(e.span.start.line),
                column: Some(e.span.start.column),
                message: format!("{}; the commands of this RUN were not checked", e.message),
                object: None,
            });
        }
        let ignores = if opts.suppressor.inline {
            inline_ignores(file, text, &df, &known, &mut report.errors)
        } else {
            HashMap::new()
        };
        let mut hits = lint::lint_with(&df, &opts.rules, &opts.config);
        hits.sort_by_key(|h| (h.span.start.line, h.span.start.column, h.rule.code));
        let mut seen: HashMap<(String, &str), usize> = HashMap::new();
        for h in hits {
            let rule = h.rule;
            let at = instruction_at(&df, h.span.start.line);
            let mut path = path_of(&df, at.map(|(i, _)| i));
            // Two hits of one rule on one instruction: told apart by their rank.
            let n = seen.entry((path.to_string(), rule.code)).or_default();
            if *n > 0 {
                path = path.key("hit").idx(*n);
            }
            *n += 1;
            let location = Location {
                file: file.clone(),
                line: h.span.start.line,
                column: h.span.start.column,
            };
            let severity = opts.severity.get(rule.code).copied().unwrap_or(h.severity);
            let inline = at
                .and_then(|(_, ins)| ignores.get(&ins.span.start.line))
                .and_then(|v| v.iter().find(|ig| ig.rules.iter().any(|r| rule.matches(r))))
                .map(|ig| Suppression {
                    kind: SuppressionKind::Annotation,
                    reason: ig.reason.clone(),
                    owner: None,
                    expires: None,
                    source: Some(Location {
                        file: file.clone(),
                        line: ig.line,
                        column: ig.column,
                    }),
                    exception: None,
                });
            let suppressed = inline.or_else(|| {
                let s = opts.suppressor.check_named(KIND, &object.name, rule)?;
                if let Some(i) = s.exception {
                    used[i] += 1;
                }
                Some(s)
            });
            let f = Finding {
                rule,
                severity,
                exact: true,
                object: object.clone(),
                object_location: object_location.clone(),
                container: None,
                message: h.message.into_boxed_str(),
                path,
                location: Some(location),
                pss: None,
                suppressed: suppressed.map(Arc::new),
                also: Vec::new(),
            };
            if f.suppressed.is_some() {
                report.suppressed.push(f);
            } else {
                *report.stats.findings_by_severity.entry(f.severity).or_default() += 1;
                report.findings.push(f);
            }
        }
    }
    // The configuration's own findings about exceptions that name Dockerfile rules: stale
    // (matched nothing although its rule ran) and, for `palisade dockerfile`, expired.
    let mut ran = metas.clone();
    ran.extend(palisade_rules::config::RULES.iter().copied());
    let mut accounting = opts.suppressor.exception_findings(&used, &ran);
    accounting.retain(|f| {
        let e = opts
            .suppressor
            .exceptions
            .iter()
            .find(|e| e.path == f.object.name);
        let names_dkr = e.is_some_and(|e| e.exception.rules.iter().any(|s| known(s)));
        names_dkr && (opts.expired || f.rule.code != palisade_rules::config::EXPIRED_EXCEPTION.code)
    });
    for f in accounting {
        *report.stats.findings_by_severity.entry(f.severity).or_default() += 1;
        report.findings.push(f);
    }
    report.rules.extend(palisade_rules::config::RULES.iter().copied());
    report
}

/// Joins a Dockerfile report into a scan's: findings, suppressed findings, errors, objects
/// and counts; findings in the report's order (file, line, column).
pub fn merge(into: &mut Report, other: Report) {
    // Dockerfiles were linted: the scan read something even without Kubernetes objects.
    if other.stats.objects > 0 && into.stats.objects == 0 {
        into.errors
            .retain(|d| !d.message.starts_with("nothing was scanned"));
    }
    into.findings.extend(other.findings);
    into.findings.sort_by(|x, y| {
        (x.location.as_ref(), &*x.object, x.rule.code).cmp(&(y.location.as_ref(), &*y.object, y.rule.code))
    });
    into.suppressed.extend(other.suppressed);
    into.errors.extend(other.errors);
    into.objects.extend(other.objects);
    into.scanned.extend(other.scanned);
    for r in other.rules {
        if !into.rules.iter().any(|x| x.code == r.code) {
            into.rules.push(r);
        }
    }
    into.stats.files += other.stats.files;
    into.stats.bytes += other.stats.bytes;
    into.stats.documents += other.stats.documents;
    into.stats.objects += other.stats.objects;
    into.recount();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inline_ignore_comments() {
        let ig = parse_inline_ignore("# palisade:ignore=DKR001,DKR004 the base image sets it", 3)
            .unwrap()
            .unwrap();
        assert_eq!(ig.rules, ["DKR001", "DKR004"]);
        assert_eq!(ig.reason, "the base image sets it");
        assert_eq!((ig.line, ig.column), (3, 3));
        assert!(parse_inline_ignore("  #palisade:ignore=DKR001", 1)
            .unwrap()
            .is_err());
        assert!(parse_inline_ignore("# palisade:ignore= reason", 1)
            .unwrap()
            .is_err());
        assert!(parse_inline_ignore("# just a comment", 1).is_none());
        assert!(parse_inline_ignore("RUN echo palisade:ignore=DKR001 x", 1).is_none());
    }
}
