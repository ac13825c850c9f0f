//! The admission plugin around the library: parsing a namespace's `pod-security.kubernetes.io`
//! labels into the enforce/audit/warn policies (spec §5.1, cluster defaults
//! privileged/latest) and the denial and warning message formats (spec §5.3).

use crate::format::go_quote;
use crate::{Evaluation, Level, Version};
use palisade_core::{Node, Value};
use std::fmt;

const LABEL_PREFIX: &str = "pod-security.kubernetes.io/";
const LEVEL_ERROR: &str = "must be one of privileged, baseline, restricted";
const VERSION_ERROR: &str = r#"must be "latest" or "v1.x""#;

/// A level and the version as requested (printed as written).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Policy {
    pub level: Level,
    pub version: Version,
}

impl Policy {
    /// The cluster default: privileged at latest.
    pub const DEFAULT: Policy = Policy {
        level: Level::Privileged,
        version: Version::Latest,
    };
}

impl Default for Policy {
    fn default() -> Policy {
        Policy::DEFAULT
    }
}

impl fmt::Display for Policy {
    /// `<level>:<version>`, e.g. `baseline:latest` or `restricted:v1.25`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.level, self.version)
    }
}

/// The three policies of a namespace.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NamespaceLevels {
    pub enforce: Policy,
    pub audit: Policy,
    pub warn: Policy,
    /// One message per invalid label, in the form of a Kubernetes field error, e.g.
    /// `metadata.labels[pod-security.kubernetes.io/enforce]: Invalid value: "foo": must be one of privileged, baseline, restricted`.
    pub errors: Vec<String>,
    /// True when at least one of the six `pod-security.kubernetes.io/` labels is present.
    pub has_labels: bool,
}

/// A label value as text: strings as they are, other scalars as written in JSON (a label
/// that is not a string is invalid anyway).
fn label_text(node: &Node) -> Option<String> {
    match &node.value {
        Value::Str(s) => Some(s.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Int(i) => Some(i.to_string()),
        Value::Float(f) => Some(f.to_string()),
        Value::Null => None,
        Value::Seq(_) => Some("[]".to_string()),
        Value::Map(_) => Some("{}".to_string()),
    }
}

fn invalid(label: &str, value: &str, detail: &str) -> String {
    format!(
        "metadata.labels[{label}]: Invalid value: {}: {detail}",
        go_quote(value)
    )
}

/// Parses a namespace's labels (its `metadata.labels` mapping) against the cluster defaults
/// privileged/latest, with the fail-closed enforce, fail-open audit/warn and warn-defaulting
/// rules of spec §5.1.
pub fn parse_namespace_labels(labels: Option<&Node>) -> NamespaceLevels {
    let mut out = NamespaceLevels {
        enforce: Policy::DEFAULT,
        audit: Policy::DEFAULT,
        warn: Policy::DEFAULT,
        errors: Vec::new(),
        has_labels: false,
    };
    let Some(labels) = labels else { return out };
    let get = |mode: &str, suffix: &str| -> Option<(String, String)> {
        let key = format!("{LABEL_PREFIX}{mode}{suffix}");
        let value = labels.get(&key).and_then(label_text)?;
        Some((key, value))
    };

    let mut has_enforce_level = false;
    let mut has_warn_level = false;
    let mut has_warn_version = false;
    for (mode, fallback) in [
        ("enforce", Level::Restricted),
        ("audit", Level::Privileged),
        ("warn", Level::Privileged),
    ] {
        let level_label = get(mode, "");
        let version_label = get(mode, "-version");
        let policy = match mode {
            "enforce" => &mut out.enforce,
            "audit" => &mut out.audit,
            _ => &mut out.warn,
        };
        if let Some((key, value)) = &level_label {
            out.has_labels = true;
            policy.level = Level::parse(value).unwrap_or_else(|| {
                out.errors.push(invalid(key, value, LEVEL_ERROR));
                fallback
            });
            match mode {
                "enforce" => has_enforce_level = Level::parse(value).is_some(),
                "warn" => has_warn_level = true,
                _ => {}
            }
        }
        if let Some((key, value)) = &version_label {
            out.has_labels = true;
            policy.version = Version::parse(value).unwrap_or_else(|| {
                out.errors.push(invalid(key, value, VERSION_ERROR));
                Version::Latest
            });
            if mode == "warn" {
                has_warn_version = true;
            }
        }
    }

    // Warn defaults to a valid, explicitly set enforce level that is stricter.
    if !has_warn_level && has_enforce_level && out.enforce.level > out.warn.level {
        out.warn.level = out.enforce.level;
        if !has_warn_version {
            out.warn.version = out.enforce.version;
        }
    }
    out
}

/// The API server's Forbidden message for an enforce violation:
/// `pods "<name>" is forbidden: violates PodSecurity "<level>:<version>": <aggregated detail>`.
/// An empty name or resource follows apimachinery's `NewForbidden`.
pub fn denial_message(kind_plural_lower: &str, name: &str, policy: &Policy, eval: &Evaluation) -> String {
    let err = format!(
        "violates PodSecurity {}: {}",
        go_quote(&policy.to_string()),
        eval.aggregate_detail()
    );
    if kind_plural_lower.is_empty() {
        format!("forbidden: {err}")
    } else if name.is_empty() {
        format!("{kind_plural_lower} is forbidden: {err}")
    } else {
        format!("{kind_plural_lower} {} is forbidden: {err}", go_quote(name))
    }
}

/// The warning (and audit annotation) text:
/// `would violate PodSecurity "<level>:<version>": <aggregated detail>`.
pub fn warning_message(policy: &Policy, eval: &Evaluation) -> String {
    format!(
        "would violate PodSecurity {}: {}",
        go_quote(&policy.to_string()),
        eval.aggregate_detail()
    )
}
