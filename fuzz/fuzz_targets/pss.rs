//! Fuzzes the Pod Security evaluator on pods decoded from arbitrary YAML/JSON by the loader:
//! every level, every version v1.0..v1.40 and latest, plus namespace label parsing. Nothing
//! may panic, whatever the shape (wrong types, nulls, huge lists), and the result must be
//! consistent: an allowed evaluation has no forbidden checks, every forbidden check is one
//! of the checks active at that level and version, and the privileged level forbids nothing.
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "common.rs"]
mod common;
use palisade_pss::{checks_for, evaluate, evaluate_raw, parse_namespace_labels, Level, PodInput, Version};

const LEVELS: [Level; 3] = [Level::Privileged, Level::Baseline, Level::Restricted];

fn versions() -> impl Iterator<Item = Version> {
    (0..=40)
        .map(Version::V)
        .chain([Version::Latest, Version::V(u32::MAX)])
}

fuzz_target!(init: common::contain_parser_panics(), |data: &[u8]| {
    let loaded = palisade_source::load_bytes("fuzz.yaml".into(), data);
    for o in &loaded.objects {
        let ns = parse_namespace_labels(o.labels());
        let _ = (ns.enforce.to_string(), ns.audit.to_string(), ns.warn.to_string());
        // Labels anywhere else in the tree too: any node shape must be accepted.
        let _ = parse_namespace_labels(Some(&o.root));
        for t in palisade_core::pod_templates(o) {
            let pod = PodInput {
                metadata: t.metadata,
                spec: t.spec,
                is_pod: o.kind == "Pod",
            };
            for level in LEVELS {
                for version in versions() {
                    let e = evaluate(level, version, &pod);
                    assert_eq!(e.allowed(), e.forbidden.is_empty());
                    if level == Level::Privileged {
                        assert!(e.forbidden.is_empty(), "privileged forbade {:?}", e.forbidden);
                    }
                    let active = checks_for(level, version);
                    for r in &e.forbidden {
                        assert!(
                            active.contains(&r.id),
                            "{} not active at {level:?} {version:?}",
                            r.id
                        );
                    }
                    let _ = e.aggregate_reason();
                    let _ = e.aggregate_detail();
                    let policy = palisade_pss::Policy { level, version };
                    let _ = palisade_pss::warning_message(&policy, &e);
                    let _ = palisade_pss::denial_message("pods", "fuzz", &policy, &e);
                }
            }
            let _ = evaluate_raw(Level::Restricted, Version::Latest, &pod);
        }
    }
});
