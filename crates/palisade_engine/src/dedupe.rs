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

use palisade_core::Finding;
use palisade_rules::concerns::{concern_of, Concern};
use std::hash::BuildHasher;
use std::sync::Arc;

/// Whether `f` can merge with another finding: its rule is in a concern.
pub(crate) fn mergeable(f: &Finding) -> bool {
    concern_of(f.rule).is_some()
}

/// Whether candidates `a` (of concern `ca`) and `b` (of `cb`) are one concern on one field:
/// the same concern, object (the definition, by the address of its shared reference),
/// container, field path and file. The concern is compared by address (one static list), and
/// the cheap parts first.
fn same(ca: &Concern, a: &Finding, cb: &Concern, b: &Finding) -> bool {
    std::ptr::eq(ca, cb)
        && Arc::ptr_eq(&a.object, &b.object)
        && a.container == b.container
        && a.path == b.path
        && same_file(a, b)
}

/// Whether two findings name the same file (or none).
fn same_file(a: &Finding, b: &Finding) -> bool {
    match (&a.location, &b.location) {
        (Some(x), Some(y)) => Arc::ptr_eq(&x.file, &y.file) || x.file == y.file,
        (x, y) => x.as_ref().map_or("", |l| &*l.file) == y.as_ref().map_or("", |l| &*l.file),
    }
}

/// Up to this many findings (one object's, nearly always), the candidates are compared pair
/// by pair, without a table or an allocation.
const SMALL: usize = 64;

/// Merges the findings of one concern on one field, in place: the merged finding takes the
/// place of the first member, the order of first appearance is kept. Nothing is copied but
/// the (usually few) members of merged groups are dropped.
pub fn merge_concerns(findings: &mut Vec<Finding>) {
    if findings.len() <= SMALL {
        merge_few(findings);
    } else {
        merge_many(findings);
    }
}

/// [`merge_concerns`] for at most [`SMALL`] findings: each candidate is compared with the
/// later ones.
fn merge_few(findings: &mut Vec<Finding>) {
    // The candidates (findings whose rule is in a concern), in input order, with the concern.
    let mut at = [0usize; SMALL];
    let mut concern = [EMPTY; SMALL];
    let mut n = 0;
    for (i, f) in findings.iter().enumerate() {
        if let Some(c) = concern_of(f.rule) {
            at[n] = i;
            concern[n] = c;
            n += 1;
        }
    }
    if n < 2 {
        return;
    }
    let mut grouped = [false; SMALL];
    let mut dropped = [false; SMALL];
    let mut members = [0usize; SMALL];
    let mut any = false;
    for a in 0..n {
        if grouped[a] {
            continue;
        }
        members[0] = at[a];
        let mut m = 1;
        for b in a + 1..n {
            if !grouped[b] && same(concern[a], &findings[at[a]], concern[b], &findings[at[b]]) {
                grouped[b] = true;
                members[m] = at[b];
                m += 1;
            }
        }
        if m > 1 {
            let len = findings.len();
            merge(findings, &members[..m], &mut dropped[..len]);
            any = true;
        }
    }
    if any {
        remove_dropped(findings, &dropped);
    }
}

/// No concern (a placeholder for the candidates' table, never compared as one).
const EMPTY: &Concern = &Concern {
    name: "",
    summary: "",
    codes: &[],
};

/// [`merge_concerns`] for many findings (those of many objects).
fn merge_many(findings: &mut Vec<Finding>) {
    // Candidates grouped by a hash of their key, then compared ([`same`]); members of a group
    // stay in input order.
    // foldhash: the keys are hashed once each, millions of them on a large input; SipHash's
    // resistance to chosen collisions buys nothing here (equal hashes are compared whole).
    // Only part of the key is hashed (the concern, the object, the container, the field's
    // depth and last segment): candidates that are the same still hash alike.
    // A candidate: the hash of its key, its position, its concern.
    type Candidate = (u64, u32, &'static Concern);
    let hasher = foldhash::fast::RandomState::default();
    let mut keyed: Vec<Candidate> = findings
        .iter()
        .enumerate()
        .filter_map(|(i, f)| {
            concern_of(f.rule).map(|c| {
                let segs = f.path.segs();
                let object = Arc::as_ptr(&f.object) as usize;
                (
                    hasher.hash_one((c.name, object, f.container.as_deref(), segs.len(), segs.last())),
                    i as u32,
                    c,
                )
            })
        })
        .collect();
    keyed.sort_unstable_by_key(|&(hash, i, _)| (hash, i));
    let same_at = |findings: &[Finding], x: &Candidate, y: &Candidate| {
        same(x.2, &findings[x.1 as usize], y.2, &findings[y.1 as usize])
    };
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
            if same_at(findings, &keyed[i], &keyed[i + 1]) {
                let (a, b) = (keyed[i].1 as usize, keyed[i + 1].1 as usize);
                merge(findings, &[a, b], &mut dropped);
                any = true;
            }
        } else if j - i > 2 {
            let mut run = keyed[i..j].to_vec();
            while let Some(&first) = run.first() {
                let (members, rest): (Vec<Candidate>, Vec<Candidate>) =
                    run.iter().partition(|x| same_at(findings, &first, x));
                if members.len() > 1 {
                    let members: Vec<usize> = members.iter().map(|x| x.1 as usize).collect();
                    merge(findings, &members, &mut dropped);
                    any = true;
                }
                run = rest;
            }
        }
        i = j;
    }
    if any {
        remove_dropped(findings, &dropped);
    }
}

/// Removes the findings marked in `dropped` (by position), keeping the others' order.
fn remove_dropped(findings: &mut Vec<Finding>, dropped: &[bool]) {
    let mut i = 0;
    findings.retain(|_| {
        i += 1;
        !dropped[i - 1]
    });
}

/// Merges the members of one group (indices in input order) into the place of the first.
/// The primary is the most severe member (on a tie, the lowest code; then the first); the
/// others are taken in code order (then the most severe, then the first).
fn merge(findings: &mut [Finding], members: &[usize], dropped: &mut [bool]) {
    let rank = |i: usize| (std::cmp::Reverse(findings[i].severity), findings[i].rule.code);
    // `min_by_key` keeps the first of equal members, as a stable sort would.
    let primary = members
        .iter()
        .copied()
        .min_by_key(|&i| rank(i))
        .unwrap_or(members[0]);
    // The others in code order, then most severe first, then in input order: each step takes
    // the next member in that order (groups are a few findings).
    type Rank = (&'static str, std::cmp::Reverse<palisade_core::Severity>, usize);
    let mut last: Option<Rank> = None;
    for _ in 1..members.len() {
        let Some(r) = members
            .iter()
            .copied()
            .enumerate()
            .filter(|&(_, i)| i != primary)
            .map(|(pos, i)| {
                let f = &findings[i];
                ((f.rule.code, std::cmp::Reverse(f.severity), pos), i)
            })
            .filter(|&(rank, _)| last.is_none_or(|l| rank > l))
            .min()
            .map(|(rank, i)| {
                last = Some(rank);
                i
            })
        else {
            break;
        };
        // `r` is dropped: what it adds is moved out of it.
        let rule = findings[r].rule;
        let also = std::mem::take(&mut findings[r].also);
        let pss = findings[r].pss.take();
        let suppressed = findings[r].suppressed.take();
        let p = &mut findings[primary];
        if p.pss.is_none() && pss.is_some() {
            p.pss = pss;
        }
        if p.suppressed.is_none() && suppressed.is_some() {
            p.suppressed = suppressed;
        }
        for r in std::iter::once(rule).chain(also) {
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

#[cfg(test)]
pub(crate) mod tests {
    use super::{merge_concerns, merge_few, merge_many, SMALL};
    use palisade_core::{
        AdmissionAction, FieldPath, Finding, Location, ObjectRef, PssContext, PssMode, Severity, Suppression,
        SuppressionKind,
    };
    use std::sync::Arc;

    /// What makes two findings one concern, as the former merge wrote it: the concern's name,
    /// the object (its definition, by address), the file, the container and the field.
    type Key<'a> = (&'static str, usize, &'a str, Option<&'a str>, &'a FieldPath);

    fn key(f: &Finding) -> Option<Key<'_>> {
        let concern = palisade_rules::concerns::concern_of(f.rule)?;
        Some((
            concern.name,
            Arc::as_ptr(&f.object) as usize,
            f.location.as_ref().map_or("", |l| &*l.file),
            f.container.as_deref(),
            &f.path,
        ))
    }

    /// What merging did before it compared one object's findings pair by pair and moved what
    /// a dropped member adds: groups by key, members sorted by severity then code, the
    /// others by code, each member's Pod Security context, suppression and codes cloned.
    fn reference(findings: &mut Vec<Finding>) {
        let mut groups: Vec<Vec<usize>> = Vec::new();
        for i in 0..findings.len() {
            let Some(k) = key(&findings[i]) else { continue };
            match groups.iter_mut().find(|g| key(&findings[g[0]]) == Some(k)) {
                Some(g) => g.push(i),
                None => groups.push(vec![i]),
            }
        }
        let mut dropped = vec![false; findings.len()];
        for members in groups.iter().filter(|g| g.len() > 1) {
            let mut order = members.clone();
            order.sort_by(|&a, &b| {
                let (a, b) = (&findings[a], &findings[b]);
                b.severity.cmp(&a.severity).then(a.rule.code.cmp(b.rule.code))
            });
            let primary = order[0];
            let mut rest = order.split_off(1);
            rest.sort_by_key(|&r| findings[r].rule.code);
            for r in rest {
                let f = &findings[r];
                let (pss, suppressed) = (f.pss.clone(), f.suppressed.clone());
                let rules: Vec<_> = std::iter::once(f.rule).chain(f.also.iter().copied()).collect();
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
        let mut n = 0;
        findings.retain(|_| {
            n += 1;
            !dropped[n - 1]
        });
    }

    /// What a merge decides, in short: each finding's message, codes, context and suppression.
    fn summary(findings: &[Finding]) -> Vec<String> {
        findings
            .iter()
            .map(|f| {
                let codes: Vec<&str> = f.rules().map(|r| r.code).collect();
                format!(
                    "{} {codes:?} {:?} {:?}",
                    f.message,
                    f.pss.as_ref().map(|p| &p.reason),
                    f.suppressed.as_ref().map(|s| &s.reason)
                )
            })
            .collect()
    }

    /// A small deterministic generator (xorshift).
    pub(crate) struct Gen(pub(crate) u64);
    impl Gen {
        pub(crate) fn next(&mut self, n: usize) -> usize {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            (self.0 % n as u64) as usize
        }
    }

    pub(crate) fn findings(g: &mut Gen, n: usize) -> Vec<Finding> {
        // Two definitions of one object (equal references, two `Arc`s) and another object.
        let web = ObjectRef {
            api_version: "v1".into(),
            kind: "Pod".into(),
            namespace: Some("shop".into()),
            name: "web".into(),
            uid: None,
        };
        let db = ObjectRef {
            name: "db".into(),
            ..web.clone()
        };
        let objects = [Arc::new(web.clone()), Arc::new(web), Arc::new(db)];
        let files: [Arc<str>; 2] = ["a.yaml".into(), "b.yaml".into()];
        let codes = [
            "HRD028", "PSS010", "PSS019", "HRD014", "PSS013", "HRD002", "HRD001", "HRD005", "HRD023",
            "PSS014", "HRD042", "RBAC015", "HRD003", "HRD031",
        ];
        let rules: Vec<_> = codes
            .iter()
            .map(|c| *palisade_rules::all_rules().iter().find(|r| r.code == *c).unwrap())
            .collect();
        let paths = [
            FieldPath::root().key("spec"),
            FieldPath::root().key("spec").key("containers").idx(0),
            FieldPath::root().key("spec").key("containers").idx(1),
        ];
        let severities = [Severity::Info, Severity::Low, Severity::Medium, Severity::High];
        (0..n)
            .map(|i| {
                let pss = (g.next(3) == 0).then(|| {
                    Arc::new(PssContext {
                        level: "restricted".into(),
                        version: "latest".into(),
                        mode: PssMode::Scan,
                        action: AdmissionAction::Violation,
                        check: "seccompProfile_restricted",
                        reason: format!("reason {i}"),
                        detail: String::new(),
                    })
                });
                let suppressed = (g.next(4) == 0).then(|| {
                    Arc::new(Suppression {
                        kind: SuppressionKind::Annotation,
                        reason: format!("accepted {i}"),
                        owner: None,
                        expires: None,
                        source: None,
                        exception: None,
                    })
                });
                let file = files[g.next(2)].clone();
                Finding {
                    rule: rules[g.next(rules.len())],
                    severity: severities[g.next(severities.len())],
                    exact: true,
                    object: objects[g.next(objects.len())].clone(),
                    object_location: None,
                    container: [None, Some("app"), Some("side")][g.next(3)].map(Into::into),
                    message: format!("finding {i}").into(),
                    path: paths[g.next(paths.len())].clone(),
                    location: Some(Location {
                        file,
                        line: 1 + g.next(5) as u32,
                        column: 1,
                    }),
                    pss,
                    suppressed,
                    also: Vec::new(),
                }
            })
            .collect()
    }

    #[test]
    fn merging_is_what_it_was() {
        let mut g = Gen(0x9e37_79b9_7f4a_7c15);
        for round in 0..3000 {
            let n = g.next(SMALL + 40);
            let input = findings(&mut g, n);
            let mut want = input.clone();
            reference(&mut want);
            let mut got = input.clone();
            merge_concerns(&mut got);
            assert_eq!(summary(&got), summary(&want), "round {round}, {n} findings");
            assert_eq!(got, want, "round {round}, {n} findings");
            // Both ways of grouping agree at every size.
            let (mut few, mut many) = (input.clone(), input);
            if n <= SMALL {
                merge_few(&mut few);
                merge_many(&mut many);
                assert_eq!(few, many, "round {round}, {n} findings");
            }
        }
    }
}
