//! Fuzzes the fast YAML parser against libyaml: for any text, each document (and the whole
//! text) that `palisade_source::yaml::decode_fast` takes must decode to exactly what
//! `decode_libyaml` makes of it (tree, positions, warnings), and libyaml must accept it.
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "common.rs"]
mod common;
use palisade_source::docs::split_documents;
use palisade_source::yaml::{decode_fast, decode_libyaml, Budget};

fn check(text: &str, line: u32) {
    let Some(fast) = decode_fast(text, line) else { return };
    match decode_libyaml(text, line, &Budget::default()) {
        Ok(slow) => {
            assert_eq!(format!("{:?}", fast.docs), format!("{:?}", slow.docs), "{text:?}");
            assert_eq!(fast.warnings, slow.warnings, "{text:?}");
            assert_eq!(fast.dropped_warnings, slow.dropped_warnings, "{text:?}");
        }
        Err((e, _)) => panic!("the fast parser took what libyaml rejects ({e}): {text:?}"),
    }
}

fuzz_target!(init: common::contain_parser_panics(), |data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    check(text, 0);
    for d in split_documents(text) {
        check(d.text, d.first_line);
    }
});
