//! The audit-log reader on arbitrary bytes: gzip detection, line splitting, pretty-printed
//! documents, decoding (events, EventLists, arrays, cloud wrappers), stage joining, filters
//! answer rows and every detection rule (the stateful engine, fed every request). Nothing may
//! panic; every event read is counted, every error located.
#![no_main]

use libfuzzer_sys::fuzz_target;
use palisade_audit::dedup::Dedup;
use palisade_audit::filter::{Filter, Glob};
use palisade_audit::query::Row;
use palisade_audit::read::{read_stream, ReadOptions, ReadSummary};
use std::sync::Arc;

fuzz_target!(|data: &[u8]| {
    let opts = ReadOptions {
        max_line_bytes: 1 << 16,
        ..ReadOptions::default()
    };
    let filter = Filter {
        users: vec![Glob::new("*a*")],
        ..Filter::default()
    };
    let mut summary = ReadSummary::default();
    let mut dedup = Dedup::new(8);
    let mut engine = palisade_audit::detect::Engine::new(&palisade_audit::detect::Config::default());
    let mut detections = Vec::new();
    let mut rows = 0u64;
    let mut seen = 0u64;
    let mut out = |loc: &palisade_audit::Loc, ev: palisade_audit::Event<'_>| {
        assert!(loc.line >= 1);
        let _ = filter.matches(&ev);
        let _ = Row::new(loc, &ev);
        let _ = ev.query_values("command");
        let _ = ev.request_value();
        engine.event(loc, &ev, &mut detections);
        rows += 1;
    };
    read_stream(Arc::from("fuzz.log"), Box::new(data), &opts, &mut summary, &mut |loc, ev| {
        seen += 1;
        dedup.push(loc, ev, &mut out)
    });
    dedup.finish(&mut out);
    for d in &detections {
        assert!(d.line >= 1 && !d.message.is_empty());
    }
    assert_eq!(seen, summary.stats.events);
    assert!(rows <= seen);
    for e in &summary.errors {
        assert!(e.loc.line >= 1, "{e}");
    }
});
