//! Durability of the SQLite store at the store level: a child process (this test binary run
//! again with `PALISADE_STORE_KILL9_CHILD` set) ingests batches of 400 events, printing the
//! number of each batch once `insert` has returned; it is killed with SIGKILL in mid-stream.
//! Reopened, the store holds every acknowledged batch whole, and no batch in part (a batch is
//! one transaction: the one being written when the kill came is there whole or not at all).
//! Twice: with SQLite's own checkpoints, and with the writer leaving them to a checkpointer
//! thread on another connection (as the sink does), with limits small enough that the WAL is
//! copied and started anew every few batches while the child runs.

mod common;

use common::{batch, batch_time, ev};
use palisade_audit_store::{parse_batch, Selection, Store, WalLimits};
use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::ops::ControlFlow;
use std::process::{Command, Stdio};

const CHILD: &str = "PALISADE_STORE_KILL9_CHILD";
const PER_BATCH: usize = 400;
const CHECKPOINTER: WalLimits = WalLimits {
    passive: 64,
    restart: 256,
};

/// The child: ingest batch after batch until killed.
fn child(path: &str, checkpointer: bool) -> ! {
    let mut store = Store::open(path).expect("open the store");
    let frames = if checkpointer {
        let frames = store
            .checkpoint_elsewhere(CHECKPOINTER)
            .expect("checkpoint elsewhere")
            .expect("SQLite");
        let mut c = Store::open(path).expect("open the store again");
        let f = frames.clone();
        std::thread::spawn(move || loop {
            c.checkpoint(f.get(), &CHECKPOINTER).expect("checkpoint");
            std::thread::sleep(std::time::Duration::from_millis(1));
        });
        Some(frames)
    } else {
        None
    };
    for b in 0u64.. {
        let items: Vec<String> = (0..PER_BATCH)
            .map(|i| {
                let t = batch_time(b, i);
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
        match &frames {
            Some(f) => println!("acked {b} wal {}", f.get()),
            None => println!("acked {b}"),
        }
    }
    unreachable!()
}

#[test]
fn acknowledged_batches_survive_sigkill() {
    if let Ok(path) = std::env::var(CHILD) {
        child(&path, false);
    }
    kill9("acknowledged_batches_survive_sigkill", false);
}

#[test]
fn acknowledged_batches_survive_sigkill_with_a_checkpointer() {
    if let Ok(path) = std::env::var(CHILD) {
        child(&path, true);
    }
    kill9("acknowledged_batches_survive_sigkill_with_a_checkpointer", true);
}

fn kill9(test: &str, checkpointer: bool) {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("audit.db");
    let mut proc = Command::new(std::env::current_exe().unwrap())
        .args([test, "--exact", "--nocapture", "--test-threads=1"])
        .env(CHILD, &db)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(proc.stdout.take().unwrap()).lines();
    let mut acked: Vec<u64> = Vec::new();
    // The WAL's length after each acknowledged batch (with a checkpointer).
    let mut wal: Vec<u64> = Vec::new();
    // (libtest's "test NAME ... " precedes the first one on its line.)
    let mut parse = |l: &str| {
        let mut words = l[l.find("acked ")? + 6..].split_whitespace();
        let b = words.next()?.parse::<u64>().ok()?;
        if let (Some("wal"), Some(n)) = (words.next(), words.next()) {
            wal.push(n.parse().ok()?);
        }
        Some(b)
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
    if checkpointer {
        // The WAL was copied and started anew several times while the child ran.
        let restarts = wal.windows(2).filter(|w| w[1] < w[0]).count();
        assert!(restarts >= 3, "WAL lengths {wal:?}");
        assert!(
            wal.iter().all(|n| *n < 4 * CHECKPOINTER.restart as u64),
            "{wal:?}"
        );
    } else {
        assert!(wal.is_empty());
    }

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
