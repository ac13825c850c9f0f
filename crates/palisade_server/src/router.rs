//! The HTTP interface, as axum routers that tests drive without a socket: `POST /validate` and
//! `POST /mutate` (AdmissionReview in, AdmissionReview out) with the API server's 3 MiB body
//! limit, a concurrency limit and a per-request deadline that both answer fail-safe instead
//! of queueing, JSON log lines carrying the request uid; and, on a separate plain port,
//! `/healthz`, `/readyz` and `/metrics`.

use crate::decide::{Decider, Namespaces, Outcome};
use crate::metrics::Metrics;
use crate::review::{self, Request, Response};
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{header, StatusCode};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use axum::{Json, Router};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock, RwLock};
use std::time::{Duration, Instant};
use tokio::sync::Semaphore;

/// The API server's limit on an admission request body (3 MiB).
pub const MAX_BODY: usize = 3 * 1024 * 1024;

/// Requests up to this size whose namespace labels are known without waiting are decided on
/// the request's own task (about 0.1 ms for a Deployment: a thread hand-off would cost more
/// than the evaluation); larger ones, and ones that need a namespace lookup, on the blocking
/// pool under the deadline.
const INLINE_BODY: usize = 256 * 1024;

/// How the server treats requests it cannot evaluate in time or for lack of capacity.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailSafe {
    /// Allow, with a warning and an audit annotation saying it was not evaluated (default:
    /// an overloaded webhook must not block every pod of the cluster).
    Allow,
    /// Deny, saying why.
    Deny,
}

/// Limits of the router.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Requests evaluated at once; more get the fail-safe answer at once, never a queue.
    pub concurrency: usize,
    /// Per-request deadline for the evaluation.
    pub timeout: Duration,
    pub fail_safe: FailSafe,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            concurrency: 256,
            timeout: Duration::from_secs(5),
            fail_safe: FailSafe::Allow,
        }
    }
}

/// What the handlers share. The decider can be replaced while requests run (configuration
/// reload): each request takes the one in force when it starts.
pub struct AppState {
    decider: RwLock<Arc<Decider>>,
    namespaces: Arc<dyn Namespaces>,
    pub metrics: Metrics,
    limit: Arc<Semaphore>,
    limits: Limits,
    ready: AtomicBool,
    /// The audit sink (`POST /audit`), when a store is configured.
    audit: OnceLock<Arc<crate::audit::Sink>>,
}

impl AppState {
    pub fn new(decider: Decider, namespaces: Arc<dyn Namespaces>, limits: Limits) -> Arc<AppState> {
        Arc::new(AppState {
            decider: RwLock::new(Arc::new(decider)),
            namespaces,
            metrics: Metrics::default(),
            limit: Arc::new(Semaphore::new(limits.concurrency.max(1))),
            limits,
            ready: AtomicBool::new(true),
            audit: OnceLock::new(),
        })
    }
    pub fn decider(&self) -> Arc<Decider> {
        self.decider.read().unwrap_or_else(|e| e.into_inner()).clone()
    }
    /// Replaces the decider (a reloaded configuration); requests in flight finish with the
    /// old one.
    pub fn replace_decider(&self, d: Decider) {
        *self.decider.write().unwrap_or_else(|e| e.into_inner()) = Arc::new(d);
    }
    /// Turns `POST /audit` on (once; a second sink is ignored).
    pub fn set_audit(&self, sink: crate::audit::Sink) {
        let _ = self.audit.set(Arc::new(sink));
    }
    pub fn audit(&self) -> Option<&Arc<crate::audit::Sink>> {
        self.audit.get()
    }
    /// Readiness (false while shutting down, so the Service stops sending requests).
    pub fn set_ready(&self, ready: bool) {
        self.ready.store(ready, Ordering::Relaxed);
    }
}

/// The webhook router: `/validate` and `/mutate`, and `/audit` (the audit sink, with its own
/// body limit; 404 when no store is configured).
pub fn webhook(state: Arc<AppState>) -> Router {
    Router::new()
        .route("/validate", post(validate))
        .route("/mutate", post(mutate))
        .layer(DefaultBodyLimit::max(MAX_BODY))
        .route(
            "/audit",
            post(audit).layer(DefaultBodyLimit::max(crate::audit::MAX_AUDIT_BODY)),
        )
        .with_state(state)
}

async fn audit(State(s): State<Arc<AppState>>, body: Bytes) -> axum::response::Response {
    let Some(sink) = s.audit.get().cloned() else {
        return (
            StatusCode::NOT_FOUND,
            "palisade: the audit sink is off (palisade serve --audit-store)\n",
        )
            .into_response();
    };
    let (code, text) = sink.ingest(body).await;
    let code = StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    if code.is_server_error() {
        (code, [(header::RETRY_AFTER, "1")], text).into_response()
    } else {
        (code, text).into_response()
    }
}

/// The health router: `/healthz`, `/readyz`, `/metrics`.
pub fn health(state: Arc<AppState>) -> Router {
    Router::new()
        .route("/healthz", get(|| async { "ok" }))
        .route(
            "/readyz",
            get(|State(s): State<Arc<AppState>>| async move {
                if s.ready.load(Ordering::Relaxed) {
                    (StatusCode::OK, "ok")
                } else {
                    (StatusCode::SERVICE_UNAVAILABLE, "shutting down")
                }
            }),
        )
        .route(
            "/metrics",
            get(|State(s): State<Arc<AppState>>| async move {
                (
                    [(header::CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")],
                    match s.audit.get() {
                        Some(a) => s.metrics.render() + &a.metrics.render(),
                        None => s.metrics.render(),
                    },
                )
            }),
        )
        .with_state(state)
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Endpoint {
    Validate,
    Mutate,
}

impl Endpoint {
    fn as_str(self) -> &'static str {
        match self {
            Endpoint::Validate => "validate",
            Endpoint::Mutate => "mutate",
        }
    }
}

async fn validate(State(s): State<Arc<AppState>>, body: Bytes) -> axum::response::Response {
    handle(s, body, Endpoint::Validate).await
}

async fn mutate(State(s): State<Arc<AppState>>, body: Bytes) -> axum::response::Response {
    handle(s, body, Endpoint::Mutate).await
}

/// The answer when palisade does not evaluate a request (overload, deadline).
fn fail_safe(req: &Request, mode: FailSafe, why: &str) -> Response {
    match mode {
        FailSafe::Allow => {
            let mut r = Response::allow(&req.uid);
            r.warnings
                .push(format!("palisade did not evaluate this request: {why}"));
            r.audit_annotations.insert("not-evaluated".into(), why.to_owned());
            r
        }
        FailSafe::Deny => Response::deny(&req.uid, format!("palisade did not evaluate this request: {why}")),
    }
}

async fn handle(s: Arc<AppState>, body: Bytes, ep: Endpoint) -> axum::response::Response {
    let started = Instant::now();
    let _in_flight = s.metrics.start();
    let req = match review::decode(&body) {
        Ok(r) => r,
        Err(e) => {
            tracing::warn!(endpoint = ep.as_str(), error = %e, "bad admission request");
            s.metrics.request(ep.as_str(), 400, started.elapsed());
            return (StatusCode::BAD_REQUEST, format!("palisade: {e}\n")).into_response();
        }
    };
    let (response, decision) = match s.limit.clone().try_acquire_owned() {
        Err(_) => {
            s.metrics.rejected_by_limit();
            let why = format!(
                "{} requests are being evaluated (the concurrency limit)",
                s.limits.concurrency
            );
            (fail_safe(&req, s.limits.fail_safe, &why), "overloaded")
        }
        Ok(permit) => {
            let decider = s.decider();
            let known = if body.len() <= INLINE_BODY {
                if req.namespace.is_empty() {
                    Some(Ok(None))
                } else {
                    s.namespaces.cached(&req.namespace)
                }
            } else {
                None
            };
            let result = match known {
                Some(labels) => {
                    let resolved = crate::decide::Resolved {
                        name: req.namespace.clone(),
                        labels,
                    };
                    let outcome = match ep {
                        Endpoint::Validate => decider.validate(&req, &resolved),
                        Endpoint::Mutate => decider.mutate(&req, &resolved),
                    };
                    drop(permit);
                    Ok(Ok(outcome))
                }
                None => {
                    let namespaces = s.namespaces.clone();
                    let r = req.clone();
                    let work = tokio::task::spawn_blocking(move || {
                        let _permit = permit;
                        match ep {
                            Endpoint::Validate => decider.validate(&r, namespaces.as_ref()),
                            Endpoint::Mutate => decider.mutate(&r, namespaces.as_ref()),
                        }
                    });
                    tokio::time::timeout(s.limits.timeout, work).await
                }
            };
            match result {
                Ok(Ok(Outcome { response, record })) => {
                    for (mode, rule) in &record.rules {
                        s.metrics.violation(mode, rule, &req.namespace);
                    }
                    (response, record.decision)
                }
                Ok(Err(e)) => {
                    tracing::error!(uid = %req.uid, error = %e, "evaluation failed");
                    (
                        fail_safe(&req, s.limits.fail_safe, "the evaluation failed"),
                        "error",
                    )
                }
                Err(_) => {
                    let why = format!("no decision within {:?}", s.limits.timeout);
                    (fail_safe(&req, s.limits.fail_safe, &why), "timeout")
                }
            }
        }
    };
    let took = started.elapsed();
    s.metrics.decision(ep.as_str(), decision, &req.namespace);
    s.metrics.request(ep.as_str(), 200, took);
    tracing::info!(
        uid = %req.uid,
        endpoint = ep.as_str(),
        operation = req.operation.as_str(),
        kind = %req.kind.kind,
        namespace = %req.namespace,
        name = %req.name,
        user = %req.user_info.username,
        dry_run = req.is_dry_run(),
        decision,
        allowed = response.allowed,
        micros = took.as_micros() as u64,
        "admission"
    );
    Json(response.into_review()).into_response()
}
