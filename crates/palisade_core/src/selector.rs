//! Kubernetes label selectors (`matchLabels` + `matchExpressions`): parsing from a document
//! with the API server's validation (label key and value syntax, operators and their value
//! lists), and matching against a label set. Pure: no I/O.

use crate::node::Node;
use crate::path::FieldPath;
use std::collections::BTreeMap;

/// A label-selector operator.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Op {
    In,
    NotIn,
    Exists,
    DoesNotExist,
}

/// One `matchExpressions` requirement.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Requirement {
    pub key: String,
    pub op: Op,
    pub values: Vec<String>,
}

/// A parsed label selector. `invalid` selectors (an unknown operator, a wrong-typed field)
/// select nothing, as the API server would never have admitted them.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct LabelSelector {
    pub match_labels: Vec<(String, String)>,
    pub expressions: Vec<Requirement>,
    pub invalid: bool,
}

/// A problem found while parsing a selector: the field and what is wrong.
pub type SelectorProblem = (FieldPath, String);

impl LabelSelector {
    /// The empty selector: matches everything.
    pub fn everything() -> LabelSelector {
        LabelSelector::default()
    }

    /// Whether it has no requirement at all (`{}`: selects everything).
    pub fn is_empty(&self) -> bool {
        !self.invalid && self.match_labels.is_empty() && self.expressions.is_empty()
    }

    /// Parses a selector node found at `path`, validating it like the API server.
    pub fn parse(n: &Node, path: &FieldPath) -> (LabelSelector, Vec<SelectorProblem>) {
        let mut s = LabelSelector::default();
        let mut problems = Vec::new();
        if !n.is_null() && n.as_map().is_none() {
            problems.push((
                path.clone(),
                format!("a label selector is a mapping, not {}", n.type_name()),
            ));
            s.invalid = true;
            return (s, problems);
        }
        if let Some(m) = n.get("matchLabels") {
            match m.as_map() {
                Some(entries) => {
                    for e in entries {
                        let p = path.clone().key("matchLabels").key(&e.key);
                        let v = match e.value.as_str() {
                            Some(v) => v.to_owned(),
                            None => {
                                problems.push((
                                    p,
                                    format!("label value must be a string, not {}", e.value.type_name()),
                                ));
                                s.invalid = true;
                                continue;
                            }
                        };
                        if let Some(why) = label_key_problem(&e.key) {
                            problems.push((p.clone(), why));
                        }
                        if let Some(why) = label_value_problem(&v) {
                            problems.push((p, why));
                        }
                        s.match_labels.push((e.key.to_string(), v));
                    }
                }
                None if m.is_null() => {}
                None => {
                    problems.push((
                        path.clone().key("matchLabels"),
                        "matchLabels must be a mapping".into(),
                    ));
                    s.invalid = true;
                }
            }
        }
        if let Some(exprs) = n.get("matchExpressions").and_then(Node::as_seq) {
            for (i, x) in exprs.iter().enumerate() {
                let p = path.clone().key("matchExpressions").idx(i);
                let key = x.get("key").and_then(Node::as_str).unwrap_or("").to_owned();
                let values: Vec<String> = x
                    .get("values")
                    .and_then(Node::as_seq)
                    .map(|v| v.iter().filter_map(Node::as_str).map(str::to_owned).collect())
                    .unwrap_or_default();
                let op = match x.get("operator").and_then(Node::as_str).unwrap_or("") {
                    "In" => Some(Op::In),
                    "NotIn" => Some(Op::NotIn),
                    "Exists" => Some(Op::Exists),
                    "DoesNotExist" => Some(Op::DoesNotExist),
                    other => {
                        problems.push((
                            p.clone().key("operator"),
                            format!("operator {other:?} is not In, NotIn, Exists or DoesNotExist"),
                        ));
                        None
                    }
                };
                if let Some(why) = label_key_problem(&key) {
                    problems.push((p.clone().key("key"), why));
                }
                match op {
                    Some(Op::In | Op::NotIn) if values.is_empty() => problems.push((
                        p.clone().key("values"),
                        "values must be non-empty for In and NotIn".into(),
                    )),
                    Some(Op::Exists | Op::DoesNotExist) if !values.is_empty() => problems.push((
                        p.clone().key("values"),
                        "values must be empty for Exists and DoesNotExist".into(),
                    )),
                    _ => {}
                }
                for v in &values {
                    if let Some(why) = label_value_problem(v) {
                        problems.push((p.clone().key("values"), why));
                    }
                }
                match op {
                    Some(op) => s.expressions.push(Requirement { key, op, values }),
                    None => s.invalid = true,
                }
            }
        }
        (s, problems)
    }

    /// Whether the selector matches a label set.
    pub fn matches<L: LabelSet + ?Sized>(&self, labels: &L) -> bool {
        if self.invalid {
            return false;
        }
        self.match_labels.iter().all(|(k, v)| labels.get(k) == Some(v))
            && self.expressions.iter().all(|r| match r.op {
                Op::In => labels.get(&r.key).is_some_and(|v| r.values.contains(v)),
                Op::NotIn => labels.get(&r.key).is_none_or(|v| !r.values.contains(v)),
                Op::Exists => labels.contains_key(&r.key),
                Op::DoesNotExist => !labels.contains_key(&r.key),
            })
    }

    /// `app=web,tier in (a,b)` or `{}` (everything).
    pub fn describe(&self) -> String {
        if self.is_empty() {
            return "{} (everything)".into();
        }
        let mut parts: Vec<String> = self
            .match_labels
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        for r in &self.expressions {
            parts.push(match r.op {
                Op::In => format!("{} in ({})", r.key, r.values.join(",")),
                Op::NotIn => format!("{} notin ({})", r.key, r.values.join(",")),
                Op::Exists => r.key.clone(),
                Op::DoesNotExist => format!("!{}", r.key),
            });
        }
        parts.join(",")
    }
}

/// What a selector reads of a label set: the value of one key.
pub trait LabelSet {
    fn get(&self, key: &str) -> Option<&String>;
    fn contains_key(&self, key: &str) -> bool {
        self.get(key).is_some()
    }
}

impl LabelSet for BTreeMap<String, String> {
    fn get(&self, key: &str) -> Option<&String> {
        BTreeMap::get(self, key)
    }
}

/// A label set held for long (one per workload of a scan): the pairs sorted by key in one
/// allocation. A `BTreeMap` of one label costs a 544-byte node; this costs the pair.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct Labels(Box<[(String, String)]>);

impl Labels {
    pub fn get(&self, key: &str) -> Option<&String> {
        self.0
            .binary_search_by(|(k, _)| k.as_str().cmp(key))
            .ok()
            .map(|i| &self.0[i].1)
    }
    pub fn contains_key(&self, key: &str) -> bool {
        self.get(key).is_some()
    }
    /// The pairs in key order.
    pub fn iter(&self) -> impl Iterator<Item = (&String, &String)> {
        self.into_iter()
    }
    pub fn len(&self) -> usize {
        self.0.len()
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl Labels {
    /// Labels of a `metadata` node (non-string values are skipped), as [`labels_of`].
    pub fn of(metadata: Option<&Node>) -> Labels {
        label_pairs(metadata).collect()
    }
}

impl LabelSet for Labels {
    fn get(&self, key: &str) -> Option<&String> {
        Labels::get(self, key)
    }
}

/// As a map is collected: a later pair replaces an earlier one of the same key.
impl FromIterator<(String, String)> for Labels {
    fn from_iter<I: IntoIterator<Item = (String, String)>>(it: I) -> Labels {
        let mut v: Vec<(String, String)> = it.into_iter().collect();
        // Stable: pairs of one key stay in input order, and the last of each run is kept.
        v.sort_by(|a, b| a.0.cmp(&b.0));
        let mut out: Vec<(String, String)> = Vec::with_capacity(v.len());
        for pair in v {
            match out.last_mut() {
                Some(last) if last.0 == pair.0 => *last = pair,
                _ => out.push(pair),
            }
        }
        Labels(out.into_boxed_slice())
    }
}

impl<'a> IntoIterator for &'a Labels {
    type Item = (&'a String, &'a String);
    type IntoIter = std::iter::Map<
        std::slice::Iter<'a, (String, String)>,
        fn(&'a (String, String)) -> (&'a String, &'a String),
    >;
    fn into_iter(self) -> Self::IntoIter {
        self.0.iter().map(|(k, v)| (k, v))
    }
}

/// Labels of a `metadata` node (non-string values are skipped).
pub fn labels_of(metadata: Option<&Node>) -> BTreeMap<String, String> {
    label_pairs(metadata).collect()
}

/// The string-valued pairs of a `metadata` node's `labels`, in document order.
fn label_pairs(metadata: Option<&Node>) -> impl Iterator<Item = (String, String)> + '_ {
    metadata
        .and_then(|m| m.get("labels"))
        .and_then(Node::as_map)
        .unwrap_or_default()
        .iter()
        .filter_map(|e| e.value.as_str().map(|v| (e.key.to_string(), v.to_owned())))
}

fn is_name_part(s: &str, max: usize) -> bool {
    !s.is_empty()
        && s.len() <= max
        && s.bytes()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'-' | b'_' | b'.'))
        && s.as_bytes()[0].is_ascii_alphanumeric()
        && s.as_bytes()[s.len() - 1].is_ascii_alphanumeric()
}

fn is_dns_subdomain(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 253
        && s.split('.').all(|l| {
            !l.is_empty()
                && l.bytes()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'-')
                && !l.starts_with('-')
                && !l.ends_with('-')
        })
}

/// Why a label key is invalid (`[prefix/]name`: a DNS subdomain prefix, a name of at most 63
/// alphanumerics, `-`, `_`, `.`, starting and ending alphanumeric).
pub fn label_key_problem(key: &str) -> Option<String> {
    let (prefix, name) = match key.rsplit_once('/') {
        Some((p, n)) => (Some(p), n),
        None => (None, key),
    };
    if let Some(p) = prefix {
        if !is_dns_subdomain(p) {
            return Some(format!("label key {key:?}: prefix must be a DNS subdomain"));
        }
    }
    if !is_name_part(name, 63) {
        return Some(format!(
            "label key {key:?}: name must be 1-63 characters of [A-Za-z0-9_.-], starting and ending alphanumeric"
        ));
    }
    None
}

/// Why a label value is invalid (empty, or at most 63 characters of `[A-Za-z0-9_.-]` starting
/// and ending alphanumeric).
pub fn label_value_problem(v: &str) -> Option<String> {
    if v.is_empty() || is_name_part(v, 63) {
        None
    } else {
        Some(format!(
            "label value {v:?} must be at most 63 characters of [A-Za-z0-9_.-], starting and ending alphanumeric"
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_are_a_map_in_one_slice() {
        let pairs = [("b", "1"), ("a", "2"), ("b", "3"), ("c", "")];
        let l: Labels = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let m: BTreeMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        // The same pairs as a map collected from the same input: the last value of a key wins.
        assert_eq!(l.iter().collect::<Vec<_>>(), m.iter().collect::<Vec<_>>());
        assert_eq!(l.len(), 3);
        assert_eq!(l.get("b").map(String::as_str), Some("3"));
        assert_eq!(l.get("c").map(String::as_str), Some(""));
        assert!(l.get("d").is_none() && !l.contains_key("d") && l.contains_key("a"));
        assert!(Labels::default().is_empty());
        let (s, _) = sel(
            serde_json::json!({"matchLabels": {"b": "3"}, "matchExpressions": [{"key": "d", "operator": "DoesNotExist"}]}),
        );
        assert!(s.matches(&l) && s.matches(&m));
        let (s, _) =
            sel(serde_json::json!({"matchExpressions": [{"key": "a", "operator": "In", "values": ["1"]}]}));
        assert!(!s.matches(&l) && !s.matches(&m));
    }

    fn sel(yaml_json: serde_json::Value) -> (LabelSelector, Vec<SelectorProblem>) {
        LabelSelector::parse(&Node::from_json(&yaml_json), &FieldPath::root().key("s"))
    }

    #[test]
    fn matching_and_validation() {
        let l: BTreeMap<String, String> = [("app".to_string(), "web".to_string())].into();
        let (s, p) = sel(serde_json::json!({}));
        assert!(s.is_empty() && s.matches(&l) && p.is_empty());
        let (s, _) = sel(
            serde_json::json!({"matchExpressions": [{"key": "tier", "operator": "NotIn", "values": ["db"]}]}),
        );
        assert!(s.matches(&l), "NotIn matches an absent key");
        let (s, _) = sel(
            serde_json::json!({"matchExpressions": [{"key": "app", "operator": "In", "values": ["web", "api"]}]}),
        );
        assert!(s.matches(&l));
        let (s, p) = sel(
            serde_json::json!({"matchExpressions": [{"key": "app", "operator": "Equals", "values": ["web"]}]}),
        );
        assert!(s.invalid && !s.matches(&l) && p.len() == 1);
        let (_, p) = sel(serde_json::json!({"matchLabels": {"-bad": "x y"}}));
        assert_eq!(p.len(), 2);
        let (_, p) = sel(
            serde_json::json!({"matchExpressions": [{"key": "a", "operator": "Exists", "values": ["x"]}]}),
        );
        assert_eq!(p.len(), 1);
        assert!(label_key_problem("kubernetes.io/metadata.name").is_none());
        assert!(label_key_problem("Example.com/x").is_some());
    }
}
