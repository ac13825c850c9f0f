//! The Audit Policy evaluator against real logs: the recorded log was written by an API
//! server with the recorded policy, so the policy's answer for every event must be exactly
//! the level it was recorded at, and no event may be of a stage the policy omits.

use palisade_audit::event::Level;
use palisade_audit::policy::lint::lint;
use palisade_audit::policy::replay::Replayer;
use palisade_audit::policy::{load, DiagnosticLevel, Policy, Request};
use palisade_audit::read::{read, Input, ReadOptions};
use std::path::PathBuf;

fn corpus(p: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/corpus/audit")
        .join(p)
}

fn policy(p: &str) -> Policy {
    let path = corpus(p);
    let text = std::fs::read_to_string(&path).expect("corpus policy");
    let (pol, diags) = load(&path.display().to_string(), &text);
    assert!(diags.is_empty(), "{diags:?}");
    pol.expect("policy")
}

#[test]
fn every_recorded_event_has_the_level_the_recorded_policy_gives() {
    let p = policy("palisade-recorded/audit-policy.yaml");
    let mut events = 0;
    let mut mismatches = Vec::new();
    let mut per_level = std::collections::BTreeMap::new();
    let s = read(
        &[Input::Path(corpus("palisade-recorded/audit.log"))],
        &ReadOptions::default(),
        &mut |loc, ev| {
            events += 1;
            let d = p.evaluate(&Request::from_event(&ev));
            *per_level.entry(ev.level).or_insert(0) += 1;
            if d.level != ev.level || !d.records(ev.stage) {
                mismatches.push(format!(
                    "{loc} {} {} {:?}: policy {:?}",
                    ev.audit_id, ev.verb, ev.object_ref, d
                ));
            }
        },
    );
    assert!(s.errors.is_empty(), "{:?}", s.errors);
    assert_eq!(events, 1054);
    assert!(
        mismatches.is_empty(),
        "{} mismatches:\n{}",
        mismatches.len(),
        mismatches.join("\n")
    );
    // The log has all three levels, so the test tells the rules apart.
    assert!(per_level.len() >= 3, "{per_level:?}");
}

#[test]
fn replaying_the_recorded_log_through_its_own_policy_changes_nothing() {
    let p = policy("palisade-recorded/audit-policy.yaml");
    let mut r = Replayer::new(&p, 10);
    read(
        &[Input::Path(corpus("palisade-recorded/audit.log"))],
        &ReadOptions::default(),
        &mut |loc, ev| r.push(loc, ev),
    );
    let r = r.finish();
    assert_eq!(r.events, 1054);
    assert!(r.requests > 0 && r.requests < r.events, "{}", r.requests);
    assert_eq!(
        (
            r.dropped_count,
            r.lowered_count,
            r.raised_count,
            r.omitted_stage_count
        ),
        (0, 0, 0, 0)
    );
    assert_eq!(r.by_level.get(&Level::None), None);
    // Counts per rule add up to the requests; the catch-all (rule 7) takes some.
    assert_eq!(r.by_rule.values().sum::<u64>(), r.requests);
    assert!(r.by_rule.get(&Some(6)).is_some_and(|n| *n > 0));
}

#[test]
fn a_stricter_policy_drops_and_lowers_requests_of_the_recorded_log() {
    let text = "apiVersion: audit.k8s.io/v1\nkind: Policy\nomitStages: [RequestReceived]\nrules:\n- level: None\n  users: [system:kube-controller-manager]\n- level: Metadata\n  resources:\n  - group: ''\n    resources: ['pods/*']\n- level: Metadata\n  verbs: [get, list]\n- level: Request\n";
    let (p, d) = load("strict.yaml", text);
    assert!(d.is_empty(), "{d:?}");
    let p = p.unwrap();
    let mut r = Replayer::new(&p, 1000);
    read(
        &[Input::Path(corpus("palisade-recorded/audit.log"))],
        &ReadOptions::default(),
        &mut |loc, ev| r.push(loc, ev),
    );
    let r = r.finish();
    assert!(
        r.dropped_count > 0 && r.lowered_count > 0,
        "{} {}",
        r.dropped_count,
        r.lowered_count
    );
    for c in &r.dropped {
        assert_eq!((c.policy, c.rule), (Level::None, Some(0)), "{c:?}");
        assert!(c.loc.line > 0 && !c.audit_id.is_empty());
    }
    // pods (the `pods/*` quirk matches pods itself) were RequestResponse, now Metadata.
    assert!(
        r.lowered.iter().any(|c| c.request.contains(" pods ")
            && c.recorded == Level::RequestResponse
            && c.policy == Level::Metadata),
        "{:?}",
        r.lowered
    );
}

#[test]
fn lint_of_the_corpus_policies() {
    let rec = policy("palisade-recorded/audit-policy.yaml");
    let codes: Vec<&str> = lint(&rec).iter().map(|f| f.rule.code).collect();
    // None for watch: RBAC watches are dropped, but no write; exec/attach are recorded;
    // secrets at Metadata: the recorded policy is clean except for what it drops on purpose.
    assert!(!codes.contains(&"APOL002"), "{codes:?}");
    assert!(!codes.contains(&"APOL003"), "{codes:?}");
    assert!(!codes.contains(&"APOL005"), "{codes:?}");
    assert!(!codes.contains(&"APOL006"), "{codes:?}");
    // The one body leak: TokenReviews are not in the Metadata rule, so a create falls to
    // the `Request` rule for writes (#6) and the reviewed token is logged.
    let f = lint(&rec);
    let leaks: Vec<_> = f.iter().filter(|f| f.rule.code == "APOL001").collect();
    assert_eq!(leaks.len(), 1, "{leaks:?}");
    assert_eq!(leaks[0].policy_rule, Some(5));
    assert!(
        leaks[0]
            .message
            .contains("tokenreviews.authentication.k8s.io at Request"),
        "{}",
        leaks[0].message
    );
    assert_eq!(leaks[0].pos.line, 24);
    // secrets watch gets None (rule 3, `verbs: [watch]`): access to Secrets is partly unlogged.
    let c = f.iter().find(|f| f.rule.code == "APOL008").expect("APOL008");
    assert_eq!(c.policy_rule, Some(2), "{c:?}");
    assert!(
        c.message.contains("secrets") && c.message.contains("watch"),
        "{}",
        c.message
    );

    // audit2rbac's demo policy: one rule for four users; nothing else logged.
    let demo = policy("liggitt__audit2rbac/testdata/demo-policy.yaml");
    let f = lint(&demo);
    let codes: Vec<&str> = f.iter().map(|f| f.rule.code).collect();
    for want in ["APOL002", "APOL003", "APOL005", "APOL008"] {
        assert!(codes.contains(&want), "{want} in {codes:?}");
    }
    assert!(
        !codes.contains(&"APOL006"),
        "RequestReceived is omitted by its only rule: {codes:?}"
    );
    assert!(!codes.contains(&"APOL001"), "{codes:?}");
    assert!(f.iter().all(|x| x.pos.line > 0));
    let _ = DiagnosticLevel::Error;
}
