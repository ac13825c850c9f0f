//! One concern, one finding: merges the findings that rules of the same concern
//! (`palisade_rules::concerns`) report on the same field of the same object into one finding
//! that names every code. Runs after every rule, on findings only: the rules, the Pod Security
//! verdicts and the admission section are not touched.
//!
//! * Two findings merge when their rules are in the same concern and they have the same
//!   object, file, container and field path. The same object is one definition of it (its
//!   findings share its reference, `Object::shared_reference`): two documents that define
//!   one name keep their own findings.
//! * The merged finding is the most severe one (on a tie, the lowest code: the hardening rule,
//!   whose message is about the one field); the others' rules are listed in `also`. It keeps
//!   the Pod Security context of a PSS member when it has none.
//! * It is suppressed when any member is (an annotation or exception naming one of its codes
//!   accepts the concern on that field).

use palisade_core::{FieldPath, Finding};
use std::hash::BuildHasher;

/// What makes two findings one concern: the concern, the object (the definition, by the
/// address of its shared reference), the file, the container and the field.
type Key<'a> = (&'static str, usize, &'a str, Option<&'a str>, &'a FieldPath);

/// Whether `f` can merge with another finding: its rule is in a concern.
pub(crate) fn mergeable(f: &Finding) -> bool {
    palisade_rules::concerns::concern_of(f.rule).is_some()
}

fn key(f: &Finding) -> Option<Key<'_>> {
    let concern = palisade_rules::concerns::concern_of(f.rule)?;
    Some((
        concern.name,
        std::sync::Arc::as_ptr(&f.object) as usize,
        f.location.as_ref().map_or("", |l| &*l.file),
        f.container.as_deref(),
        &f.path,
    ))
}

/// Merges the findings of one concern on one field, in place: the merged finding takes the
/// place of the first member, the order of first appearance is kept. Nothing is copied but
/// the (usually few) members of merged groups are dropped.
pub fn merge_concerns(findings: &mut Vec<Finding>) {
    // Candidates grouped by a hash of their key, then by the key itself; members of a group
    // stay in input order.
    // foldhash: the keys are hashed once each, millions of them on a large input; SipHash's
    // resistance to chosen collisions buys nothing here (equal hashes are compared by key).
    // Only part of the key is hashed (the concern, the object, the container, the field's
    // depth and last segment): equal keys still hash alike, and the whole key is compared
    // within a group.
    let hasher = foldhash::fast::RandomState::default();
    let mut keyed: Vec<(u64, u32)> = findings
        .iter()
        .enumerate()
        .filter_map(|(i, f)| {
            key(f).map(|k| {
                let segs = k.4.segs();
                (
                    hasher.hash_one((k.0, k.1, k.3, segs.len(), segs.last())),
                    i as u32,
                )
            })
        })
        .collect();
    keyed.sort_unstable();
    let mut dropped = vec![false; findings.len()];
    let mut any = false;
    let mut i = 0;
    while i < keyed.len() {
        let mut j = i + 1;
        while j < keyed.len() && keyed[j].0 == keyed[i].0 {
            j += 1;
        }
        if j - i == 2 {
            // The usual group: two findings (a hardening rule and its PSS control).
            let (a, b) = (keyed[i].1 as usize, keyed[i + 1].1 as usize);
            if key(&findings[a]) == key(&findings[b]) {
                merge(findings, &[a, b], &mut dropped);
                any = true;
            }
        } else if j - i > 2 {
            let mut run: Vec<usize> = keyed[i..j].iter().map(|&(_, x)| x as usize).collect();
            while let Some(&first) = run.first() {
                let k = key(&findings[first]);
                let (members, rest): (Vec<usize>, Vec<usize>) =
                    run.iter().partition(|&&x| key(&findings[x]) == k);
                if members.len() > 1 {
                    merge(findings, &members, &mut dropped);
                    any = true;
                }
                run = rest;
            }
        }
        i = j;
    }
    if any {
        let mut n = 0;
        findings.retain(|_| {
            n += 1;
            !dropped[n - 1]
        });
    }
}

/// Merges the members of one group (indices in input order) into the place of the first.
fn merge(findings: &mut [Finding], members: &[usize], dropped: &mut [bool]) {
    let mut order = members.to_vec();
    order.sort_by(|&a, &b| {
        let (a, b) = (&findings[a], &findings[b]);
        b.severity.cmp(&a.severity).then(a.rule.code.cmp(b.rule.code))
    });
    let primary = order[0];
    let mut rest = order.split_off(1);
    rest.sort_by_key(|&r| findings[r].rule.code);
    for r in rest {
        let f = &findings[r];
        let (pss, suppressed, rules) = (
            f.pss.clone(),
            f.suppressed.clone(),
            std::iter::once(f.rule)
                .chain(f.also.iter().copied())
                .collect::<Vec<_>>(),
        );
        let p = &mut findings[primary];
        if p.pss.is_none() && pss.is_some() {
            p.pss = pss;
        }
        if p.suppressed.is_none() && suppressed.is_some() {
            p.suppressed = suppressed;
        }
        for r in rules {
            if r.code != p.rule.code && !p.also.iter().any(|a| a.code == r.code) {
                p.also.push(r);
            }
        }
        dropped[r] = true;
    }
    findings[primary].also.sort_by_key(|r| r.code);
    let first = members[0];
    if primary != first {
        findings.swap(primary, first);
        dropped[first] = false;
        dropped[primary] = true;
    }
}
