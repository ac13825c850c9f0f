//! Fuzzes the fast YAML parser against libyaml: for any text, each document (and the whole
//! text) that `palisade_source::yaml::decode_fast` takes must decode to exactly what
//! `decode_libyaml` makes of it (tree, positions, warnings), and libyaml must accept it
//! (`palisade_source::yaml::check_fast_against_libyaml`).
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "common.rs"]
mod common;
use palisade_source::docs::split_documents;
use palisade_source::yaml::check_fast_against_libyaml;

fn check(text: &str, line: u32) {
    if let Err(e) = check_fast_against_libyaml(text, line) {
        panic!("{e}: {text:?}");
    }
}

fuzz_target!(init: common::contain_parser_panics(), |data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    check(text, 0);
    for d in split_documents(text) {
        check(d.text, d.first_line);
    }
});
