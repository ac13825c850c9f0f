//! The RBAC authorizer against every matching rule of the semantics reference
//! (`/work/shared/spec/rbac-netpol-audit.md` §1.2–§1.9, §1.11): rule matching (`RuleAllows`),
//! rule resolution and binding scope, subject matching, implicit groups, the super-user group,
//! ClusterRole aggregation, who-can (`AllowedSubjects`) and `Covers`. Table-driven: each row is
//! one case, and every table reports all its failing rows at once.

use palisade_core::Object;
use palisade_rbac::eval::applies_to_user;
use palisade_rbac::{
    covers, rule_allows, Aggregation, Decision, Model, ModelOptions, PolicyRule, Request, RoleKind, User,
};

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

fn strs(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| (*s).to_owned()).collect()
}

/// A resource rule.
fn r(verbs: &[&str], groups: &[&str], resources: &[&str]) -> PolicyRule {
    PolicyRule {
        verbs: strs(verbs),
        api_groups: strs(groups),
        resources: strs(resources),
        ..PolicyRule::default()
    }
}

/// A resource rule with resourceNames.
fn rn(verbs: &[&str], groups: &[&str], resources: &[&str], names: &[&str]) -> PolicyRule {
    PolicyRule {
        resource_names: strs(names),
        ..r(verbs, groups, resources)
    }
}

/// A nonResourceURLs rule.
fn ru(verbs: &[&str], urls: &[&str]) -> PolicyRule {
    PolicyRule {
        verbs: strs(verbs),
        non_resource_urls: strs(urls),
        ..PolicyRule::default()
    }
}

/// A mixed rule (resources and nonResourceURLs; rejected by validation, read from disk anyway).
fn rm(verbs: &[&str], groups: &[&str], resources: &[&str], urls: &[&str]) -> PolicyRule {
    PolicyRule {
        non_resource_urls: strs(urls),
        ..r(verbs, groups, resources)
    }
}

/// A resource request; `resource` may be `res/sub`; `name` may be empty.
fn q(verb: &str, group: &str, resource: &str, ns: &str, name: &str) -> Request {
    Request::resource(verb, group, resource, ns).named(name)
}

/// A resource request with an explicit (resource, subresource) split.
fn qs(verb: &str, group: &str, resource: &str, sub: &str) -> Request {
    Request::Resource {
        verb: verb.into(),
        api_group: group.into(),
        resource: resource.into(),
        subresource: sub.into(),
        namespace: "ns".into(),
        name: String::new(),
    }
}

/// A non-resource request.
fn nr(verb: &str, path: &str) -> Request {
    Request::non_resource(verb, path)
}

/// An authenticated user without explicit groups (gets `system:authenticated`, and the SA
/// groups for a ServiceAccount name).
fn u(name: &str) -> User {
    User::new(name, &[])
}

/// A user with explicit groups (`system:authenticated` is still added, §1.8).
fn ug(name: &str, groups: &[&str]) -> User {
    User::new(name, &strs(groups))
}

/// A user carrying exactly these groups (no implicit ones).
fn raw(name: &str, groups: &[&str]) -> User {
    User {
        name: name.into(),
        groups: strs(groups),
    }
}

fn sa(ns: &str, name: &str) -> User {
    User::service_account(ns, name)
}

fn load(yaml: &str) -> Vec<Object> {
    let l = palisade_source::load_bytes("authorizer-test.yaml".into(), yaml.as_bytes());
    assert!(
        l.diagnostics.is_empty(),
        "fixture does not load cleanly: {:?}",
        l.diagnostics
    );
    assert_eq!(l.skipped, 0, "fixture has a document that is not an object");
    l.objects
}

fn model_with(yaml: &str, aggregation: Aggregation) -> Model {
    let objects = load(yaml);
    Model::build(
        &objects,
        ModelOptions {
            defaults: false,
            aggregation,
        },
    )
}

fn model(yaml: &str) -> Model {
    model_with(yaml, Aggregation::Compute)
}

const RBAC: &str = "apiVersion: rbac.authorization.k8s.io/v1";

/// A ClusterRole; `rules` is a YAML flow sequence.
fn cr(name: &str, rules: &str) -> String {
    format!("{RBAC}\nkind: ClusterRole\nmetadata: {{name: {name}}}\nrules: {rules}\n---\n")
}

/// A labelled ClusterRole; `labels` is a YAML flow mapping.
fn crl(name: &str, labels: &str, rules: &str) -> String {
    format!("{RBAC}\nkind: ClusterRole\nmetadata: {{name: {name}, labels: {labels}}}\nrules: {rules}\n---\n")
}

/// An aggregated ClusterRole; `selectors` is a YAML flow sequence of label selectors.
fn cra(name: &str, labels: &str, selectors: &str, rules: &str) -> String {
    format!(
        "{RBAC}\nkind: ClusterRole\nmetadata: {{name: {name}, labels: {labels}}}\naggregationRule: {{clusterRoleSelectors: {selectors}}}\nrules: {rules}\n---\n"
    )
}

fn role(ns: &str, name: &str, rules: &str) -> String {
    format!("{RBAC}\nkind: Role\nmetadata: {{name: {name}, namespace: {ns}}}\nrules: {rules}\n---\n")
}

/// A ClusterRoleBinding; `subjects` is a YAML flow sequence.
fn crb(name: &str, role_kind: &str, role: &str, subjects: &str) -> String {
    format!(
        "{RBAC}\nkind: ClusterRoleBinding\nmetadata: {{name: {name}}}\nroleRef: {{apiGroup: rbac.authorization.k8s.io, kind: {role_kind}, name: {role}}}\nsubjects: {subjects}\n---\n"
    )
}

fn rb(ns: &str, name: &str, role_kind: &str, role: &str, subjects: &str) -> String {
    format!(
        "{RBAC}\nkind: RoleBinding\nmetadata: {{name: {name}, namespace: {ns}}}\nroleRef: {{apiGroup: rbac.authorization.k8s.io, kind: {role_kind}, name: {role}}}\nsubjects: {subjects}\n---\n"
    )
}

/// Checks `(user, request, allowed)` rows against a model. Also checks that `can` and
/// `authorize` agree, that an allowed decision carries grants, and that who-can lists a
/// subject naming the user exactly when the user is allowed (for non-super-users).
fn check(m: &Model, rows: &[(User, Request, bool)]) {
    let mut bad = Vec::new();
    for (i, (user, req, want)) in rows.iter().enumerate() {
        let can = m.can(user, req);
        let decision = m.authorize(user, req);
        if can != decision.allowed() {
            bad.push(format!("row {i}: can() = {can} but authorize() = {decision:?}"));
        }
        if let Decision::Allowed(g) = &decision {
            if g.is_empty() {
                bad.push(format!("row {i}: Allowed without grants"));
            }
        }
        if !user.is_super_user() {
            let listed = m.who_can(req).iter().any(|(s, _)| applies_to_user(s, user));
            if listed != can {
                bad.push(format!(
                    "row {i}: who_can lists a subject for {} = {listed}, but can = {can}",
                    user.name
                ));
            }
        }
        if can != *want {
            bad.push(format!(
                "row {i}: {} {:?} → {}: got {can}, want {want}",
                user.name,
                user.groups,
                req.describe()
            ));
        }
    }
    assert!(bad.is_empty(), "{} failing rows:\n{}", bad.len(), bad.join("\n"));
}

// ---------------------------------------------------------------------------------------------
// §1.5 RuleAllows, one rule against one request
// ---------------------------------------------------------------------------------------------

fn check_rules(rows: &[(PolicyRule, Request, bool)]) {
    let mut bad = Vec::new();
    for (i, (rule, req, want)) in rows.iter().enumerate() {
        let got = rule_allows(rule, req);
        if got != *want {
            bad.push(format!(
                "row {i}: rule {rule:?} vs {req:?}: got {got}, want {want}"
            ));
        }
    }
    assert!(bad.is_empty(), "{} failing rows:\n{}", bad.len(), bad.join("\n"));
}

const RBAC_GROUP: &str = "rbac.authorization.k8s.io";
const AUTHN: &str = "authentication.k8s.io";

#[test]
#[rustfmt::skip]
fn verbs_match_exactly_or_by_star() {
    check_rules(&[
        (r(&["get"], &[""], &["pods"]), q("get", "", "pods", "ns", ""), true),
        (r(&["get"], &[""], &["pods"]), q("list", "", "pods", "ns", ""), false),
        (r(&["get", "list"], &[""], &["pods"]), q("list", "", "pods", "ns", ""), true),
        (r(&["*"], &[""], &["pods"]), q("deletecollection", "", "pods", "ns", ""), true),
        (r(&["*"], &[""], &["pods"]), q("escalate", "", "pods", "ns", ""), true),
        // Case-sensitive: real verbs are lower case.
        (r(&["get"], &[""], &["pods"]), q("GET", "", "pods", "ns", ""), false),
        (r(&["Get"], &[""], &["pods"]), q("get", "", "pods", "ns", ""), false),
        // No prefix or glob matching of verbs.
        (r(&["ge*"], &[""], &["pods"]), q("get", "", "pods", "ns", ""), false),
        (r(&["impersonate"], &[""], &["users"]), q("impersonate:user-info", "", "users", "", "x"), false),
        (r(&[], &[""], &["pods"]), q("get", "", "pods", "ns", ""), false),
        // `*` verbs on roles grant the server-checked `escalate` and `bind` (§1.7); an
        // enumeration of the ordinary verbs does not.
        (r(&["*"], &[RBAC_GROUP], &["clusterroles"]), q("escalate", RBAC_GROUP, "clusterroles", "", "admin"), true),
        (r(&["*"], &[RBAC_GROUP], &["roles"]), q("bind", RBAC_GROUP, "roles", "ns", "x"), true),
        (r(&["get", "list", "watch", "create", "update", "patch", "delete"], &[RBAC_GROUP], &["roles"]), q("bind", RBAC_GROUP, "roles", "ns", "x"), false),
    ]);
}

#[test]
#[rustfmt::skip]
fn api_groups_match_exactly_or_by_star() {
    check_rules(&[
        (r(&["get"], &[""], &["deployments"]), q("get", "apps", "deployments", "ns", ""), false),
        (r(&["get"], &["apps"], &["deployments"]), q("get", "apps", "deployments", "ns", ""), true),
        (r(&["get"], &["apps"], &["pods"]), q("get", "", "pods", "ns", ""), false),
        (r(&["get"], &["*"], &["pods"]), q("get", "", "pods", "ns", ""), true),
        (r(&["get"], &["*"], &["deployments"]), q("get", "apps", "deployments", "ns", ""), true),
        (r(&["get"], &["extensions", "apps"], &["deployments"]), q("get", "apps", "deployments", "ns", ""), true),
        (r(&["get"], &["Apps"], &["deployments"]), q("get", "apps", "deployments", "ns", ""), false),
        (r(&["get"], &["*.k8s.io"], &["roles"]), q("get", RBAC_GROUP, "roles", "ns", ""), false),
        (r(&["get"], &[], &["pods"]), q("get", "", "pods", "ns", ""), false),
        // The apiVersion is not part of matching: a group is just a group.
        (r(&["get"], &["apps/v1"], &["deployments"]), q("get", "apps", "deployments", "ns", ""), false),
    ]);
}

#[test]
#[rustfmt::skip]
fn resources_and_subresources() {
    check_rules(&[
        (r(&["get"], &[""], &["pods"]), q("get", "", "pods", "ns", ""), true),
        (r(&["get"], &[""], &["pods", "services"]), q("get", "", "services", "ns", ""), true),
        (r(&["get"], &[""], &["pods"]), q("get", "", "services", "ns", ""), false),
        (r(&["get"], &[""], &["Pods"]), q("get", "", "pods", "ns", ""), false),
        (r(&["get"], &[""], &["pod"]), q("get", "", "pods", "ns", ""), false),
        (r(&["get"], &[""], &["pods"]), q("get", "", "pod", "ns", ""), false),
        // `pods` does not match `pods/status`, and vice versa.
        (r(&["get"], &[""], &["pods"]), q("get", "", "pods/status", "ns", "web"), false),
        (r(&["get"], &[""], &["pods/status"]), q("get", "", "pods", "ns", "web"), false),
        (r(&["get"], &[""], &["pods/status"]), q("get", "", "pods/status", "ns", "web"), true),
        (r(&["get"], &[""], &["pods/log"]), q("get", "", "pods/status", "ns", "web"), false),
        (r(&["get"], &[""], &["pods/exe"]), q("get", "", "pods/exec", "ns", "web"), false),
        (r(&["get"], &[""], &["pods/execx"]), q("get", "", "pods/exec", "ns", "web"), false),
        (r(&["get"], &[""], &["pod/exec"]), q("get", "", "pods/exec", "ns", "web"), false),
        (r(&["get"], &[""], &["podsx/exec"]), q("get", "", "pods/exec", "ns", "web"), false),
        (r(&["get"], &[""], &["services/exec"]), q("get", "", "pods/exec", "ns", "web"), false),
        // `*` matches everything, every subresource included.
        (r(&["get"], &[""], &["*"]), q("get", "", "pods", "ns", ""), true),
        (r(&["get"], &[""], &["*"]), q("get", "", "pods/exec", "ns", "web"), true),
        (r(&["create"], &["*"], &["*"]), q("create", "", "serviceaccounts/token", "ns", "default"), true),
        // `*/sub` matches any resource's subresource `sub`, and needs a subresource.
        (r(&["get"], &["apps"], &["*/scale"]), q("get", "apps", "deployments/scale", "ns", "web"), true),
        (r(&["get"], &["apps"], &["*/scale"]), q("get", "apps", "statefulsets/scale", "ns", "db"), true),
        (r(&["get"], &["apps"], &["*/scale"]), q("get", "apps", "deployments", "ns", "web"), false),
        (r(&["get"], &["apps"], &["*/scale"]), q("get", "apps", "deployments/status", "ns", "web"), false),
        (r(&["get"], &[""], &["*/status"]), qs("get", "", "pods", "xstatus"), false),
        (r(&["get"], &[""], &["*/status"]), qs("get", "", "pods", "statusx"), false),
        (r(&["get"], &[""], &["*/"]), q("get", "", "pods", "ns", ""), false),
        (r(&["get"], &[""], &["*/*"]), q("get", "", "pods/exec", "ns", "web"), false),
        // `pods/*` is a literal: it matches only a subresource literally named `*`.
        (r(&["get"], &[""], &["pods/*"]), q("get", "", "pods/exec", "ns", "web"), false),
        (r(&["get"], &[""], &["pods/*"]), q("get", "", "pods/log", "ns", "web"), false),
        (r(&["get"], &[""], &["pods/*"]), q("get", "", "pods", "ns", "web"), false),
        (r(&["get"], &[""], &["pods/*"]), qs("get", "", "pods", "*"), true),
        (r(&["get"], &[""], &["*/*"]), qs("get", "", "pods", "*"), true),
        (r(&["get"], &[""], &["p*"]), q("get", "", "pods", "ns", ""), false),
        // The combined name `resource/subresource` is what is compared.
        (r(&["get"], &[""], &["a/b/c"]), qs("get", "", "a", "b/c"), true),
        (r(&["get"], &[""], &["a/b/c"]), qs("get", "", "a/b", "c"), true),
        (r(&["get"], &[""], &["*/b/c"]), qs("get", "", "a", "b/c"), true),
        (r(&["get"], &[""], &[]), q("get", "", "pods", "ns", ""), false),
        // §1.8 impersonation attributes: userextras/<key> is a subresource; `userextras/*` is
        // a literal and does not match a real key.
        (r(&["impersonate"], &[AUTHN], &["userextras/scopes"]), q("impersonate", AUTHN, "userextras/scopes", "", "view"), true),
        (r(&["impersonate"], &[AUTHN], &["userextras/scopes"]), q("impersonate", AUTHN, "userextras/other", "", "view"), false),
        (r(&["impersonate"], &[AUTHN], &["userextras/*"]), q("impersonate", AUTHN, "userextras/scopes", "", "view"), false),
        (r(&["impersonate"], &[AUTHN], &["*/scopes"]), q("impersonate", AUTHN, "userextras/scopes", "", "view"), true),
        (r(&["impersonate"], &[AUTHN], &["userextras"]), q("impersonate", AUTHN, "userextras/scopes", "", "view"), false),
        (r(&["impersonate"], &[AUTHN], &["uids"]), q("impersonate", AUTHN, "uids", "", "1234"), true),
        (r(&["impersonate"], &[""], &["serviceaccounts"]), q("impersonate", "", "serviceaccounts", "ns", "builder"), true),
    ]);
}

#[test]
#[rustfmt::skip]
fn resource_names() {
    check_rules(&[
        (rn(&["get"], &[""], &["secrets"], &["a"]), q("get", "", "secrets", "ns", "a"), true),
        (rn(&["get"], &[""], &["secrets"], &["a"]), q("get", "", "secrets", "ns", "b"), false),
        (rn(&["get"], &[""], &["secrets"], &["a", "b"]), q("get", "", "secrets", "ns", "b"), true),
        (rn(&["get"], &[""], &["secrets"], &["A"]), q("get", "", "secrets", "ns", "a"), false),
        // `*` is not a wildcard among names.
        (rn(&["get"], &[""], &["secrets"], &["*"]), q("get", "", "secrets", "ns", "a"), false),
        (rn(&["get"], &[""], &["secrets"], &["*"]), q("get", "", "secrets", "ns", "*"), true),
        // An empty list matches any name, the empty name included.
        (r(&["get"], &[""], &["secrets"]), q("get", "", "secrets", "ns", "a"), true),
        (r(&["get"], &[""], &["secrets"]), q("get", "", "secrets", "ns", ""), true),
        // An empty request name never matches a rule with names (§1.2, §1.5).
        (rn(&["get"], &[""], &["secrets"], &["a"]), q("get", "", "secrets", "ns", ""), false),
        // Upstream `ResourceNameMatches` compares the request name with each listed name, so a
        // listed "" matches a nameless request.
        (rn(&["get"], &[""], &["secrets"], &[""]), q("get", "", "secrets", "ns", ""), true),
        // Top-level create, deletecollection and unfiltered list/watch carry no name.
        (rn(&["create"], &[""], &["pods"], &["web"]), q("create", "", "pods", "ns", ""), false),
        (rn(&["deletecollection"], &[""], &["pods"], &["web"]), q("deletecollection", "", "pods", "ns", ""), false),
        (rn(&["list"], &[""], &["secrets"], &["a"]), q("list", "", "secrets", "ns", ""), false),
        (rn(&["watch"], &[""], &["secrets"], &["a"]), q("watch", "", "secrets", "ns", ""), false),
        (rn(&["*"], &["*"], &["*"], &["a"]), q("create", "", "configmaps", "ns", ""), false),
        // A list/watch with fieldSelector metadata.name=X is authorized with name X.
        (rn(&["list"], &[""], &["secrets"], &["a"]), q("list", "", "secrets", "ns", "a"), true),
        (rn(&["watch"], &[""], &["secrets"], &["a"]), q("watch", "", "secrets", "ns", "a"), true),
        // Creates on a subresource carry the parent's name, so names restrict them.
        (rn(&["create"], &[""], &["pods/exec"], &["web"]), q("create", "", "pods/exec", "ns", "web"), true),
        (rn(&["create"], &[""], &["pods/exec"], &["web"]), q("create", "", "pods/exec", "ns", "db"), false),
        (rn(&["create"], &["policy"], &["pods/eviction"], &["web"]), q("create", "policy", "pods/eviction", "ns", "web"), true),
        (rn(&["create"], &[""], &["serviceaccounts/token"], &["builder"]), q("create", "", "serviceaccounts/token", "ns", "builder"), true),
        (rn(&["create"], &[""], &["serviceaccounts/token"], &["builder"]), q("create", "", "serviceaccounts/token", "ns", "default"), false),
        // Names apply on top of the other tests.
        (rn(&["get"], &[""], &["configmaps"], &["a"]), q("get", "", "secrets", "ns", "a"), false),
        // §1.8: impersonating a user or group is authorized with its name.
        (rn(&["impersonate"], &[""], &["users"], &["alice"]), q("impersonate", "", "users", "", "alice"), true),
        (rn(&["impersonate"], &[""], &["users"], &["alice"]), q("impersonate", "", "users", "", "bob"), false),
        (rn(&["impersonate"], &[""], &["groups"], &["devs"]), q("impersonate", "", "groups", "", "system:masters"), false),
        (r(&["impersonate"], &[""], &["groups"]), q("impersonate", "", "groups", "", "system:masters"), true),
    ]);
}

#[test]
#[rustfmt::skip]
fn non_resource_urls() {
    check_rules(&[
        (ru(&["get"], &["/healthz"]), nr("get", "/healthz"), true),
        (ru(&["get"], &["/healthz"]), nr("post", "/healthz"), false),
        (ru(&["get"], &["/healthz"]), nr("get", "/healthz/"), false),
        (ru(&["get"], &["/healthz"]), nr("get", "/healthz/etcd"), false),
        (ru(&["get"], &["/healthz"]), nr("get", "/Healthz"), false),
        (ru(&["get"], &["/healthz"]), nr("GET", "/healthz"), false),
        (ru(&["*"], &["/healthz"]), nr("delete", "/healthz"), true),
        (ru(&["get"], &["*"]), nr("get", "/anything/at/all"), true),
        (ru(&["get"], &["*"]), nr("get", "/"), true),
        (ru(&["get"], &["/version", "/healthz"]), nr("get", "/healthz"), true),
        // A trailing `*` is a prefix match on what is left.
        (ru(&["get"], &["/apis/*"]), nr("get", "/apis/v1"), true),
        (ru(&["get"], &["/apis/*"]), nr("get", "/apis/"), true),
        (ru(&["get"], &["/apis/*"]), nr("get", "/apis/apps/v1/deployments"), true),
        (ru(&["get"], &["/apis/*"]), nr("get", "/apis"), false),
        (ru(&["get"], &["/apis/*"]), nr("get", "/apisx"), false),
        (ru(&["get"], &["/apis/*"]), nr("get", "/api/v1"), false),
        (ru(&["get"], &["/healthz*"]), nr("get", "/healthz"), true),
        (ru(&["get"], &["/healthz*"]), nr("get", "/healthzfoo"), true),
        (ru(&["get"], &["/healthz*"]), nr("get", "/healthz/etcd"), true),
        (ru(&["get"], &["/healthz*"]), nr("get", "/health"), false),
        // All trailing `*`s are removed.
        (ru(&["get"], &["/api**"]), nr("get", "/apixyz"), true),
        (ru(&["get"], &["/api**"]), nr("get", "/api"), true),
        (ru(&["get"], &["/api**"]), nr("get", "/ap"), false),
        // A `*` in the middle is literal.
        (ru(&["get"], &["/a/*/b"]), nr("get", "/a/x/b"), false),
        (ru(&["get"], &["/a/*/b"]), nr("get", "/a/*/b"), true),
        (ru(&["get"], &["/a/*/b*"]), nr("get", "/a/x/bc"), false),
        (ru(&["get"], &["/a/*/b*"]), nr("get", "/a/*/bc"), true),
        (ru(&["get"], &["*/healthz"]), nr("get", "/healthz"), false),
        (ru(&["get"], &[]), nr("get", "/healthz"), false),
    ]);
}

#[test]
#[rustfmt::skip]
fn resource_and_non_resource_forms_are_separate() {
    check_rules(&[
        // A resource request ignores nonResourceURLs.
        (ru(&["*"], &["*"]), q("get", "", "pods", "ns", ""), false),
        (ru(&["get"], &["/api/v1/pods"]), q("get", "", "pods", "", ""), false),
        // A non-resource request ignores resources: `*`/`*`/`*` without URLs grants no URL.
        (r(&["*"], &["*"], &["*"]), nr("get", "/healthz"), false),
        (r(&["get"], &[""], &["healthz"]), nr("get", "/healthz"), false),
        // Mixed rules: each request is evaluated against the form that applies.
        (rm(&["get"], &[""], &["pods"], &["/healthz"]), q("get", "", "pods", "ns", ""), true),
        (rm(&["get"], &[""], &["pods"], &["/healthz"]), nr("get", "/healthz"), true),
        (rm(&["get"], &[""], &["pods"], &["/healthz"]), nr("get", "/api/v1/pods"), false),
        (rm(&["get"], &[""], &["pods"], &["/healthz"]), q("get", "", "services", "ns", ""), false),
        (rm(&["get"], &[""], &["pods"], &["*"]), q("get", "", "services", "ns", ""), false),
        (rm(&["get"], &["*"], &["*"], &["/healthz"]), nr("get", "/version"), false),
        // Verbs apply to both forms.
        (rm(&["get"], &[""], &["pods"], &["/healthz"]), nr("post", "/healthz"), false),
        (rm(&["get"], &[""], &["pods"], &["/healthz"]), q("list", "", "pods", "ns", ""), false),
        // The request namespace is not part of RuleAllows (scoping is the binding's job).
        (r(&["get"], &[""], &["pods"]), q("get", "", "pods", "", ""), true),
        (r(&["get"], &[""], &["pods"]), q("get", "", "pods", "any", ""), true),
    ]);
}

// ---------------------------------------------------------------------------------------------
// §1.4 rule resolution: binding kinds and scope
// ---------------------------------------------------------------------------------------------

#[rustfmt::skip]
fn scoping_fixture() -> String {
    [
        cr("reader", "[{verbs: [get, list], apiGroups: [''], resources: [pods, namespaces, nodes]}, {verbs: [get], nonResourceURLs: ['/healthz']}]"),
        role("shop", "pod-writer", "[{verbs: [create], apiGroups: [''], resources: [pods]}]"),
        role("other", "pod-deleter", "[{verbs: [delete], apiGroups: [''], resources: [pods]}]"),
        role("shop", "mixed", "[{verbs: [get], apiGroups: [''], resources: [services], nonResourceURLs: ['/metrics']}, {verbs: [get], nonResourceURLs: ['*']}]"),
        // alice: RoleBinding → ClusterRole, → Role, → Role of another namespace, → mixed Role.
        rb("shop", "rb-reader", "ClusterRole", "reader", "[{kind: User, name: alice}]"),
        rb("shop", "rb-writer", "Role", "pod-writer", "[{kind: User, name: alice}]"),
        rb("shop", "rb-cross", "Role", "pod-deleter", "[{kind: User, name: alice}]"),
        rb("shop", "rb-mixed", "Role", "mixed", "[{kind: User, name: alice}]"),
        // bob: ClusterRoleBinding → ClusterRole.
        crb("crb-reader", "ClusterRole", "reader", "[{kind: User, name: bob}]"),
        // carol: ClusterRoleBinding → Role grants nothing; nor does a ClusterRole ref to a Role's name.
        crb("crb-role", "Role", "pod-writer", "[{kind: User, name: carol}]"),
        rb("other", "rb-role-kind-wrong", "ClusterRole", "pod-deleter", "[{kind: User, name: carol}]"),
        // dave: bindings to missing roles, and a working one.
        rb("shop", "rb-missing", "ClusterRole", "no-such-role", "[{kind: User, name: dave}]"),
        rb("shop", "rb-missing-role", "Role", "no-such-role", "[{kind: User, name: dave}]"),
        rb("shop", "rb-ok", "ClusterRole", "reader", "[{kind: User, name: dave}]"),
        // erin: a ClusterRoleBinding to a missing role, and a working one.
        crb("crb-missing", "ClusterRole", "no-such-role", "[{kind: User, name: erin}]"),
        crb("crb-ok", "ClusterRole", "reader", "[{kind: User, name: erin}]"),
        // A RoleBinding and Role without a namespace land in `default`.
        format!("{RBAC}\nkind: Role\nmetadata: {{name: cm-reader}}\nrules: [{{verbs: [get], apiGroups: [''], resources: [configmaps]}}]\n---\n"),
        format!("{RBAC}\nkind: RoleBinding\nmetadata: {{name: cm}}\nroleRef: {{apiGroup: {RBAC_GROUP}, kind: Role, name: cm-reader}}\nsubjects: [{{kind: User, name: fred}}]\n---\n"),
    ]
    .concat()
}

#[test]
#[rustfmt::skip]
fn binding_scope() {
    let m = model(&scoping_fixture());
    check(&m, &[
        // RoleBinding → ClusterRole: only requests in the binding's namespace.
        (u("alice"), q("get", "", "pods", "shop", "web"), true),
        (u("alice"), q("list", "", "pods", "shop", ""), true),
        (u("alice"), q("get", "", "pods", "other", "web"), false),
        (u("alice"), q("list", "", "pods", "", ""), false),
        (u("alice"), q("get", "", "nodes", "", "n1"), false),
        (u("alice"), q("list", "", "namespaces", "", ""), false),
        (u("alice"), nr("get", "/healthz"), false),
        // The namespace of /api/v1/namespaces/{ns} is the name itself (§1.2).
        (u("alice"), q("get", "", "namespaces", "shop", "shop"), true),
        (u("alice"), q("get", "", "namespaces", "", "shop"), false),
        // RoleBinding → Role in the same namespace.
        (u("alice"), q("create", "", "pods", "shop", ""), true),
        (u("alice"), q("create", "", "pods", "other", ""), false),
        (u("alice"), q("create", "", "pods", "", ""), false),
        // RoleBinding → Role that exists only in another namespace: nothing.
        (u("alice"), q("delete", "", "pods", "shop", "web"), false),
        (u("alice"), q("delete", "", "pods", "other", "web"), false),
        // A Role's resource part works; its nonResourceURLs are never granted.
        (u("alice"), q("get", "", "services", "shop", "s"), true),
        (u("alice"), nr("get", "/metrics"), false),
        (u("alice"), nr("get", "/anything"), false),
        // ClusterRoleBinding → ClusterRole: every namespace, cluster scope, URLs.
        (u("bob"), q("get", "", "pods", "shop", "web"), true),
        (u("bob"), q("get", "", "pods", "elsewhere", "web"), true),
        (u("bob"), q("list", "", "pods", "", ""), true),
        (u("bob"), q("get", "", "nodes", "", "n1"), true),
        (u("bob"), nr("get", "/healthz"), true),
        (u("bob"), nr("get", "/livez"), false),
        (u("bob"), q("create", "", "pods", "shop", ""), false),
        (u("bob"), q("delete", "", "nodes", "", "n1"), false),
        // ClusterRoleBinding → Role grants nothing.
        (u("carol"), q("create", "", "pods", "shop", ""), false),
        (u("carol"), q("create", "", "pods", "", ""), false),
        (u("carol"), q("delete", "", "pods", "other", "web"), false),
        // A missing role contributes nothing; the other bindings still count.
        (u("dave"), q("get", "", "pods", "shop", "web"), true),
        (u("dave"), q("get", "", "pods", "other", "web"), false),
        (u("erin"), q("get", "", "pods", "any", "web"), true),
        (u("erin"), nr("get", "/healthz"), true),
        (u("erin"), q("delete", "", "pods", "any", "web"), false),
        // Objects without a namespace go to `default`.
        (u("fred"), q("get", "", "configmaps", "default", "c"), true),
        (u("fred"), q("get", "", "configmaps", "", "c"), false),
        (u("fred"), q("get", "", "configmaps", "kube-system", "c"), false),
        // Nobody else gets anything.
        (u("mallory"), q("get", "", "pods", "shop", "web"), false),
    ]);
}

#[test]
fn every_grant_is_reported_with_its_binding() {
    let m = model(&scoping_fixture());
    let alice = u("alice");
    match m.authorize(&alice, &q("get", "", "pods", "shop", "web")) {
        Decision::Allowed(grants) => {
            assert_eq!(grants.len(), 1, "{grants:?}");
            let b = m.binding(grants[0].binding);
            assert_eq!((b.namespace.as_str(), b.name.as_str()), ("shop", "rb-reader"));
            assert_eq!(m.roles[grants[0].origin.role].name, "reader");
            assert_eq!(grants[0].origin.index, 0);
        }
        d => panic!("expected Allowed, got {d:?}"),
    }
    assert_eq!(
        m.authorize(&alice, &q("get", "", "pods", "other", "web")),
        Decision::Denied
    );
    // dave holds `get pods` in shop through one binding only (the other roles are missing).
    match m.authorize(&u("dave"), &q("get", "", "pods", "shop", "web")) {
        Decision::Allowed(grants) => assert_eq!(grants.len(), 1, "{grants:?}"),
        d => panic!("expected Allowed, got {d:?}"),
    }
}

// ---------------------------------------------------------------------------------------------
// §1.4 subject matching
// ---------------------------------------------------------------------------------------------

#[rustfmt::skip]
fn subjects_fixture() -> String {
    let cm = "[{verbs: [get], apiGroups: [''], resources: [configmaps]}]";
    [
        cr("cm", cm),
        crb("user-case", "ClusterRole", "cm", "[{kind: User, name: Alice, apiGroup: rbac.authorization.k8s.io}]"),
        crb("user-star", "ClusterRole", "cm", "[{kind: User, name: '*', apiGroup: rbac.authorization.k8s.io}]"),
        crb("group-star", "ClusterRole", "cm", "[{kind: Group, name: '*', apiGroup: rbac.authorization.k8s.io}]"),
        crb("group", "ClusterRole", "cm", "[{kind: Group, name: devs, apiGroup: rbac.authorization.k8s.io}, {kind: Group, name: Ops}]"),
        crb("sa-ns", "ClusterRole", "cm", "[{kind: ServiceAccount, name: builder, namespace: ns1}]"),
        crb("sa-no-ns", "ClusterRole", "cm", "[{kind: ServiceAccount, name: runner}]"),
        rb("ns1", "sa-no-ns", "ClusterRole", "cm", "[{kind: ServiceAccount, name: deployer}]"),
        rb("ns1", "sa-other-ns", "ClusterRole", "cm", "[{kind: ServiceAccount, name: bot, namespace: ns2}]"),
        rb("ns6", "sa-empty-ns", "ClusterRole", "cm", "[{kind: ServiceAccount, name: z, namespace: ''}]"),
        crb("user-is-sa", "ClusterRole", "cm", "[{kind: User, name: 'system:serviceaccount:ns3:legacy', apiGroup: rbac.authorization.k8s.io}]"),
        crb("unknown-kinds", "ClusterRole", "cm", "[{kind: Robot, name: r2}, {kind: user, name: frank}, {kind: group, name: qa-lower}, {kind: serviceaccount, name: x, namespace: ns1}, {kind: '', name: nobody}]"),
        crb("api-groups-ignored", "ClusterRole", "cm", "[{kind: User, name: gina, apiGroup: bogus.example.com}, {kind: ServiceAccount, name: hank, namespace: ns4, apiGroup: rbac.authorization.k8s.io}, {kind: Group, name: qa}]"),
        crb("sa-prefix", "ClusterRole", "cm", "[{kind: ServiceAccount, name: ci, namespace: team}]"),
        // Unvalidated names with `:`: matching is on the whole user name.
        crb("sa-colons", "ClusterRole", "cm", "[{kind: ServiceAccount, name: 'a:b', namespace: ns5}, {kind: ServiceAccount, name: c, namespace: 'x:y'}]"),
    ]
    .concat()
}

#[test]
#[rustfmt::skip]
fn subject_matching() {
    let m = model(&subjects_fixture());
    let get = |ns: &str| q("get", "", "configmaps", ns, "c");
    check(&m, &[
        // User: exact and case-sensitive.
        (u("Alice"), get("x"), true),
        (u("alice"), get("x"), false),
        (u("ALICE"), get("x"), false),
        (u("Alice "), get("x"), false),
        // `*` is not a wildcard, for users or groups.
        (u("someone"), get("x"), false),
        (u("*"), get("x"), true),
        (ug("someone", &["anything"]), get("x"), false),
        (ug("someone", &["*"]), get("x"), true),
        // Group: membership, case-sensitive; a user named like a group is not in it.
        (ug("ivan", &["devs"]), get("x"), true),
        (ug("ivan", &["ops"]), get("x"), false),
        (ug("ivan", &["Ops"]), get("x"), true),
        (u("devs"), get("x"), false),
        (ug("ivan", &["other", "devs"]), get("x"), true),
        // ServiceAccount with a namespace, in a ClusterRoleBinding.
        (sa("ns1", "builder"), get("x"), true),
        (sa("ns1", "builder"), get(""), true),
        (sa("ns2", "builder"), get("x"), false),
        (u("builder"), get("x"), false),
        (u("system:serviceaccount:ns1:builder"), get("x"), true),
        (ug("system:serviceaccount:ns1:builder", &["devs-only"]), get("x"), true),
        (u("system:serviceaccount:ns1:builderx"), get("x"), false),
        (u("system:serviceaccount:ns:1:builder"), get("x"), false),
        // ServiceAccount without a namespace in a ClusterRoleBinding: matches nothing.
        (sa("ns1", "runner"), get("ns1"), false),
        (sa("default", "runner"), get("default"), false),
        (sa("", "runner"), get("x"), false),
        (u("system:serviceaccount::runner"), get("x"), false),
        // ... in a RoleBinding: the binding's namespace (also when written as '').
        (sa("ns1", "deployer"), get("ns1"), true),
        (sa("ns2", "deployer"), get("ns1"), false),
        (sa("ns1", "deployer"), get("ns2"), false),
        (sa("ns1", "deployer"), get(""), false),
        (sa("ns6", "z"), get("ns6"), true),
        (sa("ns6", "z"), get("ns1"), false),
        // A RoleBinding may name a ServiceAccount of another namespace: access is in the
        // binding's namespace.
        (sa("ns2", "bot"), get("ns1"), true),
        (sa("ns2", "bot"), get("ns2"), false),
        (sa("ns1", "bot"), get("ns1"), false),
        // A User subject named like a ServiceAccount matches that ServiceAccount.
        (sa("ns3", "legacy"), get("x"), true),
        (sa("ns3", "legacy"), get(""), true),
        (sa("ns4", "legacy"), get("x"), false),
        // Unknown kinds match nothing (kinds are case-sensitive).
        (u("r2"), get("x"), false),
        (u("frank"), get("x"), false),
        (ug("ivan", &["qa-lower"]), get("x"), false),
        (sa("ns1", "x"), get("ns1"), false),
        (u("nobody"), get("x"), false),
        // The subject's apiGroup is not consulted at evaluation.
        (u("gina"), get("x"), true),
        (sa("ns4", "hank"), get("x"), true),
        (ug("ivan", &["qa"]), get("x"), true),
        // ServiceAccount matching is on the whole user name.
        (sa("team", "ci"), get("x"), true),
        (sa("tea", "m:ci"), get("x"), false),
        (u("system:serviceaccount:team:ci:extra"), get("x"), false),
        (u("system:serviceaccounts:team:ci"), get("x"), false),
        (u("System:serviceaccount:team:ci"), get("x"), false),
        (u("system:serviceaccount:ns5:a:b"), get("x"), true),
        (u("system:serviceaccount:ns5:a"), get("x"), false),
        (u("system:serviceaccount:x:y:c"), get("x"), true),
        (u("system:serviceaccount:x:y"), get("x"), false),
    ]);
}

// ---------------------------------------------------------------------------------------------
// §1.3 / §1.8 identities and implicit groups
// ---------------------------------------------------------------------------------------------

#[test]
#[rustfmt::skip]
fn user_new_adds_implicit_groups() {
    let rows: &[(User, &[&str])] = &[
        (u("bob"), &["system:authenticated"]),
        (ug("bob", &["devs"]), &["devs", "system:authenticated"]),
        (ug("bob", &["system:authenticated"]), &["system:authenticated"]),
        (ug("bob", &["system:unauthenticated"]), &["system:unauthenticated"]),
        (ug("bob", &["devs", "system:unauthenticated"]), &["devs", "system:unauthenticated"]),
        (u("system:anonymous"), &["system:unauthenticated"]),
        (ug("system:anonymous", &["devs"]), &["devs", "system:unauthenticated"]),
        (ug("system:anonymous", &["system:unauthenticated"]), &["system:unauthenticated"]),
        (ug("system:anonymous", &["system:authenticated"]), &["system:authenticated", "system:unauthenticated"]),
        (sa("ns1", "x"), &["system:serviceaccounts", "system:serviceaccounts:ns1", "system:authenticated"]),
        (u("system:serviceaccount:ns1:x"), &["system:serviceaccounts", "system:serviceaccounts:ns1", "system:authenticated"]),
        // Explicit groups replace the ServiceAccount groups (§1.8).
        (ug("system:serviceaccount:ns1:x", &["devs"]), &["devs", "system:authenticated"]),
        (ug("system:serviceaccount:ns1:x", &["system:serviceaccounts"]), &["system:serviceaccounts", "system:authenticated"]),
        // Not a ServiceAccount user name: no ServiceAccount groups.
        (u("system:serviceaccount:ns1"), &["system:authenticated"]),
        (u("system:serviceaccounts:ns1:x"), &["system:authenticated"]),
        (u("system:node:n1"), &["system:authenticated"]),
    ];
    let mut bad = Vec::new();
    for (i, (user, want)) in rows.iter().enumerate() {
        if user.groups != strs(want) {
            bad.push(format!("row {i}: {} has {:?}, want {want:?}", user.name, user.groups));
        }
    }
    assert!(bad.is_empty(), "{}", bad.join("\n"));
}

#[test]
#[rustfmt::skip]
fn implicit_groups_grant_through_bindings() {
    let y = [
        cr("widgets", "[{verbs: [list], apiGroups: [''], resources: [widgets]}]"),
        cr("gadgets", "[{verbs: [list], apiGroups: [''], resources: [gadgets]}]"),
        cr("gizmos", "[{verbs: [list], apiGroups: [''], resources: [gizmos]}]"),
        cr("doodads", "[{verbs: [list], apiGroups: [''], resources: [doodads]}]"),
        crb("all-sas", "ClusterRole", "widgets", "[{kind: Group, name: 'system:serviceaccounts'}]"),
        crb("ns1-sas", "ClusterRole", "gadgets", "[{kind: Group, name: 'system:serviceaccounts:ns1'}]"),
        crb("authenticated", "ClusterRole", "gizmos", "[{kind: Group, name: 'system:authenticated'}]"),
        crb("unauthenticated", "ClusterRole", "doodads", "[{kind: Group, name: 'system:unauthenticated'}]"),
    ]
    .concat();
    let m = model(&y);
    let l = |res: &str| q("list", "", res, "ns9", "");
    check(&m, &[
        (sa("ns1", "x"), l("widgets"), true),
        (sa("ns1", "x"), l("gadgets"), true),
        (sa("ns1", "x"), l("gizmos"), true),
        (sa("ns1", "x"), l("doodads"), false),
        (sa("ns2", "x"), l("widgets"), true),
        (sa("ns2", "x"), l("gadgets"), false),
        (sa("ns2", "x"), l("gizmos"), true),
        // Explicit groups replace the ServiceAccount groups; system:authenticated stays.
        (ug("system:serviceaccount:ns1:x", &["devs"]), l("widgets"), false),
        (ug("system:serviceaccount:ns1:x", &["devs"]), l("gadgets"), false),
        (ug("system:serviceaccount:ns1:x", &["devs"]), l("gizmos"), true),
        (ug("system:serviceaccount:ns2:x", &["system:serviceaccounts:ns1"]), l("gadgets"), true),
        // Any authenticated user.
        (u("bob"), l("widgets"), false),
        (u("bob"), l("gizmos"), true),
        (u("bob"), l("doodads"), false),
        (ug("bob", &["system:unauthenticated"]), l("gizmos"), false),
        (ug("bob", &["system:unauthenticated"]), l("doodads"), true),
        // Anonymous.
        (u("system:anonymous"), l("gizmos"), false),
        (u("system:anonymous"), l("doodads"), true),
        (ug("system:anonymous", &["system:authenticated"]), l("gizmos"), true),
        // The authorizer adds no group by itself.
        (raw("bob", &[]), l("gizmos"), false),
        (raw("system:serviceaccount:ns1:x", &[]), l("widgets"), false),
        (raw("system:anonymous", &[]), l("doodads"), false),
    ]);
}

#[test]
#[rustfmt::skip]
fn system_masters_is_allowed_everything() {
    let m = model(&scoping_fixture());
    let empty = Model::build(&[] as &[Object], ModelOptions { defaults: false, aggregation: Aggregation::Compute });
    let rows = [
        (ug("carol", &["system:masters"]), q("delete", "", "namespaces", "", "kube-system"), true),
        (ug("carol", &["system:masters"]), q("escalate", RBAC_GROUP, "clusterroles", "", "x"), true),
        (ug("carol", &["system:masters"]), nr("post", "/anything"), true),
        (raw("carol", &["system:masters"]), q("get", "", "secrets", "ns", "s"), true),
        (sa("kube-system", "x"), q("get", "", "secrets", "ns", "s"), false),
        (ug("system:serviceaccount:ns1:x", &["system:masters"]), q("get", "", "secrets", "ns", "s"), true),
        (u("system:masters"), q("get", "", "secrets", "ns", "s"), false),
        (ug("carol", &["System:Masters"]), q("get", "", "secrets", "ns", "s"), false),
    ];
    for mm in [&m, &empty] {
        check(mm, &rows);
    }
    assert_eq!(empty.authorize(&ug("carol", &["system:masters"]), &nr("get", "/x")), Decision::SuperUser);
    assert_eq!(m.authorize(&ug("bob", &["system:masters"]), &q("get", "", "pods", "", "")), Decision::SuperUser);
}

// ---------------------------------------------------------------------------------------------
// §1.6 aggregation
// ---------------------------------------------------------------------------------------------

/// The rules in force of ClusterRole `name`, rendered compactly.
fn rules_of(m: &Model, name: &str) -> Vec<String> {
    m.role(RoleKind::ClusterRole, "", name)
        .unwrap_or_else(|| panic!("no ClusterRole {name}"))
        .rules
        .iter()
        .map(|(r, _)| r.describe())
        .collect()
}

/// How `describe` renders a `get <res>` rule in the core group.
fn g(res: &str) -> String {
    format!("get {res} [core]")
}

/// A rule list with one `get <res>` rule in the core group, as YAML.
fn get_rule(res: &str) -> String {
    format!("[{{verbs: [get], apiGroups: [''], resources: [{res}]}}]")
}

fn check_aggregated(m: &Model, rows: &[(&str, Vec<String>)]) {
    let mut bad = Vec::new();
    for (name, want) in rows {
        let got = rules_of(m, name);
        if got != *want {
            bad.push(format!("{name}: got {got:?}, want {want:?}"));
        }
    }
    assert!(bad.is_empty(), "{}", bad.join("\n"));
}

#[test]
#[rustfmt::skip]
fn aggregation_selectors() {
    let y = [
        // matchLabels.
        cra("by-labels", "{}", "[{matchLabels: {a: 'true'}}]", "[]"),
        crl("x1", "{a: 'true'}", &get_rule("x1")),
        crl("x2", "{a: 'false'}", &get_rule("x2")),
        crl("x3", "{a: 'true', b: 'true'}", &get_rule("x3")),
        cr("x4", &get_rule("x4")),
        // matchLabels with two keys: both must match.
        cra("by-two-labels", "{}", "[{matchLabels: {a: 'true', b: 'true'}}]", "[]"),
        // matchExpressions (the leaves share `grp: e`; aggregated roles have no labels).
        cra("by-in", "{}", "[{matchExpressions: [{key: tier, operator: In, values: [gold, silver]}]}]", "[]"),
        cra("by-notin", "{}", "[{matchLabels: {grp: e}, matchExpressions: [{key: tier, operator: NotIn, values: [gold]}]}]", "[]"),
        cra("by-exists", "{}", "[{matchExpressions: [{key: tier, operator: Exists}]}]", "[]"),
        cra("by-not-exists", "{}", "[{matchLabels: {grp: e}, matchExpressions: [{key: tier, operator: DoesNotExist}]}]", "[]"),
        cra("by-both", "{}", "[{matchLabels: {c: 'yes'}, matchExpressions: [{key: tier, operator: In, values: [gold]}]}]", "[]"),
        cra("by-two-exprs", "{}", "[{matchExpressions: [{key: tier, operator: Exists}, {key: c, operator: DoesNotExist}]}]", "[]"),
        crl("t-gold", "{grp: e, tier: gold, c: 'yes'}", &get_rule("tgold")),
        crl("t-silver", "{grp: e, tier: silver}", &get_rule("tsilver")),
        crl("t-bronze", "{grp: e, tier: bronze, c: 'yes'}", &get_rule("tbronze")),
        crl("t-none", "{grp: e}", &get_rule("tnone")),
        // Several selectors are ORed, in selector order, each sorted by name; a role matched
        // twice contributes once.
        cra("ored", "{}", "[{matchLabels: {s: two}}, {matchLabels: {s: one}}, {matchLabels: {s: two}}]", "[]"),
        crl("s-one-z", "{s: one}", &get_rule("onez")),
        crl("s-one-a", "{s: one}", &get_rule("onea")),
        crl("s-two", "{s: two}", &get_rule("two")),
        // An invalid operator selects nothing.
        cra("bad-op", "{}", "[{matchExpressions: [{key: tier, operator: Equals, values: [gold]}]}]", "[]"),
    ]
    .concat();
    let m = model(&y);
    check_aggregated(&m, &[
        ("by-labels", vec![g("x1"), g("x3")]),
        ("by-two-labels", vec![g("x3")]),
        ("by-in", vec![g("tgold"), g("tsilver")]),
        // NotIn also matches roles without the key.
        ("by-notin", vec![g("tbronze"), g("tnone"), g("tsilver")]),
        ("by-exists", vec![g("tbronze"), g("tgold"), g("tsilver")]),
        ("by-not-exists", vec![g("tnone")]),
        ("by-both", vec![g("tgold")]),
        ("by-two-exprs", vec![g("tsilver")]),
        ("ored", vec![g("two"), g("onea"), g("onez")]),
        ("bad-op", vec![]),
    ]);
}

#[test]
#[rustfmt::skip]
fn aggregation_empty_selector_selects_every_other_cluster_role() {
    let y = [
        cra("everything", "{}", "[{}]", "[]"),
        cr("b", &get_rule("b")),
        crl("a", "{k: v}", &get_rule("a")),
        // Namespaced Roles are never aggregated.
        format!("{RBAC}\nkind: Role\nmetadata: {{name: r, namespace: ns, labels: {{k: v}}}}\nrules: {}\n---\n", get_rule("role")),
    ]
    .concat();
    let m = model(&y);
    check_aggregated(&m, &[("everything", vec![g("a"), g("b")])]);
}

#[test]
#[rustfmt::skip]
fn aggregation_skips_itself_and_dedupes_equal_rules() {
    let y = [
        // The aggregated role carries the label it selects: it is skipped.
        cra("self", "{agg: 'true'}", "[{matchLabels: {agg: 'true'}}]", &get_rule("written")),
        crl("p", "{agg: 'true'}", "[{verbs: [get], apiGroups: [''], resources: [pods]}, {verbs: [list], apiGroups: [''], resources: [pods]}]"),
        // Semantically equal rules are appended once; a different list order is a different rule.
        crl("q", "{agg: 'true'}", "[{verbs: [list], apiGroups: [''], resources: [pods]}, {verbs: [get, list], apiGroups: [''], resources: [pods]}, {verbs: [list, get], apiGroups: [''], resources: [pods]}]"),
        crl("r", "{agg: 'true'}", "[{verbs: [get], apiGroups: [''], resources: [pods]}, {verbs: [get, list], apiGroups: [''], resources: [pods]}]"),
    ]
    .concat();
    let m = model(&y);
    check_aggregated(&m, &[(
        "self",
        strs(&["get pods [core]", "list pods [core]", "get,list pods [core]", "list,get pods [core]"]),
    )]);
    // Provenance: each aggregated rule points at the first role it was taken from.
    let me = m.role(RoleKind::ClusterRole, "", "self").unwrap();
    let origins: Vec<(String, usize)> = me.rules.iter().map(|(_, o)| (m.roles[o.role].name.clone(), o.index)).collect();
    assert_eq!(origins, vec![("p".into(), 0), ("p".into(), 1), ("q".into(), 1), ("q".into(), 2)]);
}

#[test]
#[rustfmt::skip]
fn aggregation_chains_cycles_and_written_rules() {
    let y = [
        // Chain: a-top ← b-mid ← c-leaf. a-top sorts before b-mid, so b-mid's written rule is
        // what a first pass sees; it must not survive the fixed point.
        cra("a-top", "{}", "[{matchLabels: {to: top}}]", &get_rule("top-written")),
        cra("b-mid", "{to: top}", "[{matchLabels: {to: mid}}]", &get_rule("mid-written")),
        crl("c-leaf", "{to: mid}", &get_rule("leaf")),
        crl("d-direct", "{to: top}", &get_rule("direct")),
        // A longer chain, named so that each role is computed before the one it selects.
        cra("z1", "{}", "[{matchLabels: {chain: z2}}]", "[]"),
        cra("z2", "{chain: z2}", "[{matchLabels: {chain: z3}}]", "[]"),
        cra("z3", "{chain: z3}", "[{matchLabels: {chain: z4}}]", "[]"),
        crl("z4", "{chain: z4}", &get_rule("deep")),
        // Cycle: cyc-a selects cyc-b and the leaf, cyc-b selects cyc-a (and reaches the leaf
        // only through it).
        cra("cyc-a", "{ring: b}", "[{matchLabels: {ring: a}}]", "[]"),
        cra("cyc-b", "{ring: a}", "[{matchLabels: {ring: b}}]", "[]"),
        crl("cyc-leaf", "{ring: a}", &get_rule("ring")),
        // A selector matching nothing, or no selectors: the written rules are replaced by nothing.
        cra("empty-agg", "{}", "[{matchLabels: {none: here}}]", &get_rule("secrets")),
        cra("no-selectors", "{}", "[]", &get_rule("secrets")),
        crb("use-empty", "ClusterRole", "empty-agg", "[{kind: User, name: alice}]"),
        crb("use-no-selectors", "ClusterRole", "no-selectors", "[{kind: User, name: alice}]"),
        crb("use-top", "ClusterRole", "a-top", "[{kind: User, name: bob}]"),
    ]
    .concat();
    let m = model(&y);
    check_aggregated(&m, &[
        ("a-top", vec![g("leaf"), g("direct")]),
        ("b-mid", vec![g("leaf")]),
        ("z1", vec![g("deep")]),
        ("z2", vec![g("deep")]),
        ("z3", vec![g("deep")]),
        ("cyc-a", vec![g("ring")]),
        ("cyc-b", vec![g("ring")]),
        ("empty-agg", vec![]),
        ("no-selectors", vec![]),
    ]);
    // The written rules are kept as written (for display), but are not in force.
    assert_eq!(m.role(RoleKind::ClusterRole, "", "a-top").unwrap().written.len(), 1);
    // Authorization uses the aggregated rules, with provenance to the leaf.
    check(&m, &[
        (u("alice"), q("get", "", "secrets", "ns", "s"), false),
        (u("bob"), q("get", "", "leaf", "ns", "x"), true),
        (u("bob"), q("get", "", "direct", "", "x"), true),
        (u("bob"), q("get", "", "top-written", "ns", "x"), false),
        (u("bob"), q("get", "", "mid-written", "ns", "x"), false),
    ]);
    match m.authorize(&u("bob"), &q("get", "", "leaf", "ns", "x")) {
        Decision::Allowed(grants) => assert_eq!(m.roles[grants[0].origin.role].name, "c-leaf"),
        d => panic!("expected Allowed, got {d:?}"),
    }
}

#[test]
#[rustfmt::skip]
fn stored_aggregation_keeps_the_written_rules() {
    let y = [
        cra("agg", "{}", "[{matchLabels: {a: 'true'}}]", &get_rule("stored")),
        crl("x", "{a: 'true'}", &get_rule("x")),
        crb("use", "ClusterRole", "agg", "[{kind: User, name: alice}]"),
    ]
    .concat();
    let stored = model_with(&y, Aggregation::Stored);
    check_aggregated(&stored, &[("agg", vec![g("stored")])]);
    check(&stored, &[
        (u("alice"), q("get", "", "stored", "ns", "s"), true),
        (u("alice"), q("get", "", "x", "ns", "s"), false),
    ]);
    let computed = model_with(&y, Aggregation::Compute);
    check_aggregated(&computed, &[("agg", vec![g("x")])]);
    check(&computed, &[
        (u("alice"), q("get", "", "stored", "ns", "s"), false),
        (u("alice"), q("get", "", "x", "ns", "s"), true),
    ]);
}

#[test]
#[rustfmt::skip]
fn aggregation_over_the_default_roles() {
    // A CRD role labelled aggregate-to-edit widens edit and admin, but not view (§1.6).
    let y = [
        crl("crd-edit", "{rbac.authorization.k8s.io/aggregate-to-edit: 'true'}", "[{verbs: [create, delete], apiGroups: [example.com], resources: [widgets]}]"),
        rb("shop", "admins", "ClusterRole", "admin", "[{kind: User, name: ann}]"),
        rb("shop", "viewers", "ClusterRole", "view", "[{kind: User, name: vic}]"),
        rb("shop", "editors", "ClusterRole", "edit", "[{kind: User, name: eve}]"),
    ]
    .concat();
    let objects = load(&y);
    let m = Model::build(&objects, ModelOptions::default());
    let w = |verb: &str, ns: &str| q(verb, "example.com", "widgets", ns, "");
    check(&m, &[
        (u("ann"), w("create", "shop"), true),
        (u("eve"), w("create", "shop"), true),
        (u("vic"), w("create", "shop"), false),
        (u("ann"), w("create", "other"), false),
        (u("eve"), q("get", "", "secrets", "shop", "s"), true),
        (u("vic"), q("get", "", "secrets", "shop", "s"), false),
        (u("vic"), q("get", "", "pods", "shop", "p"), true),
        (u("ann"), q("create", RBAC_GROUP, "rolebindings", "shop", ""), true),
        (u("eve"), q("create", RBAC_GROUP, "rolebindings", "shop", ""), false),
    ]);
}

// ---------------------------------------------------------------------------------------------
// §1.9 who can
// ---------------------------------------------------------------------------------------------

#[rustfmt::skip]
fn who_fixture() -> String {
    [
        cr("reader", "[{verbs: [get], apiGroups: [''], resources: [pods]}, {verbs: [get], nonResourceURLs: ['/healthz']}]"),
        cr("writer", "[{verbs: [create], apiGroups: [''], resources: [pods]}]"),
        role("ns1", "ns-reader", "[{verbs: [get], apiGroups: [''], resources: [pods]}]"),
        crb("crb1", "ClusterRole", "reader", "[{kind: User, name: alice}, {kind: Group, name: devs}, {kind: User, name: alice}]"),
        crb("crb2", "ClusterRole", "reader", "[{kind: ServiceAccount, name: sa1, namespace: ns1}, {kind: Robot, name: r2}]"),
        crb("crb3", "ClusterRole", "writer", "[{kind: User, name: dan}]"),
        crb("crb-role", "Role", "ns-reader", "[{kind: User, name: fay}]"),
        crb("crb-missing", "ClusterRole", "nope", "[{kind: User, name: gus}]"),
        crb("crb-dup", "ClusterRole", "reader", "[{kind: User, name: alice}]"),
        rb("ns1", "rb1", "ClusterRole", "reader", "[{kind: User, name: bob}]"),
        rb("ns1", "rb2", "Role", "ns-reader", "[{kind: User, name: hal}, {kind: Group, name: 'system:serviceaccounts:ns1'}]"),
        rb("ns1", "rb-missing", "ClusterRole", "nope", "[{kind: User, name: eve}]"),
        rb("ns2", "rb3", "ClusterRole", "reader", "[{kind: User, name: carl}]"),
        // Role ns-reader exists only in ns1: this binding grants nothing.
        rb("ns2", "rb4", "Role", "ns-reader", "[{kind: User, name: ida}]"),
    ]
    .concat()
}

#[test]
#[rustfmt::skip]
fn who_can_lists_subjects_as_written() {
    let m = model(&who_fixture());
    let names = |req: &Request| {
        let mut v: Vec<String> = m.who_can(req).iter().map(|(s, _)| format!("{} {}", s.kind, s.name)).collect();
        v.sort();
        v
    };
    // Every subject of every ClusterRoleBinding whose role matches, duplicates included.
    let crbs = ["Group devs", "Robot r2", "ServiceAccount sa1", "User alice", "User alice", "User alice"];
    let with = |extra: &[&str]| {
        let mut v: Vec<String> = crbs.iter().chain(extra).map(|s| (*s).to_owned()).collect();
        v.sort();
        v
    };
    let rows: &[(Request, Vec<String>)] = &[
        // ClusterRoleBindings only, for cluster-wide requests.
        (q("get", "", "pods", "", ""), with(&[])),
        // Plus the RoleBindings of the request namespace (not of other namespaces).
        (q("get", "", "pods", "ns1", "p"), with(&["User bob", "User hal", "Group system:serviceaccounts:ns1"])),
        (q("get", "", "pods", "ns2", "p"), with(&["User carl"])),
        (q("get", "", "pods", "ns3", "p"), with(&[])),
        // RoleBindings never reach non-resource requests.
        (nr("get", "/healthz"), with(&[])),
        (q("create", "", "pods", "ns1", ""), strs(&["User dan"])),
        (q("delete", "", "pods", "ns1", "p"), vec![]),
        (nr("get", "/livez"), vec![]),
    ];
    let mut bad = Vec::new();
    for (i, (req, want)) in rows.iter().enumerate() {
        let got = names(req);
        if got != *want {
            bad.push(format!("row {i}: {}: got {got:?}, want {want:?}", req.describe()));
        }
    }
    assert!(bad.is_empty(), "{}", bad.join("\n"));
    // The grants name the binding the subject was listed from, and a matching rule.
    let req = q("get", "", "pods", "ns1", "p");
    for (s, grant) in m.who_can(&req) {
        assert_eq!(m.binding(grant.binding).subjects[grant.subject], s);
        assert!(rule_allows(&m.binding_rules(grant.binding)[grant.rule].0, &req));
    }
    // who-can agrees with can-i (check() cross-checks every row).
    check(&m, &[
        (u("alice"), q("get", "", "pods", "", ""), true),
        (sa("ns1", "sa1"), q("get", "", "pods", "", ""), true),
        (sa("ns1", "other"), q("get", "", "pods", "ns1", "p"), true),
        (sa("ns2", "other"), q("get", "", "pods", "ns1", "p"), false),
        (u("bob"), q("get", "", "pods", "ns1", "p"), true),
        (u("bob"), q("get", "", "pods", "ns2", "p"), false),
        (u("bob"), nr("get", "/healthz"), false),
        (u("fay"), q("get", "", "pods", "ns1", "p"), false),
        (u("gus"), q("get", "", "pods", "ns1", "p"), false),
        (u("eve"), q("get", "", "pods", "ns1", "p"), false),
        (u("ida"), q("get", "", "pods", "ns2", "p"), false),
        (u("ida"), q("get", "", "pods", "ns1", "p"), false),
    ]);
}

// ---------------------------------------------------------------------------------------------
// §1.7 Covers
// ---------------------------------------------------------------------------------------------

#[test]
#[rustfmt::skip]
fn covers_like_the_policy_comparator() {
    let every = ["get", "list", "watch", "create", "update", "patch", "delete", "deletecollection"];
    let named_urls = PolicyRule { resource_names: strs(&["a"]), ..ru(&["get"], &["*"]) };
    let rows: &[(PolicyRule, PolicyRule, bool)] = &[
        // `*` covers everything, `*` atoms included.
        (r(&["*"], &["*"], &["*"]), r(&["get"], &[""], &["pods/exec"]), true),
        (r(&["*"], &["*"], &["*"]), r(&["*"], &["*"], &["*"]), true),
        (r(&["*"], &["*"], &["*"]), rn(&["get"], &[""], &["secrets"], &["a"]), true),
        // Enumerations never cover a `*` atom.
        (r(&every, &[RBAC_GROUP], &["roles"]), r(&["*"], &[RBAC_GROUP], &["roles"]), false),
        (r(&["get"], &["", "apps"], &["pods"]), r(&["get"], &["*"], &["pods"]), false),
        (r(&["get"], &[""], &["pods", "services"]), r(&["get"], &[""], &["*"]), false),
        (r(&["get"], &[""], &["*"]), r(&["get"], &[""], &["*"]), true),
        (r(&["get"], &[""], &["pods"]), r(&["get"], &[""], &["*"]), false),
        // Verbs and groups; a single owner rule must cover every atom.
        (r(&["get"], &[""], &["pods"]), r(&["get", "list"], &[""], &["pods"]), false),
        (r(&["get", "list"], &[""], &["pods"]), r(&["list"], &[""], &["pods"]), true),
        (r(&["get"], &["*"], &["pods"]), r(&["get"], &["apps", ""], &["pods"]), true),
        (r(&["get"], &["apps"], &["pods"]), r(&["get"], &[""], &["pods"]), false),
        // Resources: exact, `*`, or `*/sub` for `res/sub`.
        (r(&["get"], &[""], &["*/exec"]), r(&["get"], &[""], &["pods/exec"]), true),
        (r(&["get"], &[""], &["*/exec"]), r(&["get"], &[""], &["pods"]), false),
        (r(&["get"], &[""], &["pods"]), r(&["get"], &[""], &["pods/exec"]), false),
        (r(&["get"], &[""], &["pods/exec"]), r(&["get"], &[""], &["pods"]), false),
        (r(&["get"], &[""], &["pods/*"]), r(&["get"], &[""], &["pods/exec"]), false),
        (r(&["get"], &[""], &["*/*"]), r(&["get"], &[""], &["pods/*"]), true),
        (r(&["get"], &[""], &["pods/exec"]), r(&["get"], &[""], &["*/exec"]), false),
        // Names: an owner without names covers anything; with names, only atoms whose names
        // are all in its list; never a nameless atom.
        (r(&["get"], &[""], &["secrets"]), rn(&["get"], &[""], &["secrets"], &["a"]), true),
        (rn(&["get"], &[""], &["secrets"], &["a", "b"]), rn(&["get"], &[""], &["secrets"], &["a"]), true),
        (rn(&["get"], &[""], &["secrets"], &["a", "b"]), rn(&["get"], &[""], &["secrets"], &["b", "a"]), true),
        (rn(&["get"], &[""], &["secrets"], &["a", "b"]), rn(&["get"], &[""], &["secrets"], &["a", "c"]), false),
        (rn(&["get"], &[""], &["secrets"], &["a"]), r(&["get"], &[""], &["secrets"]), false),
        (rn(&["get"], &[""], &["secrets"], &["*"]), rn(&["get"], &[""], &["secrets"], &["a"]), false),
        // nonResourceURLs: equal, or owner ends in `*` and is a prefix.
        (ru(&["get"], &["/apis/*"]), ru(&["get"], &["/apis/v1"]), true),
        (ru(&["get"], &["/apis/*"]), ru(&["get"], &["/apis/*"]), true),
        (ru(&["get"], &["/apis/*"]), ru(&["get"], &["/apis"]), false),
        (ru(&["get"], &["/apis"]), ru(&["get"], &["/apis/v1"]), false),
        (ru(&["get"], &["/apis/v1"]), ru(&["get"], &["/apis/*"]), false),
        (ru(&["get"], &["/healthz"]), ru(&["get"], &["/healthz*"]), false),
        (ru(&["get"], &["*"]), ru(&["get"], &["/x", "*"]), true),
        (ru(&["get"], &["/x", "/y"]), ru(&["get"], &["*"]), false),
        (ru(&["get"], &["/x"]), ru(&["post"], &["/x"]), false),
        (ru(&["*"], &["/x"]), ru(&["post", "get"], &["/x"]), true),
        // The two forms do not cover each other.
        (r(&["*"], &["*"], &["*"]), ru(&["get"], &["/healthz"]), false),
        (ru(&["*"], &["*"]), r(&["get"], &[""], &["pods"]), false),
        (rm(&["*"], &["*"], &["*"], &["*"]), rm(&["get"], &[""], &["pods"], &["/healthz"]), true),
        (rm(&["get"], &[""], &["pods"], &["/healthz"]), rm(&["get"], &[""], &["pods"], &["/healthz"]), true),
        (r(&["get"], &[""], &["pods"]), rm(&["get"], &[""], &["pods"], &["/healthz"]), false),
        // A nonResourceURL atom is nameless: an owner with names cannot cover it.
        (named_urls.clone(), ru(&["get"], &["/healthz"]), false),
        // A rule with no atoms (no verbs, or a resource part missing apiGroups or resources) is
        // covered by anything.
        (r(&["get"], &[""], &["pods"]), r(&[], &["apps"], &["deployments"]), true),
        (r(&["get"], &[""], &["pods"]), r(&["get"], &["apps"], &[]), true),
        (r(&["get"], &[""], &["pods"]), r(&["get"], &[], &["deployments"]), true),
        (ru(&["get"], &["/x"]), rm(&["get"], &["apps"], &[], &["/x"]), true),
    ];
    let mut bad = Vec::new();
    for (i, (owner, req, want)) in rows.iter().enumerate() {
        let got = covers(owner, req);
        if got != *want {
            bad.push(format!("row {i}: covers({owner:?}, {req:?}) = {got}, want {want}"));
        }
    }
    assert!(bad.is_empty(), "{} failing rows:\n{}", bad.len(), bad.join("\n"));
}

#[test]
#[rustfmt::skip]
fn covers_is_asymmetric() {
    // (bigger, smaller): the bigger rule covers the smaller one, not the other way round.
    let pairs: &[(PolicyRule, PolicyRule)] = &[
        (r(&["*"], &[""], &["pods"]), r(&["get"], &[""], &["pods"])),
        (r(&["get"], &["*"], &["pods"]), r(&["get"], &["apps"], &["pods"])),
        (r(&["get"], &[""], &["*"]), r(&["get"], &[""], &["pods/log"])),
        (r(&["get"], &[""], &["*/log"]), r(&["get"], &[""], &["pods/log"])),
        (r(&["get"], &[""], &["secrets"]), rn(&["get"], &[""], &["secrets"], &["a"])),
        (rn(&["get"], &[""], &["secrets"], &["a", "b"]), rn(&["get"], &[""], &["secrets"], &["a"])),
        (ru(&["get"], &["/apis/*"]), ru(&["get"], &["/apis/v1"])),
        (ru(&["get"], &["*"]), ru(&["get"], &["/apis/*"])),
        (r(&["get", "list"], &[""], &["pods", "services"]), r(&["list"], &[""], &["services"])),
    ];
    for (i, (big, small)) in pairs.iter().enumerate() {
        assert!(covers(big, small), "row {i}: {big:?} should cover {small:?}");
        assert!(!covers(small, big), "row {i}: {small:?} should not cover {big:?}");
        assert!(covers(big, big) && covers(small, small), "row {i}: covers is reflexive");
    }
}
