//! Builds a large SQLite audit store for benchmarks (scripts/bench-audit-sink): the events of
//! a real audit log repeated until the store holds N requests, each copy with its own
//! auditIDs, times (10 minutes later per copy), human users (`alice` becomes `alice-0` …
//! `alice-499`), namespaces other than the system ones (`shop-0` … `shop-999`, the namespace
//! objects renamed alike) and object names (`web-0` … `web-9999`), so that the indexes see a
//! realistic cardinality: a few very active system users and controllers, hundreds of
//! people, thousands of namespaces. The events go through the store's own API
//! ([`Record::from_json`], `insert` in batches of 20,000) inside a bulk load
//! (`bulk_begin`/`bulk_end`: indexes built once at the end, commits not synced).
//!
//! With `metadata`, the events are stored at level Metadata (request and response bodies
//! dropped, as a policy recording no bodies would send them): a fifth of the size.
//!
//! Usage: cargo run --release -p palisade_audit_store --example bulk_store -- LOG STORE N [metadata]

use palisade_audit_store::{Record, Store};
use serde_json::Value;

enum Part {
    Lit(String),
    AuditId(String),
    Received(i64),
    Stage(i64),
    User(String),
    Impersonated(String),
    Namespace(String),
    Name(String),
}

const SYSTEM_NAMESPACES: [&str; 4] = ["kube-system", "kube-public", "kube-node-lease", "default"];

fn micros(v: &Value) -> Option<i64> {
    v.as_str()?
        .parse::<jiff::Timestamp>()
        .ok()
        .map(|t| t.as_microsecond())
}

/// The event as literal text and the fields that vary per copy.
fn template(line: &str, metadata: bool) -> Option<Vec<Part>> {
    let mut v: Value = serde_json::from_str(line).ok()?;
    if metadata {
        if let Some(o) = v.as_object_mut() {
            o.remove("requestObject");
            o.remove("responseObject");
            o.insert("level".into(), Value::String("Metadata".into()));
        }
    }
    let mut vars: Vec<Part> = Vec::new();
    let mut mark = |v: &mut Value, p: Part| {
        *v = Value::String(format!("@@{}@@", vars.len()));
        vars.push(p);
    };
    let id = v["auditID"].as_str()?.to_owned();
    mark(&mut v["auditID"], Part::AuditId(id));
    if let Some(t) = micros(&v["requestReceivedTimestamp"]) {
        mark(&mut v["requestReceivedTimestamp"], Part::Received(t));
    }
    if let Some(t) = micros(&v["stageTimestamp"]) {
        mark(&mut v["stageTimestamp"], Part::Stage(t));
    }
    let human = |u: &str| !u.starts_with("system:");
    if let Some(u) = v["user"]["username"]
        .as_str()
        .filter(|u| human(u))
        .map(str::to_owned)
    {
        mark(&mut v["user"]["username"], Part::User(u));
    }
    if let Some(u) = v["impersonatedUser"]["username"]
        .as_str()
        .filter(|u| human(u))
        .map(str::to_owned)
    {
        mark(&mut v["impersonatedUser"]["username"], Part::Impersonated(u));
    }
    let custom = |n: &str| !n.is_empty() && !SYSTEM_NAMESPACES.contains(&n);
    if v["objectRef"].is_object() {
        if let Some(ns) = v["objectRef"]["namespace"]
            .as_str()
            .filter(|n| custom(n))
            .map(str::to_owned)
        {
            mark(&mut v["objectRef"]["namespace"], Part::Namespace(ns));
        }
        let is_ns = v["objectRef"]["resource"] == "namespaces";
        if let Some(n) = v["objectRef"]["name"].as_str().map(str::to_owned) {
            if is_ns && custom(&n) {
                mark(&mut v["objectRef"]["name"], Part::Namespace(n));
            } else if !is_ns && !n.is_empty() {
                mark(&mut v["objectRef"]["name"], Part::Name(n));
            }
        }
    }
    let text = serde_json::to_string(&v).ok()?;
    let mut parts = Vec::new();
    let mut rest = text.as_str();
    let mut vars: Vec<Option<Part>> = vars.into_iter().map(Some).collect();
    while let Some(at) = rest.find("\"@@") {
        let end = rest[at + 3..].find("@@\"")? + at + 3;
        let k: usize = rest[at + 3..end].parse().ok()?;
        parts.push(Part::Lit(rest[..at + 1].to_owned()));
        parts.push(vars.get_mut(k)?.take()?);
        rest = &rest[end + 2..];
    }
    parts.push(Part::Lit(rest.to_owned()));
    Some(parts)
}

fn render(parts: &[Part], k: u64, out: &mut String) {
    use std::fmt::Write;
    out.clear();
    let shift = k as i64 * 600_000_000;
    let time = |t: i64| {
        jiff::Timestamp::from_microsecond(t + shift)
            .map(|t| t.to_string())
            .unwrap_or_default()
    };
    for p in parts {
        match p {
            Part::Lit(s) => out.push_str(s),
            Part::AuditId(id) => {
                let keep = id.len().saturating_sub(12);
                let _ = write!(out, "{}{:012x}", &id[..keep], k);
            }
            Part::Received(t) | Part::Stage(t) => out.push_str(&time(*t)),
            Part::User(u) | Part::Impersonated(u) => {
                let _ = write!(out, "{u}-{}", k % 500);
            }
            Part::Namespace(n) => {
                let _ = write!(out, "{n}-{}", k % 1000);
            }
            Part::Name(n) => {
                let _ = write!(out, "{n}-{}", k % 10_000);
            }
        }
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if !(4..=5).contains(&args.len()) || args.len() == 5 && args[4] != "metadata" {
        eprintln!("usage: bulk_store LOG STORE N [metadata]");
        std::process::exit(2);
    }
    let metadata = args.len() == 5;
    let n: u64 = args[3].parse().expect("N: a number of events");
    let text = std::fs::read_to_string(&args[1]).expect("read the log");
    let mut seen = std::collections::HashSet::new();
    let templates: Vec<Vec<Part>> = text
        .lines()
        .filter_map(|l| template(l, metadata))
        .filter(|t| match &t[1] {
            Part::AuditId(id) => seen.insert(id.clone()),
            _ => false,
        })
        .collect();
    assert!(!templates.is_empty(), "no event in {}", args[1]);
    let started = std::time::Instant::now();
    let (tx, rx) = std::sync::mpsc::sync_channel::<Vec<Record>>(4);
    let producer = std::thread::spawn(move || {
        let mut made = 0u64;
        let mut json = String::new();
        let mut batch = Vec::with_capacity(20_000);
        'all: for k in 0.. {
            for t in &templates {
                if made == n {
                    break 'all;
                }
                render(t, k, &mut json);
                batch.push(Record::from_json(&json).expect("a generated event decodes"));
                made += 1;
                if batch.len() == 20_000 && tx.send(std::mem::take(&mut batch)).is_err() {
                    return;
                }
            }
        }
        if !batch.is_empty() {
            let _ = tx.send(batch);
        }
    });
    let mut store = Store::open(&args[2]).expect("open the store");
    let Store::Sqlite(sq) = &mut store else {
        panic!("a SQLite store path is expected")
    };
    sq.bulk_begin().expect("bulk begin");
    let mut stored = 0usize;
    for batch in rx {
        stored += store.insert(&batch).expect("insert").stored();
        if stored % 1_000_000 < 20_000 {
            eprintln!("{stored} events, {:.0} s", started.elapsed().as_secs_f64());
        }
    }
    producer.join().expect("the generator");
    let loaded = started.elapsed().as_secs_f64();
    let Store::Sqlite(sq) = &mut store else {
        unreachable!()
    };
    sq.bulk_end().expect("bulk end");
    println!(
        "{stored} events stored in {loaded:.0} s, indexes built in {:.0} s",
        started.elapsed().as_secs_f64() - loaded
    );
}
