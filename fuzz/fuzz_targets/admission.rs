//! Fuzzes the admission webhook's input: `palisade_server::review::decode` on the raw body,
//! and for every body it accepts, the validating and the mutating decision (namespace
//! enforcing `all`, warning and auditing `restricted`, mutation on). Nothing may panic; every
//! answer carries the request's uid; a denial says why; the mutating webhook only adds.
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "common.rs"]
mod common;
use palisade_core::Severity;
use palisade_engine::config::AdmissionConfig;
use palisade_engine::{PssMode, ScanOptions};
use palisade_server::decide::{Decider, StaticNamespaces};
use std::collections::{BTreeMap, HashMap};
use std::sync::OnceLock;

fn decider() -> &'static (Decider, StaticNamespaces) {
    static D: OnceLock<(Decider, StaticNamespaces)> = OnceLock::new();
    D.get_or_init(|| {
        let base = ScanOptions::new(PssMode::Fixed(palisade_pss::Policy::DEFAULT), Vec::new(), Severity::Low);
        let labels: BTreeMap<String, String> = [
            ("palisade.dev/enforce", "all"),
            ("palisade.dev/warn", "restricted"),
            ("palisade.dev/audit", "restricted"),
            ("palisade.dev/mutate", "true"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
        let mut ns = HashMap::new();
        for name in ["", "default", "shop", "kube-system"] {
            ns.insert(name.to_owned(), labels.clone());
        }
        (
            Decider::new(AdmissionConfig::default(), base, Vec::new()).expect("defaults"),
            StaticNamespaces(ns),
        )
    })
}

fuzz_target!(init: common::contain_parser_panics(), |data: &[u8]| {
    let Ok(req) = palisade_server::review::decode(data) else {
        return;
    };
    let (d, ns) = decider();
    let v = d.validate(&req, ns);
    assert_eq!(v.response.uid, req.uid);
    assert!(v.response.allowed || v.response.status.as_ref().is_some_and(|s| !s.message.is_empty()));
    let m = d.mutate(&req, ns);
    assert_eq!(m.response.uid, req.uid);
    assert!(m.response.allowed);
    if let Some(p) = &m.response.patch {
        use base64::Engine as _;
        let bytes = base64::engine::general_purpose::STANDARD.decode(p).expect("base64");
        let ops: Vec<serde_json::Value> = serde_json::from_slice(&bytes).expect("a JSON array");
        assert!(ops.iter().all(|o| o["op"] == "add"));
    }
});
