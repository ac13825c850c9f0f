//! Fuzzes the YAML/JSON loader (`palisade_source::load_bytes`): any bytes must decode
//! without panicking, hanging or unbounded memory; every diagnostic carries the input's name
//! and a 1-based position when it has one; every object's positions are sane.
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "common.rs"]
mod common;
use palisade_core::{Node, Value};

fn check_positions(n: &Node, max_line: u32) {
    let mut stack = vec![n];
    while let Some(n) = stack.pop() {
        assert!(
            n.pos.line <= max_line,
            "line {} past the end ({max_line})",
            n.pos.line
        );
        match &n.value {
            Value::Seq(items) => stack.extend(items.iter()),
            Value::Map(entries) => {
                for e in entries {
                    assert!(e.key_pos.line <= max_line);
                    stack.push(&e.value);
                }
            }
            _ => {}
        }
    }
}

fuzz_target!(init: common::contain_parser_panics(), |data: &[u8]| {
    let loaded = palisade_source::load_bytes("fuzz.yaml".into(), data);
    assert_eq!(loaded.bytes, data.len() as u64);
    // Lines are counted on '\n'; a few extra for the final line and an added newline.
    let max_line = data.iter().filter(|&&b| b == b'\n').count() as u32 + 2;
    for d in &loaded.diagnostics {
        // The input, or a template of it named by a `# Source:` comment (`x.yaml in fuzz.yaml`).
        let file = d.file.as_deref().unwrap_or("");
        assert!(file == "fuzz.yaml" || file.ends_with(" in fuzz.yaml"), "{d:?}");
        assert!(!d.message.is_empty());
        if let Some(l) = d.line {
            assert!(
                l >= 1 && l <= max_line,
                "diagnostic line {l} of {max_line}: {d:?}"
            );
        }
        if let Some(c) = d.column {
            assert!(c >= 1);
        }
    }
    for o in &loaded.objects {
        check_positions(&o.root, max_line);
        // Everything the rules ask of an object must not panic either.
        let _ = o.group();
        let _ = o.labels();
        let _ = palisade_core::pod_templates(o);
        let _ = o.root.to_json();
    }
});
