//! Every rule on the real Dockerfiles of `../shared/corpus/dockerfiles/` (the files listed in
//! its SOURCES.tsv): no panic, every hit located inside its file at a position where the file
//! has text, and the rules' hits listed (`PALISADE_DKR_HITS=path` writes them as TSV for the
//! review in docs/dockerfile-review.md, with the line of the instruction each hit is in).

use palisade_dockerfile::lint::{lint, Config};
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::PathBuf;

fn corpus() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus/dockerfiles")
}

#[test]
fn rules_on_the_corpus() {
    let root = corpus();
    let index = std::fs::read_to_string(root.join("SOURCES.tsv"))
        .expect("the corpus index ../shared/corpus/dockerfiles/SOURCES.tsv");
    let files: Vec<&str> = index
        .lines()
        .skip(1)
        .filter_map(|l| l.split('\t').nth(5))
        .collect();
    assert!(files.len() >= 100, "the corpus lists {} files", files.len());
    let mut per_rule: BTreeMap<&str, usize> = BTreeMap::new();
    let mut tsv = String::new();
    for f in &files {
        let text = std::fs::read_to_string(root.join(f)).unwrap_or_else(|e| panic!("{f}: {e}"));
        let df = palisade_dockerfile::parse(f, &text);
        let lines: Vec<&str> = text.lines().collect();
        for h in lint(&df, &Config::default()) {
            let (l, c) = (h.span.start.line as usize, h.span.start.column as usize);
            let line = lines
                .get(l.wrapping_sub(1))
                .unwrap_or_else(|| panic!("{f}: {} hit on line {l}, past the end", h.rule.code));
            let at: String = line.chars().skip(c - 1).take(12).collect();
            assert!(
                !at.trim().is_empty(),
                "{f}:{l}:{c}: {} points at blank text: {}",
                h.rule.code,
                h.message
            );
            *per_rule.entry(h.rule.code).or_default() += 1;
            // The line of the instruction the hit is in (hadolint reports that one).
            let ins_line = df
                .instructions
                .iter()
                .find(|i| i.span.start <= h.span.start && h.span.start <= i.span.end)
                .map_or(l, |i| i.span.start.line as usize);
            let _ = writeln!(
                tsv,
                "{}\t{}\t{f}:{l}:{c}\t{}\t{ins_line}",
                h.rule.code,
                h.rule.name,
                h.message.replace('\t', " ")
            );
        }
    }
    if let Ok(out) = std::env::var("PALISADE_DKR_HITS") {
        std::fs::write(out, &tsv).expect("write the hits");
    }
    eprintln!("{per_rule:#?}");
    // The corpus has multi-stage Go/Node/Python images with package installs: the commonest
    // rules must find something, or the shell analysis is broken.
    for code in ["DKR001", "DKR004", "DKR005", "DKR023"] {
        assert!(
            per_rule.get(code).copied().unwrap_or(0) > 0,
            "{code} found nothing on the corpus"
        );
    }
}
