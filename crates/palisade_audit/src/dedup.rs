//! One event per request. The API server writes one event per stage of a request
//! (`RequestReceived`, `ResponseStarted` for long-running requests, `ResponseComplete` or
//! `Panic`), all with the request's `auditID`. [`Dedup`] hands on the final stage of each
//! request and drops the earlier ones; a request whose final stage is not in the log (a watch
//! still open, a policy that omits it) is handed on at its latest stage when the log ends.
//!
//! Only requests still waiting for their final stage are held, and at most `cap` of them
//! (the oldest is handed on first), so memory does not grow with the log.

use crate::event::{Event, Loc};
use std::collections::{HashMap, VecDeque};

pub struct Dedup {
    pending: HashMap<String, (u64, Loc, Event<'static>)>,
    order: VecDeque<(u64, String)>,
    seq: u64,
    cap: usize,
}

impl Default for Dedup {
    fn default() -> Dedup {
        Dedup::new(100_000)
    }
}

impl Dedup {
    pub fn new(cap: usize) -> Dedup {
        Dedup {
            pending: HashMap::new(),
            order: VecDeque::new(),
            seq: 0,
            cap: cap.max(1),
        }
    }

    /// Take one event; hand on whatever is now known to be a request's last event.
    pub fn push(&mut self, loc: &Loc, ev: Event<'_>, out: &mut dyn FnMut(&Loc, Event<'_>)) {
        if ev.audit_id.is_empty() {
            out(loc, ev);
            return;
        }
        if ev.stage.is_final() {
            self.pending.remove(ev.audit_id.as_ref());
            out(loc, ev);
            return;
        }
        if let Some((_, _, held)) = self.pending.get(ev.audit_id.as_ref()) {
            if held.stage >= ev.stage {
                return;
            }
        }
        self.seq += 1;
        let id = ev.audit_id.to_string();
        self.order.push_back((self.seq, id.clone()));
        self.pending.insert(id, (self.seq, loc.clone(), ev.into_owned()));
        while self.pending.len() > self.cap {
            self.evict_oldest(out);
        }
        // Keep the order queue from growing with entries already completed.
        if self.order.len() > 2 * self.cap.max(self.pending.len()) + 1024 {
            let pending = &self.pending;
            self.order
                .retain(|(seq, id)| pending.get(id).is_some_and(|(s, _, _)| s == seq));
        }
    }

    fn evict_oldest(&mut self, out: &mut dyn FnMut(&Loc, Event<'_>)) {
        while let Some((seq, id)) = self.order.pop_front() {
            if self.pending.get(&id).is_some_and(|(s, _, _)| *s == seq) {
                if let Some((_, loc, ev)) = self.pending.remove(&id) {
                    out(&loc, ev);
                }
                return;
            }
        }
    }

    /// Hand on the requests whose final stage never came, in the order they were first seen.
    pub fn finish(mut self, out: &mut dyn FnMut(&Loc, Event<'_>)) {
        while !self.pending.is_empty() {
            self.evict_oldest(out);
        }
    }

    /// How many requests wait for their final stage.
    pub fn pending(&self) -> usize {
        self.pending.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::Stage;
    use std::borrow::Cow;
    use std::sync::Arc;

    fn ev(id: &str, stage: Stage) -> Event<'static> {
        Event {
            audit_id: Cow::Owned(id.into()),
            stage,
            ..Event::default()
        }
    }

    fn loc(line: u64) -> Loc {
        Loc {
            file: Arc::from("f"),
            line,
            item: None,
        }
    }

    #[test]
    fn final_stage_wins_and_leftovers_are_flushed() {
        let mut d = Dedup::new(10);
        let mut got = Vec::new();
        let mut out = |l: &Loc, e: Event<'_>| got.push((l.line, e.audit_id.to_string(), e.stage));
        d.push(&loc(1), ev("a", Stage::RequestReceived), &mut out);
        d.push(&loc(2), ev("b", Stage::RequestReceived), &mut out);
        d.push(&loc(3), ev("b", Stage::ResponseStarted), &mut out);
        d.push(&loc(4), ev("a", Stage::ResponseComplete), &mut out);
        d.push(&loc(5), ev("", Stage::RequestReceived), &mut out);
        d.finish(&mut out);
        assert_eq!(
            got,
            [
                (4, "a".into(), Stage::ResponseComplete),
                (5, "".into(), Stage::RequestReceived),
                (3, "b".into(), Stage::ResponseStarted),
            ]
        );
    }

    #[test]
    fn memory_is_capped() {
        let mut d = Dedup::new(3);
        let mut n = 0;
        for i in 0..100 {
            d.push(
                &loc(i),
                ev(&i.to_string(), Stage::RequestReceived),
                &mut |_, _| n += 1,
            );
            assert!(d.pending() <= 3);
        }
        assert_eq!(n, 97);
    }
}
