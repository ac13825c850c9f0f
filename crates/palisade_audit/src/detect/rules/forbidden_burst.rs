//! AUD005: a burst of denied requests from one identity (permission discovery).

use crate::detect::common::{authz_denied, window_option};
use crate::detect::{AuditCheck, Ctx, Hit, StatefulCheck};
use palisade_core::{Reference, RuleOptions};
use std::collections::{HashMap, VecDeque};

declare_audit_rule! {
    /// ## What it does
    /// Flags an identity (the user a request acted as) whose requests authorization denied
    /// `threshold` times (default 10) within `windowSeconds` (default 60). It reports once, on
    /// the denial that reaches the threshold, then counts afresh. Requests rejected by
    /// admission (a 403 with decision `allow`) are not denials.
    ///
    /// Options: `threshold: 10`, `windowSeconds: 60`.
    ///
    /// ## Why is this bad?
    /// A stolen token is first used to find out what it may do: tools like `kubectl auth
    /// can-i --list`, `kube-hunter` or a manual walk of resources leave a trail of 403s.
    /// Legitimate clients rarely get many denials in a short time.
    ///
    /// ## Example
    /// ```text
    /// for r in secrets pods nodes clusterroles; do kubectl get $r -A; done
    /// ```
    ///
    /// ## Fix
    /// Find out whose credential it is; rotate it if the activity is not theirs.
    pub static FORBIDDEN_BURST = {
        code: "AUD005",
        name: "audit-forbidden-burst",
        severity: Medium,
        summary: "Many requests from one identity were denied in a short time (permission discovery)",
        remediation: "Identify the credential's owner and rotate it if the requests are not theirs.",
        references: [Reference::Mitre("T1613"), Reference::Mitre("T1069")],
        check: AuditCheck::Stateful(new),
    }
}

struct Burst {
    threshold: usize,
    window: jiff::SignedDuration,
    denials: HashMap<String, VecDeque<jiff::Timestamp>>,
}

fn new(opts: &RuleOptions) -> Box<dyn StatefulCheck> {
    let num = |k: &str, d: u64| {
        opts.0
            .get(k)
            .and_then(serde_json::Value::as_u64)
            .filter(|n| *n > 0)
            .unwrap_or(d)
    };
    Box::new(Burst {
        threshold: usize::try_from(num("threshold", 10)).unwrap_or(usize::MAX),
        window: window_option(opts, 60),
        denials: HashMap::new(),
    })
}

impl StatefulCheck for Burst {
    fn event(&mut self, ctx: &Ctx<'_, '_>, hits: &mut Vec<Hit>) {
        let ev = ctx.ev;
        if !authz_denied(ev) {
            return;
        }
        let Some(t) = ev.time() else { return };
        let who = ev.effective_user().username.to_string();
        let q = self.denials.entry(who.clone()).or_default();
        q.push_back(t);
        while let Some(first) = q.front() {
            if t.duration_since(*first) > self.window {
                q.pop_front();
            } else {
                break;
            }
        }
        if q.len() >= self.threshold {
            let first = q.front().copied().unwrap_or(t);
            hits.push(Hit::new(format!(
                "{} denied requests from {who} within {}s (since {first}); the last: {} {}",
                q.len(),
                t.duration_since(first).as_secs(),
                ev.verb,
                crate::detect::common::target(ev)
            )));
            q.clear();
        }
        // Forget identities whose denials are all old, so memory stays bounded by activity.
        if self.denials.len() > 10_000 {
            let window = self.window;
            self.denials
                .retain(|_, q| q.back().is_some_and(|l| t.duration_since(*l) <= window));
        }
    }
}
