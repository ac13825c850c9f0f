//! Measures the store's durable batch commit alone (no HTTP, no parsing in the timing): the
//! events of a real audit log, each with a fresh auditID and each copy of the log 10 minutes
//! after the previous one (as scripts/bench-audit-sink sends them; `same-times` replays the
//! log's own times in every copy), parsed into records first, then committed with
//! `Store::insert` in batches of B events (default 400), as the sink's writer does. Prints
//! events/s, the CPU time (user+sys of the process: only this thread works while timed) and
//! the size of the store and of its WAL at the end.
//!
//! With `checkpointer`, the writer leaves checkpoints to a second connection on another
//! thread, as the sink does (`Store::checkpoint_elsewhere`, `Store::checkpoint`).
//!
//! Usage: cargo run --release -p palisade_audit_store --example ingest_store -- LOG STORE N [B] [same-times] [checkpointer]

use palisade_audit_store::{parse_batch, Store, WalLimits};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Instant;

fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let after = stat.rsplit_once(')').map_or("", |(_, a)| a);
    let f: Vec<&str> = after.split_whitespace().collect();
    let ticks = |i: usize| f.get(i).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
    (ticks(11) + ticks(12)) / 100.0
}

/// The event with its request and stage times `seconds` later.
fn later(line: &str, seconds: i64) -> String {
    let mut out = line.to_owned();
    for field in ["\"requestReceivedTimestamp\":\"", "\"stageTimestamp\":\""] {
        let Some(at) = out.find(field).map(|a| a + field.len()) else {
            continue;
        };
        let Some(end) = out[at..].find('"').map(|e| at + e) else {
            continue;
        };
        if let Ok(t) = out[at..end].parse::<jiff::Timestamp>() {
            let t = t + jiff::SignedDuration::from_secs(seconds);
            out.replace_range(at..end, &t.to_string());
        }
    }
    out
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [log, store, n, rest @ ..] = args.as_slice() else {
        eprintln!("usage: ingest_store LOG STORE N [BATCH]");
        std::process::exit(2);
    };
    let n: usize = n.parse().expect("N");
    let per: usize = rest.first().map_or(400, |b| b.parse().expect("BATCH"));
    let same_times = rest.iter().any(|a| a == "same-times");
    let checkpointer = rest.iter().any(|a| a == "checkpointer");
    let text = std::fs::read_to_string(log).expect("read the log");
    let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    let id_of = |l: &str| -> Option<(usize, usize)> {
        let at = l.find("\"auditID\":\"")? + 11;
        Some((at, at + 36))
    };
    let mut batches = Vec::new();
    let mut k = 0usize;
    while k < n {
        let mut items = Vec::new();
        for _ in 0..per.min(n - k) {
            let l = lines[k % lines.len()];
            let (a, b) = id_of(l).expect("an auditID");
            let copy = (k / lines.len()) as i64;
            let l = format!("{}{}{:012x}{}", &l[..a], &l[a..a + 24], k, &l[b..]);
            items.push(if same_times { l } else { later(&l, copy * 600) });
            k += 1;
        }
        let body = format!(
            "{{\"kind\":\"EventList\",\"apiVersion\":\"audit.k8s.io/v1\",\"items\":[{}]}}",
            items.join(",")
        );
        let parsed = parse_batch(body.as_bytes());
        assert!(parsed.errors.is_empty(), "{:?}", parsed.errors);
        batches.push(parsed.records);
    }
    let mut s = Store::open(store).expect("open the store");
    let stop = Arc::new(AtomicBool::new(false));
    let mut checkpoints = None;
    if checkpointer {
        let frames = s
            .checkpoint_elsewhere(WalLimits::default())
            .expect("checkpoint elsewhere")
            .expect("SQLite");
        let mut c = Store::open(store).expect("open the store again");
        let stop = stop.clone();
        checkpoints = Some(std::thread::spawn(move || {
            let (mut n, mut max) = (0, 0);
            while !stop.load(Ordering::Relaxed) {
                max = max.max(frames.get());
                if let Some(done) = c
                    .checkpoint(frames.get(), &WalLimits::default())
                    .expect("checkpoint")
                {
                    n += usize::from(done.copied >= 0);
                }
                std::thread::sleep(std::time::Duration::from_millis(10));
            }
            (n, max)
        }));
    }
    let cpu0 = cpu_seconds();
    let t0 = Instant::now();
    let mut stored = 0;
    for b in &batches {
        stored += s.insert(b).expect("insert").stored();
    }
    let wall = t0.elapsed().as_secs_f64();
    let cpu = cpu_seconds() - cpu0;
    stop.store(true, Ordering::Relaxed);
    if let Some((n, max)) = checkpoints.and_then(|t| t.join().ok()) {
        println!("checkpointer: {n} checkpoints, WAL at most {max} frames");
    }
    let size = |p: &str| std::fs::metadata(p).map_or(0, |m| m.len());
    println!(
        "{:.0} events/s ({stored} stored, batches of {per}, {wall:.2} s wall, {cpu:.2} s cpu = {:.1} us/event); db {:.0} MB, wal {:.1} MB",
        n as f64 / wall,
        cpu * 1e6 / n as f64,
        size(store) as f64 / 1e6,
        size(&format!("{store}-wal")) as f64 / 1e6
    );
}
