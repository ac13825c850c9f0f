//! Tests of the detection rules: inline events that fire and do not fire for each rule,
//! hostile request bodies, the Falco k8s_audit trace files and the recorded scenario of
//! `shared/corpus/audit/palisade-recorded`.

use super::*;
use crate::dedup::Dedup;
use crate::read::{read, Input, ReadOptions};

fn corpus(rel: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/corpus/audit")
        .join(rel)
}

/// Runs every rule (or `cfg`'s options) over files, one event per request.
fn detect_files(paths: &[std::path::PathBuf], cfg: &Config) -> Vec<Detection> {
    let inputs: Vec<Input> = paths.iter().map(|p| Input::Path(p.clone())).collect();
    let mut engine = Engine::new(cfg);
    let mut out = Vec::new();
    let mut dedup = Dedup::default();
    let summary = read(&inputs, &ReadOptions::default(), &mut |loc, ev| {
        dedup.push(loc, ev, &mut |loc, ev| engine.event(loc, &ev, &mut out));
    });
    dedup.finish(&mut |loc, ev| engine.event(loc, &ev, &mut out));
    engine.finish(&mut out);
    assert!(summary.errors.is_empty(), "{:?}", summary.errors);
    out
}

fn codes_at(ds: &[Detection], line: u64) -> Vec<&'static str> {
    ds.iter()
        .filter(|d| d.line == line)
        .map(|d| d.rule.code)
        .collect()
}

fn find<'d>(ds: &'d [Detection], line: u64, code: &str) -> &'d Detection {
    ds.iter()
        .find(|d| d.line == line && d.rule.code == code)
        .unwrap_or_else(|| panic!("no {code} at line {line}: {:?}", codes_at(ds, line)))
}

/// The scenario of palisade-recorded/README.md, event by event.
#[test]
fn recorded_scenario() {
    let ds = detect_files(&[corpus("palisade-recorded/audit.log")], &Config::default());
    // alice (impersonated by kubernetes-admin) deleted namespace scratch-ns.
    let d = find(&ds, 929, "AUD015");
    assert_eq!(d.impersonated_user.as_deref(), Some("alice"));
    assert_eq!(d.user, "kubernetes-admin");
    assert!(d.message.contains("namespace scratch-ns"), "{}", d.message);
    assert!(!d.audit_id.is_empty() && d.time.is_some());
    // bob was denied listing secrets: an attempt, low.
    for line in [930, 1052] {
        let d = find(&ds, line, "AUD003");
        assert!(d.attempt && d.severity == Severity::Low, "{d:?}");
        assert_eq!(d.impersonated_user.as_deref(), Some("bob"));
    }
    // frontend-sa listed secrets (allowed).
    let d = find(&ds, 931, "AUD003");
    assert!(!d.attempt && d.severity == Severity::Medium);
    assert!(d.message.contains("ServiceAccount"), "{}", d.message);
    // frontend-sa tried to exec `id` into adservice (the API server answered 400).
    let execs: Vec<_> = ds.iter().filter(|d| d.rule.code == "AUD001").collect();
    assert_eq!(execs.iter().map(|d| d.line).collect::<Vec<_>>(), vec![935, 937]);
    for d in execs {
        assert!(d.attempt, "{d:?}");
        assert!(d.message.contains("command \"id\""), "{}", d.message);
        assert_eq!(
            d.impersonated_user.as_deref(),
            Some("system:serviceaccount:shop:frontend-sa")
        );
    }
    // The anonymous requests were denied: no "anonymous allowed".
    assert!(ds.iter().all(|d| d.rule.code != "AUD004"));
    assert!(codes_at(&ds, 938).is_empty() && codes_at(&ds, 1054).is_empty());
    // The privileged hostPID pod was rejected by Pod Security: an attempt, medium.
    let d = find(&ds, 941, "AUD006");
    assert!(d.attempt && d.severity == Severity::Medium, "{d:?}");
    assert!(
        d.message.contains("hostPID=true") && d.message.contains("privileged"),
        "{}",
        d.message
    );
    // The root pod admitted with restricted warnings passes baseline: nothing.
    assert!(codes_at(&ds, 944).is_empty());
    // The secret-reader Role (secrets, pods/exec), its binding to frontend-sa, and
    // alice-admin → cluster-admin.
    assert!(find(&ds, 710, "AUD008").message.contains("pods/exec"));
    let d = find(&ds, 713, "AUD007");
    assert!(
        d.message.contains("read secrets") && d.severity == Severity::High,
        "{}",
        d.message
    );
    let d = find(&ds, 716, "AUD007");
    assert_eq!(d.severity, Severity::Critical);
    assert!(d.message.contains("cluster-admin") && d.message.contains("User alice"));
    // alice read a secret.
    assert!(find(&ds, 945, "AUD003").message.contains("Secret shop/db-creds"));
    // No detection of a controller's or the API server's own request: every detection is
    // of kubernetes-admin, the only person (it impersonated alice, bob and frontend-sa).
    for d in &ds {
        assert_eq!(d.user, "kubernetes-admin", "{d:?}");
    }
    // Impersonation is reported once per pair within the hour: kubernetes-admin acted as
    // alice, bob and frontend-sa.
    let mut pairs: Vec<&str> = ds
        .iter()
        .filter(|d| d.rule.code == "AUD009")
        .map(|d| d.impersonated_user.as_deref().unwrap())
        .collect();
    pairs.sort();
    assert_eq!(pairs, ["alice", "bob", "system:serviceaccount:shop:frontend-sa"]);
    // Everything else found is one of the above or impersonation (AUD009) or
    // kubernetes-admin's own secret lists (1041, 1042).
    let known = [710, 713, 716, 929, 930, 931, 935, 937, 941, 945, 1041, 1042, 1052];
    for d in &ds {
        assert!(
            known.contains(&d.line) || d.rule.code == "AUD009",
            "unexpected {d:?}"
        );
    }
    assert_eq!(ds.iter().filter(|d| d.rule.code != "AUD009").count(), 13);
}

/// Each Falco k8s_audit trace that a covered Falco rule fires on gives the mapped palisade
/// detection; the traces Falco uses to show its rules do not fire give none.
#[test]
fn falco_traces() {
    let dir = corpus("falcosecurity__falco/test/trace_files/k8s_audit");
    let expect: &[(&str, &[&str])] = &[
        ("anonymous_creates_namespace_foo.json", &["AUD004"]),
        ("attach_cluster_admin_role.json", &["AUD007"]),
        ("attach_pod.json", &["AUD001"]),
        ("exec_pod.json", &["AUD001"]),
        ("create_cluster_role_pod_exec.json", &["AUD008"]),
        ("create_cluster_role_wildcard_resources.json", &["AUD008"]),
        ("create_cluster_role_wildcard_verbs.json", &["AUD008"]),
        ("create_cluster_role_write_privileges.json", &["AUD008"]),
        ("create_clusterrole.json", &[]),
        ("create_clusterrolebinding.json", &[]),
        ("create_configmap.json", &[]),
        ("create_configmap_no_sensitive_values.json", &[]),
        ("create_configmap_sensitive_values.json", &["AUD017"; 6]),
        ("create_deployment.json", &[]),
        ("create_nginx_pod_hostnetwork.json", &["AUD006"]),
        ("create_nginx_pod_nohostnetwork.json", &[]),
        ("create_nginx_pod_privileged.json", &["AUD006"]),
        ("create_nginx_pod_privileged_2nd_container.json", &["AUD006"]),
        (
            "create_nginx_pod_no_secctx_1st_container_privileged_2nd_container.json",
            &["AUD006"],
        ),
        ("create_nginx_pod_sensitive_mount.json", &["AUD006"]),
        ("create_nginx_pod_sensitive_mount_2nd_container.json", &["AUD006"]),
        ("create_nginx_pod_unprivileged.json", &[]),
        ("create_nginx_pod_unsensitive_mount.json", &[]),
        ("create_nginx_service_nodeport.json", &["AUD016"]),
        ("create_nginx_service_nonodeport.json", &[]),
        ("create_pod_kube_public_namespace.json", &["AUD018"]),
        ("create_pod_kube_system_namespace.json", &["AUD018"]),
        ("create_serviceaccount.json", &[]),
        ("create_serviceaccount_kube_public_namespace.json", &["AUD018"]),
        ("create_serviceaccount_kube_system_namespace.json", &["AUD018"]),
        ("delete_cluster_role_kube_aggregator.json", &["AUD014", "AUD020"]),
        ("delete_clusterrole.json", &["AUD020"]),
        ("delete_clusterrolebinding.json", &["AUD020"]),
        ("delete_namespace_foo.json", &["AUD015"]),
        (
            "modify_cluster_role_node_problem_detector.json",
            &["AUD008", "AUD014"],
        ),
        ("minikube_creates_namespace_foo.json", &[]),
        ("create_secret.json", &[]),
        ("create_kube_system_secret.json", &[]),
        ("create_service_account_token_secret.json", &[]),
    ];
    for (file, codes) in expect {
        let ds = detect_files(&[dir.join(file)], &Config::default());
        let got: Vec<&str> = ds.iter().map(|d| d.rule.code).collect();
        assert_eq!(
            &got,
            codes,
            "{file}: {:?}",
            ds.iter().map(|d| &d.message).collect::<Vec<_>>()
        );
        for d in &ds {
            assert_eq!(d.line, ds[0].line.max(d.line), "located");
            assert!(d.line >= 1);
        }
    }
}

/// Runs `cfg`'s engine over inline JSON lines (one event each).
fn detect_lines(lines: &[String], cfg: &Config) -> Vec<Detection> {
    let mut engine = Engine::new(cfg);
    let mut out = Vec::new();
    for (i, l) in lines.iter().enumerate() {
        let loc = Loc {
            file: std::sync::Arc::from("inline.log"),
            line: i as u64 + 1,
            item: None,
        };
        crate::decode::decode(l, &mut |_, ev| engine.event(&loc, &ev, &mut out)).unwrap();
    }
    out
}

/// One event: `user` (and `as`), verb, objectRef, code, decision and bodies.
#[derive(Clone)]
struct Ev {
    user: &'static str,
    groups: &'static [&'static str],
    imp: Option<&'static str>,
    verb: &'static str,
    uri: String,
    obj: serde_json::Value,
    code: i32,
    decision: &'static str,
    reason: &'static str,
    body: Option<serde_json::Value>,
    time: String,
    ip: &'static str,
}

fn ev(user: &'static str, verb: &'static str, obj: serde_json::Value) -> Ev {
    Ev {
        user,
        groups: &["system:authenticated"],
        imp: None,
        verb,
        uri: "/api/v1/x".into(),
        obj,
        code: 200,
        decision: "allow",
        reason: "",
        body: None,
        time: "2026-05-01T10:00:00.000000Z".into(),
        ip: "10.0.0.5",
    }
}

impl Ev {
    fn line(&self) -> String {
        let mut v = serde_json::json!({
            "kind": "Event", "apiVersion": "audit.k8s.io/v1", "level": "Request",
            "auditID": format!("id-{}-{}", self.verb, self.time), "stage": "ResponseComplete",
            "requestURI": self.uri, "verb": self.verb,
            "user": {"username": self.user, "groups": self.groups},
            "sourceIPs": ["203.0.113.9", self.ip],
            "objectRef": self.obj,
            "responseStatus": {"code": self.code},
            "stageTimestamp": self.time,
            "annotations": {"authorization.k8s.io/decision": self.decision, "authorization.k8s.io/reason": self.reason},
        });
        if let Some(i) = self.imp {
            v["impersonatedUser"] = serde_json::json!({"username": i});
        }
        if let Some(b) = &self.body {
            v["requestObject"] = b.clone();
        }
        if self.obj.is_null() {
            v.as_object_mut().unwrap().remove("objectRef");
        }
        v.to_string()
    }
}

fn run(evs: &[Ev]) -> Vec<Detection> {
    run_with(evs, &Config::default())
}
fn run_with(evs: &[Ev], cfg: &Config) -> Vec<Detection> {
    detect_lines(&evs.iter().map(Ev::line).collect::<Vec<_>>(), cfg)
}
fn codes(ds: &[Detection]) -> Vec<&'static str> {
    ds.iter().map(|d| d.rule.code).collect()
}
fn cfg(rule: &str, opts: serde_json::Value) -> Config {
    let map: std::collections::BTreeMap<String, serde_json::Map<String, serde_json::Value>> =
        [(rule.to_owned(), opts.as_object().unwrap().clone())]
            .into_iter()
            .collect();
    let (c, others) = Config::from_rules_map(&map).unwrap();
    assert!(others.is_empty());
    c
}
use serde_json::json;

#[test]
fn exec_command_and_portforward() {
    let mut e = ev(
        "alice",
        "create",
        json!({"resource": "pods", "subresource": "exec", "namespace": "a", "name": "p"}),
    );
    e.uri =
        "/api/v1/namespaces/a/pods/p/exec?command=sh&command=-c&command=cat%20%2Fetc%2Fshadow&container=c"
            .into();
    e.code = 101;
    let ds = run(&[e]);
    assert_eq!(codes(&ds), ["AUD001"]);
    assert!(
        ds[0].message.contains("command \"sh -c cat /etc/shadow\""),
        "{}",
        ds[0].message
    );
    assert!(!ds[0].attempt);
    let pf = ev(
        "alice",
        "get",
        json!({"resource": "pods", "subresource": "portforward", "namespace": "a", "name": "p"}),
    );
    assert_eq!(codes(&run(&[pf])), ["AUD001"]);
    // Reading the pod or its logs is not exec.
    let logs = ev(
        "alice",
        "get",
        json!({"resource": "pods", "subresource": "log", "namespace": "a", "name": "p"}),
    );
    assert!(run(&[logs]).is_empty());
}

#[test]
fn secret_reads_people_and_allowlist() {
    let obj = json!({"resource": "secrets", "namespace": "a", "name": "s"});
    assert_eq!(codes(&run(&[ev("alice", "get", obj.clone())])), ["AUD003"]);
    // Nodes and controllers read secrets for their pods.
    assert!(run(&[ev("system:node:n1", "get", obj.clone())]).is_empty());
    assert!(run(&[ev(
        "system:serviceaccount:kube-system:generic-garbage-collector",
        "list",
        obj.clone()
    )])
    .is_empty());
    let sa = "system:serviceaccount:ci:deployer";
    assert_eq!(codes(&run(&[ev(sa, "list", obj.clone())])), ["AUD003"]);
    let c = cfg("audit-secret-read", json!({"allowedServiceAccounts": ["ci:*"]}));
    assert!(run_with(&[ev(sa, "list", obj.clone())], &c).is_empty());
    // A 404 get read nothing; a denied one is an attempt.
    let mut missing = ev("alice", "get", obj.clone());
    missing.code = 404;
    assert!(run(&[missing]).is_empty());
    let mut denied = ev("alice", "get", obj);
    denied.code = 403;
    denied.decision = "forbid";
    let ds = run(&[denied]);
    assert!(ds[0].attempt && ds[0].severity == Severity::Low);
}

#[test]
fn anonymous_allowed_but_not_health() {
    let mut e = ev("system:anonymous", "list", json!({"resource": "pods"}));
    e.groups = &["system:unauthenticated"];
    assert_eq!(codes(&run(&[e])), ["AUD004"]);
    let mut h = ev("system:anonymous", "get", serde_json::Value::Null);
    h.uri = "/healthz".into();
    assert!(run(&[h]).is_empty());
    let mut d = ev("system:anonymous", "list", json!({"resource": "pods"}));
    d.code = 403;
    d.decision = "forbid";
    assert!(run(&[d]).is_empty());
}

#[test]
fn forbidden_burst_threshold_and_window() {
    let burst = |n: usize, step: u32| -> Vec<Ev> {
        (0..n)
            .map(|i| {
                let mut e = ev("mallory", "list", json!({"resource": "secrets"}));
                e.code = 403;
                e.decision = "forbid";
                e.time = format!(
                    "2026-05-01T10:{:02}:{:02}Z",
                    (i as u32 * step) / 60,
                    (i as u32 * step) % 60
                );
                e
            })
            .collect()
    };
    let c = cfg("AUD005", json!({"threshold": 3, "windowSeconds": 30}));
    let only = |ds: Vec<Detection>| {
        ds.into_iter()
            .filter(|d| d.rule.code == "AUD005")
            .collect::<Vec<_>>()
    };
    let ds = only(run_with(&burst(3, 1), &c));
    assert_eq!(ds.len(), 1);
    assert_eq!(ds[0].line, 3);
    // Spread beyond the window: never 3 within 30 s.
    assert!(only(run_with(&burst(6, 20), &c)).is_empty());
    // Reported once per burst, then counted afresh.
    assert_eq!(only(run_with(&burst(7, 1), &c)).len(), 2);
    // Admission rejections (403 with decision allow) are not denials.
    let mut adm = burst(5, 1);
    for e in &mut adm {
        e.decision = "allow";
    }
    assert!(only(run_with(&adm, &c)).is_empty());
}

#[test]
fn binding_judged_by_role_seen_earlier() {
    let role = {
        let mut e = ev(
            "alice",
            "create",
            json!({"resource": "clusterroles", "apiGroup": "rbac.authorization.k8s.io", "name": "r"}),
        );
        e.code = 201;
        e.body = Some(
            json!({"kind": "ClusterRole", "metadata": {"name": "r"}, "rules": [{"apiGroups": [""], "resources": ["pods"], "verbs": ["get"]}]}),
        );
        e
    };
    let binding = |role: &str| {
        let mut e = ev(
            "alice",
            "create",
            json!({"resource": "clusterrolebindings", "apiGroup": "rbac.authorization.k8s.io", "name": "b"}),
        );
        e.code = 201;
        e.body = Some(json!({"kind": "ClusterRoleBinding", "metadata": {"name": "b"},
            "roleRef": {"kind": "ClusterRole", "name": role}, "subjects": [{"kind": "User", "name": "eve"}]}));
        e
    };
    // A harmless role, then a binding to it: nothing.
    assert!(run(&[role, binding("r")]).is_empty());
    // Default roles are known: edit grants secrets and workloads.
    let ds = run(&[binding("edit")]);
    assert_eq!(codes(&ds), ["AUD007"]);
    assert_eq!(ds[0].severity, Severity::High);
    // A role never seen: low.
    assert_eq!(run(&[binding("unknown")])[0].severity, Severity::Low);
    // The API server's bootstrap bindings are not reported.
    let mut boot = binding("cluster-admin");
    boot.user = "system:apiserver";
    assert!(run(&[boot]).is_empty());
}

#[test]
fn tokens_and_csrs() {
    let tok = json!({"resource": "serviceaccounts", "subresource": "token", "namespace": "kube-system", "name": "x"});
    let mut node = ev("system:node:n1", "create", tok.clone());
    node.groups = &["system:nodes", "system:authenticated"];
    assert!(run(&[node]).is_empty());
    assert_eq!(codes(&run(&[ev("alice", "create", tok)])), ["AUD010"]);
    let approval = json!({"resource": "certificatesigningrequests", "subresource": "approval", "apiGroup": "certificates.k8s.io", "name": "c"});
    assert_eq!(
        codes(&run(&[ev("alice", "update", approval.clone())])),
        ["AUD011"]
    );
    assert!(run(&[ev(
        "system:serviceaccount:kube-system:certificate-controller",
        "update",
        approval
    )])
    .is_empty());
    let csr =
        json!({"resource": "certificatesigningrequests", "apiGroup": "certificates.k8s.io", "name": "c"});
    let mut boot = ev("system:bootstrap:abcdef", "create", csr.clone());
    boot.groups = &["system:bootstrappers"];
    assert!(run(&[boot]).is_empty());
    assert_eq!(codes(&run(&[ev("alice", "create", csr)])), ["AUD012"]);
}

#[test]
fn untrusted_source_uses_the_last_ip() {
    let c = cfg("audit-untrusted-source", json!({"trustedCidrs": ["10.0.0.0/8"]}));
    // The first sourceIP (203.0.113.9, from X-Forwarded-For) is ignored.
    assert!(run_with(&[ev("alice", "get", json!({"resource": "pods"}))], &c).is_empty());
    let mut out = ev("alice", "get", json!({"resource": "pods"}));
    out.ip = "198.51.100.7";
    assert_eq!(codes(&run_with(&[out], &c)), ["AUD019"]);
    // Without the option the rule checks nothing.
    let mut out = ev("alice", "get", json!({"resource": "pods"}));
    out.ip = "198.51.100.7";
    assert!(run(&[out]).is_empty());
    assert!(Config::from_rules_map(
        &[(
            "AUD019".to_owned(),
            json!({"trustedCidrs": ["10.0.0.0/40"]})
                .as_object()
                .unwrap()
                .clone()
        )]
        .into_iter()
        .collect::<std::collections::BTreeMap<_, _>>()
    )
    .is_err());
}

#[test]
fn workloads_admission_and_impersonation() {
    let mut dep = ev(
        "alice",
        "create",
        json!({"resource": "deployments", "apiGroup": "apps", "namespace": "a", "name": "d"}),
    );
    dep.code = 201;
    dep.body = Some(
        json!({"kind": "Deployment", "metadata": {"name": "d"}, "spec": {"template": {"spec": {
        "hostNetwork": true, "volumes": [{"name": "root", "hostPath": {"path": "/"}}],
        "containers": [{"name": "c", "image": "x"}]}}}}),
    );
    let ds = run(&[dep]);
    assert_eq!(codes(&ds), ["AUD006"]);
    assert!(
        ds[0].message.contains("hostNetwork=true") && ds[0].message.contains("hostPath"),
        "{}",
        ds[0].message
    );
    let mut wh = ev(
        "alice",
        "delete",
        json!({"resource": "validatingwebhookconfigurations", "apiGroup": "admissionregistration.k8s.io", "name": "kyverno"}),
    );
    wh.code = 200;
    assert_eq!(codes(&run(&[wh])), ["AUD013"]);
    let mut imp = ev("alice", "list", json!({"resource": "pods"}));
    imp.imp = Some("system:serviceaccount:kube-system:default");
    assert_eq!(codes(&run(&[imp])), ["AUD009"]);
}

/// Impersonation: once per pair of identities per window.
#[test]
fn impersonation_once_per_pair_per_window() {
    let at = |imp: &'static str, time: &str| {
        let mut e = ev(
            "admin",
            "get",
            json!({"resource": "pods", "namespace": "a", "name": "p"}),
        );
        e.imp = Some(imp);
        e.time = time.into();
        e
    };
    let evs = [
        at("alice", "2026-05-01T10:00:00.000000Z"),
        at("alice", "2026-05-01T10:20:00.000000Z"),
        at("bob", "2026-05-01T10:30:00.000000Z"),
        at("alice", "2026-05-01T11:00:00.000000Z"),
        at("alice", "2026-05-01T11:10:00.000000Z"),
    ];
    let lines = |ds: &[Detection]| ds.iter().map(|d| d.line).collect::<Vec<_>>();
    assert_eq!(lines(&run(&evs)), [1, 3, 4]);
    let short = cfg("AUD009", json!({"windowSeconds": 600}));
    assert_eq!(lines(&run_with(&evs, &short)), [1, 2, 3, 4, 5]);
}

/// Garbage request bodies (wrong types everywhere, deep nesting, huge numbers) never panic.
#[test]
fn hostile_request_objects_do_not_panic() {
    let bodies = [
        json!(null),
        json!(1),
        json!("x"),
        json!([1, 2]),
        json!({"spec": 1}),
        json!({"spec": {"containers": "x", "volumes": {"a": 1}, "hostPID": "yes"}}),
        json!({"spec": {"template": {"spec": {"containers": [1, null, {"securityContext": []}]}}}}),
        json!({"rules": "x", "roleRef": 5, "subjects": {"a": 1}}),
        json!({"rules": [1, {"verbs": "x"}, {"verbs": [1, "*"], "resources": [null]}]}),
        json!({"data": {"k": 1, "p": "password = \u{0}\u{ffff}", "q": "=:=:"}, "spec": {"type": 3, "ports": "x"}}),
        json!({"metadata": {"name": 1, "generateName": []}, "status": {"conditions": "x"}}),
    ];
    let resources = [
        ("pods", ""),
        ("deployments", "apps"),
        ("cronjobs", "batch"),
        ("clusterroles", "rbac.authorization.k8s.io"),
        ("rolebindings", "rbac.authorization.k8s.io"),
        ("clusterrolebindings", "rbac.authorization.k8s.io"),
        ("configmaps", ""),
        ("services", ""),
        ("certificatesigningrequests", "certificates.k8s.io"),
    ];
    let mut deep = String::new();
    for _ in 0..50 {
        deep.push_str("{\"a\":[");
    }
    deep.push('1');
    for _ in 0..50 {
        deep.push_str("]}");
    }
    let mut lines = Vec::new();
    for (r, g) in resources {
        for b in bodies
            .iter()
            .cloned()
            .chain([serde_json::from_str(&deep).unwrap()])
        {
            for verb in ["create", "update", "patch"] {
                let mut e = ev(
                    "alice",
                    verb,
                    json!({"resource": r, "apiGroup": g, "namespace": "kube-system", "name": "n"}),
                );
                e.body = Some(b.clone());
                lines.push(e.line());
            }
        }
    }
    // Bodies are only parsed when a rule needs them: nothing panics, whatever the shape.
    let _ = detect_lines(&lines, &Config::default());
}

/// The allowlist rules (Falco's Disallowed K8s User, Create Disallowed Pod, Create Disallowed
/// Namespace, Full K8s Administrative Access, Untrusted Node) check nothing until their list is
/// set, then fire outside it; an Ingress without TLS fires.
#[test]
fn allowlist_rules_and_ingress_tls() {
    // AUD021: once per user per window, only with allowedUsers.
    let mut a = ev(
        "mallory",
        "get",
        json!({"resource": "pods", "namespace": "a", "name": "p"}),
    );
    a.time = "2026-05-01T10:00:00.000000Z".into();
    let mut b = ev("mallory", "list", json!({"resource": "pods", "namespace": "a"}));
    b.time = "2026-05-01T10:05:00.000000Z".into();
    let c = ev(
        "alice",
        "get",
        json!({"resource": "pods", "namespace": "a", "name": "p"}),
    );
    assert!(codes(&run(&[a.clone(), b.clone(), c.clone()]))
        .iter()
        .all(|c| *c != "AUD021"));
    let users = cfg("AUD021", json!({"allowedUsers": ["alice", "system:*"]}));
    let ds: Vec<Detection> = run_with(&[a, b, c], &users)
        .into_iter()
        .filter(|d| d.rule.code == "AUD021")
        .collect();
    assert_eq!(ds.len(), 1);
    assert!(ds[0].message.contains("mallory"), "{}", ds[0].message);

    // AUD022: images outside allowedImages.
    let mut pod = ev(
        "alice",
        "create",
        json!({"resource": "pods", "namespace": "a", "name": "p"}),
    );
    pod.code = 201;
    pod.body = Some(
        json!({"kind": "Pod", "metadata": {"name": "p"}, "spec": {"containers": [
        {"name": "ok", "image": "registry.example.com/app:1"}, {"name": "bad", "image": "evil.io/miner"}]}}),
    );
    assert!(!codes(&run(&[pod.clone()])).contains(&"AUD022"));
    let images = cfg("AUD022", json!({"allowedImages": ["registry.example.com/*"]}));
    let ds = run_with(&[pod], &images);
    let d = ds.iter().find(|d| d.rule.code == "AUD022").expect("AUD022");
    assert!(
        d.message.contains("evil.io/miner") && !d.message.contains("registry.example.com/app"),
        "{}",
        d.message
    );

    // AUD023: namespaces outside allowedNamespaces.
    let ns = |name: &'static str| {
        let mut e = ev("alice", "create", json!({"resource": "namespaces", "name": name}));
        e.code = 201;
        e.body = Some(json!({"kind": "Namespace", "metadata": {"name": name}}));
        e
    };
    let nss = cfg("AUD023", json!({"allowedNamespaces": ["team-*"]}));
    assert_eq!(codes(&run_with(&[ns("team-a")], &nss)), Vec::<&str>::new());
    assert_eq!(codes(&run_with(&[ns("hidden")], &nss)), ["AUD023"]);
    assert!(codes(&run(&[ns("hidden")])).is_empty());

    // AUD024: cluster-admin by someone outside allowedAdmins.
    let mut adm = ev(
        "carol",
        "delete",
        json!({"resource": "pods", "namespace": "a", "name": "p"}),
    );
    adm.reason =
        "RBAC: allowed by ClusterRoleBinding \"x\" of ClusterRole \"cluster-admin\" to User \"carol\"";
    let admins = cfg("AUD024", json!({"allowedAdmins": ["kubernetes-admin"]}));
    assert!(codes(&run_with(&[adm.clone()], &admins)).contains(&"AUD024"));
    let ok = cfg("AUD024", json!({"allowedAdmins": ["carol"]}));
    assert!(!codes(&run_with(&[adm], &ok)).contains(&"AUD024"));

    // AUD025: nodes outside allowedNodes; a refused registration is an attempt.
    let node = |name: &'static str, code: i32| {
        let mut e = ev(
            match name {
                "worker-1" => "system:node:worker-1",
                _ => "system:node:rogue",
            },
            "create",
            json!({"resource": "nodes", "name": name}),
        );
        e.code = code;
        e.body = Some(json!({"kind": "Node", "metadata": {"name": name}}));
        e
    };
    let nodes = cfg("AUD025", json!({"allowedNodes": ["worker-*"]}));
    assert!(!codes(&run_with(&[node("worker-1", 201)], &nodes)).contains(&"AUD025"));
    let ds = run_with(&[node("rogue", 201), node("rogue", 403)], &nodes);
    let ds: Vec<&Detection> = ds.iter().filter(|d| d.rule.code == "AUD025").collect();
    assert_eq!(ds.len(), 2);
    assert!(!ds[0].attempt && ds[1].attempt);

    // AUD026: Ingress without TLS, with TLS.
    let ing = |tls: bool| {
        let mut e = ev(
            "alice",
            "create",
            json!({"resource": "ingresses", "apiGroup": "networking.k8s.io", "namespace": "a", "name": "web"}),
        );
        e.code = 201;
        let mut spec = json!({"rules": [{"host": "shop.example.com"}]});
        if tls {
            spec["tls"] = json!([{"hosts": ["shop.example.com"], "secretName": "t"}]);
        }
        e.body = Some(json!({"kind": "Ingress", "metadata": {"name": "web"}, "spec": spec}));
        e
    };
    assert_eq!(codes(&run(&[ing(false)])), ["AUD026"]);
    assert!(codes(&run(&[ing(true)])).is_empty());
}
