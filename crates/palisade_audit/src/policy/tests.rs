//! Evaluation cases, one per statement of spec §3.4, and the loader's validation.

use super::*;

fn policy(yaml: &str) -> Policy {
    let text = format!("apiVersion: audit.k8s.io/v1\nkind: Policy\n{yaml}");
    let (p, diags) = load("p.yaml", &text);
    assert!(
        diags.iter().all(|d| d.level != DiagnosticLevel::Error),
        "{diags:?}"
    );
    p.unwrap()
}

fn res<'a>(
    verb: &'a str,
    ns: &'a str,
    group: &'a str,
    resource: &'a str,
    sub: &'a str,
    name: &'a str,
) -> Request<'a> {
    Request {
        user: Some("alice"),
        groups: vec!["system:authenticated"],
        verb,
        target: Target::Resource {
            namespace: ns,
            api_group: group,
            resource,
            subresource: sub,
            name,
        },
    }
}

fn nonres(path: &str) -> Request<'_> {
    Request {
        user: Some("alice"),
        groups: vec!["system:authenticated"],
        verb: "get",
        target: Target::NonResource { path },
    }
}

fn one(line: &str) -> Vec<Event<'static>> {
    let mut v = Vec::new();
    crate::decode::decode(line, &mut |_, e| v.push(e.into_owned())).unwrap();
    v
}

fn level(p: &Policy, r: &Request) -> Level {
    p.evaluate(r).level
}

#[test]
fn first_matching_rule_wins_and_no_match_is_none() {
    let p =
        policy("rules:\n- level: Request\n  verbs: [create]\n- level: Metadata\n  verbs: [create, get]\n");
    let d = p.evaluate(&res("create", "ns", "", "pods", "", ""));
    assert_eq!((d.level, d.rule), (Level::Request, Some(0)));
    let d = p.evaluate(&res("get", "ns", "", "pods", "", "x"));
    assert_eq!((d.level, d.rule), (Level::Metadata, Some(1)));
    let d = p.evaluate(&res("delete", "ns", "", "pods", "", "x"));
    assert_eq!((d.level, d.rule), (Level::None, None));
}

#[test]
fn users_are_the_real_user_and_no_user_never_matches() {
    let p = policy(
        "rules:\n- level: RequestResponse\n  users: [admin]\n- level: Metadata\n  userGroups: [devs]\n",
    );
    // The event of an impersonated request: the policy sees `user`, not `impersonatedUser`.
    let line = r#"{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"RequestResponse","auditID":"a","stage":"ResponseComplete","requestURI":"/api/v1/namespaces/x/pods","verb":"list","user":{"username":"admin","groups":["system:masters"]},"impersonatedUser":{"username":"bob","groups":["devs"]},"objectRef":{"resource":"pods","namespace":"x","apiVersion":"v1"},"responseStatus":{"code":200}}"#;
    let evs = one(line);
    let r = Request::from_event(&evs[0]);
    assert_eq!(r.user, Some("admin"));
    assert_eq!(p.evaluate(&r).level, Level::RequestResponse);
    // Without a user neither users nor userGroups match.
    let mut anon = res("get", "ns", "", "pods", "", "x");
    anon.user = None;
    anon.groups = vec!["devs"];
    assert_eq!(level(&p, &anon), Level::None);
    let mut dev = res("get", "ns", "", "pods", "", "x");
    dev.groups = vec!["system:authenticated", "devs"];
    assert_eq!(level(&p, &dev), Level::Metadata);
}

#[test]
fn verbs_match_exactly() {
    let p = policy("rules:\n- level: Metadata\n  verbs: [get]\n");
    assert_eq!(level(&p, &res("get", "", "", "nodes", "", "n")), Level::Metadata);
    assert_eq!(level(&p, &res("Get", "", "", "nodes", "", "n")), Level::None);
    assert_eq!(level(&p, &res("list", "", "", "nodes", "", "")), Level::None);
}

#[test]
fn namespaces_make_a_rule_resource_only_and_empty_is_cluster_scoped() {
    let p = policy(
        "rules:\n- level: Metadata\n  namespaces: ['']\n- level: Request\n  namespaces: [kube-system]\n",
    );
    assert_eq!(level(&p, &res("get", "", "", "nodes", "", "n")), Level::Metadata);
    assert_eq!(level(&p, &res("list", "", "", "pods", "", "")), Level::Metadata);
    assert_eq!(
        level(&p, &res("get", "kube-system", "", "pods", "", "x")),
        Level::Request
    );
    assert_eq!(
        level(&p, &res("get", "default", "", "pods", "", "x")),
        Level::None
    );
    // Non-resource requests never match a rule with namespaces.
    assert_eq!(level(&p, &nonres("/healthz")), Level::None);
}

#[test]
fn resources_match_within_the_exact_group() {
    let p = policy("rules:\n- level: Request\n  resources:\n  - group: ''\n    resources: [pods]\n- level: Metadata\n  resources:\n  - group: apps\n");
    assert_eq!(level(&p, &res("get", "a", "", "pods", "", "x")), Level::Request);
    // `pods` does not match pods/log
    assert_eq!(level(&p, &res("get", "a", "", "pods", "log", "x")), Level::None);
    // the same resource name in another group
    assert_eq!(
        level(&p, &res("get", "a", "metrics.k8s.io", "pods", "", "x")),
        Level::None
    );
    // empty resources: the whole group, subresources included
    assert_eq!(
        level(&p, &res("update", "a", "apps", "deployments", "scale", "x")),
        Level::Metadata
    );
    assert_eq!(
        level(&p, &res("get", "a", "", "deployments", "", "x")),
        Level::None
    );
}

#[test]
fn resource_entries_star_star_sub_sub_and_the_pods_star_quirk() {
    let p = policy("rules:\n- level: RequestResponse\n  resources:\n  - group: ''\n    resources: [pods/log]\n- level: Request\n  resources:\n  - group: ''\n    resources: ['*/status']\n- level: Metadata\n  resources:\n  - group: ''\n    resources: ['services/*']\n- level: None\n  resources:\n  - group: ''\n    resources: ['*']\n");
    assert_eq!(
        level(&p, &res("get", "a", "", "pods", "log", "x")),
        Level::RequestResponse
    );
    assert_eq!(level(&p, &res("get", "a", "", "pods", "exec", "x")), Level::None);
    assert_eq!(
        level(&p, &res("update", "a", "", "pods", "status", "x")),
        Level::Request
    );
    assert_eq!(
        level(&p, &res("update", "", "", "nodes", "status", "x")),
        Level::Request
    );
    // `*/status` needs a subresource
    assert_eq!(level(&p, &res("update", "", "", "status", "", "x")), Level::None);
    // `services/*` matches subresources of services and services itself
    assert_eq!(
        level(&p, &res("get", "a", "", "services", "proxy", "x")),
        Level::Metadata
    );
    assert_eq!(
        level(&p, &res("get", "a", "", "services", "", "x")),
        Level::Metadata
    );
    assert_eq!(level(&p, &res("get", "a", "", "servicesx", "", "x")), Level::None);
    // `*` matches everything of the group, subresources included
    let d = p.evaluate(&res("get", "a", "", "configmaps", "", "x"));
    assert_eq!((d.level, d.rule), (Level::None, Some(3)));
}

#[test]
fn resource_names_restrict_names_and_an_empty_name_does_not_match() {
    let p = policy("rules:\n- level: Request\n  resources:\n  - group: ''\n    resources: [configmaps]\n    resourceNames: [cfg]\n- level: Metadata\n");
    assert_eq!(
        level(&p, &res("get", "a", "", "configmaps", "", "cfg")),
        Level::Request
    );
    assert_eq!(
        level(&p, &res("get", "a", "", "configmaps", "", "other")),
        Level::Metadata
    );
    assert_eq!(
        level(&p, &res("list", "a", "", "configmaps", "", "")),
        Level::Metadata
    );
}

#[test]
fn non_resource_urls_with_trailing_star() {
    let p = policy(
        "rules:\n- level: None\n  nonResourceURLs: ['/apis/*', '/healthz*', '/version']\n- level: Metadata\n",
    );
    assert_eq!(level(&p, &nonres("/apis/v1")), Level::None);
    assert_eq!(level(&p, &nonres("/apis/")), Level::None);
    assert_eq!(level(&p, &nonres("/apis")), Level::Metadata);
    assert_eq!(level(&p, &nonres("/healthz")), Level::None);
    assert_eq!(level(&p, &nonres("/healthzfoo")), Level::None);
    assert_eq!(level(&p, &nonres("/version")), Level::None);
    assert_eq!(level(&p, &nonres("/version/x")), Level::Metadata);
    // a nonResourceURLs rule never matches a resource request
    assert_eq!(level(&p, &res("get", "", "", "version", "", "")), Level::Metadata);
    assert!(path_matches("/anything", "*"));
    assert!(!path_matches("/a", "/a*b"));
}

#[test]
fn a_rule_with_no_fields_matches_everything() {
    let p = policy("rules:\n- level: Metadata\n");
    assert_eq!(level(&p, &nonres("/metrics")), Level::Metadata);
    assert_eq!(
        level(&p, &res("delete", "x", "apps", "deployments", "", "y")),
        Level::Metadata
    );
    let mut anon = nonres("/");
    anon.user = None;
    assert_eq!(level(&p, &anon), Level::Metadata);
}

#[test]
fn omit_stages_are_the_union_and_managed_fields_rule_overrides() {
    let p = policy("omitStages: [RequestReceived]\nomitManagedFields: true\nrules:\n- level: Request\n  verbs: [create]\n  omitStages: [ResponseStarted, RequestReceived]\n  omitManagedFields: false\n- level: Metadata\n  verbs: [get]\n");
    let d = p.evaluate(&res("create", "a", "", "pods", "", ""));
    assert_eq!(d.omit_stages, [Stage::RequestReceived, Stage::ResponseStarted]);
    assert!(!d.omit_managed_fields);
    assert!(!d.records(Stage::ResponseStarted));
    assert!(d.records(Stage::ResponseComplete));
    let d = p.evaluate(&res("get", "a", "", "pods", "", "x"));
    assert_eq!(d.omit_stages, [Stage::RequestReceived]);
    assert!(d.omit_managed_fields);
    // no match: the policy's stages and setting
    let d = p.evaluate(&res("delete", "a", "", "pods", "", "x"));
    assert_eq!(
        (d.level, d.omit_stages.as_slice(), d.omit_managed_fields),
        (Level::None, &[Stage::RequestReceived][..], true)
    );
    assert!(!d.records(Stage::ResponseComplete));
}

#[test]
fn create_is_evaluated_without_the_name_the_event_carries() {
    let p = policy("rules:\n- level: RequestResponse\n  resources:\n  - group: ''\n    resources: [pods]\n    resourceNames: [web]\n- level: Metadata\n");
    let line = r#"{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Metadata","auditID":"a","stage":"ResponseComplete","requestURI":"/api/v1/namespaces/x/pods","verb":"create","user":{"username":"u"},"objectRef":{"resource":"pods","namespace":"x","name":"web","apiVersion":"v1"}}"#;
    let evs = one(line);
    assert_eq!(p.evaluate(&Request::from_event(&evs[0])).level, Level::Metadata);
}

fn diags(text: &str) -> Vec<String> {
    load("p.yaml", text).1.iter().map(|d| d.to_string()).collect()
}

#[test]
fn validation_like_the_api_server() {
    let d = diags("apiVersion: audit.k8s.io/v1\nkind: Policy\nomitStages: [Received]\nrules:\n- level: Everything\n- verbs: [get]\n- level: Metadata\n  nonResourceURLs: [healthz, '/a*b']\n  namespaces: [x]\n- level: None\n  resources:\n  - group: apps/v1\n    resourceNames: [x]\n  namespace: [y]\n");
    let want = [
        "p.yaml:3:14: error: omitStages: \"Received\" is not a stage",
        "p.yaml:5:10: error: rules[0].level: Unsupported value \"Everything\"",
        "p.yaml:6:3: error: rules[1].level: Required value",
        "p.yaml:8:20: error: rules cannot apply to both regular resources and non-resource URLs",
        "p.yaml:8:21: error: \"healthz\": non-resource URL rules must begin with a '/' character",
        "p.yaml:8:30: error: \"/a*b\": non-resource URL wildcards '*' must be the final character",
        "p.yaml:12:12: error: group \"apps/v1\" is not a lower-case DNS subdomain",
        "p.yaml:13:5: error: using resourceNames requires at least one resource",
        "p.yaml:14:3: warning: unknown field \"namespace\" in a rule",
    ];
    for w in want {
        assert!(d.iter().any(|x| x.starts_with(w)), "missing {w:?} in {d:#?}");
    }
    assert_eq!(d.len(), want.len(), "{d:#?}");
    let d = diags("apiVersion: audit.k8s.io/v1beta1\nkind: Policy\nrules:\n- level: Metadata\n");
    assert_eq!(d.len(), 1);
    assert!(d[0].starts_with("p.yaml:1:13: warning: audit.k8s.io/v1beta1 is read"));
    let d = diags("apiVersion: v1\nkind: ConfigMap\n");
    assert!(d[0].contains("kind is \"ConfigMap\", not Policy"), "{d:?}");
    assert!(d.iter().any(|x| x.contains("apiVersion \"v1\"")));
    assert!(d.iter().any(|x| x.contains("0 rules")));
    let d = diags("rules: [\n");
    assert!(d[0].contains("not YAML or JSON"), "{d:?}");
    let (p, d) = load(
        "p.json",
        r#"{"apiVersion":"audit.k8s.io/v1","kind":"Policy","rules":[{"level":"Metadata","omitStages":["RequestReceived"]}]}"#,
    );
    assert!(d.is_empty(), "{d:?}");
    assert_eq!(p.unwrap().rules[0].omit_stages, [Stage::RequestReceived]);
}

fn codes(yaml: &str) -> Vec<(&'static str, u32)> {
    lint::lint(&policy(yaml))
        .iter()
        .map(|f| (f.rule.code, f.pos.line))
        .collect()
}

#[test]
fn lint_fires_on_the_mistakes_and_not_on_a_good_policy() {
    // A good policy: nothing to say.
    let good = "omitStages: [RequestReceived]\nrules:\n- level: None\n  nonResourceURLs: ['/healthz*']\n- level: Metadata\n  resources:\n  - group: ''\n    resources: [secrets, configmaps, serviceaccounts/token]\n  - group: authentication.k8s.io\n    resources: [tokenreviews]\n- level: RequestResponse\n  resources:\n  - group: rbac.authorization.k8s.io\n- level: Request\n  resources:\n  - group: ''\n    resources: ['pods/*']\n- level: Metadata\n";
    assert_eq!(codes(good), []);
    // Everything at RequestResponse: bodies of secrets etc. (one finding per resource, at
    // the rule), RequestReceived kept.
    let c = codes("rules:\n- level: RequestResponse\n");
    assert_eq!(c.iter().filter(|x| x.0 == "APOL001").count(), 4, "{c:?}");
    assert!(c.contains(&("APOL006", 1)), "{c:?}");
    // exec dropped, RBAC writes dropped for one user, no catch-all, all None.
    let c = codes("omitStages: [RequestReceived]\nrules:\n- level: None\n  users: [ci]\n- level: None\n  resources:\n  - group: ''\n    resources: ['pods/exec', 'pods/attach']\n");
    // (the first witness that gets None is user ci's, at rule #1, line 5)
    assert!(c.contains(&("APOL002", 5)), "{c:?}");
    assert!(c.contains(&("APOL003", 5)), "{c:?}");
    assert!(c.contains(&("APOL005", 4)), "{c:?}");
    assert!(c.contains(&("APOL007", 4)), "{c:?}");
    // RequestReceived omitted by every logging rule: no APOL006.
    let c = codes("rules:\n- level: Metadata\n  omitStages: [RequestReceived]\n- level: None\n");
    assert!(!c.iter().any(|x| x.0 == "APOL006"), "{c:?}");
    // Logging nothing because both first and last stages are omitted.
    let c = codes("omitStages: [RequestReceived, ResponseComplete]\nrules:\n- level: Metadata\n");
    assert!(c.iter().any(|x| x.0 == "APOL007"), "{c:?}");
}

#[test]
fn lint_finds_shadowed_rules_and_only_those() {
    let shadow = |a: &str, b: &str| {
        let p = policy(&format!(
            "rules:\n- level: RequestResponse\n{a}- level: Metadata\n{b}"
        ));
        lint::lint(&p)
            .iter()
            .any(|x| x.rule.code == "APOL004" && x.policy_rule == Some(1))
    };
    let res = |r: &str| format!("  resources:\n  - group: ''\n    resources: [{r}]\n");
    // the classic: a broad rule before a specific one
    assert!(shadow("  resources:\n  - group: ''\n", &res("secrets")));
    assert!(shadow("", &res("secrets")));
    assert!(shadow(&res("'*'"), &res("pods/log")));
    assert!(shadow(&res("'pods/*'"), &res("pods")));
    assert!(shadow(&res("'*/log'"), &res("pods/log")));
    assert!(shadow("  verbs: [get, list]\n", "  verbs: [get]\n"));
    assert!(shadow(
        "  nonResourceURLs: ['/api*']\n",
        "  nonResourceURLs: ['/apis/*', /api]\n"
    ));
    assert!(shadow(
        "  namespaces: [a, b]\n",
        &format!("  namespaces: [a]\n{}", res("pods"))
    ));
    // not shadowed: narrower first, or a different dimension
    assert!(!shadow(&res("secrets"), &res("configmaps")));
    assert!(!shadow(&res("pods"), &res("pods/log")));
    assert!(!shadow(&res("'*/log'"), &res("'pods/*'")));
    assert!(!shadow("  verbs: [get]\n", "  verbs: [get, list]\n"));
    assert!(!shadow("  users: [a]\n", ""));
    assert!(!shadow("  nonResourceURLs: ['/api*']\n", &res("pods")));
    assert!(!shadow(
        "  nonResourceURLs: ['/apis*']\n",
        "  nonResourceURLs: ['/api*']\n"
    ));
    assert!(!shadow(
        "  resources:\n  - group: ''\n    resources: [secrets]\n    resourceNames: [a]\n",
        &res("secrets")
    ));
    // the finding is at the shadowed rule and names the shadowing one
    let f = lint::lint(&policy(
        "rules:\n- level: RequestResponse\n- level: Metadata\n  verbs: [get]\n",
    ));
    let s = f.iter().find(|x| x.rule.code == "APOL004").unwrap();
    assert_eq!((s.pos.line, s.policy_rule), (5, Some(1)));
    assert!(s.message.contains("rule #1 at line 4"), "{}", s.message);
    // explain finds them by code and name
    assert_eq!(lint::find("apol004").unwrap().name, "audit-shadowed-rule");
    assert!(lint::find("audit-no-catch-all").is_some());
}
