//! A recorded log replayed through a policy: what the policy would record for each request
//! (counts per level and per matched rule), and the requests it would drop or record at a
//! different level than the log has them (useful before rolling a policy out), plus the
//! events of stages the policy omits. One answer per request (`auditID`, via
//! [`crate::dedup::Dedup`]); stage checks look at every event.

use super::{Policy, Request};
use crate::dedup::Dedup;
use crate::event::{Event, Level, Loc, Stage};
use std::collections::BTreeMap;

/// One request whose level under the policy differs from the recorded one, or one event of
/// a stage the policy omits.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Change {
    pub loc: Loc,
    pub audit_id: String,
    pub stage: Stage,
    pub recorded: Level,
    pub policy: Level,
    pub rule: Option<usize>,
    /// `verb resource[.group][/sub] ns/name by user` or `verb /path by user`.
    pub request: String,
}

/// What the replay found.
#[derive(Clone, Debug, Default)]
pub struct Replay {
    /// Requests (one per `auditID`) and events seen.
    pub requests: u64,
    pub events: u64,
    /// Requests per level the policy gives them.
    pub by_level: BTreeMap<Level, u64>,
    /// Requests per matched rule (index) ; requests no rule matched are under `None`.
    pub by_rule: BTreeMap<Option<usize>, u64>,
    /// Requests per (recorded level, policy level).
    pub transitions: BTreeMap<(Level, Level), u64>,
    /// Requests the policy would not record (level None), kept up to `max_examples`.
    pub dropped: Vec<Change>,
    pub dropped_count: u64,
    /// Requests it would record at a lower level than the log has them.
    pub lowered: Vec<Change>,
    pub lowered_count: u64,
    /// Requests it would record at a higher level (the log cannot show the bodies).
    pub raised: Vec<Change>,
    pub raised_count: u64,
    /// Events of a stage the policy omits for their request.
    pub omitted_stage: Vec<Change>,
    pub omitted_stage_count: u64,
    pub max_examples: usize,
}

/// Replays events through a policy, one event at a time.
pub struct Replayer<'p> {
    policy: &'p Policy,
    dedup: Dedup,
    pub result: Replay,
}

impl<'p> Replayer<'p> {
    pub fn new(policy: &'p Policy, max_examples: usize) -> Replayer<'p> {
        Replayer {
            policy,
            dedup: Dedup::default(),
            result: Replay {
                max_examples,
                ..Replay::default()
            },
        }
    }

    /// Take one event of the log.
    pub fn push(&mut self, loc: &Loc, ev: Event<'_>) {
        self.result.events += 1;
        let d = self.policy.evaluate(&Request::from_event(&ev));
        if d.level != Level::None && d.omit_stages.contains(&ev.stage) {
            let c = change(loc, &ev, d.level, d.rule);
            let r = &mut self.result;
            r.omitted_stage_count += 1;
            if r.omitted_stage.len() < r.max_examples {
                r.omitted_stage.push(c);
            }
        }
        let (policy, result) = (self.policy, &mut self.result);
        self.dedup
            .push(loc, ev, &mut |l, e| request(policy, result, l, &e));
    }

    /// The requests whose final stage never came, then the answer.
    pub fn finish(self) -> Replay {
        let Replayer {
            policy,
            dedup,
            mut result,
        } = self;
        dedup.finish(&mut |l, e| request(policy, &mut result, l, &e));
        result
    }
}

fn request(policy: &Policy, r: &mut Replay, loc: &Loc, ev: &Event<'_>) {
    let d = policy.evaluate(&Request::from_event(ev));
    r.requests += 1;
    *r.by_level.entry(d.level).or_default() += 1;
    *r.by_rule.entry(d.rule).or_default() += 1;
    *r.transitions.entry((ev.level, d.level)).or_default() += 1;
    let (list, count) = if d.level == Level::None {
        (&mut r.dropped, &mut r.dropped_count)
    } else if d.level < ev.level {
        (&mut r.lowered, &mut r.lowered_count)
    } else if d.level > ev.level {
        (&mut r.raised, &mut r.raised_count)
    } else {
        return;
    };
    *count += 1;
    if list.len() < r.max_examples {
        list.push(change(loc, ev, d.level, d.rule));
    }
}

fn change(loc: &Loc, ev: &Event<'_>, policy: Level, rule: Option<usize>) -> Change {
    let target = match &ev.object_ref {
        Some(o) => o.to_string(),
        None => ev.path().to_owned(),
    };
    Change {
        loc: loc.clone(),
        audit_id: ev.audit_id.to_string(),
        stage: ev.stage,
        recorded: ev.level,
        policy,
        rule,
        request: format!("{} {target} by {}", ev.verb, ev.user.username),
    }
}
