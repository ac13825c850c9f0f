//! Resolves `--select` / `--ignore` into the list of rules that run. Unknown selectors and
//! selections that leave no rule are usage errors.

use palisade_core::RuleMeta;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SelectError {
    #[error("unknown rule, code prefix or group: {0:?} (see `palisade rules`)")]
    Unknown(String),
    #[error("the selection runs no rule")]
    Empty,
}

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
