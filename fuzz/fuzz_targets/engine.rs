//! Fuzzes the whole path the CLI takes for one input: load, object rules, Pod Security per
//! namespace labels, pod rules, suppression and report assembly (`palisade_engine::scan_bytes`
//! with every rule selected). Nothing may panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "common.rs"]
mod common;
use palisade_core::Severity;
use palisade_engine::{scan_bytes, PssMode, ScanOptions};
use palisade_pss::{Level, Policy, Version};

fuzz_target!(init: common::contain_parser_panics(), |data: &[u8]| {
    let rules = palisade_rules::all_rules().to_vec();
    let pss = PssMode::Namespaces {
        default: Policy {
            level: Level::Restricted,
            version: Version::Latest,
        },
    };
    let opts = ScanOptions::new(pss, rules, Severity::Info);
    let report = scan_bytes(&[("fuzz.yaml", data)], &opts);
    for f in &report.findings {
        assert!(!f.code().is_empty());
    }
});
