//! Resolves `--select` / `--ignore` into the list of rules that run. Unknown selectors and
//! selections that leave no rule are usage errors.

use palisade_core::RuleMeta;
use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SelectError {
    Unknown(String),
    Empty,
}

impl fmt::Display for SelectError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SelectError::Unknown(s) => write!(
                f,
                "unknown rule, code prefix or group: {s:?} (see `palisade rules`)"
            ),
            SelectError::Empty => f.write_str("the selection runs no rule"),
        }
    }
}

impl std::error::Error for SelectError {}

/// `select` empty means every rule. Selectors match a code, a code prefix (`PSS`, `PSS01`),
/// a rule name or a group, case-insensitively; comma-separated lists are accepted.
pub fn select_rules(
    all: &'static [&'static RuleMeta],
    select: &[String],
    ignore: &[String],
) -> Result<Vec<&'static RuleMeta>, SelectError> {
    let split = |v: &[String]| -> Vec<String> {
        v.iter()
            .flat_map(|s| s.split(','))
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect()
    };
    let select = split(select);
    let ignore = split(ignore);
    for s in select.iter().chain(&ignore) {
        if !all.iter().any(|r| r.matches(s)) {
            return Err(SelectError::Unknown(s.clone()));
        }
    }
    let rules: Vec<_> = all
        .iter()
        .copied()
        .filter(|r| select.is_empty() || select.iter().any(|s| r.matches(s)))
        .filter(|r| !ignore.iter().any(|s| r.matches(s)))
        .collect();
    if rules.is_empty() {
        return Err(SelectError::Empty);
    }
    Ok(rules)
}
