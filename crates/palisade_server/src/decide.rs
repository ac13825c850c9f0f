//! The admission decision: what palisade answers to one AdmissionReview request. The object
//! goes through the scan engine (the same rules, Pod Security evaluator, exceptions and
//! severities as `palisade scan`) under the policy of its namespace's mode labels, and Pod
//! Security Admission's behaviour around the evaluation is kept: pods are enforced, their
//! controllers warned (unless `enforceControllers`), ignored subresources, insignificant pod
//! updates, exemptions, no warnings on a denial. Pure: namespace labels come through
//! [`Namespaces`], nothing is printed.

use crate::policy::{self, Checks, Exempt, ModePolicy, NamespacePolicy};
use crate::review::{Operation, Request, Response};
use palisade_core::{Finding, Node, Object, Origin, RuleMeta, Scope, Severity};
use palisade_engine::config::{AdmissionConfig, Profile};
use palisade_engine::{PagedScan, PssMode, ScanOptions};
use serde_json::Value;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::{Arc, RwLock};

/// Where the webhook learns a namespace's labels (a watch of the cluster's namespaces, or a
/// fixed map in tests).
pub trait Namespaces: Send + Sync {
    /// The labels of namespace `name`; `Ok(None)` when there is no such namespace, `Err` when
    /// they could not be read.
    fn labels(&self, name: &str) -> Result<Option<BTreeMap<String, String>>, String>;
    /// The labels when they are known without waiting (a cache hit); `None` when finding
    /// them could block (a GET to the API server). The router decides known ones inline.
    fn cached(&self, _name: &str) -> Option<Result<Option<BTreeMap<String, String>>, String>> {
        None
    }
}

/// One namespace's labels, resolved before the decision.
pub struct Resolved {
    pub name: String,
    pub labels: Result<Option<BTreeMap<String, String>>, String>,
}

impl Namespaces for Resolved {
    fn labels(&self, name: &str) -> Result<Option<BTreeMap<String, String>>, String> {
        if name == self.name {
            self.labels.clone()
        } else {
            Err(format!("namespace {name:?} was not resolved"))
        }
    }
    fn cached(&self, name: &str) -> Option<Result<Option<BTreeMap<String, String>>, String>> {
        Some(self.labels(name))
    }
}

/// Namespaces given up front.
#[derive(Debug, Default, Clone)]
pub struct StaticNamespaces(pub HashMap<String, BTreeMap<String, String>>);

impl Namespaces for StaticNamespaces {
    fn labels(&self, name: &str) -> Result<Option<BTreeMap<String, String>>, String> {
        Ok(self.0.get(name).cloned())
    }
    fn cached(&self, name: &str) -> Option<Result<Option<BTreeMap<String, String>>, String>> {
        Some(self.labels(name))
    }
}

/// Pod subresources that Pod Security Admission ignores (spec §5.3).
pub const IGNORED_POD_SUBRESOURCES: &[&str] = &[
    "exec",
    "attach",
    "binding",
    "eviction",
    "log",
    "portforward",
    "proxy",
    "status",
];

/// At most this many warnings are returned (kubectl prints each on its own line).
const MAX_WARNINGS: usize = 20;

/// What a decision was, for logs and metrics.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Record {
    /// `allowed`, `denied`, `warned` (allowed with warnings), `exempt`, `skipped` (not
    /// evaluated: DELETE, ignored subresource, insignificant update, all privileged),
    /// `patched` (mutate).
    pub decision: &'static str,
    /// `enforce:<policy>` … of the modes that were evaluated.
    pub policies: Vec<String>,
    /// (mode, rule code) of every finding that counted.
    pub rules: Vec<(&'static str, &'static str)>,
}

/// A decision: the response and its record.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub response: Response,
    pub record: Record,
}

/// Decides admission requests.
pub struct Decider {
    cfg: AdmissionConfig,
    defaults: NamespacePolicy,
    base: ScanOptions,
    ignore: Vec<String>,
    enforce_severity: Severity,
    options: RwLock<HashMap<ModePolicy, Arc<ScanOptions>>>,
}

impl Decider {
    /// `base` carries what the configuration sets for every scan (severity overrides, rule
    /// options, exceptions); its rule list and Pod Security mode are replaced per policy.
    /// `ignore` are the configuration's `ignore` selectors.
    pub fn new(cfg: AdmissionConfig, base: ScanOptions, ignore: Vec<String>) -> Result<Decider, String> {
        let defaults = policy::defaults(&cfg)?;
        let enforce_severity = cfg.enforce_severity.map_or(Severity::Low, |s| s.severity());
        let mut base = base;
        base.suppressor.inline = cfg.inline_ignores;
        Ok(Decider {
            cfg,
            defaults,
            base,
            ignore,
            enforce_severity,
            options: RwLock::new(HashMap::new()),
        })
    }

    pub fn config(&self) -> &AdmissionConfig {
        &self.cfg
    }

    /// The scan options of a policy: the profile's rules that decide on one object, minus
    /// the configuration's `ignore`, at the policy's Pod Security level and version.
    fn options_for(&self, p: ModePolicy) -> Arc<ScanOptions> {
        if let Some(o) = self.options.read().unwrap_or_else(|e| e.into_inner()).get(&p) {
            return o.clone();
        }
        let profile = match p.checks {
            Checks::Privileged => Profile::All,
            Checks::Profile(x) => x,
        };
        let ignored = |r: &RuleMeta| {
            self.ignore
                .iter()
                .flat_map(|s| s.split(','))
                .map(str::trim)
                .any(|s| !s.is_empty() && r.matches(s))
        };
        let rules: Vec<&'static RuleMeta> = palisade_rules::all_rules()
            .iter()
            .copied()
            .filter(|r| r.in_profile(profile.as_str()) && r.scope == Scope::Object && r.group != "config")
            .filter(|r| !ignored(r))
            .collect();
        let mut o = self.base.clone();
        o.rules = if p.is_privileged() { Vec::new() } else { rules };
        o.pss = PssMode::Fixed(palisade_pss::Policy {
            level: p.checks.pss_level(),
            version: p.version,
        });
        let o = Arc::new(o);
        self.options
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .insert(p, o.clone());
        o
    }

    /// Runs the engine on one object under a policy: the active findings.
    fn evaluate(&self, obj: Option<&Object>, p: ModePolicy) -> Vec<Finding> {
        let Some(obj) = obj.filter(|_| !p.is_privileged()) else {
            return Vec::new();
        };
        let opts = self.options_for(p);
        let mut scan = PagedScan::new(&opts);
        scan.add(vec![obj.clone()]);
        let cluster = palisade_engine::ClusterSettings {
            analysis: opts.analysis,
            pss_latest: opts.pss_latest.clone(),
        };
        scan.finish(Vec::new(), cluster).findings
    }

    /// The validating webhook's answer.
    pub fn validate(&self, req: &Request, namespaces: &dyn Namespaces) -> Outcome {
        if matches!(req.operation, Operation::Delete | Operation::Connect) {
            return skipped(req);
        }
        let pod = is_pod(req);
        if pod && IGNORED_POD_SUBRESOURCES.contains(&req.sub_resource.as_str()) {
            return skipped(req);
        }
        if !pod && !req.sub_resource.is_empty() {
            return skipped(req);
        }
        if req.resource.group.is_empty() && req.resource.resource == "namespaces" {
            return self.namespace_request(req);
        }
        if let Some(e) = self.user_exemption(req) {
            return exempt(req, e);
        }
        let Some(object) = req.object.as_ref() else {
            return skipped(req);
        };
        let (ns_policy, lookup_error) = self.policy_of(&req.namespace, namespaces);
        let mut response = Response::allow(&req.uid);
        let mut record = Record::default();
        if let Some(e) = &lookup_error {
            response.audit_annotations.insert("error".into(), e.clone());
        }
        if !ns_policy.errors.is_empty() {
            response.audit_annotations.insert(
                "error".into(),
                format!("Failed to parse policy: {}", ns_policy.errors.join("; ")),
            );
        }
        // Decoded once: the exemption, the kind of object and every evaluation use it.
        let decoded = to_object(object, req);
        if runtime_class_exempt(decoded.as_ref(), &self.cfg.exemptions.runtime_classes) {
            return exempt(req, Exempt::RuntimeClass);
        }
        let controller = !pod && decoded.as_ref().is_some_and(Object::has_pod_templates);
        if pod {
            response
                .audit_annotations
                .insert("enforce-policy".into(), ns_policy.enforce.to_string());
        }
        if ns_policy.all_privileged() && ns_policy.errors.is_empty() {
            record.decision = "skipped";
            return Outcome { response, record };
        }
        let old = match (req.operation, req.old_object.as_ref()) {
            (Operation::Update, Some(old)) => Some(old),
            _ => None,
        };
        if pod {
            if let Some(old) = old {
                if !significant_pod_update(old, object) {
                    record.decision = "skipped";
                    return Outcome { response, record };
                }
            }
        }

        // One evaluation per distinct policy, as Pod Security Admission reuses them.
        let mut cache: Vec<(ModePolicy, Vec<Finding>)> = Vec::new();
        let findings_of = |p: ModePolicy, cache: &mut Vec<(ModePolicy, Vec<Finding>)>| -> usize {
            if let Some(i) = cache.iter().position(|(q, _)| *q == p) {
                return i;
            }
            cache.push((p, self.evaluate(decoded.as_ref(), p)));
            cache.len() - 1
        };
        let name = display_name(req, object);
        let resource = qualified_resource(req);

        // enforce
        let enforce_on = !ns_policy.enforce.is_privileged();
        let mut warnings: Vec<String> = Vec::new();
        if enforce_on {
            record.policies.push(format!("enforce:{}", ns_policy.enforce));
            let i = findings_of(ns_policy.enforce, &mut cache);
            let blocking: Vec<&Finding> = cache[i]
                .1
                .iter()
                .filter(|f| f.severity >= self.enforce_severity)
                .collect();
            // On UPDATE, what the old object already had does not block.
            let old_keys: HashSet<(String, String)> = match old {
                Some(old) if !blocking.is_empty() => self
                    .evaluate(to_object(old, req).as_ref(), ns_policy.enforce)
                    .iter()
                    .map(|f| finding_key(&f))
                    .collect(),
                _ => HashSet::new(),
            };
            let (preexisting, new): (Vec<&Finding>, Vec<&Finding>) = blocking
                .into_iter()
                .partition(|f| old_keys.contains(&finding_key(f)));
            for f in &new {
                record.rules.push(("enforce", f.rule.code));
            }
            if !new.is_empty() && (!controller || self.cfg.enforce_controllers) {
                let mut message = format!(
                    "{resource} \"{name}\" is forbidden: violates palisade policy \"{}\": {}",
                    ns_policy.enforce,
                    items(&new)
                );
                if !preexisting.is_empty() {
                    message.push_str(&format!(
                        " ({} finding(s) the object already had before this update do not block it)",
                        preexisting.len()
                    ));
                }
                let mut r = Response::deny(&req.uid, message);
                r.audit_annotations = response.audit_annotations;
                record.decision = "denied";
                return Outcome { response: r, record };
            }
            if !new.is_empty() {
                warnings.push(format!(
                    "would violate palisade policy \"{}\" (enforced on its pods, which will be rejected): {}",
                    ns_policy.enforce,
                    items(&new)
                ));
            }
            if !preexisting.is_empty() {
                warnings.push(format!(
                    "palisade policy \"{}\": {} finding(s) the object already had before this update do not block it: {}",
                    ns_policy.enforce,
                    preexisting.len(),
                    items(&preexisting)
                ));
            }
        }
        // warn
        if !ns_policy.warn.is_privileged() {
            record.policies.push(format!("warn:{}", ns_policy.warn));
            let i = findings_of(ns_policy.warn, &mut cache);
            let fs: Vec<&Finding> = cache[i].1.iter().collect();
            for f in &fs {
                record.rules.push(("warn", f.rule.code));
            }
            // A controller warned under enforce is not warned twice for the same policy.
            let already = enforce_on && ns_policy.warn == ns_policy.enforce && !warnings.is_empty();
            if !fs.is_empty() && !already {
                for f in &fs {
                    if warnings.len() == MAX_WARNINGS - 1 {
                        warnings.push(format!(
                            "… and {} more finding(s) of palisade policy \"{}\"",
                            fs.len() - (MAX_WARNINGS - 1),
                            ns_policy.warn
                        ));
                        break;
                    }
                    warnings.push(format!(
                        "would violate palisade policy \"{}\": {}",
                        ns_policy.warn,
                        item(f)
                    ));
                }
            }
        }
        // audit
        if !ns_policy.audit.is_privileged() {
            record.policies.push(format!("audit:{}", ns_policy.audit));
            let i = findings_of(ns_policy.audit, &mut cache);
            let fs: Vec<&Finding> = cache[i].1.iter().collect();
            for f in &fs {
                record.rules.push(("audit", f.rule.code));
            }
            if !fs.is_empty() {
                response.audit_annotations.insert(
                    "audit-violations".into(),
                    format!(
                        "would violate palisade policy \"{}\": {}",
                        ns_policy.audit,
                        items(&fs)
                    ),
                );
            }
        }
        warnings.truncate(MAX_WARNINGS);
        record.decision = if warnings.is_empty() { "allowed" } else { "warned" };
        response.warnings = warnings;
        Outcome { response, record }
    }

    /// A namespace's own CREATE or UPDATE: invalid `palisade.dev/` labels are rejected (on
    /// UPDATE only when the set of errors changed), as Pod Security Admission does.
    fn namespace_request(&self, req: &Request) -> Outcome {
        let errors = |v: Option<&Value>| -> Vec<String> {
            policy::namespace_policy(&labels_of(v), &self.defaults).errors
        };
        let new = errors(req.object.as_ref());
        let rejected = match req.operation {
            Operation::Create => !new.is_empty(),
            Operation::Update => !new.is_empty() && new != errors(req.old_object.as_ref()),
            _ => false,
        };
        if rejected {
            let mut r = Response::deny(
                &req.uid,
                format!("namespaces \"{}\" is invalid: {}", req.name, new.join(", ")),
            );
            if let Some(s) = r.status.as_mut() {
                s.code = 422;
                s.reason = "Invalid".into();
            }
            return Outcome {
                response: r,
                record: Record {
                    decision: "denied",
                    ..Record::default()
                },
            };
        }
        Outcome {
            response: Response::allow(&req.uid),
            record: Record {
                decision: "allowed",
                ..Record::default()
            },
        }
    }

    /// The policy of a namespace (cluster-scoped objects get the defaults), and why the
    /// labels could not be read.
    fn policy_of(&self, namespace: &str, namespaces: &dyn Namespaces) -> (NamespacePolicy, Option<String>) {
        if namespace.is_empty() {
            return (self.defaults.clone(), None);
        }
        match namespaces.labels(namespace) {
            Ok(Some(labels)) => (policy::namespace_policy(&labels, &self.defaults), None),
            Ok(None) => (self.defaults.clone(), None),
            Err(e) => (
                self.defaults.clone(),
                Some(format!(
                    "could not read the labels of namespace {namespace:?} ({e}): the defaults applied"
                )),
            ),
        }
    }

    /// The mutating webhook's answer: the configured defaults as a JSONPatch, for pods and
    /// pod templates in namespaces where mutation is on. Pods are mutated when created (the
    /// API server forbids changing a running pod's security settings), controllers when
    /// created or updated. It never denies: validation does.
    pub fn mutate(&self, req: &Request, namespaces: &dyn Namespaces) -> Outcome {
        let pod = is_pod(req);
        let operation_mutates = match req.operation {
            Operation::Create => true,
            Operation::Update => !pod,
            _ => false,
        };
        if !operation_mutates || !req.sub_resource.is_empty() {
            return skipped(req);
        }
        if let Some(e) = self.user_exemption(req) {
            return exempt(req, e);
        }
        let Some(object) = req.object.as_ref() else {
            return skipped(req);
        };
        if !self.mutation_enabled(&req.namespace, namespaces) {
            return skipped(req);
        }
        if runtime_class_exempt(
            to_object(object, req).as_ref(),
            &self.cfg.exemptions.runtime_classes,
        ) {
            return exempt(req, Exempt::RuntimeClass);
        }
        let d = crate::mutate::defaults(object, &self.cfg.mutation);
        if d.is_empty() {
            return Outcome {
                response: Response::allow(&req.uid),
                record: Record {
                    decision: "allowed",
                    ..Record::default()
                },
            };
        }
        let mut r = Response::allow(&req.uid);
        if let Some(s) = d.summary() {
            r.audit_annotations.insert("mutated".into(), s);
        }
        Outcome {
            response: r.with_patch(&Value::Array(d.ops)),
            record: Record {
                decision: "patched",
                ..Record::default()
            },
        }
    }

    /// The namespace, user or group exemption of a request.
    fn user_exemption(&self, req: &Request) -> Option<Exempt> {
        policy::exemption(
            &self.cfg,
            &req.namespace,
            &req.user_info.username,
            &req.user_info.groups,
        )
    }

    /// Whether the mutating webhook changes objects of this namespace.
    pub fn mutation_enabled(&self, namespace: &str, namespaces: &dyn Namespaces) -> bool {
        let labels = if namespace.is_empty() {
            BTreeMap::new()
        } else {
            namespaces.labels(namespace).ok().flatten().unwrap_or_default()
        };
        policy::mutation_enabled(&self.cfg, &labels)
    }
}

/// Allowed without evaluation (DELETE, an ignored subresource, nothing to check).
fn skipped(req: &Request) -> Outcome {
    Outcome {
        response: Response::allow(&req.uid),
        record: Record {
            decision: "skipped",
            ..Record::default()
        },
    }
}

fn exempt(req: &Request, e: Exempt) -> Outcome {
    let mut r = Response::allow(&req.uid);
    r.audit_annotations.insert("exempt".into(), e.as_str().into());
    Outcome {
        response: r,
        record: Record {
            decision: "exempt",
            ..Record::default()
        },
    }
}

fn is_pod(req: &Request) -> bool {
    req.resource.group.is_empty() && req.resource.resource == "pods"
}

/// The object as the engine's input: named and namespaced as the request says when the
/// object leaves them out (a POST to a namespaced URL, `generateName`).
fn to_object(v: &Value, req: &Request) -> Option<Object> {
    let mut obj = Object::from_node(
        Node::from_json(v),
        Origin::Cluster {
            context: "admission".into(),
        },
    )
    .ok()?;
    if obj.namespace.is_none() && !req.namespace.is_empty() {
        obj.namespace = Some(req.namespace.clone());
    }
    if obj.name.is_empty() {
        obj.name = req.name.clone();
    }
    Some(obj)
}

fn runtime_class_exempt(obj: Option<&Object>, exempt: &[String]) -> bool {
    let Some(o) = obj.filter(|_| !exempt.is_empty()) else {
        return false;
    };
    o.pod_templates().iter().any(|t| {
        t.spec
            .get("runtimeClassName")
            .and_then(Node::as_str)
            .is_some_and(|rc| !rc.is_empty() && exempt.iter().any(|e| e == rc))
    })
}

fn labels_of(v: Option<&Value>) -> BTreeMap<String, String> {
    v.and_then(|v| v.pointer("/metadata/labels"))
        .and_then(Value::as_object)
        .map(|m| {
            m.iter()
                .map(|(k, v)| (k.clone(), v.as_str().map_or_else(|| v.to_string(), str::to_owned)))
                .collect()
        })
        .unwrap_or_default()
}

/// `pods`, `deployments.apps`: the resource as apimachinery's `NewForbidden` prints it.
fn qualified_resource(req: &Request) -> String {
    if req.resource.group.is_empty() {
        req.resource.resource.clone()
    } else {
        format!("{}.{}", req.resource.resource, req.resource.group)
    }
}

fn display_name(req: &Request, object: &Value) -> String {
    if !req.name.is_empty() {
        return req.name.clone();
    }
    object
        .pointer("/metadata/name")
        .or_else(|| object.pointer("/metadata/generateName"))
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_owned()
}

/// What identifies a finding between the old and the new object: its rule and field.
fn finding_key(f: &&Finding) -> (String, String) {
    (f.rule.code.to_owned(), f.path.to_string())
}

/// One finding as a denial or warning item: Pod Security findings as Pod Security Admission
/// words them (`reason (detail)`), others by their message; then the rule codes.
fn item(f: &Finding) -> String {
    let text = match f.pss() {
        Some(p) if !p.detail.is_empty() => format!("{} ({})", p.reason, p.detail),
        Some(p) => p.reason.clone(),
        None => f.message().to_owned(),
    };
    let codes: Vec<&str> = f.rules().map(|r| r.code).collect();
    format!("{text} [{}]", codes.join(", "))
}

fn items(fs: &[&Finding]) -> String {
    fs.iter().map(|f| item(f)).collect::<Vec<_>>().join("; ")
}

/// Pod Security Admission's significant pod update (spec §5.3): the number of containers or
/// init containers changed, an image of one changed, or an ephemeral container was added
/// (by name) or had its image changed.
pub fn significant_pod_update(old: &Value, new: &Value) -> bool {
    let list = |v: &Value, key: &str| -> Vec<(String, String)> {
        v.pointer(&format!("/spec/{key}"))
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .map(|c| {
                        (
                            c.get("name").and_then(Value::as_str).unwrap_or("").to_owned(),
                            c.get("image").and_then(Value::as_str).unwrap_or("").to_owned(),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default()
    };
    for key in ["containers", "initContainers"] {
        let (o, n) = (list(old, key), list(new, key));
        if o.len() != n.len() || o.iter().zip(&n).any(|(a, b)| a.1 != b.1) {
            return true;
        }
    }
    let old_eph: HashMap<String, String> = list(old, "ephemeralContainers").into_iter().collect();
    list(new, "ephemeralContainers")
        .into_iter()
        .any(|(name, image)| old_eph.get(&name) != Some(&image))
}
