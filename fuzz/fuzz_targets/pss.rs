//! Fuzzes the Pod Security evaluator on pods decoded from arbitrary YAML, at every level
//! and a range of versions, plus namespace label parsing: nothing may panic, and an
//! allowed evaluation never carries forbidden checks.
#![no_main]

use libfuzzer_sys::fuzz_target;
use palisade_pss::{evaluate, parse_namespace_labels, Level, PodInput, Version};

fuzz_target!(|data: &[u8]| {
    let loaded = palisade_source::load_bytes("fuzz.yaml".into(), data);
    for o in &loaded.objects {
        let _ = parse_namespace_labels(o.labels());
        for t in palisade_core::pod_templates(o) {
            let pod = PodInput { metadata: t.metadata, spec: t.spec, is_pod: o.kind == "Pod" };
            for level in [Level::Privileged, Level::Baseline, Level::Restricted] {
                for version in [Version::V(0), Version::V(18), Version::V(19), Version::V(25), Version::V(34), Version::V(35), Version::V(40), Version::Latest] {
                    let e = evaluate(level, version, &pod);
                    assert_eq!(e.allowed(), e.forbidden.is_empty());
                    let _ = e.aggregate_detail();
                }
            }
        }
    }
});
