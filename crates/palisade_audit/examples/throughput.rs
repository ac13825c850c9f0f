//! Reads audit logs and prints how fast: `cargo run --release -p palisade_audit --example
//! throughput -- LOG... [--verb V]` (used by scripts/bench-audit).

use palisade_audit::filter::Filter;
use palisade_audit::read::{read, Input, ReadOptions};

fn main() {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let mut f = Filter::default();
    if let Some(i) = args.iter().position(|a| a == "--verb") {
        f.verbs.push(args.remove(i + 1));
        args.remove(i);
    }
    let inputs: Vec<Input> = args.iter().map(|a| Input::parse(a)).collect();
    let opts = ReadOptions {
        prefilter: f.needles(),
        ..ReadOptions::default()
    };
    let t = std::time::Instant::now();
    let mut matched = 0u64;
    let s = read(&inputs, &opts, &mut |_, ev| {
        if f.matches(&ev) {
            matched += 1;
        }
    });
    let secs = t.elapsed().as_secs_f64();
    println!(
        "{} bytes, {} events, {} matched, {} skipped, {} errors in {:.3} s: {:.0} MB/s",
        s.stats.bytes,
        s.stats.events,
        matched,
        s.stats.skipped,
        s.stats.errors,
        secs,
        s.stats.bytes as f64 / secs / 1e6
    );
}
