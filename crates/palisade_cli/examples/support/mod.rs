//! What the bench examples (`rbac_bench`, `netpol_bench`) share: a deterministic PRNG,
//! name lists for generated objects, memory readings from /proc, latency statistics and the
//! PASS/FAIL table of targets. Each example uses part of it.

use std::time::Duration;

// ---------------------------------------------------------------------------------------------
// Deterministic PRNG (SplitMix64).

pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    /// True with probability `permille`/1000.
    pub fn chance(&mut self, permille: u32) -> bool {
        self.below(1000) < permille as usize
    }
    pub fn pick<'a, T>(&mut self, v: &'a [T]) -> &'a T {
        &v[self.below(v.len())]
    }
    /// Index chosen with the given weights.
    pub fn weighted(&mut self, weights: &[u32]) -> usize {
        let total: u32 = weights.iter().sum();
        let mut x = self.below(total as usize) as u32;
        for (i, w) in weights.iter().enumerate() {
            if x < *w {
                return i;
            }
            x -= w;
        }
        weights.len() - 1
    }
}

// ---------------------------------------------------------------------------------------------
// Names for generated objects.

pub const PRODUCTS: &[&str] = &[
    "billing",
    "checkout",
    "catalog",
    "search",
    "payments",
    "identity",
    "orders",
    "shipping",
    "inventory",
    "reviews",
    "ads",
    "analytics",
    "notifications",
    "media",
    "profile",
    "gateway",
    "ledger",
    "fraud",
    "pricing",
    "support",
];
pub const ENVS: &[&str] = &[
    "prod", "staging", "dev", "qa", "perf", "canary", "sandbox", "demo", "eu", "us",
];

// ---------------------------------------------------------------------------------------------
// Memory and timing.

/// Peak resident set size (VmHWM) in MB.
pub fn peak_mb() -> f64 {
    status_kb("VmHWM:") as f64 / 1024.0
}

pub fn rss_mb() -> f64 {
    status_kb("VmRSS:") as f64 / 1024.0
}

pub fn status_kb(key: &str) -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with(key))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse().ok())
        })
        .unwrap_or(0)
}

/// Resets the peak RSS to the current RSS (Linux ≥ 4.0).
pub fn reset_peak() -> bool {
    std::fs::write("/proc/self/clear_refs", "5").is_ok()
}

pub fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

pub struct Stats {
    pub mean: Duration,
    pub p50: Duration,
    pub p99: Duration,
    pub max: Duration,
}

pub fn stats(mut v: Vec<Duration>) -> Stats {
    v.sort();
    let n = v.len();
    Stats {
        mean: v.iter().sum::<Duration>() / n as u32,
        p50: v[n / 2],
        p99: v[(n * 99 / 100).min(n - 1)],
        max: v[n - 1],
    }
}

pub fn print_stats(what: &str, s: &Stats) {
    println!(
        "  {what:<26} mean {:8.3} ms   p50 {:8.3} ms   p99 {:8.3} ms   max {:8.3} ms",
        ms(s.mean),
        ms(s.p50),
        ms(s.p99),
        ms(s.max)
    );
}

/// Prints the targets table: rows of (what, measured, limit, passed); `width` is the first
/// column's.
pub fn print_targets(rows: &[(&str, String, String, bool)], width: usize) {
    println!(
        "\n{:<width$} {:>12} {:>10}  RESULT",
        "TARGET", "MEASURED", "LIMIT"
    );
    for (what, measured, limit, ok) in rows {
        println!(
            "{what:<width$} {measured:>12} {limit:>10}  {}",
            if *ok { "PASS" } else { "FAIL" }
        );
    }
}
