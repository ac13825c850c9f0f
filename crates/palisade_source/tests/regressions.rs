//! Regression tests for inputs found by fuzzing the loader (`fuzz/`, target `loader`) or
//! built while investigating what the fuzzer found. Each input must load without panicking,
//! in bounded time and memory, with sensible diagnostics.

use palisade_core::{DiagLevel, Node, Value};
use palisade_source::{load_bytes, Loaded};
use std::time::{Duration, Instant};

fn data(name: &str) -> Vec<u8> {
    let path = format!("{}/tests/data/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// Loads `bytes`, checking the invariants the fuzz target asserts: every diagnostic names
/// the input and has a 1-based position inside it (lines counted on `\n`).
fn load(bytes: &[u8]) -> Loaded {
    let l = load_bytes("t.yaml".into(), bytes);
    let max_line = bytes.iter().filter(|&&b| b == b'\n').count() as u32 + 2;
    for d in &l.diagnostics {
        assert_eq!(d.file.as_deref(), Some("t.yaml"));
        assert!(!d.message.is_empty());
        if let Some(line) = d.line {
            assert!((1..=max_line).contains(&line), "line {line} of {max_line}: {d:?}");
            assert!(d.column.is_some_and(|c| c >= 1), "{d:?}");
        }
    }
    l
}

fn errors(l: &Loaded) -> Vec<&str> {
    l.diagnostics
        .iter()
        .filter(|d| d.level == DiagLevel::Error)
        .map(|d| d.message.as_str())
        .collect()
}

/// Generous: the inputs below took minutes (or gigabytes) before their fixes, and take well
/// under a second now, even in a debug build.
const SLOW: Duration = Duration::from_secs(30);

#[test]
fn lone_carriage_returns_do_not_shift_lines() {
    // Fuzz crash: libyaml counts a lone `\r` as a line break, the document splitter and the
    // rest of the loader do not; an error was reported on line 7 of a 2-line file.
    let l = load(&data("fuzz-lone-cr-positions.bin"));
    assert_eq!(l.diagnostics.len(), 1, "{:?}", l.diagnostics);
    assert_eq!(l.diagnostics[0].line, Some(3), "{:?}", l.diagnostics);

    // Valid input: positions follow `\n` lines, in every document.
    let l = load(b"apiVersion: v1\r\r\nkind: Pod\nmetadata: {name: a}\n---\napiVersion: v1\rkind: Pod\n");
    assert_eq!(l.objects.len(), 2, "{:?}", l.diagnostics);
    let o = &l.objects[0];
    assert_eq!(o.root.entry("kind").unwrap().key_pos.line, 2);
    assert_eq!(o.root.at(&["metadata", "name"]).unwrap().pos.line, 3);
    // A lone `\r` still separates YAML lines (as in libyaml and go-yaml); it is only not
    // counted as a line of the file.
    let kind = l.objects[1].root.entry("kind").unwrap();
    assert_eq!((kind.key_pos.line, kind.key_pos.col), (5, 16));
}

#[test]
fn columns_count_characters() {
    let l = load("a: é\nb: [ü, x\n".as_bytes());
    let d = &l.diagnostics[0];
    assert_eq!(d.line, Some(3), "{d:?}");
    let l = load("x: 1\ny: ÿÿ\nz: é\n".as_bytes());
    assert_eq!(l.objects.len(), 0);
    let l = load("apiVersion: v1\nkind: Pod\nmetadata: {name: é, x: ü}\n".as_bytes());
    let x = l.objects[0].root.at(&["metadata"]).unwrap().entry("x").unwrap();
    // Characters, not bytes (`é` is two bytes).
    assert_eq!((x.key_pos.line, x.key_pos.col), (3, 21));
}

#[test]
fn negative_binary_with_a_second_sign_is_a_string() {
    // `-0b-1000…0` (64 binary digits) negated i64::MIN: an overflow panic in debug builds
    // (the parser's catch_unwind turned it into "internal error; document skipped"), a
    // silently wrong value in release builds.
    let l = load(&data("fuzz-neg-binary-overflow.bin"));
    assert!(errors(&l).is_empty(), "{:?}", l.diagnostics);
    let d = palisade_source::yaml::decode(
        std::str::from_utf8(&data("fuzz-neg-binary-overflow.bin")).unwrap(),
        0,
    )
    .unwrap();
    assert!(matches!(
        d.docs[0].get("a").map(|n| &n.value),
        Some(Value::Str(_))
    ));
}

#[test]
fn document_starting_with_a_0xef_byte_is_not_a_bad_byte_order_mark() {
    // libyaml-safer took any first byte 0xEF for a byte-order mark: `ｱ` (U+FF71, EF BD B1)
    // at the start of a document gave "invalid byte order marker".
    let l = load(&data("fuzz-leading-ef-byte.bin"));
    assert!(errors(&l).is_empty(), "{:?}", l.diagnostics);
    let d = palisade_source::yaml::decode("\u{FF71}: 1\nb: 2\n", 0).unwrap();
    assert_eq!(d.docs[0].get("\u{FF71}").and_then(Node::as_i64), Some(1));
    // In a later document too, and after a real byte-order mark.
    let l = load("apiVersion: v1\nkind: A\n---\n\u{F8FF}x: 1\n".as_bytes());
    assert!(errors(&l).is_empty(), "{:?}", l.diagnostics);
    let l = load("\u{FEFF}\u{FF71}: [1\n".as_bytes());
    assert_eq!(errors(&l).len(), 1);
    assert!(
        !l.diagnostics[0].message.contains("byte order"),
        "{:?}",
        l.diagnostics
    );
}

#[test]
fn many_merges_of_a_large_mapping_are_linear() {
    // Each merged key was looked up with a linear scan of the mapping: quadratic per merge.
    let mut s = String::from("a: &a {");
    for i in 0..1000 {
        s.push_str(&format!("k{i}: {i}, "));
    }
    s.push_str("}\n");
    let anchor = s.clone();
    // 1000 merges of 1000 keys: nearly every node comes from an alias, which go-yaml (and so
    // Kubernetes) rejects as excessive aliasing; quickly.
    s.push_str("b:\n  <<: [");
    s.push_str(&"*a, ".repeat(1000));
    s.push_str("]\n  k5: explicit\n");
    let t = Instant::now();
    let (e, _) = palisade_source::yaml::decode(&s, 0).unwrap_err();
    assert!(t.elapsed() < SLOW, "{:?}", t.elapsed());
    assert!(e.message.contains("excessive aliasing"), "{e:?}");
    // 40 mappings that merge the 1000 keys and override them all: half the nodes are
    // explicit, so it decodes, in linear time.
    let mut s = anchor;
    for m in 0..40 {
        s.push_str(&format!("b{m}:\n  <<: *a\n"));
        for i in 0..1000 {
            s.push_str(&format!("  k{i}: explicit\n"));
        }
    }
    let t = Instant::now();
    let d = palisade_source::yaml::decode(&s, 0).unwrap();
    assert!(t.elapsed() < SLOW, "{:?}", t.elapsed());
    let b = d.docs[0].get("b39").unwrap();
    assert_eq!(b.as_map().unwrap().len(), 1000);
    assert_eq!(b.get("k5").and_then(Node::as_str), Some("explicit"));
    assert_eq!(b.get("k999").and_then(Node::as_str), Some("explicit"));
    assert!(d.warnings.is_empty());
}

#[test]
fn many_overrides_of_merged_keys_are_linear() {
    // Each explicit key overriding a merged one scanned and rebuilt the whole mapping.
    let n = 20_000;
    let mut s = String::from("a: &a {");
    for i in 0..n {
        s.push_str(&format!("k{i}: {i}, "));
    }
    s.push_str("}\nb:\n  <<: *a\n");
    for i in 0..n {
        s.push_str(&format!("  k{i}: x{i}\n"));
    }
    s.push_str("  extra: 1\n");
    let t = Instant::now();
    let d = palisade_source::yaml::decode(&s, 0).unwrap();
    assert!(t.elapsed() < SLOW, "{:?}", t.elapsed());
    let b = d.docs[0].get("b").unwrap();
    let entries = b.as_map().unwrap();
    assert_eq!(entries.len(), n + 1);
    // The explicit entries, in their order, replace the merged ones.
    assert_eq!(&*entries[0].key, "k0");
    assert_eq!(entries[0].value.as_str(), Some("x0"));
    assert_eq!(
        entries[n - 1].value.as_str(),
        Some(format!("x{}", n - 1).as_str())
    );
    assert!(d.warnings.is_empty());
}

#[test]
fn merge_semantics_are_unchanged() {
    let d = palisade_source::yaml::decode(
        "m: &m {p: 1, q: 2, r: 3}\nn: &n {q: 20, s: 40}\no:\n  q: 0\n  <<: [*m, *n]\n  r: 30\n  r: 31\n",
        0,
    )
    .unwrap();
    let o = d.docs[0].get("o").unwrap();
    let keys: Vec<&str> = o.as_map().unwrap().iter().map(|e| &*e.key).collect();
    assert_eq!(keys, ["q", "p", "s", "r", "r"]);
    assert_eq!(o.get("q").and_then(Node::as_i64), Some(0));
    assert_eq!(o.get("s").and_then(Node::as_i64), Some(40));
    assert_eq!(o.get("r").and_then(Node::as_i64), Some(31));
    // The two explicit `r` are duplicates; the merged one they overrode is not.
    assert_eq!(d.warnings.len(), 1, "{:?}", d.warnings);
    assert_eq!(d.warnings[0].pos.line, 7);
}

fn bomb_document() -> String {
    // 16^5 ≈ 1M nodes: under the per-document limit of 4M.
    let mut doc = String::from("a0: &a0 [l,l,l,l,l,l,l,l,l,l,l,l,l,l,l,l]\n");
    for i in 1..5 {
        doc.push_str(&format!(
            "a{i}: &a{i} [{}]\n",
            vec![format!("*a{}", i - 1); 16].join(",")
        ));
    }
    doc
}

#[test]
fn alias_budget_is_per_input_not_per_document() {
    // Each document stayed under the per-document node limit, so 40 of them (15 KB) took
    // 40M nodes and gigabytes of memory. Split by `---` lines (separate chunks) and by
    // `--- !!map` (one chunk, many documents) alike.
    for sep in ["---\n", "--- !!map\n"] {
        let s = format!("{sep}{}", bomb_document()).repeat(40);
        let t = Instant::now();
        let l = load(s.as_bytes());
        assert!(t.elapsed() < SLOW, "{:?}", t.elapsed());
        let errs = errors(&l);
        assert!(!errs.is_empty() && errs.len() <= 40, "{errs:?}");
        assert!(errs.iter().all(|e| e.contains("alias bomb")), "{errs:?}");
        // Each document is also rejected on its own, as go-yaml rejects it.
        assert!(errs.iter().all(|e| e.contains("excessive aliasing")), "{errs:?}");
    }
}

#[test]
fn aliases_of_long_strings_are_counted_by_size() {
    // An alias of a 100 KB string counted as one node: 190 KB of input took 3.4 GB.
    let s = format!("a: &a {}\nb: [{}]\n", "x".repeat(100_000), "*a,".repeat(30_000));
    let t = Instant::now();
    let l = load(s.as_bytes());
    assert!(t.elapsed() < SLOW, "{:?}", t.elapsed());
    let errs = errors(&l);
    assert_eq!(errs.len(), 1, "{errs:?}");
    assert!(errs[0].contains("alias bomb"), "{errs:?}");
    // And as keys.
    let s = format!(
        "a: &a {}\nb: {{{}}}\n",
        "x".repeat(100_000),
        "*a : 1,".repeat(30_000)
    );
    let l = load(s.as_bytes());
    assert!(
        errors(&l).iter().any(|e| e.contains("alias bomb")),
        "{:?}",
        l.diagnostics
    );
}

#[test]
fn nested_anchors_are_counted() {
    // Each anchor copies its subtree: 500 nested anchors over a large list copied it 500 times.
    let mut s = String::new();
    for i in 0..500 {
        s.push_str(&format!("- &a{i}\n{}", "  ".repeat(i + 1)));
    }
    s.push_str(&format!("[{}]\n", "x,".repeat(200_000)));
    let t = Instant::now();
    let l = load(s.as_bytes());
    assert!(t.elapsed() < SLOW, "{:?}", t.elapsed());
    assert!(
        errors(&l).iter().any(|e| e.contains("alias bomb")),
        "{:?}",
        l.diagnostics
    );
}

#[test]
fn moderate_anchor_use_still_loads() {
    let s = "apiVersion: v1\nkind: List\nitems:\n- &p\n  apiVersion: v1\n  kind: Pod\n  metadata: {name: a}\n  spec: {containers: [{name: c, image: i}]}\n- *p\n- <<: *p\n  metadata: {name: b}\n";
    let l = load(s.as_bytes());
    assert!(l.diagnostics.is_empty(), "{:?}", l.diagnostics);
    assert_eq!(l.objects.len(), 3);
    assert_eq!(l.objects[2].name, "b");
}

#[test]
fn duplicate_key_warnings_are_bounded() {
    // One warning per duplicate key: 16 MB of `{a,a,a,…}` made 8M diagnostics (3 GB).
    let max = palisade_source::load::MAX_DIAGNOSTICS;
    let s = format!("{{{}}}\n", "a,".repeat(50_000));
    let l = load(s.as_bytes());
    assert_eq!(l.diagnostics.len(), max + 1, "{:?}", l.diagnostics.last());
    let last = l.diagnostics.last().unwrap();
    assert_eq!(last.level, DiagLevel::Warning);
    assert!(
        // 49,999 duplicate keys and the document skipped as not an object.
        last.message.starts_with("49000 more warnings"),
        "{}",
        last.message
    );
    // Across documents too.
    let s = "---\n{a, a}\n".repeat(5000);
    let l = load(s.as_bytes());
    assert_eq!(l.diagnostics.len(), max + 1);
    assert!(l.diagnostics[max].message.starts_with("9000 more warnings"));
}

#[test]
fn errors_of_many_broken_documents_are_bounded() {
    let max = palisade_source::load::MAX_DIAGNOSTICS;
    let s = "---\n[\n".repeat(3000);
    let l = load(s.as_bytes());
    assert_eq!(l.documents, 3000);
    assert_eq!(l.diagnostics.len(), max + 1);
    let last = l.diagnostics.last().unwrap();
    assert_eq!(last.level, DiagLevel::Error);
    assert!(last.message.starts_with("2000 more errors"), "{}", last.message);
    assert!(l.diagnostics[..max].iter().all(|d| d.line.is_some()));
}

#[test]
fn parser_panic_on_tag_before_comma_is_a_located_error() {
    // Fuzz crash (minimised by `cargo fuzz tmin`): libyaml-safer 0.3 panics ("TODO: What is
    // expected here?") on a tag directly followed by ',' in a flow collection, where libyaml
    // goes on. The panic is contained: an error at the last event read.
    let l = load(&data("fuzz-flow-tag-comma.bin"));
    assert!(!palisade_source::in_parser());
    assert_eq!(l.diagnostics.len(), 1, "{:?}", l.diagnostics);
    let d = &l.diagnostics[0];
    assert_eq!(d.level, DiagLevel::Error);
    assert_eq!((d.line, d.column), (Some(1), Some(1)), "{d:?}");
    assert!(d.message.contains("parser failed"), "{}", d.message);
    // The documents read before the panic are kept; the error points near the tag.
    let l = load(b"--- {apiVersion: v1, kind: A}\n--- \n  [x,\n   !t, y]\n");
    assert_eq!(l.objects.len(), 1, "{:?}", l.diagnostics);
    assert_eq!(l.diagnostics.len(), 1, "{:?}", l.diagnostics);
    assert_eq!(l.diagnostics[0].line, Some(3), "{:?}", l.diagnostics);
    assert!(!palisade_source::in_parser());
}
