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

impl Policy {
    /// `<level>:<version>`, e.g. `baseline:latest` or `restricted:v1.25` (what `Display`
    /// prints), concatenated: it is made for every failing pod template.
    pub fn text(&self) -> String {
        [self.level.as_str(), ":", &self.version.to_string()].concat()
    }
}

impl fmt::Display for Policy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text())
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
    // Concatenated, not formatted: one per failing pod template, many on a large input.
    let policy = go_quote(&policy.text());
    let detail = eval.aggregate_detail();
    ["would violate PodSecurity ", &policy, ": ", &detail].concat()
}

/// The exemptions of the admission plugin's configuration (`PodSecurityConfiguration`) that
/// matter when a namespace is updated.
#[derive(Clone, Debug, Default)]
pub struct Exemptions {
    pub namespaces: Vec<String>,
    pub runtime_classes: Vec<String>,
}

impl Exemptions {
    /// Whether a pod with this `runtimeClassName` is exempt.
    pub fn exempts_runtime_class(&self, runtime_class: Option<&str>) -> bool {
        runtime_class.is_some_and(|rc| self.runtime_classes.iter().any(|e| e == rc))
    }
}

/// An existing pod of the namespace, as the admission plugin's pod lister gives it.
#[derive(Clone, Copy, Debug)]
pub struct ExistingPod<'a> {
    pub name: &'a str,
    /// uid of the controller owner reference (`ownerReferences[controller=true]`).
    pub controller: Option<&'a str>,
    pub runtime_class: Option<&'a str>,
    pub pod: crate::PodInput<'a>,
}

/// How many existing pods the plugin checks at most (`namespaceMaxPodsToCheck`).
pub const MAX_PODS_TO_CHECK: usize = 3000;

/// What the API server answers to an UPDATE of a namespace's labels (e.g. `kubectl label
/// --dry-run=server ns X pod-security.kubernetes.io/enforce=…`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct NamespaceUpdate {
    /// Non-empty: the update is rejected as Invalid with these label errors.
    pub invalid: Vec<String>,
    /// The warnings of the (allowed) response, in the server's order.
    pub warnings: Vec<String>,
    /// The enforce policy existing pods were checked against; `None` when the plugin does
    /// not check them, with the reason in `skipped`.
    pub checked_against: Option<Policy>,
    pub skipped: Option<&'static str>,
    /// Existing pods checked, and the (non-exempt) pods there were.
    pub checked: usize,
    pub total: usize,
    /// The checked pods that violate the new enforce level: name and aggregated detail,
    /// sorted by name.
    pub violations: Vec<(String, String)>,
}

/// The admission plugin's `ValidateNamespace` for an UPDATE from `old` to `new` labels of
/// namespace `ns`, including `EvaluatePodsInNamespace` over its existing `pods` (spec §5.4):
/// pods are prioritised one per controller first, at most [`MAX_PODS_TO_CHECK`] are checked
/// (the plugin's one-second budget cannot be reproduced and is not), pods with an exempt
/// runtimeClass are skipped, and violations are grouped by aggregated reason.
pub fn update_namespace(
    ns: &str,
    old: &NamespaceLevels,
    new: &NamespaceLevels,
    new_labels: Option<&Node>,
    pods: &[ExistingPod<'_>],
    exemptions: &Exemptions,
) -> NamespaceUpdate {
    update_namespace_at(crate::MAX_VERSION, ns, old, new, new_labels, pods, exemptions)
}

/// [`update_namespace`] as the admission plugin of release v1.`latest` answers (a v1.36 API
/// server evaluates `latest`, and any newer version, as v1.36).
pub fn update_namespace_at(
    latest: u32,
    ns: &str,
    old: &NamespaceLevels,
    new: &NamespaceLevels,
    new_labels: Option<&Node>,
    pods: &[ExistingPod<'_>],
    exemptions: &Exemptions,
) -> NamespaceUpdate {
    let mut out = NamespaceUpdate::default();
    if !new.errors.is_empty() && (old.errors.is_empty() || new.errors != old.errors) {
        out.invalid = new.errors.clone();
        return out;
    }
    let (ne, oe) = (new.enforce, old.enforce);
    if ne == oe {
        out.skipped = Some("the enforce level and version are unchanged");
        return out;
    }
    if ne.level == Level::Privileged {
        out.skipped = Some("the new enforce level is privileged");
        return out;
    }
    if ne.version == oe.version && ne.level <= oe.level {
        out.skipped = Some("the enforce level was relaxed (same version)");
        return out;
    }
    if exemptions.namespaces.iter().any(|n| n == ns) {
        out.skipped = Some("the namespace is exempt");
        if let Some(w) = exempt_namespace_warning(ns, new, new_labels) {
            out.warnings.push(w);
        }
        return out;
    }
    out.checked_against = Some(ne);
    // Prioritise: pods without a controller and the first pod of each controller, then the
    // other replicas; pods with an exempt runtimeClass are left out.
    let mut first = Vec::new();
    let mut rest = Vec::new();
    let mut controllers = std::collections::HashSet::new();
    for p in pods {
        if exemptions.exempts_runtime_class(p.runtime_class) {
            continue;
        }
        match p.controller {
            Some(uid) if !controllers.insert(uid) => rest.push(p),
            _ => first.push(p),
        }
    }
    first.extend(rest);
    out.total = first.len();
    first.truncate(MAX_PODS_TO_CHECK);
    out.checked = first.len();
    // reason → (smallest pod name, count), in first-seen order.
    let mut by_reason: Vec<(String, String, usize)> = Vec::new();
    for p in &first {
        let eval = crate::evaluate_at(latest, ne.level, ne.version, &p.pod);
        if eval.allowed() {
            continue;
        }
        out.violations.push((p.name.to_owned(), eval.aggregate_detail()));
        let reason = eval.aggregate_reason();
        match by_reason.iter_mut().find(|(r, _, _)| *r == reason) {
            Some((_, name, count)) => {
                if p.name < name.as_str() {
                    *name = p.name.to_owned();
                }
                *count += 1;
            }
            None => by_reason.push((reason, p.name.to_owned(), 1)),
        }
    }
    out.violations.sort();
    if out.checked < out.total {
        out.warnings.push(format!(
            "new PodSecurity enforce level only checked against the first {} of {} existing pods",
            out.checked, out.total
        ));
    }
    if !by_reason.is_empty() {
        out.warnings.push(format!(
            "existing pods in namespace {} violate the new PodSecurity enforce level {}",
            go_quote(ns),
            go_quote(&ne.to_string())
        ));
    }
    let mut lines: Vec<String> = by_reason
        .into_iter()
        .map(|(reason, name, count)| match count {
            1 => format!("{name}: {reason}"),
            2 => format!("{name} (and 1 other pod): {reason}"),
            n => format!("{name} (and {} other pods): {reason}", n - 1),
        })
        .collect();
    lines.sort();
    out.warnings.extend(lines);
    out
}

/// `namespace "<ns>" is exempt from Pod Security, and the policy (…) will be ignored`, for
/// an exempt namespace whose labels set a non-privileged mode.
fn exempt_namespace_warning(ns: &str, levels: &NamespaceLevels, labels: Option<&Node>) -> Option<String> {
    let privileged = |p: &Policy| p.level == Level::Privileged;
    if privileged(&levels.enforce) && privileged(&levels.audit) && privileged(&levels.warn) {
        return None;
    }
    let has = |key: &str| {
        labels
            .and_then(|l| l.get(&format!("{LABEL_PREFIX}{key}")))
            .is_some()
    };
    let mut parts = Vec::new();
    for (mode, p) in [
        ("enforce", &levels.enforce),
        ("audit", &levels.audit),
        ("warn", &levels.warn),
    ] {
        if !privileged(p) && (has(mode) || has(&format!("{mode}-version"))) {
            parts.push(format!("{mode}={p}"));
        }
    }
    Some(format!(
        "namespace {} is exempt from Pod Security, and the policy ({}) will be ignored",
        go_quote(ns),
        parts.join(", ")
    ))
}
