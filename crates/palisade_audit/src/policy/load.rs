//! Reading an Audit Policy (YAML or JSON) into [`Policy`], with the `line:column` of every
//! rule, and validating it as the API server does (`apis/audit/validation` and
//! `audit/policy/reader.go`): `kind: Policy`, `apiVersion: audit.k8s.io/v1` (`v1beta1` is
//! read with a warning: API servers since 1.24 refuse it), at least one rule, a valid `level`
//! on each rule, valid stages, non-resource URLs that start with `/` and have `*` only last,
//! no rule mixing nonResourceURLs with resources or namespaces, lower-case DNS group names,
//! `resourceNames` only with `resources`. Unknown fields are warnings (the API server drops
//! them silently, so `namespace:` for `namespaces:` widens a rule without a word).
//!
//! Text goes through `palisade_source`'s YAML decoder; nothing here reads files.

use super::{GroupResources, Policy, Rule};
use crate::event::{Level, Stage};
use palisade_core::{Node, Pos, Value};

/// How bad a diagnostic is: an error makes the API server refuse the policy.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum DiagnosticLevel {
    Warning,
    Error,
}

/// A located problem with a policy file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    pub file: String,
    pub pos: Pos,
    pub level: DiagnosticLevel,
    pub message: String,
}

impl std::fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let what = match self.level {
            DiagnosticLevel::Error => "error",
            DiagnosticLevel::Warning => "warning",
        };
        if self.pos.is_known() {
            write!(
                f,
                "{}:{}:{}: {what}: {}",
                self.file, self.pos.line, self.pos.col, self.message
            )
        } else {
            write!(f, "{}: {what}: {}", self.file, self.message)
        }
    }
}

struct Diags<'a> {
    file: &'a str,
    out: Vec<Diagnostic>,
}

impl Diags<'_> {
    fn push(&mut self, level: DiagnosticLevel, pos: Pos, message: impl Into<String>) {
        self.out.push(Diagnostic {
            file: self.file.to_owned(),
            pos,
            level,
            message: message.into(),
        });
    }
    fn error(&mut self, pos: Pos, message: impl Into<String>) {
        self.push(DiagnosticLevel::Error, pos, message);
    }
    fn warn(&mut self, pos: Pos, message: impl Into<String>) {
        self.push(DiagnosticLevel::Warning, pos, message);
    }
}

/// Decode and validate the policy in `text` (read from `file`). The policy is returned
/// whenever the text is a mapping, even with errors (rules without a valid level are left
/// out); any [`DiagnosticLevel::Error`] means the API server would refuse it.
pub fn load(file: &str, text: &str) -> (Option<Policy>, Vec<Diagnostic>) {
    let mut d = Diags {
        file,
        out: Vec::new(),
    };
    let doc = match palisade_source::yaml::decode(text, 0) {
        Ok(dec) => {
            let mut docs = dec.docs.into_iter().filter(|n| !n.is_null());
            let first = docs.next();
            if let Some(second) = docs.next() {
                d.error(
                    second.pos,
                    "more than one YAML document: the API server reads one Policy per file",
                );
            }
            first
        }
        Err((e, _)) => {
            d.error(e.pos, format!("not YAML or JSON: {}", e.message));
            return (None, d.out);
        }
    };
    let Some(doc) = doc else {
        d.error(Pos::new(1, 1), "empty file: no Policy");
        return (None, d.out);
    };
    let p = from_doc(file, &doc, &mut d);
    (p, d.out)
}

/// The policy of an already decoded document (the CIS bench decodes node files itself).
pub fn from_node(file: &str, doc: &Node) -> (Option<Policy>, Vec<Diagnostic>) {
    let mut d = Diags {
        file,
        out: Vec::new(),
    };
    let p = from_doc(file, doc, &mut d);
    (p, d.out)
}

const POLICY_FIELDS: [&str; 6] = [
    "apiVersion",
    "kind",
    "metadata",
    "rules",
    "omitStages",
    "omitManagedFields",
];
const RULE_FIELDS: [&str; 9] = [
    "level",
    "users",
    "userGroups",
    "verbs",
    "resources",
    "namespaces",
    "nonResourceURLs",
    "omitStages",
    "omitManagedFields",
];
const GROUP_FIELDS: [&str; 3] = ["group", "resources", "resourceNames"];

fn from_doc(file: &str, doc: &Node, d: &mut Diags) -> Option<Policy> {
    if doc.as_map().is_none() {
        d.error(
            doc.pos,
            format!("a Policy must be a mapping, not {}", doc.type_name()),
        );
        return None;
    }
    unknown_fields(doc, &POLICY_FIELDS, "Policy", d);
    let kind = doc.get("kind").and_then(Node::as_str).unwrap_or("");
    if kind != "Policy" {
        let at = doc.get("kind").map_or(doc.pos, |n| n.pos);
        d.error(at, format!("kind is {kind:?}, not Policy"));
    }
    let api_version = doc.get("apiVersion").and_then(Node::as_str).unwrap_or("");
    let av_pos = doc.get("apiVersion").map_or(doc.pos, |n| n.pos);
    match api_version {
        "audit.k8s.io/v1" => {}
        "audit.k8s.io/v1beta1" => d.warn(
            av_pos,
            "audit.k8s.io/v1beta1 is read, but API servers since Kubernetes 1.24 refuse it: use audit.k8s.io/v1",
        ),
        "" => d.error(av_pos, "apiVersion is missing (audit.k8s.io/v1)"),
        other => d.error(
            av_pos,
            format!("apiVersion {other:?} is not audit.k8s.io/v1 (or the older v1beta1)"),
        ),
    }
    let mut p = Policy {
        file: file.to_owned(),
        api_version: api_version.to_owned(),
        pos: doc.pos,
        rules_pos: key_pos(doc, "rules"),
        omit_stages_pos: key_pos(doc, "omitStages"),
        ..Policy::default()
    };
    p.omit_stages = stages(doc.get("omitStages"), d);
    p.omit_managed_fields = boolean(doc.get("omitManagedFields"), d).unwrap_or(false);
    let rules = match doc.get("rules") {
        None => &[][..],
        Some(n) if n.is_null() => &[][..],
        Some(n) => match n.as_seq() {
            Some(s) => s,
            None => {
                d.error(n.pos, format!("rules must be a list, not {}", n.type_name()));
                &[][..]
            }
        },
    };
    if rules.is_empty() {
        d.error(
            p.rules_pos_or(doc.pos),
            "a policy with no rules: the API server refuses it (\"loaded illegal policy with 0 rules\")",
        );
    }
    for (i, r) in rules.iter().enumerate() {
        if let Some(rule) = rule(i, r, d) {
            p.rules.push(rule);
        }
    }
    Some(p)
}

impl Policy {
    fn rules_pos_or(&self, p: Pos) -> Pos {
        if self.rules_pos.is_known() {
            self.rules_pos
        } else {
            p
        }
    }
}

fn key_pos(n: &Node, key: &str) -> Pos {
    n.entry(key).map_or(Pos::NONE, |e| e.key_pos)
}

fn unknown_fields(n: &Node, known: &[&str], what: &str, d: &mut Diags) {
    for e in n.as_map().unwrap_or(&[]) {
        if !known.contains(&e.key.as_ref()) {
            d.warn(
                e.key_pos,
                format!(
                    "unknown field {:?} in {what} (the API server ignores it; known: {})",
                    e.key,
                    known.join(", ")
                ),
            );
        }
    }
}

fn rule(i: usize, r: &Node, d: &mut Diags) -> Option<Rule> {
    if r.as_map().is_none() {
        d.error(
            r.pos,
            format!("rules[{i}] must be a mapping, not {}", r.type_name()),
        );
        return None;
    }
    unknown_fields(r, &RULE_FIELDS, "a rule", d);
    let level_pos = match r.entry("level") {
        Some(e) => e.key_pos,
        None => r.pos,
    };
    let level = match r.get("level") {
        None => {
            d.error(r.pos, format!("rules[{i}].level: Required value"));
            None
        }
        Some(n) => match n.as_str() {
            Some("") => {
                d.error(n.pos, format!("rules[{i}].level: Required value"));
                None
            }
            Some(s) => match Level::parse(s) {
                Some(l) => Some(l),
                None => {
                    d.error(
                        n.pos,
                        format!(
                            "rules[{i}].level: Unsupported value {s:?}: supported values: \"None\", \"Metadata\", \"Request\", \"RequestResponse\""
                        ),
                    );
                    None
                }
            },
            None => {
                d.error(
                    n.pos,
                    format!("rules[{i}].level must be a string, not {}", n.type_name()),
                );
                None
            }
        },
    };
    let mut rule = Rule {
        level: level.unwrap_or(Level::None),
        users: strings(r.get("users"), "users", d),
        user_groups: strings(r.get("userGroups"), "userGroups", d),
        verbs: strings(r.get("verbs"), "verbs", d),
        namespaces: strings(r.get("namespaces"), "namespaces", d),
        non_resource_urls: strings(r.get("nonResourceURLs"), "nonResourceURLs", d),
        omit_stages: stages(r.get("omitStages"), d),
        omit_managed_fields: boolean(r.get("omitManagedFields"), d),
        pos: r.pos,
        level_pos,
        ..Rule::default()
    };
    if let Some(n) = r.get("resources").filter(|n| !n.is_null()) {
        match n.as_seq() {
            None => d.error(n.pos, format!("resources must be a list, not {}", n.type_name())),
            Some(items) => {
                for g in items {
                    if g.as_map().is_none() {
                        d.error(
                            g.pos,
                            format!(
                                "a resources entry must be a mapping (group, resources, resourceNames), not {}",
                                g.type_name()
                            ),
                        );
                        continue;
                    }
                    unknown_fields(g, &GROUP_FIELDS, "a resources entry", d);
                    let group = match g.get("group") {
                        None => String::new(),
                        Some(n) if n.is_null() => String::new(),
                        Some(n) => match n.as_str() {
                            Some(s) => s.to_owned(),
                            None => {
                                d.error(n.pos, format!("group must be a string, not {}", n.type_name()));
                                String::new()
                            }
                        },
                    };
                    if !group.is_empty() && !is_dns_subdomain(&group) {
                        let at = g.get("group").map_or(g.pos, |n| n.pos);
                        d.error(
                            at,
                            format!(
                                "group {group:?} is not a lower-case DNS subdomain (an API group, without a version: rbac.authorization.k8s.io)"
                            ),
                        );
                    }
                    let gr = GroupResources {
                        group,
                        resources: strings(g.get("resources"), "resources", d),
                        resource_names: strings(g.get("resourceNames"), "resourceNames", d),
                    };
                    if !gr.resource_names.is_empty() && gr.resources.is_empty() {
                        d.error(
                            key_pos(g, "resourceNames"),
                            "using resourceNames requires at least one resource",
                        );
                    }
                    rule.resources.push(gr);
                }
            }
        }
    }
    if !rule.non_resource_urls.is_empty() {
        let nru = r.get("nonResourceURLs").map_or(r.pos, |n| n.pos);
        if rule.is_resource_rule() {
            d.error(
                nru,
                "rules cannot apply to both regular resources and non-resource URLs",
            );
        }
        let items = r.get("nonResourceURLs").and_then(Node::as_seq).unwrap_or(&[]);
        for (u, n) in rule.non_resource_urls.iter().zip(items) {
            if u == "*" {
                continue;
            }
            if !u.starts_with('/') {
                d.error(
                    n.pos,
                    format!("{u:?}: non-resource URL rules must begin with a '/' character"),
                );
            }
            if !u.is_empty() && u[..u.len() - 1].contains('*') {
                d.error(
                    n.pos,
                    format!("{u:?}: non-resource URL wildcards '*' must be the final character of the rule"),
                );
            }
        }
    }
    level.map(|_| rule)
}

fn strings(n: Option<&Node>, what: &str, d: &mut Diags) -> Vec<String> {
    let Some(n) = n.filter(|n| !n.is_null()) else {
        return Vec::new();
    };
    let Some(items) = n.as_seq() else {
        d.error(
            n.pos,
            format!("{what} must be a list of strings, not {}", n.type_name()),
        );
        return Vec::new();
    };
    let mut out = Vec::with_capacity(items.len());
    for it in items {
        match &it.value {
            Value::Str(s) => out.push(s.to_string()),
            _ => d.error(
                it.pos,
                format!("{what}: an entry must be a string, not {}", it.type_name()),
            ),
        }
    }
    out
}

fn stages(n: Option<&Node>, d: &mut Diags) -> Vec<Stage> {
    let Some(n) = n.filter(|n| !n.is_null()) else {
        return Vec::new();
    };
    let Some(items) = n.as_seq() else {
        d.error(n.pos, format!("omitStages must be a list, not {}", n.type_name()));
        return Vec::new();
    };
    let mut out = Vec::new();
    for it in items {
        match it.as_str().and_then(Stage::parse) {
            Some(s) => out.push(s),
            None => d.error(
                it.pos,
                format!(
                    "omitStages: {} is not a stage: allowed stages are \"RequestReceived\", \"ResponseStarted\", \"ResponseComplete\", \"Panic\"",
                    it.as_str().map_or_else(|| it.type_name().to_owned(), |s| format!("{s:?}"))
                ),
            ),
        }
    }
    out
}

fn boolean(n: Option<&Node>, d: &mut Diags) -> Option<bool> {
    let n = n.filter(|n| !n.is_null())?;
    match n.as_bool() {
        Some(b) => Some(b),
        None => {
            d.error(
                n.pos,
                format!("omitManagedFields must be true or false, not {}", n.type_name()),
            );
            None
        }
    }
}

/// RFC 1123 subdomain: at most 253 characters, dot-separated labels of `[a-z0-9-]` that
/// start and end with an alphanumeric.
fn is_dns_subdomain(s: &str) -> bool {
    s.len() <= 253
        && s.split('.').all(|l| {
            !l.is_empty()
                && l.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
                && !l.starts_with('-')
                && !l.ends_with('-')
        })
}
