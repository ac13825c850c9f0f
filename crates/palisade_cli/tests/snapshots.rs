//! `insta` snapshots of `palisade scan examples/guestbook` in every output format (human,
//! json, sarif, junit), with durations, absolute paths and the version normalised
//! (`tests/common/mod.rs`). A changed message, location, ordering or field fails here with a
//! diff; when the change is intended, review and accept it (`cargo insta review`, or
//! `INSTA_UPDATE=always cargo test -p palisade_cli --test snapshots` and read the diff).

mod common;

use common::{code, normalise, palisade, text};

fn scan_guestbook(format: &str) -> String {
    let out = palisade(&["scan", "examples/guestbook", "-o", format]);
    assert_eq!(
        code(&out),
        1,
        "the guestbook has findings: exit 1\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // Every document of the guestbook is a Kubernetes object and reads cleanly: stderr stays
    // empty in every format (input problems would be summarised there).
    let expected = "";
    assert_eq!(String::from_utf8_lossy(&out.stderr), expected);
    normalise(&text(&out))
}

#[test]
fn scan_guestbook_human() {
    insta::assert_snapshot!("scan-guestbook.human", scan_guestbook("human"));
}

#[test]
fn scan_guestbook_json() {
    insta::assert_snapshot!("scan-guestbook.json", scan_guestbook("json"));
}

#[test]
fn scan_guestbook_sarif() {
    insta::assert_snapshot!("scan-guestbook.sarif", scan_guestbook("sarif"));
}

#[test]
fn scan_guestbook_junit() {
    insta::assert_snapshot!("scan-guestbook.junit", scan_guestbook("junit"));
}

#[test]
fn normalisation_replaces_only_what_varies() {
    let v = env!("CARGO_PKG_VERSION");
    let root = common::root().display().to_string();
    let input = format!(
        "17 findings in 3 objects; 89 ms\n  \"durationMs\": 102,\n<testsuite time=\"0.101\" tests=\"2\">\n  \"version\": \"{v}\"\n{root}/examples/x.yaml:3:1 uses 12 ms timeouts\n"
    );
    assert_eq!(
        normalise(&input),
        "17 findings in 3 objects; [duration] ms\n  \"durationMs\": \"[duration]\",\n<testsuite time=\"[duration]\" tests=\"2\">\n  \"version\": \"[version]\"\n[root]/examples/x.yaml:3:1 uses 12 ms timeouts\n"
    );
}
