//! Accountable suppression: configuration exceptions (rules × object globs, reason, owner,
//! expiry) and inline `palisade.dev/ignore` annotations. Decides whether a finding is
//! suppressed, and reports expired and stale exceptions as findings of their own.

use crate::config::LocatedException;
use palisade_core::{
    DiagLevel, Diagnostic, FieldPath, Finding, Location, Node, Object, ObjectRef, RuleMeta, Suppression,
    SuppressionKind,
};

/// The annotation that suppresses findings on one object: `"<rule>[,<rule>]: <reason>"`.
pub const IGNORE_ANNOTATION: &str = "palisade.dev/ignore";

#[derive(Debug, Clone, Default)]
pub struct Suppressor {
    pub exceptions: Vec<LocatedException>,
    /// Today's date (UTC): exceptions whose `expires` is before it no longer apply.
    pub today: jiff::civil::Date,
    /// Honour `palisade.dev/ignore` annotations.
    pub inline: bool,
}

/// `*` matches any run of characters, `?` one character; everything else literally.
pub fn glob(pattern: &str, s: &str) -> bool {
    let (p, t): (Vec<char>, Vec<char>) = (pattern.chars().collect(), s.chars().collect());
    let (mut pi, mut ti, mut star, mut mark) = (0, 0, None, 0);
    while ti < t.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some(pi);
            mark = ti;
            pi += 1;
        } else if let Some(sp) = star {
            pi = sp + 1;
            mark += 1;
            ti = mark;
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|&c| c == '*')
}

/// Why an ignore annotation is malformed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IgnoreAnnotationError {
    #[error("{IGNORE_ANNOTATION} must be \"<rule>[,<rule>]: <reason>\"; the reason is required")]
    Syntax,
    #[error("{IGNORE_ANNOTATION} names no rule")]
    NoRule,
    #[error("{IGNORE_ANNOTATION} has no reason; a reason is required")]
    NoReason,
    #[error("{IGNORE_ANNOTATION} must be a string")]
    NotAString,
}

/// Parses an ignore annotation value into (rule selectors, reason).
pub fn parse_ignore(value: &str) -> Result<(Vec<&str>, &str), IgnoreAnnotationError> {
    let Some((rules, reason)) = value.split_once(':') else {
        return Err(IgnoreAnnotationError::Syntax);
    };
    let rules: Vec<&str> = rules
        .split(',')
        .map(str::trim)
        .filter(|r| !r.is_empty())
        .collect();
    let reason = reason.trim();
    if rules.is_empty() {
        return Err(IgnoreAnnotationError::NoRule);
    }
    if reason.is_empty() {
        return Err(IgnoreAnnotationError::NoReason);
    }
    Ok((rules, reason))
}

fn ignore_annotation(obj: &Object) -> Option<&Node> {
    obj.root.at(&["metadata", "annotations", IGNORE_ANNOTATION])
}

impl Suppressor {
    fn exception_matches(&self, e: &LocatedException, obj: &Object, rule: &RuleMeta) -> bool {
        let x = &e.exception;
        x.rules.iter().any(|r| rule.matches(r))
            && x.kind.as_deref().is_none_or(|k| glob(k, &obj.kind))
            && x.namespace
                .as_deref()
                .is_none_or(|n| glob(n, obj.namespace.as_deref().unwrap_or("")))
            && x.name.as_deref().is_none_or(|n| glob(n, &obj.name))
            && x.labels
                .iter()
                .all(|(k, v)| obj.label(k).is_some_and(|l| glob(v, l)))
    }

    /// Why a finding of `rule` on `obj` is suppressed, if it is.
    pub fn check(&self, obj: &Object, rule: &RuleMeta) -> Option<Suppression> {
        if self.inline {
            if let Some(v) = ignore_annotation(obj).and_then(Node::as_str) {
                if let Ok((rules, reason)) = parse_ignore(v) {
                    if rules.iter().any(|r| rule.matches(r)) {
                        let path = palisade_core::FieldPath::root()
                            .key("metadata")
                            .key("annotations")
                            .key(IGNORE_ANNOTATION);
                        return Some(Suppression {
                            kind: SuppressionKind::Annotation,
                            reason: reason.to_owned(),
                            owner: None,
                            expires: None,
                            source: obj.locate(&path).0,
                            exception: None,
                        });
                    }
                }
            }
        }
        self.exceptions.iter().enumerate().find_map(|(i, e)| {
            let expired = e.expires_day.is_some_and(|d| d < self.today);
            (!expired && self.exception_matches(e, obj, rule)).then(|| Suppression {
                kind: SuppressionKind::Exception,
                reason: e.exception.reason.clone(),
                owner: Some(e.exception.owner.clone()),
                expires: e.exception.expires.clone(),
                source: Some(Location {
                    file: e.file.clone(),
                    line: e.pos.line,
                    column: e.pos.col,
                }),
                exception: Some(i),
            })
        })
    }

    /// Why a finding of `rule` on an object that is not a Kubernetes object (a Dockerfile:
    /// `kind` and `name` only, no namespace or labels) is suppressed by an exception, if it
    /// is. An exception that names a namespace or labels does not match it.
    pub fn check_named(&self, kind: &str, name: &str, rule: &RuleMeta) -> Option<Suppression> {
        self.exceptions.iter().enumerate().find_map(|(i, e)| {
            let x = &e.exception;
            let expired = e.expires_day.is_some_and(|d| d < self.today);
            let matches = x.rules.iter().any(|r| rule.matches(r))
                && x.kind.as_deref().is_none_or(|k| glob(k, kind))
                && x.namespace.as_deref().is_none_or(|n| glob(n, ""))
                && x.name.as_deref().is_none_or(|n| {
                    // A path is matched as written and without a leading `./` (`palisade
                    // dockerfile .` names `./tools/debug/Dockerfile`, the exception
                    // `tools/*/Dockerfile`).
                    glob(n, name) || name.strip_prefix("./").is_some_and(|p| glob(n, p))
                })
                && x.labels.is_empty();
            (!expired && matches).then(|| Suppression {
                kind: SuppressionKind::Exception,
                reason: x.reason.clone(),
                owner: Some(x.owner.clone()),
                expires: x.expires.clone(),
                source: Some(Location {
                    file: e.file.clone(),
                    line: e.pos.line,
                    column: e.pos.col,
                }),
                exception: Some(i),
            })
        })
    }

    /// A warning for a malformed ignore annotation on `obj`, or one that names a rule that
    /// does not exist (a typo suppresses nothing).
    pub fn annotation_problem(&self, obj: &Object) -> Option<Diagnostic> {
        let n = ignore_annotation(obj)?;
        let problem = match n.as_str() {
            Some(v) => match parse_ignore(v) {
                Err(e) => e.to_string() + "; nothing is suppressed",
                Ok((rules, _)) => {
                    let unknown: Vec<&str> = rules
                        .into_iter()
                        .filter(|s| !palisade_rules::all_rules().iter().any(|r| r.matches(s)))
                        .collect();
                    if unknown.is_empty() {
                        return None;
                    }
                    let names: Vec<String> = unknown.iter().map(|s| format!("{s:?}")).collect();
                    format!(
                        "{IGNORE_ANNOTATION} names unknown rule(s) {} (see `palisade rules`); they suppress nothing",
                        names.join(", ")
                    )
                }
            },
            None => IgnoreAnnotationError::NotAString.to_string() + "; nothing is suppressed",
        };
        let path = palisade_core::FieldPath::root()
            .key("metadata")
            .key("annotations")
            .key(IGNORE_ANNOTATION);
        let loc = obj.locate(&path).0;
        Some(Diagnostic {
            level: DiagLevel::Warning,
            file: loc.as_ref().map(|l| l.file.clone()),
            line: loc.as_ref().map(|l| l.line),
            column: loc.as_ref().map(|l| l.column),
            message: problem,
            object: Some(obj.reference()),
        })
    }

    /// Findings about the exceptions themselves: expired ones, and ones that matched no
    /// finding although one of their rules ran.
    pub fn exception_findings(&self, used: &[usize], rules: &[&'static RuleMeta]) -> Vec<Finding> {
        let mut out = Vec::new();
        let ran = |e: &LocatedException| {
            rules
                .iter()
                .any(|r| e.exception.rules.iter().any(|s| r.matches(s)))
        };
        for (i, e) in self.exceptions.iter().enumerate() {
            let expired = e.expires_day.is_some_and(|d| d < self.today);
            let (rule, message) = if expired {
                (
                    &palisade_rules::config::EXPIRED_EXCEPTION,
                    format!(
                        "exception for {} (owner {}) expired on {}; it no longer suppresses anything",
                        e.exception.rules.join(", "),
                        e.exception.owner,
                        e.exception.expires.as_deref().unwrap_or("?")
                    ),
                )
            } else if used.get(i).copied().unwrap_or(0) == 0 && ran(e) {
                (
                    &palisade_rules::config::STALE_EXCEPTION,
                    format!(
                        "exception for {} (owner {}) matched no finding; delete it or fix its globs",
                        e.exception.rules.join(", "),
                        e.exception.owner
                    ),
                )
            } else {
                continue;
            };
            if !rules.iter().any(|r| std::ptr::eq(*r, rule)) {
                continue;
            }
            let location = Some(Location {
                file: e.file.clone(),
                line: e.pos.line,
                column: e.pos.col,
            });
            out.push(Finding {
                rule,
                severity: rule.severity,
                object_location: location.clone(),
                object: std::sync::Arc::new(ObjectRef {
                    api_version: "palisade.dev/v1".into(),
                    kind: "Exception".into(),
                    namespace: None,
                    name: e.path.clone(),
                    uid: None,
                }),
                container: None,
                message: message.into_boxed_str(),
                path: FieldPath::parse(&e.path).unwrap_or_else(|| FieldPath::root().key(&e.path)),
                location,
                exact: true,
                pss: None,
                suppressed: None,
                also: Vec::new(),
            });
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs() {
        assert!(glob("kube-*", "kube-system"));
        assert!(glob("*", ""));
        assert!(glob("a?c", "abc"));
        assert!(!glob("a?c", "ac"));
        assert!(glob("*-prod-*", "shop-prod-eu"));
        assert!(!glob("team-*", "other"));
        assert!(glob("Deployment", "Deployment"));
        assert!(!glob("Deploy", "Deployment"));
    }

    #[test]
    fn ignore_annotation_syntax() {
        assert_eq!(
            parse_ignore("HRD005, PSS007: vendor image").unwrap(),
            (vec!["HRD005", "PSS007"], "vendor image")
        );
        assert!(parse_ignore("HRD005").is_err());
        assert!(parse_ignore("HRD005:  ").is_err());
        assert!(parse_ignore(": reason").is_err());
    }
}
