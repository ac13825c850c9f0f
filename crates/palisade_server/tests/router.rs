//! The router without a socket: AdmissionReviews in, AdmissionReviews out; malformed bodies,
//! wrong API versions and bodies over the API server's 3 MiB limit; health and metrics.

use axum::body::Body;
use axum::http::{Request, StatusCode};
use base64::Engine as _;
use http_body_util::BodyExt;
use palisade_engine::config::AdmissionConfig;
use palisade_engine::{PssMode, ScanOptions};
use palisade_server::decide::{Decider, StaticNamespaces};
use palisade_server::router::{health, webhook, AppState, Limits};
use serde_json::{json, Value};
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use tower::ServiceExt;

fn state(cfg: AdmissionConfig) -> Arc<AppState> {
    let base = ScanOptions::new(
        PssMode::Fixed(palisade_pss::Policy::DEFAULT),
        Vec::new(),
        palisade_core::Severity::Low,
    );
    let mut labels = HashMap::new();
    labels.insert(
        "shop".to_owned(),
        BTreeMap::from([
            ("palisade.dev/enforce".to_owned(), "restricted".to_owned()),
            ("palisade.dev/mutate".to_owned(), "true".to_owned()),
        ]),
    );
    AppState::new(
        Decider::new(cfg, base, Vec::new()).unwrap(),
        Arc::new(StaticNamespaces(labels)),
        Limits::default(),
    )
}

fn review(object: &Value, operation: &str) -> Value {
    json!({
        "apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview",
        "request": {
            "uid": "705ab4f5-6393-11e8-b7cc-42010a800002",
            "kind": {"group": "", "version": "v1", "kind": "Pod"},
            "resource": {"group": "", "version": "v1", "resource": "pods"},
            "namespace": "shop", "name": object["metadata"]["name"], "operation": operation,
            "userInfo": {"username": "alice"}, "object": object
        }
    })
}

fn nginx(run_as_user: Option<i64>) -> Value {
    let mut p = json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "web", "namespace": "shop"},
        "spec": {"containers": [{"name": "app", "image": "nginx:1.27"}]}});
    if let Some(u) = run_as_user {
        p["spec"]["securityContext"] = json!({"runAsUser": u});
    }
    p
}

async fn post(app: axum::Router, path: &str, body: Vec<u8>) -> (StatusCode, Vec<u8>) {
    let r = app
        .oneshot(
            Request::post(path)
                .header("content-type", "application/json")
                .body(Body::from(body))
                .unwrap(),
        )
        .await
        .unwrap();
    let status = r.status();
    (status, r.into_body().collect().await.unwrap().to_bytes().to_vec())
}

async fn get(app: axum::Router, path: &str) -> (StatusCode, String) {
    let r = app
        .oneshot(Request::get(path).body(Body::empty()).unwrap())
        .await
        .unwrap();
    let status = r.status();
    (
        status,
        String::from_utf8(r.into_body().collect().await.unwrap().to_bytes().to_vec()).unwrap(),
    )
}

#[tokio::test]
async fn validate_denies_and_metrics_count_it() {
    let s = state(AdmissionConfig::default());
    let (status, body) = post(
        webhook(s.clone()),
        "/validate",
        serde_json::to_vec(&review(&nginx(None), "CREATE")).unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let v: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(v["apiVersion"], "admission.k8s.io/v1");
    assert_eq!(v["kind"], "AdmissionReview");
    assert_eq!(v["response"]["uid"], "705ab4f5-6393-11e8-b7cc-42010a800002");
    assert_eq!(v["response"]["allowed"], false);
    assert_eq!(v["response"]["status"]["code"], 403);
    let msg = v["response"]["status"]["message"].as_str().unwrap();
    assert!(msg.starts_with("pods \"web\" is forbidden: violates palisade policy \"restricted:latest\": allowPrivilegeEscalation != false"), "{msg}");
    let (_, metrics) = get(health(s), "/metrics").await;
    assert!(metrics.contains("palisade_admission_decisions_total{endpoint=\"validate\",decision=\"denied\",namespace=\"shop\"} 1"), "{metrics}");
    assert!(
        metrics.contains(
            "palisade_admission_violations_total{mode=\"enforce\",rule=\"PSS017\",namespace=\"shop\"} 1"
        ),
        "{metrics}"
    );
    assert!(metrics.contains("palisade_admission_requests_total{endpoint=\"validate\",code=\"200\"} 1"));
}

#[tokio::test]
async fn mutate_patches_and_the_mutated_pod_passes_validation() {
    let s = state(AdmissionConfig::default());
    let pod = nginx(Some(1000));
    let (status, body) = post(
        webhook(s.clone()),
        "/mutate",
        serde_json::to_vec(&review(&pod, "CREATE")).unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let v: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(v["response"]["allowed"], true);
    assert_eq!(v["response"]["patchType"], "JSONPatch");
    let patch: Vec<Value> = serde_json::from_slice(
        &base64::engine::general_purpose::STANDARD
            .decode(v["response"]["patch"].as_str().unwrap())
            .unwrap(),
    )
    .unwrap();
    // Apply the add operations (the only kind the webhook emits).
    let mut mutated = pod.clone();
    for op in &patch {
        assert_eq!(op["op"], "add");
        let path = op["path"].as_str().unwrap();
        let (parent, key) = path.rsplit_once('/').unwrap();
        let key = key.replace("~1", "/").replace("~0", "~");
        let target = mutated.pointer_mut(parent).unwrap();
        match target {
            Value::Object(m) => {
                m.insert(key, op["value"].clone());
            }
            other => panic!("add into {other}"),
        }
    }
    let (_, body) = post(
        webhook(s.clone()),
        "/validate",
        serde_json::to_vec(&review(&mutated, "CREATE")).unwrap(),
    )
    .await;
    let v: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(v["response"]["allowed"], true, "{v}");
    // Without runAsUser the image's user is unknown: runAsNonRoot is not set, the pod stays denied.
    let (_, body) = post(
        webhook(s),
        "/mutate",
        serde_json::to_vec(&review(&nginx(None), "CREATE")).unwrap(),
    )
    .await;
    let v: Value = serde_json::from_slice(&body).unwrap();
    let patch = String::from_utf8(
        base64::engine::general_purpose::STANDARD
            .decode(v["response"]["patch"].as_str().unwrap())
            .unwrap(),
    )
    .unwrap();
    assert!(!patch.contains("runAsNonRoot"), "{patch}");
}

#[tokio::test]
async fn bad_bodies_are_client_errors() {
    let s = state(AdmissionConfig::default());
    let (status, body) = post(webhook(s.clone()), "/validate", b"not json".to_vec()).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(String::from_utf8_lossy(&body).contains("not JSON"));
    let v1beta1 =
        json!({"apiVersion": "admission.k8s.io/v1beta1", "kind": "AdmissionReview", "request": {"uid": "u"}});
    let (status, body) = post(
        webhook(s.clone()),
        "/validate",
        serde_json::to_vec(&v1beta1).unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(String::from_utf8_lossy(&body).contains("admission.k8s.io/v1beta1"));
    // Over the API server's 3 MiB request limit.
    let mut huge = review(&nginx(None), "CREATE");
    huge["request"]["object"]["metadata"]["annotations"] = json!({"x": "a".repeat(3 * 1024 * 1024)});
    let (status, _) = post(
        webhook(s.clone()),
        "/validate",
        serde_json::to_vec(&huge).unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    let (_, metrics) = get(health(s), "/metrics").await;
    assert!(
        metrics.contains("palisade_admission_requests_total{endpoint=\"validate\",code=\"400\"} 2"),
        "{metrics}"
    );
}

#[tokio::test]
async fn health_and_readiness() {
    let s = state(AdmissionConfig::default());
    assert_eq!(
        get(health(s.clone()), "/healthz").await,
        (StatusCode::OK, "ok".into())
    );
    assert_eq!(get(health(s.clone()), "/readyz").await.0, StatusCode::OK);
    s.set_ready(false);
    assert_eq!(
        get(health(s.clone()), "/readyz").await.0,
        StatusCode::SERVICE_UNAVAILABLE
    );
    let (status, _) = get(webhook(s), "/validate").await;
    assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED);
}

/// Namespaces whose lookup takes a while (a slow API server).
struct Slow(std::time::Duration);

impl palisade_server::decide::Namespaces for Slow {
    fn labels(&self, _: &str) -> Result<Option<BTreeMap<String, String>>, String> {
        std::thread::sleep(self.0);
        Ok(Some(BTreeMap::from([(
            "palisade.dev/enforce".to_owned(),
            "restricted".to_owned(),
        )])))
    }
}

fn slow_state(limits: Limits) -> Arc<AppState> {
    let base = ScanOptions::new(
        PssMode::Fixed(palisade_pss::Policy::DEFAULT),
        Vec::new(),
        palisade_core::Severity::Low,
    );
    AppState::new(
        Decider::new(AdmissionConfig::default(), base, Vec::new()).unwrap(),
        Arc::new(Slow(std::time::Duration::from_millis(400))),
        limits,
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn over_the_concurrency_limit_the_answer_is_fail_safe_at_once() {
    let s = slow_state(Limits {
        concurrency: 1,
        ..Limits::default()
    });
    let body = serde_json::to_vec(&review(&nginx(None), "CREATE")).unwrap();
    let first = tokio::spawn(post(webhook(s.clone()), "/validate", body.clone()));
    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    let started = std::time::Instant::now();
    let (status, second) = post(webhook(s.clone()), "/validate", body.clone()).await;
    assert!(
        started.elapsed() < std::time::Duration::from_millis(300),
        "answered without waiting"
    );
    assert_eq!(status, StatusCode::OK);
    let v: Value = serde_json::from_slice(&second).unwrap();
    assert_eq!(v["response"]["allowed"], true);
    assert!(
        v["response"]["warnings"][0]
            .as_str()
            .unwrap()
            .contains("concurrency limit"),
        "{v}"
    );
    assert!(v["response"]["auditAnnotations"]["not-evaluated"].is_string());
    let (_, first) = first.await.unwrap();
    let v: Value = serde_json::from_slice(&first).unwrap();
    assert_eq!(v["response"]["allowed"], false, "the first was evaluated");
    let (_, metrics) = get(health(s.clone()), "/metrics").await;
    assert!(
        metrics.contains("palisade_admission_rejected_by_limit_total 1"),
        "{metrics}"
    );
    // Fail closed when configured so.
    let s = slow_state(Limits {
        concurrency: 1,
        fail_safe: palisade_server::router::FailSafe::Deny,
        ..Limits::default()
    });
    let first = tokio::spawn(post(webhook(s.clone()), "/validate", body.clone()));
    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    let (_, second) = post(webhook(s.clone()), "/validate", body).await;
    let v: Value = serde_json::from_slice(&second).unwrap();
    assert_eq!(v["response"]["allowed"], false);
    assert!(v["response"]["status"]["message"]
        .as_str()
        .unwrap()
        .contains("did not evaluate"));
    first.await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_past_its_deadline_gets_the_fail_safe_answer() {
    let s = slow_state(Limits {
        timeout: std::time::Duration::from_millis(50),
        ..Limits::default()
    });
    let (_, body) = post(
        webhook(s),
        "/validate",
        serde_json::to_vec(&review(&nginx(None), "CREATE")).unwrap(),
    )
    .await;
    let v: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(v["response"]["allowed"], true);
    assert!(
        v["response"]["warnings"][0]
            .as_str()
            .unwrap()
            .contains("no decision within"),
        "{v}"
    );
}
