//! The `palisade audit rbac` round trip against a real API server (needs cluster): the
//! roles generated for frontend-sa (recorded log) and for bob (audit2rbac's demo.log) are
//! applied with kubectl, then SubjectAccessReviews (POSTed by the admin) check that every
//! observed request of the subject is allowed, and that a sample of requests it did not make
//! (other verbs, resources, namespaces, names where names were restricted) is not.

mod common;

use common::control_plane::ControlPlane;
use common::{code, palisade, text};
use serde_json::{json, Value};

const LOG: &str = "../shared/corpus/audit/palisade-recorded/audit.log";
const DEMO: &str = "../shared/corpus/audit/liggitt__audit2rbac/testdata/demo.log";

/// One SubjectAccessReview's attributes: (namespace, verb, group, resource[/sub], name) or a
/// non-resource (verb, path) when `resource` is empty.
#[derive(Clone, Debug)]
struct Attrs {
    namespace: String,
    verb: String,
    group: String,
    resource: String,
    name: String,
    path: String,
}

impl Attrs {
    fn of(o: &Value) -> Attrs {
        let s = |k: &str| o[k].as_str().unwrap_or_default().to_owned();
        Attrs {
            namespace: s("namespace"),
            verb: s("verb"),
            group: s("apiGroup"),
            resource: s("resource"),
            name: s("name"),
            path: s("path"),
        }
    }
    fn sar(&self, user: &str, groups: &[&str]) -> Value {
        let spec = if self.resource.is_empty() {
            json!({"nonResourceAttributes": {"verb": self.verb, "path": self.path}})
        } else {
            let (res, sub) = self.resource.split_once('/').unwrap_or((&self.resource, ""));
            json!({"resourceAttributes": {"namespace": self.namespace, "verb": self.verb,
                   "group": self.group, "resource": res, "subresource": sub, "name": self.name}})
        };
        let mut spec = spec;
        spec["user"] = json!(user);
        spec["groups"] = json!(groups);
        json!({"apiVersion": "authorization.k8s.io/v1", "kind": "SubjectAccessReview", "spec": spec})
    }
}

/// The API server's answers, in order (one `kubectl create` of a List).
fn allowed(cp: &ControlPlane, user: &str, groups: &[&str], attrs: &[Attrs]) -> Vec<bool> {
    let items: Vec<Value> = attrs.iter().map(|a| a.sar(user, groups)).collect();
    let list = json!({"apiVersion": "v1", "kind": "List", "items": items});
    let f = cp.dir.join(format!("sar-{}.json", items.len()));
    std::fs::write(&f, list.to_string()).unwrap();
    // kubectl prints one JSON document per object created (or a List).
    let out = cp.kubectl(&["create", "-f", f.to_str().unwrap(), "-o", "json"]);
    let mut items = Vec::new();
    for doc in serde_json::Deserializer::from_str(&out).into_iter::<Value>() {
        let doc = doc.unwrap_or_else(|e| panic!("{e}: {out}"));
        match doc["kind"].as_str() {
            Some("List") => items.extend(doc["items"].as_array().unwrap().iter().cloned()),
            _ => items.push(doc),
        }
    }
    assert_eq!(items.len(), attrs.len());
    items.iter().map(|i| i["status"]["allowed"] == true).collect()
}

/// Generates the roles, applies them, and returns the observed requests.
fn apply_generated(cp: &ControlPlane, log: &str, subject: &[&str]) -> Vec<Attrs> {
    let mut args = vec!["audit", "rbac", log];
    args.extend(subject);
    let o = palisade(&args);
    assert_eq!(code(&o), 0, "{}", String::from_utf8_lossy(&o.stderr));
    let yaml = text(&o);
    let mut args = args.clone();
    args.extend(["-o", "json"]);
    let v: Value = serde_json::from_slice(&palisade(&args).stdout).unwrap();
    let existing = cp.kubectl(&["get", "namespaces", "-o", "name"]);
    for ns in v["roles"].as_object().unwrap().keys() {
        if !existing.lines().any(|l| l == format!("namespace/{ns}")) {
            cp.kubectl(&["create", "namespace", ns]);
        }
    }
    let f = cp.dir.join("generated.yaml");
    std::fs::write(&f, &yaml).unwrap();
    let applied = cp.kubectl(&["apply", "-f", f.to_str().unwrap()]);
    assert!(applied.contains("created"), "{applied}");
    v["observed"].as_array().unwrap().iter().map(Attrs::of).collect()
}

fn check(cp: &ControlPlane, user: &str, groups: &[&str], observed: &[Attrs], not_made: &[Attrs]) {
    let yes = allowed(cp, user, groups, observed);
    for (a, ok) in observed.iter().zip(&yes) {
        assert!(ok, "observed request not allowed by the generated roles: {a:?}");
    }
    let no = allowed(cp, user, groups, not_made);
    for (a, ok) in not_made.iter().zip(&no) {
        assert!(!ok, "a request {user} did not make is allowed: {a:?}");
    }
}

fn attrs(ns: &str, verb: &str, group: &str, resource: &str, name: &str) -> Attrs {
    Attrs {
        namespace: ns.into(),
        verb: verb.into(),
        group: group.into(),
        resource: resource.into(),
        name: name.into(),
        path: String::new(),
    }
}

#[test]
#[ignore = "needs cluster"]
fn generated_roles_allow_exactly_what_was_observed() {
    let cp = ControlPlane::start("audit-rbac");
    cp.kubectl(&["create", "namespace", "shop"]);

    // frontend-sa: before the roles, nothing of what it did is allowed
    let user = "system:serviceaccount:shop:frontend-sa";
    let groups = [
        "system:serviceaccounts",
        "system:serviceaccounts:shop",
        "system:authenticated",
    ];
    let before = allowed(&cp, user, &groups, &[attrs("shop", "list", "", "secrets", "")]);
    assert_eq!(before, [false]);
    let observed = apply_generated(&cp, LOG, &["--serviceaccount", "shop/frontend-sa"]);
    assert!(observed.len() >= 5, "{observed:?}");
    let pod = "adservice-748f6f68d4-9gnfs";
    check(
        &cp,
        user,
        &groups,
        &observed,
        &[
            // other verbs
            attrs("shop", "delete", "", "secrets", "db-creds"),
            attrs("shop", "create", "", "secrets", ""),
            attrs("shop", "delete", "", "pods", pod),
            attrs("shop", "create", "", "pods", ""),
            attrs("", "delete", "rbac.authorization.k8s.io", "clusterroles", "admin"),
            // other resources
            attrs("shop", "get", "", "configmaps", ""),
            attrs("shop", "create", "", "pods/attach", pod),
            attrs("shop", "create", "", "pods/portforward", pod),
            attrs("", "list", "rbac.authorization.k8s.io", "clusterrolebindings", ""),
            // other namespaces
            attrs("default", "list", "", "secrets", ""),
            attrs("kube-system", "get", "", "secrets", "x"),
            attrs("default", "create", "", "pods/exec", pod),
            // other names, where names were restricted (one pod)
            attrs("shop", "get", "", "pods", "frontend-0"),
            attrs("shop", "create", "", "pods/exec", "frontend-0"),
        ],
    );

    // bob (audit2rbac's demo): list nodes cluster-wide, pods in default and ns1
    let observed = apply_generated(&cp, DEMO, &["--user", "bob"]);
    assert_eq!(observed.len(), 4, "{observed:?}");
    check(
        &cp,
        "bob",
        &["system:authenticated"],
        &observed,
        &[
            attrs("", "delete", "", "nodes", "n1"),
            attrs("default", "delete", "", "pods", "p"),
            attrs("ns1", "create", "", "pods", ""),
            attrs("default", "list", "", "secrets", ""),
            attrs("default", "list", "apps", "deployments", ""),
            attrs("kube-system", "list", "", "pods", ""),
            attrs("shop", "list", "", "pods", ""),
            attrs("", "list", "", "pods", ""),
            attrs("default", "get", "", "pods/log", "p"),
        ],
    );
}
