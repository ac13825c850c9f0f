//! `POST /audit` without a socket: batches stored and acknowledged, partial and malformed
//! batches answered 400 naming the bad items, a failing store answered 500 with Retry-After
//! (the API server retries), detections called per stored event and counted, retention and
//! the sink's metrics.

use axum::body::Body;
use axum::http::{Request, StatusCode};
use http_body_util::BodyExt;
use palisade_audit::{Event, Loc};
use palisade_audit_store::{Retention, Selection, Store};
use palisade_engine::config::AdmissionConfig;
use palisade_engine::{PssMode, ScanOptions};
use palisade_server::audit::{Detect, Detected, NoDetections, Sink, SinkOptions};
use palisade_server::decide::{Decider, StaticNamespaces};
use palisade_server::router::{health, webhook, AppState, Limits};
use std::ops::ControlFlow;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tower::ServiceExt;

fn state() -> Arc<AppState> {
    let base = ScanOptions::new(
        PssMode::Fixed(palisade_pss::Policy::DEFAULT),
        Vec::new(),
        palisade_core::Severity::Low,
    );
    AppState::new(
        Decider::new(AdmissionConfig::default(), base, Vec::new()).unwrap(),
        Arc::new(StaticNamespaces::default()),
        Limits::default(),
    )
}

fn ev(id: &str, user: &str, verb: &str, resource: &str, name: &str) -> String {
    format!(
        r#"{{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Metadata","auditID":"{id}","stage":"ResponseComplete","requestURI":"/api/v1/{resource}/{name}","verb":"{verb}","user":{{"username":"{user}","groups":["system:authenticated"]}},"sourceIPs":["127.0.0.1"],"userAgent":"kubectl/v1.36.2","objectRef":{{"resource":"{resource}","name":"{name}","apiVersion":"v1"}},"responseStatus":{{"metadata":{{}},"code":200}},"requestReceivedTimestamp":"2026-11-22T13:02:53.883701Z","stageTimestamp":"2026-11-22T13:02:53.901211Z","annotations":{{"authorization.k8s.io/decision":"allow"}}}}"#
    )
}

fn batch(items: &[String]) -> String {
    format!(
        r#"{{"kind":"EventList","apiVersion":"audit.k8s.io/v1","metadata":{{}},"items":[{}]}}"#,
        items.join(",")
    )
}

async fn post(app: axum::Router, body: String) -> (StatusCode, Option<String>, String) {
    let r = app
        .oneshot(
            Request::post("/audit")
                .header("content-type", "application/json")
                .body(Body::from(body))
                .unwrap(),
        )
        .await
        .unwrap();
    let status = r.status();
    let retry = r
        .headers()
        .get("retry-after")
        .map(|v| v.to_str().unwrap().to_owned());
    let body = r.into_body().collect().await.unwrap().to_bytes().to_vec();
    (status, retry, String::from_utf8(body).unwrap())
}

async fn metrics(s: &Arc<AppState>) -> String {
    let r = health(s.clone())
        .oneshot(Request::get("/metrics").body(Body::empty()).unwrap())
        .await
        .unwrap();
    String::from_utf8(r.into_body().collect().await.unwrap().to_bytes().to_vec()).unwrap()
}

fn opts(dir: &tempfile::TempDir) -> SinkOptions {
    SinkOptions {
        url: format!("sqlite:{}", dir.path().join("audit.db").display()),
        retention: Retention::default(),
        retention_every: Duration::from_secs(3600),
    }
}

fn stored_ids(url: &str) -> Vec<String> {
    let mut s = Store::open(url).unwrap();
    let mut out = Vec::new();
    s.select(&Selection::default(), &mut |_, e| {
        out.push(e.audit_id.to_string());
        ControlFlow::Continue(())
    })
    .unwrap();
    out
}

/// Flags namespace deletions, and remembers where each event it saw was.
struct NamespaceDeletes(Arc<Mutex<Vec<(Loc, String)>>>);

impl Detect for NamespaceDeletes {
    fn event(&mut self, loc: &Loc, ev: &Event<'_>, out: &mut Vec<Detected>) {
        self.0
            .lock()
            .unwrap()
            .push((loc.clone(), ev.audit_id.to_string()));
        if ev.verb == "delete" && ev.object_ref.as_ref().is_some_and(|o| o.resource == "namespaces") {
            out.push(Detected {
                rule: "namespace-deleted".into(),
                message: format!("{} deleted a namespace", ev.user.username),
            });
        }
    }
}

#[tokio::test]
async fn without_a_store_there_is_no_sink() {
    let (code, _, text) = post(webhook(state()), batch(&[ev("a", "alice", "get", "pods", "x")])).await;
    assert_eq!(code, StatusCode::NOT_FOUND);
    assert!(text.contains("--audit-store"), "{text}");
}

#[tokio::test]
async fn batches_are_stored_before_200_and_detections_run_on_them() {
    let dir = tempfile::tempdir().unwrap();
    let o = opts(&dir);
    let seen = Arc::new(Mutex::new(Vec::new()));
    let s = state();
    s.set_audit(Sink::start(o.clone(), Box::new(NamespaceDeletes(seen.clone()))).unwrap());
    let (code, _, text) = post(
        webhook(s.clone()),
        batch(&[
            ev("a", "alice", "get", "pods", "web"),
            ev("b", "alice", "delete", "namespaces", "shop"),
        ]),
    )
    .await;
    assert_eq!(code, StatusCode::OK, "{text}");
    assert_eq!(text, "stored 2 events\n");
    // Acknowledged: already in the store, seen by another connection.
    assert_eq!(stored_ids(&o.url), ["a", "b"]);
    // The same batch again (the API server retried): stored once.
    let (code, _, _) = post(
        webhook(s.clone()),
        batch(&[ev("b", "alice", "delete", "namespaces", "shop")]),
    )
    .await;
    assert_eq!(code, StatusCode::OK);
    assert_eq!(stored_ids(&o.url).len(), 2);
    // Detections run after the commit, on their own thread: wait for them.
    for _ in 0..1000 {
        if seen.lock().unwrap().len() == 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let seen = seen.lock().unwrap().clone();
    let ids: Vec<&str> = seen.iter().map(|(_, id)| id.as_str()).collect();
    assert_eq!(ids, ["a", "b"], "the retried event is not detected twice");
    assert_eq!(&*seen[1].0.file, o.url.as_str());
    assert!(seen[1].0.line > 0);
    // The detection is counted right after the hook returns.
    let mut m = metrics(&s).await;
    for _ in 0..1000 {
        if m.contains("palisade_audit_detections_total{rule=\"namespace-deleted\"} 1")
            && m.contains("palisade_audit_detection_queue 0")
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
        m = metrics(&s).await;
    }
    assert!(m.contains("palisade_audit_detection_queue 0"), "{m}");
    for want in [
        "palisade_audit_batches_total{code=\"200\"} 2",
        "palisade_audit_events_received_total 3",
        "palisade_audit_events_stored_total 2",
        "palisade_audit_events_rejected_total 0",
        "palisade_audit_ingest_duration_seconds_count 2",
        "palisade_audit_detections_total{rule=\"namespace-deleted\"} 1",
        "palisade_audit_transactions_total 2",
        "palisade_audit_checkpoint_errors_total 0",
    ] {
        assert!(m.contains(want), "{want} not in\n{m}");
    }
    // The checkpointer reports the WAL's length at the writer's last commit.
    let frames = |m: &str| -> u64 {
        m.lines()
            .find_map(|l| l.strip_prefix("palisade_audit_wal_frames "))
            .expect("the WAL gauge")
            .parse()
            .unwrap()
    };
    for _ in 0..1000 {
        if frames(&m) > 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
        m = metrics(&s).await;
    }
    assert!(frames(&m) > 0, "{m}");
}

#[tokio::test]
async fn bad_batches_are_400_naming_what_is_wrong() {
    let dir = tempfile::tempdir().unwrap();
    let o = opts(&dir);
    let s = state();
    s.set_audit(Sink::start(o.clone(), Box::new(NoDetections)).unwrap());
    let (code, _, text) = post(webhook(s.clone()), "{\"kind\":\"EventList\",\"items\":[".into()).await;
    assert_eq!(code, StatusCode::BAD_REQUEST);
    assert!(text.contains("invalid JSON"), "{text}");
    let (code, _, text) = post(webhook(s.clone()), r#"{"kind":"PodList","items":[]}"#.into()).await;
    assert_eq!(code, StatusCode::BAD_REQUEST);
    assert!(text.contains("PodList"), "{text}");
    // A partly valid batch: the good events are stored (a 400 is not retried), the bad ones
    // named.
    let body = batch(&[
        ev("good", "alice", "get", "pods", "web"),
        r#"{"kind":"Event","auditID":"bad","stage":"Sometime"}"#.into(),
    ]);
    let (code, _, text) = post(webhook(s.clone()), body).await;
    assert_eq!(code, StatusCode::BAD_REQUEST);
    assert!(text.contains("items[1]: unknown stage \"Sometime\""), "{text}");
    assert!(text.contains("1 other events of the batch were stored"), "{text}");
    assert_eq!(stored_ids(&o.url), ["good"]);
    let m = metrics(&s).await;
    assert!(m.contains("palisade_audit_batches_total{code=\"400\"} 3"), "{m}");
    assert!(m.contains("palisade_audit_events_rejected_total 1"), "{m}");
}

#[tokio::test]
async fn a_failing_store_is_500_with_retry_after() {
    let dir = tempfile::tempdir().unwrap();
    let o = opts(&dir);
    let s = state();
    s.set_audit(Sink::start(o.clone(), Box::new(NoDetections)).unwrap());
    // Break the store under the sink.
    let c = rusqlite::Connection::open(dir.path().join("audit.db")).unwrap();
    c.execute_batch("DROP TABLE events").unwrap();
    drop(c);
    let (code, retry, text) = post(
        webhook(s.clone()),
        batch(&[ev("a", "alice", "get", "pods", "web")]),
    )
    .await;
    assert_eq!(code, StatusCode::INTERNAL_SERVER_ERROR, "{text}");
    assert_eq!(retry.as_deref(), Some("1"));
    assert!(text.contains("the audit store failed"), "{text}");
    assert!(metrics(&s)
        .await
        .contains("palisade_audit_events_rejected_total 1"));
}

#[tokio::test]
async fn retention_runs_beside_ingest() {
    let dir = tempfile::tempdir().unwrap();
    let mut o = opts(&dir);
    o.retention = Retention {
        max_events: Some(3),
        ..Retention::default()
    };
    o.retention_every = Duration::from_millis(20);
    let s = state();
    s.set_audit(Sink::start(o.clone(), Box::new(NoDetections)).unwrap());
    let items: Vec<String> = (0..10)
        .map(|i| ev(&format!("e{i}"), "alice", "get", "pods", "web"))
        .collect();
    let (code, _, _) = post(webhook(s.clone()), batch(&items)).await;
    assert_eq!(code, StatusCode::OK);
    let mut left = 10;
    for _ in 0..500 {
        left = stored_ids(&o.url).len();
        if left == 3 && metrics(&s).await.contains("palisade_audit_store_events 3") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(left, 3);
    let m = metrics(&s).await;
    assert!(
        m.contains("palisade_audit_events_retention_deleted_total 7"),
        "{m}"
    );
    assert!(m.contains("palisade_audit_store_events 3"), "{m}");
}
