//! The store's behaviour, the same checks on SQLite (in a temporary directory) and on a real
//! PostgreSQL server (ignored unless `--ignored`: it needs Debian's `postgresql`).

mod common;

use common::{batch, batch_time, ev, Pg};
use palisade_audit::Stage;
use palisade_audit_store::{parse_batch, Order, Record, Retention, Selection, Store, WalLimits};
use std::ops::ControlFlow;
use std::time::Duration;

fn records(items: &[String]) -> Vec<Record> {
    let b = parse_batch(batch(items).as_bytes());
    assert!(b.errors.is_empty(), "{:?}", b.errors);
    b.records
}

/// (row id, auditID, stage, effective user) of the selected events.
fn select(store: &mut Store, sel: &Selection) -> Vec<(u64, String, Stage, String)> {
    let mut out = Vec::new();
    let name = store.name().to_owned();
    store
        .select(sel, &mut |loc, e| {
            assert_eq!(&*loc.file, name);
            out.push((
                loc.line,
                e.audit_id.to_string(),
                e.stage,
                e.effective_user().username.to_string(),
            ));
            ControlFlow::Continue(())
        })
        .unwrap();
    out
}

fn ids(store: &mut Store, sel: &Selection) -> Vec<String> {
    select(store, sel).into_iter().map(|r| r.1).collect()
}

fn upsert_by_audit_id(store: &mut Store) {
    assert!(store.is_empty().unwrap());
    let t = "2026-11-22T13:00:00.000001Z";
    let first = store
        .insert(&records(&[ev(
            "u1",
            "RequestReceived",
            "alice",
            "get",
            "pods",
            "shop",
            "web",
            t,
        )]))
        .unwrap();
    let id = first.ids[0].expect("stored");
    // The final stage replaces the first; the row keeps its id.
    let done = store
        .insert(&records(&[ev(
            "u1",
            "ResponseComplete",
            "alice",
            "get",
            "pods",
            "shop",
            "web",
            t,
        )]))
        .unwrap();
    assert_eq!(done.ids, [Some(id)]);
    // An earlier stage arriving late (a retried batch) changes nothing.
    let late = store
        .insert(&records(&[ev(
            "u1",
            "RequestReceived",
            "alice",
            "get",
            "pods",
            "shop",
            "web",
            t,
        )]))
        .unwrap();
    assert_eq!(late.ids, [None]);
    assert_eq!(late.stored(), 0);
    let got = select(
        store,
        &Selection {
            audit_id: vec!["u1".into()],
            ..Selection::default()
        },
    );
    assert_eq!(
        got,
        [(id as u64, "u1".into(), Stage::ResponseComplete, "alice".into())]
    );
    assert_eq!(store.size().unwrap().events, 1);
    assert!(!store.is_empty().unwrap());
}

fn queries(store: &mut Store) {
    let evs = [
        ev(
            "q1",
            "ResponseComplete",
            "alice",
            "create",
            "namespaces",
            "",
            "shop",
            "2026-11-22T13:00:01Z",
        ),
        ev(
            "q2",
            "ResponseComplete",
            "bob",
            "get",
            "pods",
            "shop",
            "web",
            "2026-11-22T13:00:02Z",
        ),
        ev(
            "q3",
            "ResponseComplete",
            "mallory",
            "get",
            "secrets",
            "shop",
            "db",
            "2026-11-22T13:00:03Z",
        ),
        ev(
            "q4",
            "ResponseComplete",
            "alice",
            "delete",
            "namespaces",
            "",
            "shop",
            "2026-11-22T13:00:04Z",
        ),
        ev(
            "q5",
            "ResponseComplete",
            "bob",
            "delete",
            "pods",
            "shop",
            "web",
            "2026-11-22T13:00:05Z",
        ),
    ];
    let stored = store.insert(&records(&evs)).unwrap();
    assert_eq!(stored.stored(), 5);
    let s = |f: fn(&mut Selection)| {
        let mut sel = Selection::default();
        f(&mut sel);
        sel
    };
    // Who deleted my namespace?
    assert_eq!(
        ids(
            store,
            &s(|q| {
                q.verb = vec!["delete".into()];
                q.resource = vec!["namespaces".into()];
                q.name = vec!["shop".into()];
            })
        ),
        ["q4"]
    );
    assert_eq!(ids(store, &s(|q| q.user = vec!["alice".into()])), ["q1", "q4"]);
    assert_eq!(
        ids(
            store,
            &s(|q| q.effective_user = vec!["bob".into(), "mallory".into()])
        ),
        ["q2", "q3", "q5"]
    );
    assert_eq!(ids(store, &s(|q| q.namespace = vec!["".into()])), ["q1", "q4"]);
    assert_eq!(ids(store, &s(|q| q.decision = vec!["forbid".into()])), ["q3"]);
    assert_eq!(ids(store, &s(|q| q.code = vec![403])), ["q3"]);
    assert_eq!(ids(store, &s(|q| q.source_ip = vec!["10.1.2.3".into()])).len(), 5);
    assert_eq!(
        ids(store, &s(|q| q.user_agent = vec!["curl".into()])),
        Vec::<String>::new()
    );
    // A time range: from (inclusive) .. until (exclusive), newest first, limited.
    assert_eq!(
        ids(
            store,
            &s(|q| {
                q.since = Some("2026-11-22T13:00:02Z".parse().unwrap());
                q.until = Some("2026-11-22T13:00:05Z".parse().unwrap());
                q.order = Order::Newest;
                q.limit = Some(2);
            })
        ),
        ["q4", "q3"]
    );
    // A value that looks like SQL is only a value.
    assert!(ids(store, &s(|q| q.user = vec!["x' OR '1'='1".into()])).is_empty());
    // The caller can stop early.
    let mut n = 0;
    store
        .select(&Selection::default(), &mut |_, _| {
            n += 1;
            if n == 2 {
                ControlFlow::Break(())
            } else {
                ControlFlow::Continue(())
            }
        })
        .unwrap();
    assert_eq!(n, 2);
}

fn retention(store: &mut Store) {
    let now: jiff::Timestamp = "2026-11-30T00:00:00Z".parse().unwrap();
    let mut evs = Vec::new();
    for day in 0..10 {
        for i in 0..30 {
            let t = format!("2026-11-{:02}T12:00:{i:02}Z", 20 + day);
            evs.push(ev(
                &format!("r{day}-{i}"),
                "ResponseComplete",
                "alice",
                "get",
                "pods",
                "shop",
                "web",
                &t,
            ));
        }
    }
    store.insert(&records(&evs)).unwrap();
    assert_eq!(store.size().unwrap().events, 300);
    // By age: 3 days back from 2026-11-30T00:00Z keeps the 27th (12:00) onwards.
    let r = store
        .retain(
            &Retention {
                max_age: Some(Duration::from_secs(3 * 86400)),
                ..Retention::default()
            },
            now,
        )
        .unwrap();
    assert_eq!(r.deleted, 210);
    assert_eq!(r.size.events, 90);
    let left = ids(store, &Selection::default());
    assert_eq!(left.first().map(String::as_str), Some("r7-0"));
    // By count: the oldest go first.
    let r = store
        .retain(
            &Retention {
                max_events: Some(25),
                ..Retention::default()
            },
            now,
        )
        .unwrap();
    assert_eq!((r.deleted, r.size.events), (65, 25));
    assert_eq!(
        ids(store, &Selection::default()).first().map(String::as_str),
        Some("r9-5")
    );
    // By size: the store shrinks below the bound, keeping the newest.
    let before = store.size().unwrap();
    let max = before.bytes / 2;
    let r = store
        .retain(
            &Retention {
                max_bytes: Some(max),
                ..Retention::default()
            },
            now,
        )
        .unwrap();
    assert!(r.deleted > 0 && r.size.events < before.events, "{r:?} {before:?}");
    assert_eq!(
        ids(store, &Selection::default()).last().map(String::as_str),
        Some("r9-29")
    );
}

fn sqlite() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path().join("audit.db").to_str().unwrap()).unwrap();
    (dir, store)
}

#[test]
fn sqlite_upserts_by_audit_id() {
    let (_d, mut s) = sqlite();
    upsert_by_audit_id(&mut s);
}

#[test]
fn sqlite_queries() {
    let (_d, mut s) = sqlite();
    queries(&mut s);
}

#[test]
fn sqlite_retention() {
    let (_d, mut s) = sqlite();
    retention(&mut s);
    // The file gave back what was freed (auto_vacuum=INCREMENTAL).
}

#[test]
fn sqlite_reopens_what_it_stored() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite:{}", dir.path().join("a.db").display());
    {
        let mut s = Store::open(&url).unwrap();
        queries(&mut s);
    }
    let mut s = Store::open(&url).unwrap();
    assert_eq!(s.size().unwrap().events, 5);
    assert_eq!(s.name(), url);
}

/// The SQL of the store's table and indexes, from `sqlite_master`.
fn sqlite_schema(path: &std::path::Path) -> Vec<(String, String)> {
    let c = rusqlite::Connection::open(path).unwrap();
    let mut st = c
        .prepare("SELECT name, coalesce(sql, '') FROM sqlite_master WHERE tbl_name = 'events' ORDER BY name")
        .unwrap();
    let rows = st
        .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))
        .unwrap();
    rows.map(Result::unwrap).collect()
}

#[test]
fn sqlite_keys_a_request_by_its_receipt_time_and_audit_id() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("audit.db");
    let mut s = Store::open(path.to_str().unwrap()).unwrap();
    upsert_by_audit_id(&mut s);
    drop(s);
    let schema = sqlite_schema(&path);
    let names: Vec<&str> = schema.iter().map(|(n, _)| n.as_str()).collect();
    // No index on the random auditIDs alone (no `sqlite_autoindex_events_1`): the key is
    // ordered by time first.
    assert!(
        !names.iter().any(|n| n.starts_with("sqlite_autoindex")),
        "{names:?}"
    );
    let key = &schema
        .iter()
        .find(|(n, _)| n == "events_request")
        .expect("the key")
        .1;
    assert!(
        key.contains("UNIQUE") && key.contains("(coalesce(received_ts, 0), audit_id)"),
        "{key}"
    );
    // Events without requestReceivedTimestamp are keyed by auditID alone: stages still join.
    let mut s = Store::open(path.to_str().unwrap()).unwrap();
    let bare = |stage: &str, t: &str| {
        ev("n1", stage, "carol", "get", "pods", "shop", "web", t)
            .replace(&format!(r#""requestReceivedTimestamp":"{t}","#), "")
    };
    let first = s
        .insert(&records(&[bare("ResponseStarted", "2026-11-22T14:00:00Z")]))
        .unwrap();
    assert!(records(&[bare("ResponseStarted", "2026-11-22T14:00:00Z")])[0]
        .received_ts
        .is_none());
    let later = s
        .insert(&records(&[bare("ResponseComplete", "2026-11-22T14:00:05Z")]))
        .unwrap();
    assert_eq!(first.ids, later.ids);
    assert!(first.ids[0].is_some());
    assert_eq!(s.size().unwrap().events, 2);
}

#[test]
fn sqlite_store_of_the_first_schema_keeps_its_audit_id_key() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("old.db");
    {
        // The table as palisade created it before the time-ordered key.
        let c = rusqlite::Connection::open(&path).unwrap();
        c.execute_batch(
            "CREATE TABLE events (
                id INTEGER PRIMARY KEY, audit_id TEXT NOT NULL UNIQUE, ts INTEGER NOT NULL,
                received_ts INTEGER, stage INTEGER NOT NULL, level TEXT NOT NULL,
                username TEXT NOT NULL, effective_user TEXT NOT NULL, verb TEXT NOT NULL,
                resource TEXT NOT NULL, subresource TEXT NOT NULL, api_group TEXT NOT NULL,
                namespace TEXT NOT NULL, name TEXT NOT NULL, code INTEGER,
                decision TEXT NOT NULL, source_ip TEXT NOT NULL, user_agent TEXT NOT NULL,
                ingested INTEGER NOT NULL, event BLOB NOT NULL)",
        )
        .unwrap();
    }
    let mut s = Store::open(path.to_str().unwrap()).unwrap();
    upsert_by_audit_id(&mut s);
    // Another stage of u1 with another receipt time still finds the row by auditID alone.
    let other = ev(
        "u1",
        "Panic",
        "alice",
        "get",
        "pods",
        "shop",
        "web",
        "2026-11-22T15:00:00Z",
    );
    let ins = s.insert(&records(&[other])).unwrap();
    assert!(ins.ids[0].is_some());
    assert_eq!(s.size().unwrap().events, 1);
    drop(s);
    let names: Vec<String> = sqlite_schema(&path).into_iter().map(|(n, _)| n).collect();
    assert!(!names.iter().any(|n| n == "events_request"), "{names:?}");
    assert!(names.iter().any(|n| n == "events_ts"), "{names:?}");
}

fn truncate(pg: &Pg) {
    let mut c = ::postgres::Client::connect(&pg.url(), ::postgres::NoTls).unwrap();
    c.batch_execute("TRUNCATE events").unwrap();
}

#[test]
#[ignore = "needs postgres"]
fn postgres_upserts_queries_and_retention() {
    let pg = Pg::start();
    let mut s = Store::open(&pg.url()).unwrap();
    assert_eq!(s.name(), pg.url());
    upsert_by_audit_id(&mut s);
    // A second replica opening the same database sees the same rows.
    let mut other = Store::open(&pg.url()).unwrap();
    assert_eq!(other.size().unwrap().events, 1);
    truncate(&pg);
    queries(&mut other);
    assert_eq!(s.size().unwrap().events, 5);
    truncate(&pg);
    retention(&mut s);
}

/// The recorded log's requests (latest stage of each) in a store; each filter asked of the
/// store (its columns in SQL, the rest by `Filter::matches` on what is read back) gives the
/// same requests as `Filter::matches` on the file's events: pushing a criterion down into
/// SQL never loses or adds an answer.
fn pushed_down_filters_keep_answers(store: &mut Store) {
    use palisade_audit::filter::{CodeRange, Filter, Glob};
    use std::collections::{BTreeMap, BTreeSet};
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/corpus/audit/palisade-recorded/audit.log"
    );
    let text = std::fs::read_to_string(path).expect("the recorded audit log (../shared/corpus)");
    let mut latest: BTreeMap<String, (i64, String)> = BTreeMap::new();
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let r = Record::from_json(line).unwrap();
        let keep = latest.get(&r.audit_id).is_none_or(|(s, _)| r.stage > *s);
        if keep {
            latest.insert(r.audit_id.clone(), (r.stage, line.to_owned()));
        }
    }
    let records: Vec<Record> = latest
        .values()
        .map(|(_, l)| Record::from_json(l).unwrap())
        .collect();
    store.insert(&records).unwrap();
    let filters: Vec<(&str, Filter)> = vec![
        (
            "4xx",
            Filter {
                codes: vec![CodeRange(400, 499)],
                ..Filter::default()
            },
        ),
        (
            "denied",
            Filter {
                denied: true,
                ..Filter::default()
            },
        ),
        (
            "forbid",
            Filter {
                decisions: vec!["forbid".into()],
                ..Filter::default()
            },
        ),
        (
            "complete",
            Filter {
                stages: vec![Stage::ResponseComplete],
                ..Filter::default()
            },
        ),
        (
            "exec",
            Filter {
                subresources: vec![Glob::new("exec")],
                ..Filter::default()
            },
        ),
        (
            "2xx+201",
            Filter {
                codes: vec![CodeRange(200, 200), CodeRange(201, 201)],
                users: vec![Glob::new("kubernetes-admin")],
                ..Filter::default()
            },
        ),
        (
            "shop denied",
            Filter {
                namespaces: vec![Glob::new("shop")],
                denied: true,
                ..Filter::default()
            },
        ),
        (
            "bob",
            Filter {
                users: vec![Glob::new("bob")],
                codes: vec![CodeRange(403, 403)],
                ..Filter::default()
            },
        ),
    ];
    for (what, f) in filters {
        let want: BTreeSet<String> = latest
            .iter()
            .filter(|(_, (_, l))| {
                let mut m = false;
                palisade_audit::decode::decode(l, &mut |_, ev| m = f.matches(&ev)).unwrap();
                m
            })
            .map(|(id, _)| id.clone())
            .collect();
        let sel = Selection::from_filter(&f);
        let mut got = BTreeSet::new();
        let mut read = 0;
        store
            .select(&sel, &mut |_, ev| {
                read += 1;
                if f.matches(&ev) {
                    got.insert(ev.audit_id.to_string());
                }
                ControlFlow::Continue(())
            })
            .unwrap();
        assert_eq!(got, want, "{what}");
        assert!(!want.is_empty(), "{what}: the recorded log has such requests");
        // Every criterion here is a column: nothing is read that does not match.
        assert_eq!(read, want.len(), "{what}: rows read");
    }
}

#[test]
fn sqlite_pushed_down_filters_keep_answers() {
    let (_d, mut s) = sqlite();
    pushed_down_filters_keep_answers(&mut s);
}

#[test]
#[ignore = "needs postgres"]
fn postgres_pushed_down_filters_keep_answers() {
    let pg = Pg::start();
    let mut s = Store::open(&pg.url()).unwrap();
    pushed_down_filters_keep_answers(&mut s);
}

/// A batch of `n` distinct events whose times follow batch `b`'s.
fn numbered(b: usize, n: usize) -> Vec<Record> {
    let items: Vec<String> = (0..n)
        .map(|i| {
            let t = batch_time(b as u64, i);
            ev(
                &format!("w{b}-{i}"),
                "ResponseComplete",
                &format!("user-{}", i % 7),
                "get",
                "pods",
                &format!("ns-{}", i % 13),
                &format!("web-{i}"),
                &t,
            )
        })
        .collect();
    records(&items)
}

#[test]
fn sqlite_checkpointer_copies_the_wal_and_the_writer_starts_it_anew() {
    let dir = tempfile::tempdir().unwrap();
    let url = dir.path().join("audit.db").display().to_string();
    let limits = WalLimits {
        passive: 100,
        restart: 1500,
    };
    let mut w = Store::open(&url).unwrap();
    let frames = w.checkpoint_elsewhere(limits).unwrap().expect("SQLite");
    let mut c = Store::open(&url).unwrap();
    assert_eq!(c.checkpoint(frames.get(), &limits).unwrap(), None);
    let mut b = 0;
    while frames.get() < limits.passive {
        w.insert(&numbered(b, 50)).unwrap();
        b += 1;
    }
    let done = c.checkpoint(frames.get(), &limits).unwrap().expect("due");
    assert_eq!((done.wal, done.copied), (frames.get(), frames.get()));
    // Nothing new: nothing to do.
    assert_eq!(c.checkpoint(frames.get(), &limits).unwrap(), None);
    // The WAL was wholly copied: the writer's next commit starts it anew.
    let before = frames.get();
    w.insert(&numbered(b, 50)).unwrap();
    b += 1;
    assert!(frames.get() < before, "{} after {before}", frames.get());
    // The writer no longer checkpoints by itself (SQLite's automatic checkpoint would have
    // started the WAL anew past 1,000 frames): it grows up to the restart limit ...
    let mut last = frames.get();
    while frames.get() < limits.restart {
        w.insert(&numbered(b, 50)).unwrap();
        b += 1;
        assert!(frames.get() > last, "{} after {last}", frames.get());
        last = frames.get();
    }
    assert!(last > 1000);
    // ... where the checkpointer leaves the rest to the writer, which copied it after its
    // commit: its next commit starts the WAL anew.
    assert_eq!(c.checkpoint(frames.get(), &limits).unwrap(), None);
    w.insert(&numbered(b, 50)).unwrap();
    b += 1;
    assert!(frames.get() < last / 2, "{} after {last}", frames.get());
    assert_eq!(w.size().unwrap().events, 50 * b as u64);
}

#[test]
fn sqlite_wal_stays_bounded_under_sustained_load_with_a_checkpointer() {
    let dir = tempfile::tempdir().unwrap();
    let url = dir.path().join("audit.db").display().to_string();
    let limits = WalLimits {
        passive: 200,
        restart: 800,
    };
    let mut w = Store::open(&url).unwrap();
    let frames = w.checkpoint_elsewhere(limits).unwrap().expect("SQLite");
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let checkpointer = {
        let (frames, stop, url) = (frames.clone(), stop.clone(), url.clone());
        std::thread::spawn(move || {
            let mut c = Store::open(&url).unwrap();
            let mut passes = 0;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                passes += usize::from(c.checkpoint(frames.get(), &limits).unwrap().is_some());
                std::thread::sleep(Duration::from_millis(2));
            }
            passes
        })
    };
    let (mut most, mut per_commit) = (0, 0);
    let batches = 120;
    for b in 0..batches {
        let before = frames.get();
        w.insert(&numbered(b, 100)).unwrap();
        per_commit = per_commit.max(frames.get() - before);
        most = most.max(frames.get());
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let passes = checkpointer.join().unwrap();
    assert!(passes > 0);
    // In all, many times the restart limit's worth of frames were written, yet the WAL never
    // went past the limit by more than a few commits (when the writer crosses it while the
    // checkpointer's last pass still runs, the writer copies the rest after a later commit).
    assert!(per_commit * batches as i64 > 10 * limits.restart, "{per_commit}");
    assert!(
        most <= limits.restart + 4 * per_commit,
        "{most} frames (a commit: {per_commit})"
    );
    let wal = std::fs::metadata(format!("{url}-wal")).map_or(0, |m| m.len());
    assert!(
        wal < 2 * (limits.restart + per_commit) as u64 * 4096,
        "{wal} bytes of WAL"
    );
    drop(w);
    let mut s = Store::open(&url).unwrap();
    assert_eq!(s.size().unwrap().events, 100 * batches as u64);
}

#[test]
fn sqlite_opens_beside_a_writer_holding_the_write_lock() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("audit.db");
    let mut s = Store::open(path.to_str().unwrap()).unwrap();
    queries(&mut s);
    // A writer in the middle of a transaction (the sink's writer under sustained load holds
    // the write lock nearly all the time).
    let w = rusqlite::Connection::open(&path).unwrap();
    w.execute_batch("BEGIN IMMEDIATE; DELETE FROM events WHERE audit_id = 'q1'")
        .unwrap();
    let started = std::time::Instant::now();
    let mut reader = Store::open(path.to_str().unwrap()).unwrap();
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(reader.size().unwrap().events, 5);
    w.execute_batch("ROLLBACK").unwrap();
}
