//! The webhook's Prometheus metrics (text exposition format 0.0.4): requests by endpoint and
//! outcome, decisions by mode, rule and namespace, a latency histogram, requests in flight and
//! requests turned away by the concurrency limit. Counting only; the router decides when.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::Duration;

/// Latency buckets in seconds (the API server's webhook timeout is at most 30 s; palisade
/// answers in well under a millisecond).
const BUCKETS: [f64; 12] = [
    0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5, 1.0,
];

/// At most this many distinct label sets per counter family (namespaces are user-chosen):
/// beyond it, new namespaces are counted as `namespace="_other"`.
const MAX_SERIES: usize = 10_000;

#[derive(Debug, Default)]
pub struct Metrics {
    requests: Mutex<BTreeMap<(String, String), u64>>,
    decisions: Mutex<BTreeMap<(String, String, String), u64>>,
    violations: Mutex<BTreeMap<(String, String, String), u64>>,
    latency: Mutex<BTreeMap<String, Histogram>>,
    in_flight: AtomicU64,
    rejected_by_limit: AtomicU64,
}

#[derive(Debug, Default, Clone)]
struct Histogram {
    buckets: [u64; BUCKETS.len()],
    count: u64,
    sum: f64,
}

/// Decrements the in-flight gauge when dropped.
pub struct InFlight<'a>(&'a Metrics);

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.0.in_flight.fetch_sub(1, Ordering::Relaxed);
    }
}

fn bump<K: Ord>(m: &Mutex<BTreeMap<K, u64>>, key: K, fallback: impl FnOnce() -> K) {
    let mut m = m.lock().unwrap_or_else(|e| e.into_inner());
    let key = if m.len() >= MAX_SERIES && !m.contains_key(&key) {
        fallback()
    } else {
        key
    };
    *m.entry(key).or_default() += 1;
}

impl Metrics {
    pub fn start(&self) -> InFlight<'_> {
        self.in_flight.fetch_add(1, Ordering::Relaxed);
        InFlight(self)
    }
    pub fn in_flight(&self) -> u64 {
        self.in_flight.load(Ordering::Relaxed)
    }
    /// A request answered: `endpoint` (`validate`, `mutate`), `code` (HTTP status) and its
    /// latency.
    pub fn request(&self, endpoint: &str, code: u16, took: Duration) {
        bump(&self.requests, (endpoint.to_owned(), code.to_string()), || {
            (endpoint.to_owned(), code.to_string())
        });
        let mut h = self.latency.lock().unwrap_or_else(|e| e.into_inner());
        let h = h.entry(endpoint.to_owned()).or_default();
        let s = took.as_secs_f64();
        for (i, b) in BUCKETS.iter().enumerate() {
            if s <= *b {
                h.buckets[i] += 1;
            }
        }
        h.count += 1;
        h.sum += s;
    }
    /// A decision (`allowed`, `denied`, …) in a namespace.
    pub fn decision(&self, endpoint: &str, decision: &str, namespace: &str) {
        bump(
            &self.decisions,
            (endpoint.to_owned(), decision.to_owned(), namespace.to_owned()),
            || (endpoint.to_owned(), decision.to_owned(), "_other".to_owned()),
        );
    }
    /// A finding that counted in a mode.
    pub fn violation(&self, mode: &str, rule: &str, namespace: &str) {
        bump(
            &self.violations,
            (mode.to_owned(), rule.to_owned(), namespace.to_owned()),
            || (mode.to_owned(), rule.to_owned(), "_other".to_owned()),
        );
    }
    pub fn rejected_by_limit(&self) {
        self.rejected_by_limit.fetch_add(1, Ordering::Relaxed);
    }

    /// The Prometheus text exposition.
    pub fn render(&self) -> String {
        let mut out = String::new();
        let esc = |s: &str| s.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', "\\n");
        out.push_str("# HELP palisade_admission_requests_total Admission requests answered, by endpoint and HTTP status.\n# TYPE palisade_admission_requests_total counter\n");
        for ((e, c), n) in self.requests.lock().unwrap_or_else(|e| e.into_inner()).iter() {
            let _ = writeln!(
                out,
                "palisade_admission_requests_total{{endpoint=\"{}\",code=\"{}\"}} {n}",
                esc(e),
                esc(c)
            );
        }
        out.push_str("# HELP palisade_admission_decisions_total Admission decisions (allowed, warned, denied, exempt, skipped, patched), by endpoint and namespace.\n# TYPE palisade_admission_decisions_total counter\n");
        for ((e, d, ns), n) in self.decisions.lock().unwrap_or_else(|e| e.into_inner()).iter() {
            let _ = writeln!(
                out,
                "palisade_admission_decisions_total{{endpoint=\"{}\",decision=\"{}\",namespace=\"{}\"}} {n}",
                esc(e),
                esc(d),
                esc(ns)
            );
        }
        out.push_str("# HELP palisade_admission_violations_total Findings that counted in an admission decision, by mode (enforce, warn, audit), rule and namespace.\n# TYPE palisade_admission_violations_total counter\n");
        for ((m, r, ns), n) in self.violations.lock().unwrap_or_else(|e| e.into_inner()).iter() {
            let _ = writeln!(
                out,
                "palisade_admission_violations_total{{mode=\"{}\",rule=\"{}\",namespace=\"{}\"}} {n}",
                esc(m),
                esc(r),
                esc(ns)
            );
        }
        out.push_str("# HELP palisade_admission_duration_seconds Time from the request body to the answer.\n# TYPE palisade_admission_duration_seconds histogram\n");
        for (e, h) in self.latency.lock().unwrap_or_else(|e| e.into_inner()).iter() {
            for (i, b) in BUCKETS.iter().enumerate() {
                let _ = writeln!(
                    out,
                    "palisade_admission_duration_seconds_bucket{{endpoint=\"{}\",le=\"{b}\"}} {}",
                    esc(e),
                    h.buckets[i]
                );
            }
            let _ = writeln!(
                out,
                "palisade_admission_duration_seconds_bucket{{endpoint=\"{}\",le=\"+Inf\"}} {}",
                esc(e),
                h.count
            );
            let _ = writeln!(
                out,
                "palisade_admission_duration_seconds_sum{{endpoint=\"{}\"}} {}",
                esc(e),
                h.sum
            );
            let _ = writeln!(
                out,
                "palisade_admission_duration_seconds_count{{endpoint=\"{}\"}} {}",
                esc(e),
                h.count
            );
        }
        out.push_str("# HELP palisade_admission_in_flight Requests being evaluated.\n# TYPE palisade_admission_in_flight gauge\n");
        let _ = writeln!(out, "palisade_admission_in_flight {}", self.in_flight());
        out.push_str("# HELP palisade_admission_rejected_by_limit_total Requests answered without evaluation because the concurrency limit was reached.\n# TYPE palisade_admission_rejected_by_limit_total counter\n");
        let _ = writeln!(
            out,
            "palisade_admission_rejected_by_limit_total {}",
            self.rejected_by_limit.load(Ordering::Relaxed)
        );
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_counters_gauges_and_histograms() {
        let m = Metrics::default();
        {
            let _g = m.start();
            assert_eq!(m.in_flight(), 1);
        }
        m.request("validate", 200, Duration::from_micros(300));
        m.decision("validate", "denied", "shop");
        m.violation("enforce", "PSS007", "shop");
        m.rejected_by_limit();
        let t = m.render();
        assert!(
            t.contains("palisade_admission_requests_total{endpoint=\"validate\",code=\"200\"} 1"),
            "{t}"
        );
        assert!(t.contains("palisade_admission_decisions_total{endpoint=\"validate\",decision=\"denied\",namespace=\"shop\"} 1"));
        assert!(t.contains(
            "palisade_admission_violations_total{mode=\"enforce\",rule=\"PSS007\",namespace=\"shop\"} 1"
        ));
        assert!(
            t.contains("palisade_admission_duration_seconds_bucket{endpoint=\"validate\",le=\"0.00025\"} 0")
        );
        assert!(
            t.contains("palisade_admission_duration_seconds_bucket{endpoint=\"validate\",le=\"0.0005\"} 1")
        );
        assert!(t.contains("palisade_admission_duration_seconds_count{endpoint=\"validate\"} 1"));
        assert!(t.contains("palisade_admission_in_flight 0"));
        assert!(t.contains("palisade_admission_rejected_by_limit_total 1"));
    }
}
