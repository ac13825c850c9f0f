//! The audit sink behind `POST /audit`: the API server's webhook backend sends `EventList`
//! batches; each is parsed, committed to the store, and only then acknowledged (200). The
//! sink owns one writer thread (batches waiting together are committed in one transaction,
//! each one acknowledged when that commit returns), a checkpointer thread with its own
//! connection (SQLite: it copies the WAL into the database file, so the writer only appends
//! to the WAL), a retention thread with its own connection (short delete transactions, so
//! ingest is never blocked for long), a detection thread (the detection hook, called per
//! stored event after the commit, in commit order) and the sink's metrics.
//!
//! Answers: 200 when every event of the batch is stored; 400 naming what is wrong when the
//! body is not a batch, or when some of its items are not audit events (the good items are
//! stored first: the API server does not retry a 400, so rejecting the whole batch would
//! lose them); 500 with `Retry-After` when the store fails (the API server retries it with
//! backoff). It does no SQL itself: that is `palisade_audit_store`.

use palisade_audit::{Event, Loc};
use palisade_audit_store::{parse_batch, Inserted, Record, Retention, Size, Store, WalLimits};
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::{mpsc, oneshot};

/// The largest batch body accepted. With `--audit-webhook-truncate-enabled` the API server
/// keeps batches under 10 MiB; without it a batch of 400 RequestResponse events can be large.
pub const MAX_AUDIT_BODY: usize = 64 * 1024 * 1024;

/// Events committed in one transaction at most when several batches wait together.
const GROUP_EVENTS: usize = 8000;

/// A detection raised by an event: the rule's code or name and what it says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Detected {
    pub rule: String,
    pub message: String,
}

/// Called with every stored event (in commit order, on the detection thread, after the commit):
/// the detections run here. Stateful detectors keep their state across calls.
pub trait Detect: Send {
    fn event(&mut self, loc: &Loc, ev: &Event<'_>, out: &mut Vec<Detected>);
}

/// No detections.
pub struct NoDetections;

impl Detect for NoDetections {
    fn event(&mut self, _: &Loc, _: &Event<'_>, _: &mut Vec<Detected>) {}
}

/// How the sink runs.
#[derive(Debug, Clone)]
pub struct SinkOptions {
    /// `sqlite:PATH`, a path, or `postgres://…`.
    pub url: String,
    pub retention: Retention,
    /// How often retention runs (and the store size is measured).
    pub retention_every: Duration,
}

struct Job {
    records: Vec<Record>,
    done: oneshot::Sender<Result<Inserted, String>>,
}

/// The running sink.
pub struct Sink {
    tx: mpsc::Sender<Job>,
    pub metrics: Arc<AuditMetrics>,
}

/// Latency buckets in seconds: a durable commit takes milliseconds.
const BUCKETS: [f64; 12] = [
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 5.0,
];

/// At most this many rules are counted apart; more are counted as `rule="_other"`.
const MAX_RULES: usize = 1000;

#[derive(Debug, Default)]
pub struct AuditMetrics {
    batches: Mutex<BTreeMap<u16, u64>>,
    received: AtomicU64,
    stored: AtomicU64,
    rejected: AtomicU64,
    latency: Mutex<([u64; BUCKETS.len()], u64, f64)>,
    store_events: AtomicU64,
    store_bytes: AtomicU64,
    retention_deleted: AtomicU64,
    detections: Mutex<BTreeMap<String, u64>>,
    /// Committed batches waiting for the detection thread.
    detect_queue: AtomicU64,
    /// SQLite: the WAL's length in frames at the writer's last commit.
    wal_frames: AtomicU64,
    checkpoint_errors: AtomicU64,
    /// Transactions the writer ran (committed or failed), each for one or more batches.
    transactions: AtomicU64,
}

impl AuditMetrics {
    fn batch(&self, code: u16, took: Duration) {
        *self
            .batches
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .entry(code)
            .or_default() += 1;
        let mut h = self.latency.lock().unwrap_or_else(|e| e.into_inner());
        let s = took.as_secs_f64();
        for (i, b) in BUCKETS.iter().enumerate() {
            if s <= *b {
                h.0[i] += 1;
            }
        }
        h.1 += 1;
        h.2 += s;
    }
    fn size(&self, s: Size) {
        self.store_events.store(s.events, Ordering::Relaxed);
        self.store_bytes.store(s.bytes, Ordering::Relaxed);
    }
    fn detection(&self, rule: &str) {
        let mut m = self.detections.lock().unwrap_or_else(|e| e.into_inner());
        let key = if m.len() >= MAX_RULES && !m.contains_key(rule) {
            "_other".to_owned()
        } else {
            rule.to_owned()
        };
        *m.entry(key).or_default() += 1;
    }
    pub fn stored(&self) -> u64 {
        self.stored.load(Ordering::Relaxed)
    }

    /// The Prometheus text exposition of the sink's metrics.
    pub fn render(&self) -> String {
        let mut out = String::new();
        let esc = |s: &str| s.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', "\\n");
        out.push_str("# HELP palisade_audit_batches_total Audit batches answered, by HTTP status.\n# TYPE palisade_audit_batches_total counter\n");
        for (c, n) in self.batches.lock().unwrap_or_else(|e| e.into_inner()).iter() {
            let _ = writeln!(out, "palisade_audit_batches_total{{code=\"{c}\"}} {n}");
        }
        for (name, help, v) in [
            ("received", "Audit events received (good and bad).", &self.received),
            ("stored", "Audit events committed to the store (new requests and later stages).", &self.stored),
            ("rejected", "Audit events refused: items of a batch that are not audit events, or events of a batch the store failed to commit.", &self.rejected),
            ("retention_deleted", "Audit events deleted by retention.", &self.retention_deleted),
        ] {
            let _ = writeln!(
                out,
                "# HELP palisade_audit_events_{name}_total {help}\n# TYPE palisade_audit_events_{name}_total counter\npalisade_audit_events_{name}_total {}",
                v.load(Ordering::Relaxed)
            );
        }
        out.push_str("# HELP palisade_audit_ingest_duration_seconds Time from a batch's body to its answer (the durable commit included).\n# TYPE palisade_audit_ingest_duration_seconds histogram\n");
        {
            let h = self.latency.lock().unwrap_or_else(|e| e.into_inner());
            for (i, b) in BUCKETS.iter().enumerate() {
                let _ = writeln!(
                    out,
                    "palisade_audit_ingest_duration_seconds_bucket{{le=\"{b}\"}} {}",
                    h.0[i]
                );
            }
            let _ = writeln!(
                out,
                "palisade_audit_ingest_duration_seconds_bucket{{le=\"+Inf\"}} {}",
                h.1
            );
            let _ = writeln!(out, "palisade_audit_ingest_duration_seconds_sum {}", h.2);
            let _ = writeln!(out, "palisade_audit_ingest_duration_seconds_count {}", h.1);
        }
        // One value each: (metric, type, help, value).
        for (name, kind, help, v) in [
            ("palisade_audit_store_events", "gauge", "Events in the store (at the last retention pass).", &self.store_events),
            ("palisade_audit_store_bytes", "gauge", "Bytes the store uses (at the last retention pass).", &self.store_bytes),
            ("palisade_audit_detection_queue", "gauge", "Committed batches with newly stored events waiting for the detections.", &self.detect_queue),
            ("palisade_audit_transactions_total", "counter", "Transactions the audit writer ran (committed or failed), each for the batches waiting together.", &self.transactions),
            ("palisade_audit_wal_frames", "gauge", "SQLite: frames (pages) in the write-ahead log at the last commit.", &self.wal_frames),
            ("palisade_audit_checkpoint_errors_total", "counter", "SQLite: checkpoints of the write-ahead log that failed.", &self.checkpoint_errors),
        ] {
            let _ = writeln!(
                out,
                "# HELP {name} {help}\n# TYPE {name} {kind}\n{name} {}",
                v.load(Ordering::Relaxed)
            );
        }
        out.push_str("# HELP palisade_audit_detections_total Detections raised by stored events, by rule.\n# TYPE palisade_audit_detections_total counter\n");
        for (r, n) in self.detections.lock().unwrap_or_else(|e| e.into_inner()).iter() {
            let _ = writeln!(out, "palisade_audit_detections_total{{rule=\"{}\"}} {n}", esc(r));
        }
        out
    }
}

impl Sink {
    /// Open the store (a store that cannot be opened stops the start) and start the writer
    /// and retention threads.
    pub fn start(opts: SinkOptions, detect: Box<dyn Detect>) -> Result<Sink, String> {
        let mut store = Store::open(&opts.url).map_err(|e| format!("audit store {}: {e}", opts.url))?;
        let metrics = Arc::new(AuditMetrics::default());
        let (tx, rx) = mpsc::channel::<Job>(64);
        // SQLite: the writer only appends to the WAL; a checkpointer on its own connection
        // copies it into the database file (passive checkpoints, which never block the
        // writer), and the WAL stays bounded (see `WalLimits`).
        let limits = WalLimits::default();
        if let Some(frames) = store
            .checkpoint_elsewhere(limits)
            .map_err(|e| format!("audit store {}: {e}", opts.url))?
        {
            let mut checkpointer =
                Store::open(&opts.url).map_err(|e| format!("audit store {}: {e}", opts.url))?;
            let metrics = metrics.clone();
            let weak = tx.downgrade();
            std::thread::Builder::new()
                .name("palisade-audit-checkpoint".into())
                .spawn(move || {
                    while weak.upgrade().is_some() {
                        let wal = frames.get();
                        metrics.wal_frames.store(wal.max(0) as u64, Ordering::Relaxed);
                        if let Err(e) = checkpointer.checkpoint(wal, &limits) {
                            metrics.checkpoint_errors.fetch_add(1, Ordering::Relaxed);
                            tracing::error!(error = %e, wal_frames = wal, "audit store checkpoint failed");
                            std::thread::sleep(Duration::from_secs(1));
                        }
                        std::thread::sleep(Duration::from_millis(10));
                    }
                })
                .map_err(|e| format!("cannot start the audit checkpointer: {e}"))?;
        }
        // Detections run on their own thread, after the commit, so that they never hold up
        // the writer (and with it the answers to the API server).
        let (dtx, drx) = std::sync::mpsc::channel::<Stored>();
        {
            let metrics = metrics.clone();
            let name: Arc<str> = Arc::from(store.name());
            std::thread::Builder::new()
                .name("palisade-audit-detect".into())
                .spawn(move || detector(name, drx, detect, &metrics))
                .map_err(|e| format!("cannot start the audit detections: {e}"))?;
        }
        {
            let metrics = metrics.clone();
            std::thread::Builder::new()
                .name("palisade-audit-writer".into())
                .spawn(move || writer(store, rx, dtx, &metrics))
                .map_err(|e| format!("cannot start the audit writer: {e}"))?;
        }
        let mut retainer = Store::open(&opts.url).map_err(|e| format!("audit store {}: {e}", opts.url))?;
        {
            let metrics = metrics.clone();
            let every = opts.retention_every.max(Duration::from_millis(10));
            let retention = opts.retention;
            let weak = tx.downgrade();
            std::thread::Builder::new()
                .name("palisade-audit-retention".into())
                .spawn(move || loop {
                    let result = if retention.is_none() {
                        retainer
                            .size()
                            .map(|size| palisade_audit_store::Retained { deleted: 0, size })
                    } else {
                        retainer.retain(&retention, jiff::Timestamp::now())
                    };
                    match result {
                        Ok(r) => {
                            metrics.size(r.size);
                            metrics.retention_deleted.fetch_add(r.deleted, Ordering::Relaxed);
                            if r.deleted > 0 {
                                tracing::info!(
                                    deleted = r.deleted,
                                    events = r.size.events,
                                    bytes = r.size.bytes,
                                    "audit retention"
                                );
                            }
                        }
                        Err(e) => tracing::error!(error = %e, "audit retention failed"),
                    }
                    std::thread::sleep(every);
                    if weak.upgrade().is_none() {
                        return;
                    }
                })
                .map_err(|e| format!("cannot start audit retention: {e}"))?;
        }
        tracing::info!(store = %opts.url.split('@').next_back().unwrap_or(""), "audit sink");
        Ok(Sink { tx, metrics })
    }

    /// Take one request body: parse, commit, answer (status, text).
    pub async fn ingest(&self, body: axum::body::Bytes) -> (u16, String) {
        let started = Instant::now();
        let (code, text) = self.ingest_inner(body).await;
        self.metrics.batch(code, started.elapsed());
        (code, text)
    }

    async fn ingest_inner(&self, body: axum::body::Bytes) -> (u16, String) {
        let m = &self.metrics;
        let batch = match tokio::task::spawn_blocking(move || parse_batch(&body)).await {
            Ok(b) => b,
            Err(e) => return (500, format!("palisade: the batch could not be parsed: {e}\n")),
        };
        m.received.fetch_add(batch.items as u64, Ordering::Relaxed);
        // Events refused; a body that is not a batch at all is counted in the batches only.
        let bad_items = batch.errors.iter().filter(|e| e.item.is_some()).count();
        m.rejected.fetch_add(bad_items as u64, Ordering::Relaxed);
        let problems = || {
            let mut s = String::from("palisade: ");
            for (i, e) in batch.errors.iter().take(10).enumerate() {
                if i > 0 {
                    s.push_str("; ");
                }
                s.push_str(&e.to_string());
            }
            if batch.errors.len() > 10 {
                let _ = write!(s, "; and {} more", batch.errors.len() - 10);
            }
            s
        };
        let n = batch.records.len();
        if n == 0 {
            if batch.errors.is_empty() {
                return (200, "stored 0 events\n".into());
            }
            let p = problems();
            tracing::warn!(error = %p, "audit batch refused");
            return (400, format!("{p}\n"));
        }
        let (done, wait) = oneshot::channel();
        let job = Job {
            records: batch.records,
            done,
        };
        let result = match self.tx.send(job).await {
            Ok(()) => wait
                .await
                .unwrap_or_else(|_| Err("the audit writer stopped".into())),
            Err(_) => Err("the audit writer stopped".into()),
        };
        match result {
            Ok(inserted) => {
                m.stored.fetch_add(inserted.stored() as u64, Ordering::Relaxed);
                if batch.errors.is_empty() {
                    (200, format!("stored {n} events\n"))
                } else {
                    let p = problems();
                    tracing::warn!(error = %p, stored = n, "audit batch partly refused");
                    (400, format!("{p} ({n} other events of the batch were stored)\n"))
                }
            }
            Err(e) => {
                m.rejected.fetch_add(n as u64, Ordering::Relaxed);
                tracing::error!(error = %e, events = n, "audit batch not stored; the API server retries it");
                (500, format!("palisade: the audit store failed: {e}\n"))
            }
        }
    }
}

/// What was committed, handed to the detection thread: each record with its row id (None
/// when the row was not changed: an earlier stage arriving late).
struct Stored {
    records: Vec<Record>,
    ids: Vec<Option<i64>>,
}

/// The writer: takes the waiting batches together (up to [`GROUP_EVENTS`] events), commits
/// them in one transaction, answers each, then hands what was stored to the detections.
fn writer(
    mut store: Store,
    mut rx: mpsc::Receiver<Job>,
    detections: std::sync::mpsc::Sender<Stored>,
    metrics: &AuditMetrics,
) {
    while let Some(first) = rx.blocking_recv() {
        let mut jobs = vec![first];
        let mut events = jobs[0].records.len();
        while events < GROUP_EVENTS {
            match rx.try_recv() {
                Ok(j) => {
                    events += j.records.len();
                    jobs.push(j);
                }
                Err(_) => break,
            }
        }
        let counts: Vec<usize> = jobs.iter().map(|j| j.records.len()).collect();
        let all: Vec<Record> = jobs
            .iter_mut()
            .flat_map(|j| std::mem::take(&mut j.records))
            .collect();
        let result = store.insert(&all);
        metrics.transactions.fetch_add(1, Ordering::Relaxed);
        // Only events stored now (not retries of stored ones) go to the detections. They are
        // counted as waiting before any batch is answered, so a client that got its 200 and
        // then sees the queue at 0 knows its events were looked at.
        let detect = matches!(&result, Ok(ins) if ins.ids.iter().any(Option::is_some));
        if detect {
            metrics.detect_queue.fetch_add(1, Ordering::Relaxed);
        }
        let mut at = 0;
        for (j, n) in jobs.into_iter().zip(counts) {
            let _ = j.done.send(match &result {
                Ok(ins) => Ok(Inserted {
                    ids: ins.ids[at..at + n].to_vec(),
                }),
                Err(e) => Err(e.to_string()),
            });
            at += n;
        }
        let Ok(ins) = result else { continue };
        if !detect {
            continue;
        }
        if detections
            .send(Stored {
                records: all,
                ids: ins.ids,
            })
            .is_err()
        {
            metrics.detect_queue.fetch_sub(1, Ordering::Relaxed);
        }
    }
}

/// The detection thread: runs the detection hook on every stored event, in commit order,
/// logs and counts what it raises.
fn detector(
    name: Arc<str>,
    rx: std::sync::mpsc::Receiver<Stored>,
    mut detect: Box<dyn Detect>,
    metrics: &AuditMetrics,
) {
    let mut found = Vec::new();
    while let Ok(Stored { records: all, ids }) = rx.recv() {
        metrics.detect_queue.fetch_sub(1, Ordering::Relaxed);
        for (r, id) in all.iter().zip(&ids) {
            let Some(id) = id else { continue };
            let loc = Loc {
                file: name.clone(),
                line: (*id).max(0) as u64,
                item: None,
            };
            let _ = palisade_audit::decode::decode(&r.json, &mut |_, ev| {
                found.clear();
                detect.event(&loc, &ev, &mut found);
                for d in &found {
                    metrics.detection(&d.rule);
                    tracing::warn!(
                        rule = %d.rule,
                        audit_id = %r.audit_id,
                        at = %loc,
                        user = %ev.user.username,
                        verb = %ev.verb,
                        "{}",
                        d.message
                    );
                }
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(id: &str) -> String {
        format!(
            r#"{{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Metadata","auditID":"{id}","stage":"ResponseComplete","requestURI":"/api/v1/pods","verb":"list","user":{{"username":"alice"}},"sourceIPs":["127.0.0.1"],"objectRef":{{"resource":"pods","apiVersion":"v1"}},"responseStatus":{{"code":200}},"requestReceivedTimestamp":"2026-11-22T13:02:53.883701Z","stageTimestamp":"2026-11-22T13:02:53.901211Z"}}"#
        )
    }

    type Answer = oneshot::Receiver<Result<Inserted, String>>;

    /// `batches` jobs of `per` events each, all queued before the writer starts (so that
    /// they wait together), and the writer run until the queue closes.
    fn run_writer(store: Store, batches: usize, per: usize) -> (Vec<Answer>, Vec<Stored>, AuditMetrics) {
        let (tx, rx) = mpsc::channel::<Job>(64);
        let mut answers = Vec::new();
        for b in 0..batches {
            let items: Vec<String> = (0..per).map(|i| ev(&format!("b{b}-{i}"))).collect();
            let body = format!(
                r#"{{"kind":"EventList","apiVersion":"audit.k8s.io/v1","items":[{}]}}"#,
                items.join(",")
            );
            let parsed = parse_batch(body.as_bytes());
            assert!(parsed.errors.is_empty(), "{:?}", parsed.errors);
            let (done, wait) = oneshot::channel();
            tx.try_send(Job {
                records: parsed.records,
                done,
            })
            .unwrap();
            answers.push(wait);
        }
        drop(tx);
        let (dtx, drx) = std::sync::mpsc::channel();
        let metrics = AuditMetrics::default();
        writer(store, rx, dtx, &metrics);
        (answers, drx.try_iter().collect(), metrics)
    }

    #[test]
    fn batches_waiting_together_are_one_commit_and_each_is_answered_with_its_rows() {
        let dir = tempfile::tempdir().unwrap();
        let url = dir.path().join("audit.db").display().to_string();
        let (answers, stored, metrics) = run_writer(Store::open(&url).unwrap(), 5, 10);
        assert_eq!(metrics.transactions.load(Ordering::Relaxed), 1);
        let mut all = Vec::new();
        for a in answers {
            let ins = a.blocking_recv().unwrap().unwrap();
            assert_eq!(ins.stored(), 10, "{ins:?}");
            all.extend(ins.ids.into_iter().flatten());
        }
        // Each batch got its own rows: 50 distinct row ids, all in the store.
        all.sort_unstable();
        all.dedup();
        assert_eq!(all.len(), 50);
        assert_eq!(Store::open(&url).unwrap().size().unwrap().events, 50);
        // One hand-over to the detections, with every record.
        assert_eq!(stored.len(), 1);
        assert_eq!(stored[0].records.len(), 50);
    }

    #[test]
    fn a_failed_commit_is_an_error_for_every_batch_in_it() {
        let dir = tempfile::tempdir().unwrap();
        let url = dir.path().join("audit.db").display().to_string();
        let store = Store::open(&url).unwrap();
        rusqlite::Connection::open(dir.path().join("audit.db"))
            .unwrap()
            .execute_batch("DROP TABLE events")
            .unwrap();
        let (answers, stored, metrics) = run_writer(store, 4, 3);
        assert_eq!(metrics.transactions.load(Ordering::Relaxed), 1);
        for a in answers {
            let e = a.blocking_recv().unwrap().unwrap_err();
            assert!(e.contains("events"), "{e}");
        }
        assert!(stored.is_empty());
    }
}
