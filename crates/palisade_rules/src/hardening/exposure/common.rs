//! Helpers shared by the exposure rules: annotation and label lookups, admission-webhook
//! classification (which webhooks enforce security policy) and label-selector analysis.

use palisade_core::{FieldPath, Hit, Node, Object};

/// The string value of annotation `key` of the object (`metadata.annotations`). YAML booleans
/// (`true` written without quotes, which the API server would reject) read as `"true"`/`"false"`.
pub fn annotation<'a>(obj: &'a Object, key: &str) -> Option<&'a str> {
    let v = obj.root.at(&["metadata", "annotations", key])?;
    match v.as_bool() {
        Some(true) => Some("true"),
        Some(false) => Some("false"),
        None => v.as_str(),
    }
}

/// Path of `metadata.<keys...>`.
pub fn meta_path(keys: &[&str]) -> FieldPath {
    let mut p = FieldPath::root().key("metadata");
    for k in keys {
        p = p.key(k);
    }
    p
}

/// Whether the object is in the core API group (`apiVersion: v1`), where Service and
/// Namespace live; a custom resource that happens to be called `Service` is not one.
pub fn is_core(obj: &Object) -> bool {
    obj.group().is_empty()
}

/// The strings of a sequence node (non-strings skipped); empty when not a sequence.
pub fn strs(n: Option<&Node>) -> Vec<&str> {
    n.and_then(Node::as_seq)
        .map(|s| s.iter().filter_map(Node::as_str).collect())
        .unwrap_or_default()
}

/// Formats a list of names as `"a", "b"` (quoted, Rust debug style).
pub fn quoted<S: AsRef<str>>(items: &[S]) -> String {
    items
        .iter()
        .map(|s| format!("{:?}", s.as_ref()))
        .collect::<Vec<_>>()
        .join(", ")
}

// ---------------------------------------------------------------------------------------
// Namespaces and Pod Security Admission labels
// ---------------------------------------------------------------------------------------

/// The Pod Security Admission enforce label.
pub const PSA_ENFORCE: &str = "pod-security.kubernetes.io/enforce";

/// Namespaces whose manifests the namespace rules skip: `kube-system` runs the cluster's
/// own privileged agents (CNI, kube-proxy, CSI node plugins) and is normally exempted in
/// the API server's PodSecurity admission configuration.
pub fn is_exempt_namespace(name: &str) -> bool {
    name == "kube-system"
}

// ---------------------------------------------------------------------------------------
// Admission webhooks
// ---------------------------------------------------------------------------------------

/// The webhook-configuration kinds, for `Check::Object`.
pub const WEBHOOK_KINDS: &[palisade_core::GroupKind] = &[
    palisade_core::kinds::known::VALIDATING_WEBHOOK_CONFIGURATION,
    palisade_core::kinds::known::MUTATING_WEBHOOK_CONFIGURATION,
];

/// Policy engines and admission controllers whose webhooks enforce security policy, as
/// tokens looked for in the webhook name, the configuration name, and the service name and
/// namespace (or URL) it calls. A token matches a whole dot/dash/slash-separated word
/// sequence (`opa` matches `opa-webhook` but not `opaque`).
const POLICY_ENGINES: &[(&str, &str)] = &[
    ("gatekeeper", "OPA Gatekeeper"),
    ("opa", "Open Policy Agent"),
    ("kube-mgmt", "Open Policy Agent"),
    ("kyverno", "Kyverno"),
    ("kubewarden", "Kubewarden"),
    ("polaris", "Polaris"),
    ("palisade", "palisade"),
    ("pod-security-webhook", "Pod Security"),
    ("pod-security", "Pod Security"),
    ("podsecurity", "Pod Security"),
    ("k-rail", "k-rail"),
    ("datree", "Datree"),
    ("jspolicy", "jsPolicy"),
    ("stackrox", "StackRox"),
    ("neuvector", "NeuVector"),
    ("sigstore", "Sigstore policy-controller"),
    ("cosign", "Sigstore policy-controller"),
    ("connaisseur", "Connaisseur"),
    ("portieris", "Portieris"),
    ("ratify", "Ratify"),
    ("kritis", "Kritis"),
];

/// Whether `token` (dash-separated parts) appears in `haystack` as a run of whole words.
fn has_token(haystack: &str, token: &str) -> bool {
    let h = haystack.to_ascii_lowercase();
    // Words are separated by `.`, `/`, `:` and `_`; inside a word, `-` separates parts. A token
    // matches a run of whole parts.
    h.split(['.', '/', ':', '_', '@']).any(|word| {
        let parts: Vec<&str> = word.split('-').collect();
        let tparts: Vec<&str> = token.split('-').collect();
        parts.windows(tparts.len()).any(|w| w == tparts.as_slice())
    })
}

/// Why a webhook counts as a security webhook, as a short description ("Kyverno policy
/// webhook", "webhook validating pod creation"), or `None` when it is not one.
pub fn security_webhook(obj: &Object, wh: &Node) -> Option<String> {
    let mut names: Vec<&str> = vec![obj.name.as_str()];
    if let Some(n) = wh.get("name").and_then(Node::as_str) {
        names.push(n);
    }
    if let Some(cc) = wh.get("clientConfig") {
        for k in [["service", "name"], ["service", "namespace"]] {
            if let Some(s) = cc.at(&k).and_then(Node::as_str) {
                names.push(s);
            }
        }
        if let Some(u) = cc.get("url").and_then(Node::as_str) {
            names.push(u);
        }
    }
    for (token, engine) in POLICY_ENGINES {
        if names.iter().any(|n| has_token(n, token)) {
            return Some(format!("{engine} policy webhook"));
        }
    }
    if obj.kind == "ValidatingWebhookConfiguration" && covers_pod_create(wh) {
        return Some("webhook validating pod creation".to_owned());
    }
    None
}

/// Whether one of the webhook's rules intercepts CREATE of core `pods`.
pub fn covers_pod_create(wh: &Node) -> bool {
    let Some(rules) = wh.get("rules").and_then(Node::as_seq) else {
        return false;
    };
    rules.iter().any(|r| {
        let ops = strs(r.get("operations"));
        let groups = strs(r.get("apiGroups"));
        let res = strs(r.get("resources"));
        ops.iter().any(|o| *o == "CREATE" || *o == "*")
            && groups.iter().any(|g| g.is_empty() || *g == "*")
            && res.iter().any(|x| matches!(*x, "pods" | "*" | "*/*"))
    })
}

/// Every `webhooks[i]` mapping with its index.
pub fn webhooks(obj: &Object) -> impl Iterator<Item = (usize, &Node)> {
    obj.root
        .get("webhooks")
        .and_then(Node::as_seq)
        .unwrap_or(&[])
        .iter()
        .enumerate()
        .filter(|(_, w)| w.as_map().is_some())
}

/// The display name of a webhook (`webhooks[i].name`, or its index).
pub fn webhook_name(wh: &Node, i: usize) -> String {
    match wh.get("name").and_then(Node::as_str) {
        Some(n) => format!("{n:?}"),
        None => format!("#{i}"),
    }
}

/// The loop shared by the security-webhook rules: for every webhook that enforces security
/// policy, `f` returns what is wrong with it (`fails open with …`) when it is flagged; the
/// hit is on `webhooks[i].<field>`.
pub fn flag_security_webhooks(
    obj: &Object,
    hits: &mut Vec<Hit>,
    field: &str,
    mut f: impl FnMut(&Node) -> Option<String>,
) {
    for (i, wh) in webhooks(obj) {
        let Some(wrong) = f(wh) else { continue };
        let Some(why) = security_webhook(obj, wh) else {
            continue;
        };
        hits.push(Hit::new(
            FieldPath::root().key("webhooks").idx(i).key(field),
            format!(
                "{} {:?}: webhook {} ({why}) {wrong}",
                obj.kind,
                obj.name,
                webhook_name(wh, i)
            ),
        ));
    }
}

/// The guard shared by the Namespace Pod Security rules: a core Namespace that is not exempt,
/// whose `pod-security.kubernetes.io/enforce` label `f` flags (it returns the message); the
/// hit is on that label.
pub fn flag_namespace_enforce(
    obj: &Object,
    hits: &mut Vec<Hit>,
    f: impl FnOnce(Option<&str>) -> Option<String>,
) {
    if !is_core(obj) || is_exempt_namespace(&obj.name) {
        return;
    }
    if let Some(message) = f(obj.label(PSA_ENFORCE)) {
        hits.push(Hit::new(meta_path(&["labels", PSA_ENFORCE]), message));
    }
}

// ---------------------------------------------------------------------------------------
// Label selectors
// ---------------------------------------------------------------------------------------

/// Why a label selector (`matchLabels` + `matchExpressions`) can match no object at all, or
/// `None` when it can match something. `namespace` enables the knowledge that every
/// Namespace carries `kubernetes.io/metadata.name` (Kubernetes 1.22+).
pub fn selector_matches_nothing(sel: &Node, namespace: bool) -> Option<String> {
    use std::collections::BTreeMap;
    #[derive(Default)]
    struct Constraint<'a> {
        /// Allowed values (intersection of `matchLabels` and `In`); `None` = any.
        allowed: Option<Vec<&'a str>>,
        denied: Vec<&'a str>,
        exists: bool,
        absent: bool,
    }
    fn intersect<'a>(prev: Option<Vec<&'a str>>, vals: Vec<&'a str>) -> Option<Vec<&'a str>> {
        Some(match prev {
            None => vals,
            Some(prev) => prev.into_iter().filter(|p| vals.contains(p)).collect(),
        })
    }
    let mut keys: BTreeMap<&str, Constraint<'_>> = BTreeMap::new();
    if let Some(ml) = sel.get("matchLabels").and_then(Node::as_map) {
        for e in ml {
            if let Some(v) = e.value.as_str() {
                let c = keys.entry(&e.key).or_default();
                c.exists = true;
                c.allowed = intersect(c.allowed.take(), vec![v]);
            }
        }
    }
    if let Some(exprs) = sel.get("matchExpressions").and_then(Node::as_seq) {
        for ex in exprs {
            let (Some(key), Some(op)) = (
                ex.get("key").and_then(Node::as_str),
                ex.get("operator").and_then(Node::as_str),
            ) else {
                continue;
            };
            let vals = strs(ex.get("values"));
            let c = keys.entry(key).or_default();
            match op {
                "In" => {
                    c.exists = true;
                    c.allowed = intersect(c.allowed.take(), vals);
                }
                "NotIn" => c.denied.extend(vals),
                "Exists" => c.exists = true,
                "DoesNotExist" => c.absent = true,
                _ => {}
            }
        }
    }
    for (key, c) in &keys {
        if c.absent && c.exists {
            return Some(format!(
                "label {key:?} is required both to exist and not to exist"
            ));
        }
        if c.absent && namespace && *key == "kubernetes.io/metadata.name" {
            return Some(
                "every Namespace carries the label \"kubernetes.io/metadata.name\", so \
                 DoesNotExist on it excludes all of them"
                    .to_owned(),
            );
        }
        if let Some(allowed) = &c.allowed {
            if allowed.iter().all(|v| c.denied.contains(v)) {
                return Some(format!("no value of label {key:?} satisfies all its conditions"));
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens() {
        assert!(has_token("validation.gatekeeper.sh", "gatekeeper"));
        assert!(has_token("opa-webhook", "opa"));
        assert!(!has_token("opaque-hook", "opa"));
        assert!(has_token("pod-security-webhook.kube-system.svc", "pod-security"));
        assert!(!has_token("mypod-securityx", "pod-security"));
        assert!(has_token(
            "https://kyverno-svc.kyverno.svc:443/validate",
            "kyverno"
        ));
        assert!(!has_token("network-policy-controller", "sigstore"));
    }

    use palisade_core::{Entry, Pos, Value};

    fn map(entries: Vec<(&str, Node)>) -> Node {
        let entries = entries
            .into_iter()
            .map(|(k, v)| Entry {
                key: k.into(),
                key_pos: Pos::NONE,
                value: v,
            })
            .collect();
        Node::new(Value::Map(entries), Pos::NONE)
    }
    fn s(v: &str) -> Node {
        Node::new(Value::Str(v.into()), Pos::NONE)
    }
    fn expr(key: &str, op: &str, values: &[&str]) -> Node {
        map(vec![
            ("key", s(key)),
            ("operator", s(op)),
            (
                "values",
                Node::new(Value::Seq(values.iter().map(|v| s(v)).collect()), Pos::NONE),
            ),
        ])
    }
    fn sel(labels: &[(&str, &str)], exprs: Vec<Node>) -> Node {
        map(vec![
            (
                "matchLabels",
                map(labels.iter().map(|(k, v)| (*k, s(v))).collect()),
            ),
            ("matchExpressions", Node::new(Value::Seq(exprs.into()), Pos::NONE)),
        ])
    }

    #[test]
    fn impossible_selectors() {
        let never = [
            sel(
                &[],
                vec![expr("a", "Exists", &[]), expr("a", "DoesNotExist", &[])],
            ),
            sel(&[("a", "x")], vec![expr("a", "DoesNotExist", &[])]),
            sel(&[("a", "x")], vec![expr("a", "NotIn", &["x"])]),
            sel(&[], vec![expr("a", "In", &["x"]), expr("a", "In", &["y"])]),
        ];
        for n in &never {
            assert!(selector_matches_nothing(n, false).is_some(), "{n:?}");
        }
        let ns = sel(
            &[],
            vec![expr("kubernetes.io/metadata.name", "DoesNotExist", &[])],
        );
        assert!(selector_matches_nothing(&ns, true).is_some());
        assert!(selector_matches_nothing(&ns, false).is_none());
        let fine = [
            map(vec![]),
            sel(&[("a", "x")], vec![expr("a", "NotIn", &["y"])]),
            sel(
                &[],
                vec![expr("a", "In", &["x", "y"]), expr("a", "NotIn", &["x"])],
            ),
            sel(
                &[],
                vec![expr("a", "DoesNotExist", &[]), expr("a", "NotIn", &["x"])],
            ),
            map(vec![
                ("matchLabels", s("wrong")),
                ("matchExpressions", s("wrong")),
            ]),
        ];
        for n in &fine {
            assert!(selector_matches_nothing(n, true).is_none(), "{n:?}");
        }
    }
}
