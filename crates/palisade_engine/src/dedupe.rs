//! One concern, one finding: merges the findings that rules of the same concern
//! (`palisade_rules::concerns`) report on the same field of the same object into one finding
//! that names every code. Runs after every rule, on findings only: the rules, the Pod Security
//! verdicts and the admission section are not touched.
//!
//! * Two findings merge when their rules are in the same concern and they have the same
//!   object, file, container and field path.
//! * The merged finding is the most severe one (on a tie, the lowest code: the hardening rule,
//!   whose message is about the one field); the others' rules are listed in `also`. It keeps
//!   the Pod Security context of a PSS member when it has none.
//! * It is suppressed when any member is (an annotation or exception naming one of its codes
//!   accepts the concern on that field).

use palisade_core::{Finding, ObjectRef};
use std::collections::HashMap;

/// Merges the findings of one concern on one field; the order of first appearance is kept.
pub fn merge_concerns(findings: Vec<Finding>) -> Vec<Finding> {
    type Key = (&'static str, ObjectRef, String, Option<String>, String);
    let mut slots: Vec<Vec<Finding>> = Vec::with_capacity(findings.len());
    let mut index: HashMap<Key, usize> = HashMap::new();
    for f in findings {
        let Some(concern) = palisade_rules::concerns::concern_of(f.rule) else {
            slots.push(vec![f]);
            continue;
        };
        let key = (
            concern.name,
            f.object.clone(),
            f.location
                .as_ref()
                .map_or_else(String::new, |l| l.file.to_string()),
            f.container.clone(),
            f.path.to_string(),
        );
        match index.get(&key) {
            Some(&i) => slots[i].push(f),
            None => {
                index.insert(key, slots.len());
                slots.push(vec![f]);
            }
        }
    }
    slots.into_iter().filter_map(merge).collect()
}

/// One finding for the members of one slot.
fn merge(mut members: Vec<Finding>) -> Option<Finding> {
    if members.len() < 2 {
        return members.pop();
    }
    members.sort_by(|a, b| b.severity.cmp(&a.severity).then(a.rule.code.cmp(b.rule.code)));
    let mut rest = members.split_off(1);
    let mut primary = members.pop()?;
    rest.sort_by_key(|f| f.rule.code);
    for f in rest {
        if primary.pss.is_none() && f.pss.is_some() {
            primary.pss = f.pss;
        }
        if primary.suppressed.is_none() && f.suppressed.is_some() {
            primary.suppressed = f.suppressed;
        }
        for r in std::iter::once(f.rule).chain(f.also) {
            if r.code != primary.rule.code && !primary.also.iter().any(|a| a.code == r.code) {
                primary.also.push(r);
            }
        }
    }
    primary.also.sort_by_key(|r| r.code);
    Some(primary)
}
