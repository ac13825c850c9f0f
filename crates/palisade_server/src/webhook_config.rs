//! The `ValidatingWebhookConfiguration` and `MutatingWebhookConfiguration` that register
//! palisade with the API server (`palisade webhook-config`), rendered as YAML by a pure
//! function of the options.
//!
//! Choices, and why:
//! * `failurePolicy: Fail` by default: a security webhook that fails open is switched off by
//!   whoever can make it unavailable (palisade's own rule HRD069). The deployment in
//!   `deploy/webhook/` runs two replicas with a PodDisruptionBudget for that reason, and the
//!   `namespaceSelector` exempts `kube-system` and palisade's own namespace so that the
//!   control plane and palisade itself can always be repaired. `--failure-policy Ignore`
//!   keeps the cluster admitting everything while palisade is down, for those who prefer
//!   availability (e.g. while trying palisade out).
//! * Scoped by `namespaceSelector` on `kubernetes.io/metadata.name` (set by the API server,
//!   immutable), never by an `objectSelector` (the object's author writes its labels: HRD070).
//!   For Namespace objects the selector matches the namespace's own labels, so updates of
//!   `kube-system` and palisade's namespace are exempt too; other cluster-scoped objects
//!   (ClusterRoles, …) are always sent.
//! * Webhook configurations themselves are not in the rules: the API server never calls
//!   admission webhooks for `ValidatingWebhookConfiguration`, `MutatingWebhookConfiguration`,
//!   `ValidatingAdmissionPolicy(Binding)` or `MutatingAdmissionPolicy(Binding)` objects (so
//!   that a broken webhook cannot lock itself in), so a rule for them would match nothing.
//! * `matchPolicy: Equivalent` (requests through other API versions of the same resources are
//!   sent, converted), `sideEffects: None` (dry-run requests are sent too),
//!   `admissionReviewVersions: [v1]`, `timeoutSeconds` 5 by default (1–30).
//! * The mutating webhook sees only pods and pod controllers (the objects whose pod templates
//!   it completes), with `reinvocationPolicy: IfNeeded`: if another mutating webhook changes
//!   the pod after palisade, palisade runs again, so its defaults are not undone.

use base64::Engine;
use serde_json::{json, Map, Value};
use std::fmt::Write;

/// Name of both configurations.
pub const CONFIGURATION_NAME: &str = "palisade";
/// `webhooks[0].name` of the ValidatingWebhookConfiguration.
pub const VALIDATING_WEBHOOK_NAME: &str = "validate.palisade.dev";
/// `webhooks[0].name` of the MutatingWebhookConfiguration.
pub const MUTATING_WEBHOOK_NAME: &str = "mutate.palisade.dev";

/// Where the API server reaches palisade.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Endpoint {
    /// A Service in the cluster (`clientConfig.service`).
    Service {
        namespace: String,
        name: String,
        port: u16,
    },
    /// A URL (`clientConfig.url`), `https://host[:port][/prefix]`; `/validate` or `/mutate` is
    /// appended.
    Url(String),
}

/// What the API server does when palisade does not answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailurePolicy {
    Fail,
    Ignore,
}

impl FailurePolicy {
    pub fn as_str(self) -> &'static str {
        match self {
            FailurePolicy::Fail => "Fail",
            FailurePolicy::Ignore => "Ignore",
        }
    }
}

/// Where the CA bundle comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CaSource {
    /// PEM certificates (one CA, or several while rotating), written as `caBundle`.
    Pem(Vec<u8>),
    /// cert-manager's CA injector fills `caBundle` from this Certificate (`NAMESPACE/NAME`),
    /// through the `cert-manager.io/inject-ca-from` annotation.
    CertManager(String),
}

/// The options of `palisade webhook-config`.
#[derive(Debug, Clone)]
pub struct Options {
    pub endpoint: Endpoint,
    pub ca: CaSource,
    pub failure_policy: FailurePolicy,
    pub timeout_seconds: u32,
    /// palisade's own namespace, exempt with `kube-system`. Default: the Service's namespace,
    /// else `palisade`.
    pub namespace: Option<String>,
    /// Also the MutatingWebhookConfiguration (default true).
    pub mutate: bool,
}

impl Options {
    /// The defaults for palisade at this endpoint with this CA: `Fail`, 5 s, mutating too.
    pub fn new(endpoint: Endpoint, ca: CaSource) -> Options {
        Options {
            endpoint,
            ca,
            failure_policy: FailurePolicy::Fail,
            timeout_seconds: 5,
            namespace: None,
            mutate: true,
        }
    }

    fn own_namespace(&self) -> String {
        match (&self.namespace, &self.endpoint) {
            (Some(ns), _) => ns.clone(),
            (None, Endpoint::Service { namespace, .. }) => namespace.clone(),
            (None, Endpoint::Url(_)) => "palisade".to_owned(),
        }
    }
}

/// `(apiGroup, resources)` the validating webhook checks on CREATE and UPDATE.
pub const VALIDATED: &[(&str, &[&str])] = &[
    (
        "",
        &[
            "pods",
            "pods/ephemeralcontainers",
            "replicationcontrollers",
            "podtemplates",
            "services",
            "namespaces",
        ],
    ),
    (
        "apps",
        &["deployments", "replicasets", "statefulsets", "daemonsets"],
    ),
    ("batch", &["jobs", "cronjobs"]),
    (
        "rbac.authorization.k8s.io",
        &["roles", "clusterroles", "rolebindings", "clusterrolebindings"],
    ),
    ("networking.k8s.io", &["networkpolicies", "ingresses"]),
];

/// `(apiGroup, resources)` the mutating webhook completes on CREATE and UPDATE.
pub const MUTATED: &[(&str, &[&str])] = &[
    ("", &["pods", "replicationcontrollers", "podtemplates"]),
    (
        "apps",
        &["deployments", "replicasets", "statefulsets", "daemonsets"],
    ),
    ("batch", &["jobs", "cronjobs"]),
];

/// Why the options cannot be rendered.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ConfigError {
    #[error("--timeout-seconds must be between 1 and 30 (the API server's limits), not {0}")]
    Timeout(u32),
    #[error("the CA bundle holds no PEM certificate (\"-----BEGIN CERTIFICATE-----\")")]
    NoCertificate,
    #[error("the CA bundle is not valid PEM: {0}")]
    BadPem(String),
    #[error("--url must be https://HOST[:PORT][/PATH] without user, query or fragment: {0}")]
    Url(String),
    #[error("{what} {value:?} is not a valid name (lowercase RFC 1123 label)")]
    Name { what: &'static str, value: String },
    #[error("--port must be between 1 and 65535")]
    Port,
    #[error("the cert-manager Certificate must be NAMESPACE/NAME, not {0:?}")]
    CertManager(String),
}

fn dns_label(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 63
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !s.starts_with('-')
        && !s.ends_with('-')
}

fn check_name(what: &'static str, value: &str) -> Result<(), ConfigError> {
    if dns_label(value) {
        Ok(())
    } else {
        Err(ConfigError::Name {
            what,
            value: value.to_owned(),
        })
    }
}

/// The URL without a trailing `/`, checked as the API server checks `clientConfig.url`.
fn check_url(url: &str) -> Result<String, ConfigError> {
    let bad = || ConfigError::Url(url.to_owned());
    let rest = url.strip_prefix("https://").ok_or_else(bad)?;
    let host = rest.split('/').next().unwrap_or("");
    if host.is_empty()
        || host.contains('@')
        || rest.contains('?')
        || rest.contains('#')
        || rest.contains(char::is_whitespace)
    {
        return Err(bad());
    }
    Ok(url.trim_end_matches('/').to_owned())
}

fn ca_bundle(pem: &[u8]) -> Result<String, ConfigError> {
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::CertificateDer;
    let certs = CertificateDer::pem_slice_iter(pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| ConfigError::BadPem(e.to_string()))?;
    if certs.is_empty() {
        return Err(ConfigError::NoCertificate);
    }
    Ok(base64::engine::general_purpose::STANDARD.encode(pem))
}

fn rules(table: &[(&str, &[&str])]) -> Value {
    Value::Array(
        table
            .iter()
            .map(|(group, resources)| {
                json!({
                    "apiGroups": [group],
                    "apiVersions": ["*"],
                    "operations": ["CREATE", "UPDATE"],
                    "resources": resources,
                    "scope": "*",
                })
            })
            .collect(),
    )
}

/// The two configurations as JSON objects (validating, then mutating if enabled).
pub fn objects(o: &Options) -> Result<Vec<Value>, ConfigError> {
    if !(1..=30).contains(&o.timeout_seconds) {
        return Err(ConfigError::Timeout(o.timeout_seconds));
    }
    let own = o.own_namespace();
    check_name("--namespace", &own)?;
    let client_config = |path: &str| -> Result<Value, ConfigError> {
        let mut cc = Map::new();
        match &o.endpoint {
            Endpoint::Service {
                namespace,
                name,
                port,
            } => {
                check_name("the Service namespace", namespace)?;
                check_name("the Service name", name)?;
                if *port == 0 {
                    return Err(ConfigError::Port);
                }
                cc.insert(
                    "service".into(),
                    json!({"namespace": namespace, "name": name, "path": path, "port": port}),
                );
            }
            Endpoint::Url(url) => {
                cc.insert("url".into(), Value::String(format!("{}{path}", check_url(url)?)));
            }
        }
        if let CaSource::Pem(pem) = &o.ca {
            cc.insert("caBundle".into(), Value::String(ca_bundle(pem)?));
        }
        Ok(Value::Object(cc))
    };
    let mut annotations = Map::new();
    if let CaSource::CertManager(cert) = &o.ca {
        match cert.split_once('/') {
            Some((ns, name)) if dns_label(ns) && !name.is_empty() && !name.contains('/') => {}
            _ => return Err(ConfigError::CertManager(cert.clone())),
        }
        annotations.insert(
            "cert-manager.io/inject-ca-from".into(),
            Value::String(cert.clone()),
        );
    }
    let mut excluded = vec!["kube-system".to_owned()];
    if own != "kube-system" {
        excluded.push(own.clone());
    }
    let namespace_selector = json!({
        "matchExpressions": [{
            "key": "kubernetes.io/metadata.name",
            "operator": "NotIn",
            "values": excluded,
        }]
    });
    let metadata = |annotations: &Map<String, Value>| {
        let mut m = Map::new();
        m.insert("name".into(), json!(CONFIGURATION_NAME));
        m.insert(
            "labels".into(),
            json!({"app.kubernetes.io/name": "palisade", "app.kubernetes.io/part-of": "palisade"}),
        );
        if !annotations.is_empty() {
            m.insert("annotations".into(), Value::Object(annotations.clone()));
        }
        Value::Object(m)
    };
    let mut out = vec![json!({
        "apiVersion": "admissionregistration.k8s.io/v1",
        "kind": "ValidatingWebhookConfiguration",
        "metadata": metadata(&annotations),
        "webhooks": [{
            "name": VALIDATING_WEBHOOK_NAME,
            "clientConfig": client_config("/validate")?,
            "rules": rules(VALIDATED),
            "failurePolicy": o.failure_policy.as_str(),
            "matchPolicy": "Equivalent",
            "namespaceSelector": namespace_selector,
            "sideEffects": "None",
            "timeoutSeconds": o.timeout_seconds,
            "admissionReviewVersions": ["v1"],
        }],
    })];
    if o.mutate {
        out.push(json!({
            "apiVersion": "admissionregistration.k8s.io/v1",
            "kind": "MutatingWebhookConfiguration",
            "metadata": metadata(&annotations),
            "webhooks": [{
                "name": MUTATING_WEBHOOK_NAME,
                "clientConfig": client_config("/mutate")?,
                "rules": rules(MUTATED),
                "failurePolicy": o.failure_policy.as_str(),
                "matchPolicy": "Equivalent",
                "namespaceSelector": namespace_selector,
                "sideEffects": "None",
                "timeoutSeconds": o.timeout_seconds,
                "admissionReviewVersions": ["v1"],
                "reinvocationPolicy": "IfNeeded",
            }],
        }));
    }
    Ok(out)
}

/// The configurations as a YAML stream, with a header comment saying how they were made.
pub fn render(o: &Options) -> Result<String, ConfigError> {
    let objects = objects(o)?;
    let mut out = String::new();
    out.push_str("# palisade's admission webhooks (generated by `palisade webhook-config`).\n");
    let _ = writeln!(
        out,
        "# failurePolicy {}: {}",
        o.failure_policy.as_str(),
        match o.failure_policy {
            FailurePolicy::Fail =>
                "requests are rejected while palisade cannot answer (run it highly available).",
            FailurePolicy::Ignore => "requests are admitted unchecked while palisade cannot answer.",
        }
    );
    let _ = writeln!(
        out,
        "# Exempt namespaces (kubernetes.io/metadata.name): kube-system, {}.",
        o.own_namespace()
    );
    for obj in &objects {
        out.push_str("---\n");
        yaml(&mut out, obj, 0, false);
    }
    Ok(out)
}

/// A scalar in YAML: strings double-quoted (JSON escapes are YAML escapes), so that no value
/// is ever read as another type (`"None"`, `"*"`, `"443"`).
fn scalar(v: &Value) -> String {
    match v {
        Value::String(s) => Value::String(s.clone()).to_string(),
        other => other.to_string(),
    }
}

/// Block-style YAML of a JSON value. Keys here are plain identifiers or label keys
/// (`kubernetes.io/metadata.name`), safe unquoted.
fn yaml(out: &mut String, v: &Value, indent: usize, in_list: bool) {
    let pad = " ".repeat(indent);
    match v {
        Value::Object(m) => {
            for (i, (k, val)) in m.iter().enumerate() {
                // The first key of a list item follows its "- ".
                let p = if in_list && i == 0 { "" } else { pad.as_str() };
                match val {
                    Value::Object(inner) if !inner.is_empty() => {
                        let _ = writeln!(out, "{p}{k}:");
                        yaml(out, val, indent + 2, false);
                    }
                    Value::Array(items) if !items.is_empty() => {
                        if items.iter().all(|x| !x.is_object() && !x.is_array()) {
                            let list: Vec<String> = items.iter().map(scalar).collect();
                            let _ = writeln!(out, "{p}{k}: [{}]", list.join(", "));
                        } else {
                            let _ = writeln!(out, "{p}{k}:");
                            yaml(out, val, indent + 2, false);
                        }
                    }
                    Value::Object(_) => {
                        let _ = writeln!(out, "{p}{k}: {{}}");
                    }
                    Value::Array(_) => {
                        let _ = writeln!(out, "{p}{k}: []");
                    }
                    _ => {
                        let _ = writeln!(out, "{p}{k}: {}", scalar(val));
                    }
                }
            }
        }
        Value::Array(items) => {
            for item in items {
                out.push_str(&pad);
                out.push_str("- ");
                match item {
                    Value::Object(_) => yaml(out, item, indent + 2, true),
                    _ => {
                        out.push_str(&scalar(item));
                        out.push('\n');
                    }
                }
            }
        }
        _ => {
            out.push_str(&pad);
            out.push_str(&scalar(v));
            out.push('\n');
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CA: &str = "-----BEGIN CERTIFICATE-----\nMIIBtjCCAVugAwIBAgIUCm5vdCByZWFsbHkgYSBjZXJ0MAoGCCqGSM49BAMCMAAwHhcN\n-----END CERTIFICATE-----\n";

    fn service() -> Options {
        Options::new(
            Endpoint::Service {
                namespace: "palisade".into(),
                name: "palisade".into(),
                port: 443,
            },
            CaSource::Pem(CA.as_bytes().to_vec()),
        )
    }

    /// The YAML read back by palisade's own loader (libyaml, Kubernetes scalar semantics).
    fn parse(yaml: &str) -> Vec<Value> {
        let batch = palisade_source::load_bytes("webhook-config.yaml".into(), yaml.as_bytes());
        assert!(batch.diagnostics.is_empty(), "{:?}", batch.diagnostics);
        batch.objects.iter().map(|o| o.root.to_json()).collect()
    }

    #[test]
    fn yaml_reads_back_as_the_objects() {
        let o = service();
        let docs = parse(&render(&o).unwrap());
        assert_eq!(docs, objects(&o).unwrap());
        assert_eq!(docs.len(), 2);
    }

    #[test]
    fn validating_webhook_fields() {
        let docs = objects(&service()).unwrap();
        let v = &docs[0];
        assert_eq!(v["kind"], "ValidatingWebhookConfiguration");
        assert_eq!(v["apiVersion"], "admissionregistration.k8s.io/v1");
        let wh = &v["webhooks"][0];
        assert_eq!(wh["name"], "validate.palisade.dev");
        assert_eq!(
            wh["clientConfig"]["service"],
            json!({"namespace": "palisade", "name": "palisade", "path": "/validate", "port": 443})
        );
        assert_eq!(
            wh["clientConfig"]["caBundle"],
            base64::engine::general_purpose::STANDARD.encode(CA)
        );
        assert_eq!(wh["failurePolicy"], "Fail");
        assert_eq!(wh["sideEffects"], "None");
        assert_eq!(wh["matchPolicy"], "Equivalent");
        assert_eq!(wh["timeoutSeconds"], 5);
        assert_eq!(wh["admissionReviewVersions"], json!(["v1"]));
        assert_eq!(
            wh["namespaceSelector"],
            json!({"matchExpressions": [{"key": "kubernetes.io/metadata.name", "operator": "NotIn", "values": ["kube-system", "palisade"]}]})
        );
        assert!(wh.get("objectSelector").is_none());
        assert!(wh.get("reinvocationPolicy").is_none());
        let rules = wh["rules"].as_array().unwrap();
        let has = |group: &str, res: &str| {
            rules.iter().any(|r| {
                r["apiGroups"] == json!([group])
                    && r["operations"] == json!(["CREATE", "UPDATE"])
                    && r["resources"].as_array().unwrap().iter().any(|x| x == res)
            })
        };
        for (g, r) in [
            ("", "pods"),
            ("", "pods/ephemeralcontainers"),
            ("", "replicationcontrollers"),
            ("", "podtemplates"),
            ("", "services"),
            ("", "namespaces"),
            ("apps", "deployments"),
            ("apps", "replicasets"),
            ("apps", "statefulsets"),
            ("apps", "daemonsets"),
            ("batch", "jobs"),
            ("batch", "cronjobs"),
            ("rbac.authorization.k8s.io", "roles"),
            ("rbac.authorization.k8s.io", "clusterroles"),
            ("rbac.authorization.k8s.io", "rolebindings"),
            ("rbac.authorization.k8s.io", "clusterrolebindings"),
            ("networking.k8s.io", "networkpolicies"),
            ("networking.k8s.io", "ingresses"),
        ] {
            assert!(has(g, r), "{g}/{r} missing");
        }
        assert!(!has(
            "admissionregistration.k8s.io",
            "validatingwebhookconfigurations"
        ));
    }

    #[test]
    fn mutating_webhook_fields() {
        let docs = objects(&service()).unwrap();
        let m = &docs[1];
        assert_eq!(m["kind"], "MutatingWebhookConfiguration");
        let wh = &m["webhooks"][0];
        assert_eq!(wh["name"], "mutate.palisade.dev");
        assert_eq!(wh["clientConfig"]["service"]["path"], "/mutate");
        assert_eq!(wh["reinvocationPolicy"], "IfNeeded");
        let resources: Vec<String> = wh["rules"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|r| {
                r["resources"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|x| x.as_str().unwrap().to_owned())
            })
            .collect();
        assert!(resources.contains(&"pods".to_owned()));
        assert!(resources.contains(&"deployments".to_owned()));
        assert!(!resources.contains(&"services".to_owned()));
        assert!(!resources.contains(&"namespaces".to_owned()));
        assert!(!resources.contains(&"roles".to_owned()));
    }

    #[test]
    fn url_options_and_no_mutate() {
        let mut o = Options::new(
            Endpoint::Url("https://10.0.0.5:8443/hooks/".into()),
            CaSource::Pem(CA.as_bytes().to_vec()),
        );
        o.mutate = false;
        o.failure_policy = FailurePolicy::Ignore;
        o.timeout_seconds = 10;
        o.namespace = Some("security".into());
        let docs = objects(&o).unwrap();
        assert_eq!(docs.len(), 1);
        let wh = &docs[0]["webhooks"][0];
        assert_eq!(wh["clientConfig"]["url"], "https://10.0.0.5:8443/hooks/validate");
        assert!(wh["clientConfig"].get("service").is_none());
        assert_eq!(wh["failurePolicy"], "Ignore");
        assert_eq!(wh["timeoutSeconds"], 10);
        assert_eq!(
            wh["namespaceSelector"]["matchExpressions"][0]["values"],
            json!(["kube-system", "security"])
        );
        assert_eq!(parse(&render(&o).unwrap()), docs);
    }

    #[test]
    fn cert_manager_annotation_instead_of_ca_bundle() {
        let mut o = service();
        o.ca = CaSource::CertManager("palisade/palisade-webhook".into());
        let docs = objects(&o).unwrap();
        for d in &docs {
            assert_eq!(
                d["metadata"]["annotations"]["cert-manager.io/inject-ca-from"],
                "palisade/palisade-webhook"
            );
            assert!(d["webhooks"][0]["clientConfig"].get("caBundle").is_none());
        }
        o.ca = CaSource::CertManager("no-slash".into());
        assert!(matches!(objects(&o), Err(ConfigError::CertManager(_))));
    }

    #[test]
    fn invalid_options_are_errors() {
        let mut o = service();
        o.timeout_seconds = 31;
        assert_eq!(objects(&o), Err(ConfigError::Timeout(31)));
        o.timeout_seconds = 0;
        assert_eq!(objects(&o), Err(ConfigError::Timeout(0)));
        let mut o = service();
        o.ca = CaSource::Pem(b"not a certificate".to_vec());
        assert_eq!(objects(&o), Err(ConfigError::NoCertificate));
        for url in [
            "http://x/",
            "https://",
            "https://u@h/",
            "https://h/?q=1",
            "https://h/#f",
        ] {
            let mut o = service();
            o.endpoint = Endpoint::Url(url.into());
            assert!(matches!(objects(&o), Err(ConfigError::Url(_))), "{url}");
        }
        let mut o = service();
        o.endpoint = Endpoint::Service {
            namespace: "Palisade".into(),
            name: "palisade".into(),
            port: 443,
        };
        assert!(matches!(objects(&o), Err(ConfigError::Name { .. })));
    }

    #[test]
    fn scalars_are_quoted_strings() {
        let text = render(&service()).unwrap();
        assert!(text.contains("sideEffects: \"None\"\n"));
        assert!(text.contains("failurePolicy: \"Fail\"\n"));
        assert!(text.contains("timeoutSeconds: 5\n"));
        assert!(text.contains("port: 443\n"));
        assert!(text.contains("apiVersions: [\"*\"]\n"));
    }
}
