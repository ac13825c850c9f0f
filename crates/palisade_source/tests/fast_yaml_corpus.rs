//! The fast YAML parser against libyaml on the real-world corpus in `../shared/corpus`
//! (manifests and invalid files nobody here wrote): every document the fast parser takes must
//! decode to exactly libyaml's tree, positions and warnings, and it must take most of them
//! (or it would speed nothing up). Set PALISADE_NO_CORPUS=1 to skip when the corpus is not
//! checked out beside the project.

use palisade_source::docs::split_documents;
use palisade_source::yaml::check_fast_against_libyaml;
use std::path::{Path, PathBuf};

fn corpus() -> Option<PathBuf> {
    if std::env::var_os("PALISADE_NO_CORPUS").is_some() {
        return None;
    }
    let c = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus");
    assert!(
        c.is_dir(),
        "{} not found next to the project (set PALISADE_NO_CORPUS=1 to skip the corpus tests)",
        c.display()
    );
    Some(c)
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            walk(&p, out);
        } else {
            out.push(p);
        }
    }
}

#[test]
fn fast_parser_agrees_with_libyaml_on_the_corpus() {
    let Some(c) = corpus() else { return };
    let mut files = Vec::new();
    walk(&c.join("manifests"), &mut files);
    walk(&c.join("invalid"), &mut files);
    let (mut docs, mut taken, mut differ) = (0usize, 0usize, Vec::new());
    for f in &files {
        let Ok(bytes) = std::fs::read(f) else { continue };
        let Ok(text) = String::from_utf8(bytes) else {
            continue;
        };
        for d in split_documents(&text) {
            docs += 1;
            match check_fast_against_libyaml(d.text, d.first_line) {
                Ok(true) => taken += 1,
                Ok(false) => {}
                Err(e) => {
                    taken += 1;
                    differ.push(format!("{}:{}: {e}", f.display(), d.first_line + 1));
                }
            }
        }
    }
    assert!(
        differ.is_empty(),
        "{} documents differ from libyaml: {differ:#?}",
        differ.len()
    );
    eprintln!("fast parser took {taken} of {docs} documents");
    assert!(docs > 10_000, "only {docs} documents in the corpus");
    assert!(
        taken * 2 > docs,
        "the fast parser took only {taken} of {docs} documents"
    );
}
