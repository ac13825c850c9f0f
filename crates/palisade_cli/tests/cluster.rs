//! `palisade scan|rbac|netpol|psa --cluster` against an in-process mock API server that
//! serves the recorded responses of a real v1.36 API server (kept with the tests in
//! `tests/data/apiserver-v1.36-recorded`, copied from ../shared/data): paged lists, 403s,
//! 429s, a timeout and malformed JSON. No real cluster and nothing outside the crate needed.
#![cfg(feature = "cluster")]

mod common;

use common::mock::{serve, Answer};
use common::{json_out, kubeconfig, palisade, recorded, root};
use std::collections::HashMap;
use std::net::TcpListener;
use std::process::Command;

fn recorded_routes() -> HashMap<&'static str, Answer> {
    let mut r = HashMap::new();
    for (p, f) in [
        ("/api/v1/namespaces", "namespaces.json"),
        ("/apis/apps/v1/deployments", "deployments-all.json"),
        ("/apis/apps/v1/replicasets", "replicasets-all.json"),
        ("/apis/apps/v1/statefulsets", "statefulsets-all.json"),
        ("/apis/apps/v1/daemonsets", "daemonsets-all.json"),
        ("/apis/batch/v1/jobs", "jobs-all.json"),
        ("/apis/batch/v1/cronjobs", "cronjobs-all.json"),
        ("/api/v1/serviceaccounts", "serviceaccounts-all.json"),
        ("/api/v1/services", "services-all.json"),
        (
            "/apis/networking.k8s.io/v1/networkpolicies",
            "networkpolicies-all.json",
        ),
        ("/apis/networking.k8s.io/v1/ingresses", "ingresses-all.json"),
        ("/apis/rbac.authorization.k8s.io/v1/roles", "roles-all.json"),
        (
            "/apis/rbac.authorization.k8s.io/v1/rolebindings",
            "rolebindings-all.json",
        ),
        (
            "/apis/rbac.authorization.k8s.io/v1/clusterrolebindings",
            "clusterrolebindings-all.json",
        ),
        (
            "/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations",
            "validatingwebhookconfigurations.json",
        ),
        (
            "/apis/apiextensions.k8s.io/v1/customresourcedefinitions",
            "crds.json",
        ),
    ] {
        r.insert(p, Answer::File(200, f));
    }
    r.insert(
        "/api/v1/secrets",
        Answer::File(403, "forbidden-secrets-as-bob.json"),
    );
    r.insert(
        "/api/v1/pods",
        Answer::Pages(
            vec![
                Answer::File(200, "pods-all.json"),
                Answer::File(200, "pods-all-page2.json"),
            ],
            false,
        ),
    );
    r.insert(
        "/apis/rbac.authorization.k8s.io/v1/clusterroles",
        cluster_roles(false),
    );
    r
}

/// The recorded first page of ClusterRoles (20), then the rest of a v1.36 server's default
/// ClusterRoles as the second page.
fn cluster_roles(expire: bool) -> Answer {
    let dir = recorded();
    let page1: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("clusterroles-page1.json")).unwrap()).unwrap();
    let names: Vec<&str> = page1["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["metadata"]["name"].as_str().unwrap())
        .collect();
    let defaults: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(dir.join("../kubernetes-v1.36-default-rbac.json")).unwrap(),
    )
    .unwrap();
    let rest: Vec<serde_json::Value> = defaults["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["kind"] == "ClusterRole" && !names.contains(&i["metadata"]["name"].as_str().unwrap()))
        .cloned()
        .collect();
    assert!(rest.len() > 30, "{}", rest.len());
    let page2 = serde_json::json!({"kind": "ClusterRoleList", "apiVersion": "rbac.authorization.k8s.io/v1", "metadata": {"resourceVersion": "460"}, "items": rest});
    Answer::Pages(
        vec![
            Answer::File(200, "clusterroles-page1.json"),
            Answer::Body(200, page2.to_string()),
        ],
        expire,
    )
}

#[test]
fn scan_cluster_reads_pages_skips_forbidden_and_owned() {
    let mock = serve(recorded_routes());
    let kc = kubeconfig(mock.port, "scan");
    let out = palisade(&[
        "scan",
        "--cluster",
        "--kubeconfig",
        kc.to_str().unwrap(),
        "-A",
        "-o",
        "json",
    ]);
    let v = json_out(&out);
    assert_eq!(
        out.status.code(),
        Some(1),
        "findings: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    // Findings name objects, with no file location.
    let f = v["findings"].as_array().unwrap();
    assert!(f
        .iter()
        .any(|f| f["object"]["kind"] == "Deployment" && f["object"]["namespace"] == "shop"));
    assert!(f
        .iter()
        .all(|f| f.get("location").is_none_or(serde_json::Value::is_null)));
    // … and carry the object's uid.
    let no_uid: Vec<String> = f
        .iter()
        .filter(|f| f["object"]["uid"].as_str().is_none_or(|u| u.len() != 36))
        .map(|f| format!("{} {}", f["code"], f["object"]))
        .collect();
    assert!(no_uid.is_empty(), "{no_uid:?}");
    // The cluster's own ClusterRoles were read (both pages), so the compiled-in defaults are
    // not added: no finding points at a built-in default object.
    assert!(
        v["target"]
            .as_str()
            .unwrap()
            .starts_with("cluster mock (http://127.0.0.1:"),
        "{}",
        v["target"]
    );
    // Pods owned by ReplicaSets owned by Deployments are reported through the Deployment.
    assert!(!f.iter().any(|f| f["object"]["kind"] == "ReplicaSet"));
    let errors = v["errors"].to_string();
    assert!(errors.contains("cannot list secrets"), "{errors}");
    assert!(errors.contains("owned by a controller"), "{errors}");
    // RBAC from the cluster: alice is bound to cluster-admin.
    assert!(f.iter().any(|f| f["code"] == "RBAC001"), "RBAC001");
    // Paged: the second page of pods was asked for with the continue token.
    let hits = mock.hits.lock().unwrap().clone();
    assert!(
        hits.iter()
            .any(|h| h.starts_with("/api/v1/pods?") && h.contains("limit=500&continue=")),
        "{hits:?}"
    );
    // The human output names the cluster and context.
    let out = palisade(&[
        "scan",
        "--cluster",
        "--kubeconfig",
        kc.to_str().unwrap(),
        "-A",
        "--color",
        "never",
    ]);
    let t = String::from_utf8_lossy(&out.stdout);
    assert!(t.contains("Deployment shop/"), "{t}");
    assert!(t.starts_with("Scanned cluster mock (http://127.0.0.1:"), "{t}");
    assert!(t.contains("— all namespaces"), "{t}");
    assert!(t.contains("Deployment shop/frontend  uid "), "{t}");
}

#[test]
fn namespace_defaults_to_the_context_namespace() {
    let mut routes = recorded_routes();
    routes.insert(
        "/apis/apps/v1/namespaces/shop/deployments",
        Answer::File(200, "deployments-all.json"),
    );
    routes.insert(
        "/api/v1/namespaces/shop/pods",
        Answer::File(200, "pods-shop.json"),
    );
    let mock = serve(routes);
    let kc = kubeconfig(mock.port, "ns");
    let out = palisade(&[
        "scan",
        "--cluster",
        "--kubeconfig",
        kc.to_str().unwrap(),
        "-o",
        "json",
    ]);
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let hits = mock.hits.lock().unwrap().clone();
    assert!(
        hits.iter()
            .any(|h| h.starts_with("/apis/apps/v1/namespaces/shop/deployments?")),
        "{hits:?}"
    );
    assert!(
        !hits.iter().any(|h| h.starts_with("/apis/apps/v1/deployments?")),
        "{hits:?}"
    );
}

#[test]
fn retries_throttling_and_survives_timeouts_and_bad_json() {
    let mut routes = recorded_routes();
    routes.insert(
        "/apis/apps/v1/deployments",
        Answer::Throttle(2, Box::new(Answer::File(200, "deployments-all.json"))),
    );
    routes.insert(
        "/api/v1/services",
        Answer::Body(200, "{\"kind\": \"ServiceList\", \"items\": [".into()),
    );
    routes.insert(
        "/apis/networking.k8s.io/v1/networkpolicies",
        Answer::Sleep(4, Box::new(Answer::File(200, "networkpolicies-all.json"))),
    );
    let mock = serve(routes);
    let kc = kubeconfig(mock.port, "faults");
    let out = palisade(&[
        "scan",
        "--cluster",
        "--kubeconfig",
        kc.to_str().unwrap(),
        "-A",
        "--request-timeout",
        "1",
        "-o",
        "json",
    ]);
    let v = json_out(&out);
    let f = v["findings"].as_array().unwrap();
    assert!(
        f.iter().any(|f| f["object"]["kind"] == "Deployment"),
        "deployments read after 429s"
    );
    let errors = v["errors"].to_string();
    assert!(errors.contains("malformed response"), "{errors}");
    assert!(errors.contains("networkpolicies"), "timeout reported: {errors}");
    let hits = mock.hits.lock().unwrap().clone();
    assert!(
        hits.iter()
            .filter(|h| h.starts_with("/apis/apps/v1/deployments?"))
            .count()
            >= 3
    );
}

#[test]
fn diagnostics_go_to_stderr_through_tracing_with_v_q_and_rust_log() {
    // Runs a scan of a mock whose deployments are throttled twice; stderr.
    let run = |pre: &[&str], rust_log: Option<&str>| {
        let mut routes = recorded_routes();
        routes.insert(
            "/apis/apps/v1/deployments",
            Answer::Throttle(2, Box::new(Answer::File(200, "deployments-all.json"))),
        );
        let mock = serve(routes);
        let kc = kubeconfig(mock.port, "tracing");
        let mut args: Vec<&str> = pre.to_vec();
        args.extend([
            "scan",
            "--cluster",
            "--kubeconfig",
            kc.to_str().unwrap(),
            "-A",
            "-o",
            "json",
        ]);
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_palisade"));
        cmd.args(&args).current_dir(root()).env_remove("KUBECONFIG");
        match rust_log {
            Some(v) => cmd.env("RUST_LOG", v),
            None => cmd.env_remove("RUST_LOG"),
        };
        let out = cmd.output().unwrap();
        assert_eq!(
            out.status.code(),
            Some(1),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stderr).into_owned()
    };
    // By default (and with -q) nothing: the problems are in the report; no progress bar
    // either, stderr not being a terminal.
    assert_eq!(run(&[], None), "");
    assert_eq!(run(&["-q"], None), "");
    // -v: retries and a summary of the read.
    let v = run(&["-v"], None);
    assert!(v.contains("retrying") && v.contains("429"), "{v}");
    assert!(v.contains("cluster read") && !v.contains("GET"), "{v}");
    // -vv: every request.
    let vv = run(&["-vv"], None);
    assert!(
        vv.contains("GET") && vv.contains("/apis/apps/v1/deployments?limit=500"),
        "{vv}"
    );
    // RUST_LOG overrides the flags.
    let r = run(&["-v"], Some("palisade_cluster::read=debug"));
    assert!(r.contains("GET") && !r.contains("retrying"), "{r}");
    // `scan -v` keeps meaning verbose human output, and logs nothing.
    let out = palisade(&["scan", "-v", "--color", "never", "examples/guestbook"]);
    assert_eq!(String::from_utf8_lossy(&out.stderr), "");
}

#[test]
fn nothing_readable_exits_2() {
    let mut routes = HashMap::new();
    for p in [
        "/api/v1/namespaces",
        "/api/v1/pods",
        "/apis/apps/v1/deployments",
        "/apis/rbac.authorization.k8s.io/v1/clusterroles",
    ] {
        routes.insert(p, Answer::File(403, "forbidden-clusterroles-as-sa.json"));
    }
    let mock = serve(routes);
    let kc = kubeconfig(mock.port, "denied");
    let out = palisade(&["scan", "--cluster", "--kubeconfig", kc.to_str().unwrap(), "-A"]);
    assert_eq!(
        out.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    // An API server that does not answer is one clear error, not a timeout per resource.
    let closed = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    let kc = kubeconfig(port, "closed");
    let started = std::time::Instant::now();
    let out = palisade(&["scan", "--cluster", "--kubeconfig", kc.to_str().unwrap(), "-A"]);
    assert_eq!(out.status.code(), Some(2));
    let all = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(all.contains("cannot reach the API server"), "{all}");
    assert!(
        started.elapsed() < std::time::Duration::from_secs(20),
        "{:?}",
        started.elapsed()
    );
    // No cluster configuration at all is a clear error.
    let out = palisade(&["scan", "--cluster", "--kubeconfig", "/nonexistent/kubeconfig"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("/nonexistent/kubeconfig"));
}

#[test]
fn secrets_are_read_as_metadata_only_without_last_applied_data() {
    let mut routes = recorded_routes();
    routes.insert(
        "/api/v1/secrets#type!=kubernetes.io/service-account-token",
        Answer::File(200, "secrets-shop-partial.json"),
    );
    // A legacy token Secret, as the metadata-only list for its type returns it.
    routes.insert(
        "/api/v1/secrets#type=kubernetes.io/service-account-token",
        Answer::Body(200, r#"{"kind":"PartialObjectMetadataList","apiVersion":"meta.k8s.io/v1","metadata":{"resourceVersion":"461"},"items":[{"kind":"PartialObjectMetadata","apiVersion":"meta.k8s.io/v1","metadata":{"name":"ci-token","namespace":"shop","uid":"0b7c9d1e-2f3a-4b5c-8d6e-7f8091a2b3c4","annotations":{"kubernetes.io/service-account.name":"ci"}}}]}"#.into()),
    );
    let mock = serve(routes);
    let kc = kubeconfig(mock.port, "secrets");
    let out = palisade(&[
        "scan",
        "--cluster",
        "--kubeconfig",
        kc.to_str().unwrap(),
        "-A",
        "-o",
        "json",
    ]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let hits = mock.hits.lock().unwrap().clone();
    assert!(
        hits.iter()
            .any(|h| h.starts_with("/api/v1/secrets?") && h.ends_with("[metadata-only]")),
        "{hits:?}"
    );
    assert!(
        hits.iter()
            .any(|h| h.contains("fieldSelector=type%3Dkubernetes.io%2Fservice-account-token")),
        "{hits:?}"
    );
    // The token Secret is known by its type although only metadata was read.
    let v = json_out(&out);
    let f = v["findings"].as_array().unwrap();
    assert!(
        f.iter().any(|f| f["code"] == "HRD043"
            && f["object"]["name"] == "ci-token"
            && f["object"]["uid"] == "0b7c9d1e-2f3a-4b5c-8d6e-7f8091a2b3c4"),
        "HRD043"
    );
    // Secrets in a cluster hold data by design: the manifest rule about committed values
    // does not fire on metadata.
    assert!(!f.iter().any(|f| f["code"] == "HRD048"), "HRD048");
    // The recorded Secret's last-applied annotation holds its password: it must not appear.
    let all = String::from_utf8_lossy(&out.stdout);
    assert!(!all.contains("not-a-real-password"), "secret data leaked");
}

#[test]
fn expired_continue_token_lists_again_without_duplicates() {
    let mut routes = recorded_routes();
    routes.insert(
        "/apis/rbac.authorization.k8s.io/v1/clusterroles",
        cluster_roles(true),
    );
    let mock = serve(routes);
    let kc = kubeconfig(mock.port, "expired");
    let out = palisade(&[
        "scan",
        "--cluster",
        "--kubeconfig",
        kc.to_str().unwrap(),
        "-A",
        "-o",
        "json",
    ]);
    let v = json_out(&out);
    let errors = v["errors"].to_string();
    assert!(errors.contains("410 Expired"), "{errors}");
    let hits = mock.hits.lock().unwrap().clone();
    let cr: Vec<&String> = hits
        .iter()
        .filter(|h| h.starts_with("/apis/rbac.authorization.k8s.io/v1/clusterroles?"))
        .collect();
    // first page, expired continue, first page again, second page
    assert_eq!(cr.len(), 4, "{cr:?}");
    // No duplicate-object warnings: what was already handed over is skipped.
    assert!(!errors.contains("duplicate"), "{errors}");
}

#[test]
fn rbac_and_netpol_read_the_cluster() {
    let mock = serve(recorded_routes());
    let kc = kubeconfig(mock.port, "rbac");
    // Runs palisade on the mock cluster: exit code and stdout (stderr appended).
    let run = |args: &str| {
        let mut v: Vec<&str> = args.split_whitespace().collect();
        v.extend(["--cluster", "--kubeconfig", kc.to_str().unwrap()]);
        let out = palisade(&v);
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        (out.status.code(), text)
    };
    // The recorded Role lets shop/frontend-sa read secrets and exec into pods.
    let (code, t) = run("rbac can-i get secrets -n shop --as system:serviceaccount:shop:frontend-sa");
    assert_eq!(code, Some(0), "{t}");
    assert!(t.contains("secret-reader"), "{t}");
    let (code, t) = run("rbac can-i delete secrets -n shop --as system:serviceaccount:shop:frontend-sa");
    assert_eq!(code, Some(1), "{t}");
    // alice is bound to the cluster's own cluster-admin (read from the second page).
    let (code, t) = run("rbac who-can delete nodes -o json");
    assert_eq!(code, Some(0), "{t}");
    assert!(t.contains("alice"), "{t}");
    // netpol: shop has a default-deny and one allow rule (frontend → cartservice).
    let (code, t) = run("netpol check --from shop/frontend --to shop/cartservice --port 7070");
    assert_eq!(code, Some(0), "{t}");
    assert!(t.contains("allow-frontend-to-cart"), "{t}");
    let (code, t) = run("netpol check --from shop/frontend --to shop/redis-cart --port 6379");
    assert_eq!(code, Some(1), "{t}");
    let (code, t) = run("netpol matrix -n shop -o json");
    assert_eq!(code, Some(0), "{t}");
    // The RBAC rules as findings, from the cluster.
    let (code, t) = run("rbac risks -A -o json");
    assert_eq!(code, Some(1), "{t}");
    assert!(t.contains("\"RBAC001\"") && !t.contains("\"PSS"), "{t}");
}

#[test]
fn psa_audit_of_the_cluster_answers_like_a_server_dry_run() {
    let mut routes = recorded_routes();
    routes.insert(
        "/api/v1/namespaces/shop",
        Answer::Body(200, {
            let v: serde_json::Value =
                serde_json::from_str(&std::fs::read_to_string(recorded().join("namespaces.json")).unwrap())
                    .unwrap();
            v["items"]
                .as_array()
                .unwrap()
                .iter()
                .find(|n| n["metadata"]["name"] == "shop")
                .unwrap()
                .to_string()
        }),
    );
    routes.insert(
        "/api/v1/namespaces/shop/pods",
        Answer::File(200, "pods-shop.json"),
    );
    let mock = serve(routes);
    let kc = kubeconfig(mock.port, "psa");
    let k = kc.to_str().unwrap();
    // shop: enforce baseline, warn restricted (recorded labels); its pods run as the
    // microservices-demo ships them. Raising enforce to restricted would reject some.
    let out = palisade(&["psa", "--cluster", "--kubeconfig", k, "-o", "json"]);
    let v = json_out(&out);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let ns = v["namespaces"].as_array().unwrap();
    assert_eq!(ns.len(), 1, "the context namespace only");
    let shop = &ns[0];
    assert_eq!(shop["name"], "shop");
    assert_eq!(shop["enforce"]["level"], "baseline");
    assert_eq!(shop["warn"]["level"], "restricted");
    // Every pod of the namespace is read (owned pods included, not one per controller).
    let recorded_pods: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(recorded().join("pods-shop.json")).unwrap()).unwrap();
    let pod_names: Vec<&str> = recorded_pods["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["metadata"]["name"].as_str().unwrap())
        .collect();
    assert_eq!(shop["pods"], pod_names.len());
    let change = &shop["changes"][0];
    assert_eq!(
        change["command"],
        "kubectl label --dry-run=server --overwrite ns shop pod-security.kubernetes.io/enforce=restricted"
    );
    assert_eq!(change["checkedAgainst"], "restricted:latest");
    let warnings: Vec<&str> = change["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w.as_str().unwrap())
        .collect();
    assert_eq!(
        warnings[0],
        r#"existing pods in namespace "shop" violate the new PodSecurity enforce level "restricted:latest""#
    );
    let rejected = change["rejected"].as_array().unwrap();
    assert!(!rejected.is_empty());
    for r in rejected {
        assert!(pod_names.contains(&r["pod"].as_str().unwrap()), "{r}");
    }
    // The warning lines name pods and reasons in the server's format, sorted.
    for w in &warnings[1..] {
        let (who, reasons) = w.split_once(": ").unwrap();
        assert!(pod_names.contains(&who.split(" (and ").next().unwrap()), "{w}");
        assert!(!reasons.contains('('), "reasons only, no details: {w}");
    }
    let mut sorted = warnings[1..].to_vec();
    sorted.sort();
    assert_eq!(sorted, warnings[1..]);
    // Pods that pass warn=restricted now are exactly those not rejected by the raise.
    assert_eq!(
        shop["violatingNow"]["warn"].as_array().unwrap().len(),
        rejected.len()
    );
    let hits = mock.hits.lock().unwrap().clone();
    assert!(
        hits.iter().all(|h| !h.starts_with("/apis/apps")),
        "only namespaces and pods are read: {hits:?}"
    );
    // Human output.
    let out = palisade(&["psa", "--cluster", "--kubeconfig", k]);
    let t = String::from_utf8_lossy(&out.stdout);
    assert!(
        t.contains("Warning: adservice-748f6f68d4-9gnfs (and 11 other pods): seccompProfile"),
        "{t}"
    );
    assert!(
        t.contains("13 of 13 pod(s) in shop would be rejected by restricted:latest"),
        "{t}"
    );
    let out = palisade(&["psa", "--cluster", "--kubeconfig", k, "--level", "baseline"]);
    let t = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0));
    assert!(t.contains("namespace shop: enforce baseline:latest"), "{t}");
    assert!(t.contains("the enforce level and version are unchanged"), "{t}");
}

#[test]
fn netpol_ipblocks_match_the_ips_of_a_controllers_pods() {
    let dir = recorded();
    let mut page2: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("pods-all-page2.json")).unwrap()).unwrap();
    for p in page2["items"].as_array_mut().unwrap() {
        if p["metadata"]["name"].as_str().unwrap().starts_with("frontend-") {
            p["status"]["podIP"] = "10.244.0.17".into();
            p["status"]["podIPs"] = serde_json::json!([{"ip": "10.244.0.17"}]);
        }
    }
    let mut policies: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("networkpolicies-all.json")).unwrap())
            .unwrap();
    policies["items"].as_array_mut().unwrap().push(serde_json::json!({
        "metadata": {"name": "redis-from-frontend-ip", "namespace": "shop", "uid": "5d1b7a52-7c43-4a0e-9a55-3f0c2b8e9d10"},
        "spec": {"podSelector": {"matchLabels": {"app": "redis-cart"}}, "policyTypes": ["Ingress"],
                 "ingress": [{"from": [{"ipBlock": {"cidr": "10.244.0.17/32"}}], "ports": [{"port": 6379}]}]}
    }));
    let mut routes = recorded_routes();
    routes.insert(
        "/api/v1/pods",
        Answer::Pages(
            vec![
                Answer::File(200, "pods-all.json"),
                Answer::Body(200, page2.to_string()),
            ],
            false,
        ),
    );
    routes.insert(
        "/apis/networking.k8s.io/v1/networkpolicies",
        Answer::Body(200, policies.to_string()),
    );
    let mock = serve(routes);
    let kc = kubeconfig(mock.port, "ipblock");
    let k = kc.to_str().unwrap();
    let check = |extra: &[&str]| {
        let mut args = vec![
            "netpol",
            "check",
            "--from",
            "shop/frontend",
            "--to",
            "shop/redis-cart",
            "--port",
            "6379",
            "--cluster",
            "--kubeconfig",
            k,
        ];
        args.extend_from_slice(extra);
        palisade(&args)
    };
    // By default ipBlocks match no pod: the Deployment's traffic is not allowed.
    let out = check(&[]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    // With pod-IP matching, the IP of the Deployment's pod (read through its ReplicaSet) counts.
    let out = check(&["--ipblock-matches-pods", "--pod-cidr", "10.244.0.0/16"]);
    let t = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{t}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(t.contains("redis-from-frontend-ip"), "{t}");
}

/// The guestbook example as a cluster would serve it (uids added; Secrets as metadata), plus
/// the cluster's own default RBAC objects.
fn guestbook_routes() -> HashMap<&'static str, Answer> {
    let (inputs, _) =
        palisade_source::discover(&[root().join("examples/guestbook").to_string_lossy().into_owned()]);
    let mut lists: HashMap<String, Vec<serde_json::Value>> = HashMap::new();
    let types = palisade_cluster::builtin_types();
    let mut n = 0;
    let mut add = |mut v: serde_json::Value| {
        let kind = v["kind"].as_str().unwrap().to_owned();
        let Some(t) = types
            .iter()
            .find(|t| t.kind == kind && t.field_selector.is_none_or(|(s, _)| s.starts_with("type!=")))
        else {
            return;
        };
        n += 1;
        v["metadata"]["uid"] = format!("00000000-0000-4000-8000-{n:012}").into();
        if t.metadata_only {
            v = serde_json::json!({"kind": "PartialObjectMetadata", "apiVersion": "meta.k8s.io/v1", "metadata": v["metadata"]});
        }
        lists.entry(t.path(None)).or_default().push(v);
    };
    for i in &inputs {
        for o in palisade_source::load_input(i).objects {
            add(o.root.to_json());
        }
    }
    let defaults: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(recorded().join("../kubernetes-v1.36-default-rbac.json")).unwrap(),
    )
    .unwrap();
    for d in defaults["items"].as_array().unwrap() {
        add(d.clone());
    }
    let mut routes = HashMap::new();
    for (path, items) in lists {
        let body = serde_json::json!({"kind": "List", "apiVersion": "v1", "metadata": {"resourceVersion": "1"}, "items": items});
        routes.insert(
            &*Box::leak(path.into_boxed_str()),
            Answer::Body(200, body.to_string()),
        );
    }
    routes.insert(
        "/api/v1/secrets#type=kubernetes.io/service-account-token",
        Answer::Body(
            200,
            r#"{"kind":"PartialObjectMetadataList","apiVersion":"meta.k8s.io/v1","metadata":{},"items":[]}"#
                .into(),
        ),
    );
    routes
}

#[test]
fn cluster_scan_of_the_guestbook_finds_what_the_file_scan_finds() {
    let mock = serve(guestbook_routes());
    let kc = kubeconfig(mock.port, "guestbook");
    let cluster = palisade(&[
        "scan",
        "--cluster",
        "--kubeconfig",
        kc.to_str().unwrap(),
        "-A",
        "-o",
        "json",
    ]);
    let file = palisade(&["scan", "examples/guestbook", "-o", "json"]);
    let (c, f) = (json_out(&cluster), json_out(&file));
    assert_eq!(
        cluster.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&cluster.stderr)
    );
    // Rule, object, container, field: the same, except the rules about Secret data, which a
    // cluster scan never reads.
    let key = |v: &serde_json::Value| -> std::collections::BTreeSet<String> {
        v["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|x| !["HRD047", "HRD048"].contains(&x["code"].as_str().unwrap()))
            .filter(|x| x["object"]["kind"] != "Exception")
            .map(|x| {
                format!(
                    "{} {} {} {} {}",
                    x["code"], x["object"]["kind"], x["object"]["namespace"], x["object"]["name"], x["path"]
                )
            })
            .collect()
    };
    let (kc_, kf) = (key(&c), key(&f));
    let only_cluster: Vec<_> = kc_.difference(&kf).collect();
    let only_file: Vec<_> = kf.difference(&kc_).collect();
    assert!(
        only_cluster.is_empty() && only_file.is_empty(),
        "only cluster: {only_cluster:#?}\nonly file: {only_file:#?}"
    );
    assert!(kf.len() > 50, "{}", kf.len());
}

#[test]
fn kubeconfig_from_env_with_context_and_exec_credentials() {
    let mut routes = recorded_routes();
    routes.insert(
        "/api/v1/namespaces/shop/pods",
        Answer::File(200, "pods-shop.json"),
    );
    routes.insert(
        "/api/v1/namespaces/kube-system/pods",
        Answer::File(200, "pods-shop.json"),
    );
    let mock = serve(routes);
    let dir = std::env::temp_dir().join(format!("palisade-exec-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    // An exec credential plugin, as `aws eks get-token` or `kubelogin` are.
    let plugin = dir.join("cred.sh");
    std::fs::write(
        &plugin,
        "#!/bin/sh\necho '{\"apiVersion\":\"client.authentication.k8s.io/v1\",\"kind\":\"ExecCredential\",\"status\":{\"token\":\"token-from-exec\"}}'\n",
    )
    .unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&plugin, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    let kc = dir.join("config");
    std::fs::write(
        &kc,
        format!(
            "apiVersion: v1\nkind: Config\ncurrent-context: first\nclusters:\n- name: mock\n  cluster: {{server: 'http://127.0.0.1:{}'}}\ncontexts:\n- name: first\n  context: {{cluster: mock, user: static, namespace: shop}}\n- name: second\n  context: {{cluster: mock, user: exec, namespace: kube-system}}\nusers:\n- name: static\n  user: {{token: static-token}}\n- name: exec\n  user:\n    exec:\n      apiVersion: client.authentication.k8s.io/v1\n      command: {}\n      interactiveMode: Never\n",
            mock.port,
            plugin.display()
        ),
    )
    .unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_palisade"))
        .args(["psa", "--cluster", "--context", "second", "-o", "json"])
        .env("KUBECONFIG", &kc)
        .env_remove("HOME")
        .current_dir(root())
        .output()
        .unwrap();
    let v = json_out(&out);
    // The context's namespace, through the exec plugin's token.
    assert!(
        v["target"].as_str().unwrap().starts_with("cluster second ("),
        "{}",
        v["target"]
    );
    assert!(
        v["target"].as_str().unwrap().ends_with("namespace kube-system"),
        "{}",
        v["target"]
    );
    let heads = mock.heads.lock().unwrap().clone();
    assert!(
        heads
            .iter()
            .any(|h| h.contains("/api/v1/namespaces/kube-system/pods")),
        "{heads:?}"
    );
    assert!(
        heads.iter().all(|h| h
            .to_ascii_lowercase()
            .contains("authorization: bearer token-from-exec")),
        "{heads:?}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn custom_resources_with_pod_templates_are_found_through_their_crds() {
    let mut routes = recorded_routes();
    let crd = |group: &str, kind: &str, plural: &str, schema: serde_json::Value| {
        serde_json::json!({"metadata": {"name": format!("{plural}.{group}")}, "spec": {
            "group": group, "scope": "Namespaced", "names": {"kind": kind, "plural": plural},
            "versions": [{"name": "v1alpha1", "served": true, "storage": true, "schema": {"openAPIV3Schema": schema}}]}})
    };
    let crds = serde_json::json!({"kind": "CustomResourceDefinitionList", "apiVersion": "apiextensions.k8s.io/v1", "metadata": {}, "items": [
        // Argo Rollouts ships its template without a schema: known by kind.
        crd("argoproj.io", "Rollout", "rollouts", serde_json::json!({"type": "object", "x-kubernetes-preserve-unknown-fields": true})),
        // A schema that embeds a PodSpec.
        crd("batch.example.com", "Task", "tasks", serde_json::json!({"type": "object", "properties": {"spec": {"type": "object", "properties": {
            "pod": {"type": "object", "properties": {"containers": {"type": "array", "items": {"type": "object"}}}}}}}})),
        // Nothing to do with pods: not read.
        crd("example.com", "Widget", "widgets", serde_json::json!({"type": "object", "properties": {"spec": {"type": "object"}}})),
    ]});
    routes.insert(
        "/apis/apiextensions.k8s.io/v1/customresourcedefinitions",
        Answer::Body(200, crds.to_string()),
    );
    routes.insert(
        "/apis/argoproj.io/v1alpha1/rollouts",
        Answer::Body(200, serde_json::json!({"kind": "RolloutList", "apiVersion": "argoproj.io/v1alpha1", "metadata": {}, "items": [
            {"metadata": {"name": "web", "namespace": "shop", "uid": "7b0c1d2e-3f40-4a5b-8c6d-7e8f90a1b2c3"},
             "spec": {"template": {"metadata": {"labels": {"app": "web"}}, "spec": {"containers": [
                {"name": "web", "image": "nginx:1.27", "securityContext": {"privileged": true}}]}}}}]}).to_string()),
    );
    let mock = serve(routes);
    let kc = kubeconfig(mock.port, "crds");
    let out = palisade(&[
        "scan",
        "--cluster",
        "--kubeconfig",
        kc.to_str().unwrap(),
        "-A",
        "-o",
        "json",
    ]);
    let v = json_out(&out);
    let f = v["findings"].as_array().unwrap();
    assert!(
        f.iter().any(|f| f["object"]["kind"] == "Rollout"
            && f["code"] == "PSS007"
            && f["object"]["uid"] == "7b0c1d2e-3f40-4a5b-8c6d-7e8f90a1b2c3"),
        "privileged Rollout"
    );
    let hits = mock.hits.lock().unwrap().clone();
    assert!(
        hits.iter()
            .any(|h| h.starts_with("/apis/batch.example.com/v1alpha1/tasks?")),
        "{hits:?}"
    );
    assert!(
        !hits.iter().any(|h| h.starts_with("/apis/example.com/")),
        "{hits:?}"
    );
}

#[test]
fn netpol_diff_compares_the_cluster_with_manifests() {
    let dir = recorded();
    let read = |f: &str| -> serde_json::Value {
        serde_json::from_str(&std::fs::read_to_string(dir.join(f)).unwrap()).unwrap()
    };
    // The change under review: the same app, without the default-deny policy.
    let mut items = Vec::new();
    for (f, api, kind) in [
        ("namespaces.json", "v1", "Namespace"),
        ("deployments-all.json", "apps/v1", "Deployment"),
        (
            "networkpolicies-all.json",
            "networking.k8s.io/v1",
            "NetworkPolicy",
        ),
    ] {
        for mut i in read(f)["items"].as_array().unwrap().clone() {
            if i["metadata"]["name"] == "default-deny" {
                continue;
            }
            i["apiVersion"] = api.into();
            i["kind"] = kind.into();
            items.push(i);
        }
    }
    let after = std::env::temp_dir().join(format!("palisade-netpol-after-{}.json", std::process::id()));
    std::fs::write(
        &after,
        serde_json::json!({"apiVersion": "v1", "kind": "List", "items": items}).to_string(),
    )
    .unwrap();
    let mock = serve(recorded_routes());
    let kc = kubeconfig(mock.port, "diff");
    let out = palisade(&[
        "netpol",
        "diff",
        "--cluster",
        "--kubeconfig",
        kc.to_str().unwrap(),
        after.to_str().unwrap(),
        "-o",
        "json",
    ]);
    let v = json_out(&out);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let changes = v["changes"].to_string();
    assert!(changes.contains("shop/Deployment/redis-cart"), "{changes}");
    // Only AFTER may be given with --cluster.
    let out = palisade(&[
        "netpol",
        "diff",
        "--cluster",
        "--kubeconfig",
        kc.to_str().unwrap(),
        "a",
        "b",
    ]);
    assert_eq!(out.status.code(), Some(2));
    let _ = std::fs::remove_file(&after);
}

/// What a scan lists from a cluster is derived from the selected rules: `--select HRD001`
/// (a pod-template rule) lists the workload kinds and nothing else — no Secrets, RBAC,
/// Services or Namespaces; `--select HRD060` (an object rule on Services) lists only
/// Services.
#[test]
fn a_scan_lists_only_what_the_selected_rules_read() {
    let listed = |select: &str| -> Vec<String> {
        let mock = serve(recorded_routes());
        let kc = kubeconfig(mock.port, &format!("select-{select}"));
        let out = palisade(&[
            "scan",
            "--cluster",
            "--kubeconfig",
            kc.to_str().unwrap(),
            "-A",
            "--select",
            select,
            "-o",
            "json",
        ]);
        let v = json_out(&out);
        assert!(v["stats"]["objects"].as_u64().unwrap() > 0, "{v}");
        let hits = mock.hits.lock().unwrap().clone();
        hits.iter()
            .filter(|h| h.contains('?') && !h.starts_with("/version"))
            .map(|h| h.split('?').next().unwrap().to_owned())
            .collect()
    };
    let hrd001 = listed("HRD001");
    for want in [
        "/apis/apps/v1/deployments",
        "/api/v1/pods",
        "/apis/batch/v1/cronjobs",
    ] {
        assert!(hrd001.iter().any(|h| h == want), "{want} not listed: {hrd001:?}");
    }
    for not in [
        "secrets",
        "roles",
        "clusterroles",
        "rolebindings",
        "services",
        "namespaces",
        "configmaps",
        "networkpolicies",
    ] {
        assert!(
            !hrd001.iter().any(|h| h.rsplit('/').next() == Some(not)),
            "{not} listed for HRD001: {hrd001:?}"
        );
    }
    // HRD060 (NodePort Services) is an object rule on Services: only Services are listed.
    let hrd060 = listed("HRD060");
    assert_eq!(hrd060, vec!["/api/v1/services".to_owned()], "{hrd060:?}");
}

/// A port nothing listens on.
fn closed_port() -> u16 {
    let closed = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    port
}

#[test]
fn netpol_and_psa_give_no_verdict_when_the_cluster_is_unreachable() {
    let kc = kubeconfig(closed_port(), "unreachable");
    let k = kc.to_str().unwrap();
    for args in [
        vec!["netpol", "matrix"],
        vec!["netpol", "matrix", "-o", "csv"],
        vec![
            "netpol",
            "check",
            "--from",
            "shop/frontend",
            "--to",
            "shop/cartservice",
        ],
        vec!["psa"],
    ] {
        let mut a = args.clone();
        a.extend(["--cluster", "--kubeconfig", k]);
        let out = palisade(&a);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        // No matrix, no "no namespaces", no yes/no: nothing on stdout.
        assert_eq!(String::from_utf8_lossy(&out.stdout), "", "{args:?}");
        // Why, with the cause kube-rs hides behind "client error (Connect)".
        assert!(
            err.contains("palisade: error: cannot reach the API server"),
            "{err}"
        );
        assert!(err.to_lowercase().contains("connection refused"), "{err}");
        // JSON carries the error and no answer.
        if a.contains(&"csv") {
            continue;
        }
        a.extend(["-o", "json"]);
        let out = palisade(&a);
        assert_eq!(out.status.code(), Some(2));
        let v = json_out(&out);
        assert_eq!(
            v.as_object().unwrap().keys().collect::<Vec<_>>(),
            ["errors"],
            "{v}"
        );
        assert!(
            v["errors"][0]
                .as_str()
                .unwrap()
                .contains("cannot reach the API server"),
            "{v}"
        );
    }
}

#[test]
fn netpol_and_psa_answers_say_what_could_not_be_read() {
    // NetworkPolicies may not be listed: the matrix would show connections they deny.
    let mut routes = recorded_routes();
    routes.insert(
        "/apis/networking.k8s.io/v1/networkpolicies",
        Answer::File(403, "forbidden-secrets-as-bob.json"),
    );
    let mock = serve(routes);
    let kc = kubeconfig(mock.port, "np-forbidden");
    let k = kc.to_str().unwrap();
    let out = palisade(&[
        "netpol",
        "matrix",
        "-n",
        "shop",
        "-o",
        "json",
        "--cluster",
        "--kubeconfig",
        k,
    ]);
    assert_eq!(
        out.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v = json_out(&out);
    let errors = v["errors"].as_array().unwrap();
    assert!(
        errors
            .iter()
            .any(|e| e.as_str().unwrap().contains("networkpolicies.networking.k8s.io")),
        "{v}"
    );
    let out = palisade(&["netpol", "matrix", "-n", "shop", "--cluster", "--kubeconfig", k]);
    assert_eq!(out.status.code(), Some(2));
    let t = String::from_utf8_lossy(&out.stdout);
    assert!(
        t.contains("error: incomplete: could not read networkpolicies.networking.k8s.io"),
        "{t}"
    );
    let out = palisade(&[
        "netpol",
        "check",
        "--from",
        "shop/frontend",
        "--to",
        "shop/redis-cart",
        "-o",
        "json",
        "--cluster",
        "--kubeconfig",
        k,
    ]);
    assert_eq!(out.status.code(), Some(2));
    let v = json_out(&out);
    assert!(
        v["errors"][0].as_str().unwrap().contains("networkpolicies"),
        "{v}"
    );
    // netpol stderr lines say what they are.
    let err = String::from_utf8_lossy(&out.stderr);
    for line in err.lines() {
        assert!(
            line.starts_with("palisade: warning: ") || line.starts_with("palisade: error: "),
            "{line}"
        );
    }

    // Pods may not be listed: psa would call every change safe.
    let mut routes = recorded_routes();
    routes.insert(
        "/api/v1/namespaces/shop/pods",
        Answer::File(403, "forbidden-secrets-as-bob.json"),
    );
    routes.insert(
        "/api/v1/namespaces/shop",
        Answer::Body(
            200,
            r#"{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"shop"}}"#.into(),
        ),
    );
    let mock = serve(routes);
    let kc = kubeconfig(mock.port, "pods-forbidden");
    let out = palisade(&[
        "psa",
        "-o",
        "json",
        "--cluster",
        "--kubeconfig",
        kc.to_str().unwrap(),
    ]);
    assert_eq!(
        out.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v = json_out(&out);
    assert!(v["errors"][0].as_str().unwrap().contains("pods"), "{v}");
    let out = palisade(&["psa", "--cluster", "--kubeconfig", kc.to_str().unwrap()]);
    let t = String::from_utf8_lossy(&out.stdout);
    assert!(t.contains("error: incomplete: could not read pods"), "{t}");
}

/// The shop namespace at enforce=baseline with one pod using a sysctl that v1.37 allows
/// and v1.36 forbids.
fn sysctl_routes(version: bool) -> HashMap<&'static str, Answer> {
    let mut routes = HashMap::new();
    routes.insert(
        "/api/v1/namespaces/shop",
        Answer::Body(
            200,
            r#"{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"shop","labels":{"pod-security.kubernetes.io/enforce":"privileged"}}}"#.into(),
        ),
    );
    routes.insert(
        "/api/v1/namespaces/shop/pods",
        Answer::Body(
            200,
            r#"{"apiVersion":"v1","kind":"PodList","metadata":{},"items":[{"metadata":{"name":"tuned","namespace":"shop","uid":"u1"},"spec":{"securityContext":{"sysctls":[{"name":"net.ipv4.tcp_slow_start_after_idle","value":"0"}]},"containers":[{"name":"c","image":"nginx"}]}}]}"#.into(),
        ),
    );
    if version {
        routes.insert("/version", Answer::File(200, "version.json"));
    }
    routes
}

#[test]
fn latest_on_a_cluster_is_the_servers_release() {
    // A v1.36 server forbids net.ipv4.tcp_slow_start_after_idle at baseline:latest.
    let mock = serve(sysctl_routes(true));
    let kc = kubeconfig(mock.port, "v136");
    let k = kc.to_str().unwrap();
    let out = palisade(&[
        "psa",
        "--cluster",
        "--kubeconfig",
        k,
        "--level",
        "baseline",
        "-o",
        "json",
    ]);
    let v = json_out(&out);
    assert_eq!(out.status.code(), Some(1), "{v}");
    assert_eq!(v["latest"], "v1.36");
    assert!(v["latestFrom"].as_str().unwrap().contains("v1.36.2"), "{v}");
    let change = &v["namespaces"][0]["changes"][0];
    assert_eq!(change["checkedAgainst"], "baseline:latest");
    assert_eq!(change["rejected"][0]["pod"], "tuned", "{v}");
    assert!(
        change["warnings"][1]
            .as_str()
            .unwrap()
            .contains("forbidden sysctls"),
        "{v}"
    );
    let out = palisade(&["psa", "--cluster", "--kubeconfig", k, "--level", "baseline"]);
    let t = String::from_utf8_lossy(&out.stdout);
    assert!(t.contains("`latest` is v1.36"), "{t}");
    // v1.37 on that server is v1.36 too (the server knows nothing newer).
    let out = palisade(&[
        "psa",
        "--cluster",
        "--kubeconfig",
        k,
        "--level",
        "baseline",
        "--version",
        "v1.37",
        "-o",
        "json",
    ]);
    assert_eq!(out.status.code(), Some(1));
    // A server that does not say its version: the newest release palisade knows, and a warning.
    let mock = serve(sysctl_routes(false));
    let kc = kubeconfig(mock.port, "noversion");
    let out = palisade(&[
        "psa",
        "--cluster",
        "--kubeconfig",
        kc.to_str().unwrap(),
        "--level",
        "baseline",
        "-o",
        "json",
    ]);
    let v = json_out(&out);
    assert_eq!(out.status.code(), Some(0), "{v}");
    assert_eq!(v["latest"], "v1.37");
    assert!(String::from_utf8_lossy(&out.stderr)
        .contains("palisade: warning: the API server did not say its version"));
}

#[test]
fn scan_of_a_cluster_evaluates_latest_as_the_servers_release() {
    // A v1.36 server forbids net.ipv4.tcp_slow_start_after_idle at baseline:latest.
    let mock = serve(sysctl_routes(true));
    let kc = kubeconfig(mock.port, "scan-v136");
    let k = kc.to_str().unwrap();
    let args = [
        "scan",
        "--cluster",
        "--kubeconfig",
        k,
        "--select",
        "PSS",
        "--pss",
        "baseline",
    ];
    let out = palisade(&[&args[..], &["-o", "json"]].concat());
    let v = json_out(&out);
    assert_eq!(out.status.code(), Some(1), "{v:#}");
    assert_eq!(v["podSecurity"]["latest"], "v1.36", "{v:#}");
    assert_eq!(v["podSecurity"]["latestFrom"], "the API server's version v1.36.2");
    let f = &v["findings"][0];
    assert_eq!(f["code"], "PSS011", "{v:#}");
    assert_eq!(f["object"]["name"], "tuned");
    assert!(
        f["message"]
            .as_str()
            .unwrap()
            .contains("net.ipv4.tcp_slow_start_after_idle"),
        "{v:#}"
    );
    let out = palisade(&args);
    let t = String::from_utf8_lossy(&out.stdout);
    assert!(
        t.contains("Pod Security `latest` = v1.36 (the API server's version v1.36.2)"),
        "{t}"
    );
    // A server that does not say its version: the newest release palisade knows (which
    // allows the sysctl), and a warning.
    let mock = serve(sysctl_routes(false));
    let kc = kubeconfig(mock.port, "scan-noversion");
    let k = kc.to_str().unwrap();
    let out = palisade(&[
        "scan",
        "--cluster",
        "--kubeconfig",
        k,
        "--select",
        "PSS",
        "--pss",
        "baseline",
        "-o",
        "json",
    ]);
    let v = json_out(&out);
    assert_eq!(out.status.code(), Some(0), "{v:#}");
    assert_eq!(v["podSecurity"]["latest"], "v1.37", "{v:#}");
    assert!(
        v["podSecurity"]["latestFrom"]
            .as_str()
            .unwrap()
            .contains("the server's version is unknown"),
        "{v:#}"
    );
    assert!(
        v["errors"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["level"] == "warning"
                && e["message"]
                    .as_str()
                    .unwrap()
                    .starts_with("the API server did not say its version")),
        "{v:#}"
    );
}

#[test]
fn kubeconfig_errors_show_the_path_once_without_doubled_quotes() {
    let out = palisade(&["psa", "--cluster", "--kubeconfig", "/nonexistent/kube config"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("cannot read kubeconfig /nonexistent/kube config: "),
        "{err}"
    );
    assert!(!err.contains("'\""), "{err}");
}
