//! Durability of the SQLite store at the store level: a child process (this test binary run
//! again with `PALISADE_STORE_KILL9_CHILD` set) ingests batches of 400 events, printing the
//! number of each batch once `insert` has returned; it is killed with SIGKILL in mid-stream.
//! Reopened, the store holds every acknowledged batch whole, and no batch in part (a batch is
//! one transaction: the one being written when the kill came is there whole or not at all).

mod common;

use common::{batch, ev};
use palisade_audit_store::{parse_batch, Selection, Store};
use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::ops::ControlFlow;
use std::process::{Command, Stdio};

const CHILD: &str = "PALISADE_STORE_KILL9_CHILD";
const PER_BATCH: usize = 400;
const TEST: &str = "acknowledged_batches_survive_sigkill";

/// The child: ingest batch after batch until killed.
fn child(path: &str) -> ! {
    let mut store = Store::open(path).expect("open the store");
    for b in 0u64.. {
        let items: Vec<String> = (0..PER_BATCH)
            .map(|i| {
                let t = format!(
                    "2026-11-22T{:02}:{:02}:{:02}.{i:06}Z",
                    (b / 3600) % 24,
                    (b / 60) % 60,
                    b % 60
                );
                ev(
                    &format!("b{b}-{i}"),
                    "ResponseComplete",
                    "alice",
                    "get",
                    "pods",
                    "shop",
                    &format!("web-{i}"),
                    &t,
                )
            })
            .collect();
        let parsed = parse_batch(batch(&items).as_bytes());
        assert!(parsed.errors.is_empty(), "{:?}", parsed.errors);
        let ins = store.insert(&parsed.records).expect("insert");
        assert_eq!(ins.stored(), PER_BATCH);
        // Acknowledged only now, after the commit.
        println!("acked {b}");
    }
    unreachable!()
}

#[test]
fn acknowledged_batches_survive_sigkill() {
    if let Ok(path) = std::env::var(CHILD) {
        child(&path);
    }
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("audit.db");
    let mut proc = Command::new(std::env::current_exe().unwrap())
        .args([TEST, "--exact", "--nocapture", "--test-threads=1"])
        .env(CHILD, &db)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(proc.stdout.take().unwrap()).lines();
    let mut acked: Vec<u64> = Vec::new();
    // (libtest's "test NAME ... " precedes the first one on its line.)
    let parse = |l: &str| {
        l.find("acked ")
            .and_then(|at| l[at + 6..].trim().parse::<u64>().ok())
    };
    // Let it commit a good number of batches, then kill it while it is writing the next.
    while acked.len() < 40 {
        let line = lines
            .next()
            .expect("the child stopped before acknowledging 40 batches")
            .unwrap();
        acked.extend(parse(&line));
    }
    std::thread::sleep(std::time::Duration::from_millis(7));
    proc.kill().unwrap(); // SIGKILL
    let status = proc.wait().unwrap();
    assert!(!status.success(), "the child was killed: {status:?}");
    // Acknowledgements written before the kill are still in the pipe.
    for line in lines {
        acked.extend(parse(&line.unwrap()));
    }
    assert_eq!(acked, (0..acked.len() as u64).collect::<Vec<_>>());

    let mut store = Store::open(db.to_str().unwrap()).unwrap();
    let mut per_batch: BTreeMap<u64, usize> = BTreeMap::new();
    let read = store
        .select(&Selection::default(), &mut |_, e| {
            let b = e
                .audit_id
                .strip_prefix('b')
                .and_then(|r| r.split_once('-'))
                .and_then(|(b, _)| b.parse::<u64>().ok())
                .expect("an auditID of the child's");
            *per_batch.entry(b).or_default() += 1;
            ControlFlow::Continue(())
        })
        .unwrap();
    for b in &acked {
        assert_eq!(per_batch.get(b), Some(&PER_BATCH), "acknowledged batch {b}");
    }
    // Nothing in part: the batch in flight at the kill is whole or absent, none beyond it.
    let last = *acked.last().unwrap();
    for (b, n) in &per_batch {
        assert!(
            *b <= last + 1,
            "batch {b} stored but the child never got that far"
        );
        assert_eq!(*n, PER_BATCH, "batch {b} stored in part");
    }
    assert_eq!(read, store.size().unwrap().events);
    eprintln!(
        "{} batches acknowledged before SIGKILL, {} stored",
        acked.len(),
        per_batch.len()
    );
}
