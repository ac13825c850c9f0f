//! Smoke test on the real-world corpus in `../shared/corpus` (manifests nobody here wrote):
//! the whole corpus scans without a crash, every file in `invalid/` is reported with a
//! located parse error, and no valid manifest is reported as unparseable.
//! Set PALISADE_NO_CORPUS=1 to skip when the corpus is not checked out beside the project.

mod common;

use common::corpus;
use std::path::Path;
use std::process::Command;

fn scan_json(dir: &Path) -> (i32, serde_json::Value) {
    let out = Command::new(env!("CARGO_BIN_EXE_palisade"))
        .args(["scan", "-o", "json", "--pss", "restricted"])
        .arg(dir)
        .output()
        .unwrap();
    let code = out.status.code().expect("palisade was killed by a signal");
    (
        code,
        serde_json::from_slice(&out.stdout).expect("valid JSON report"),
    )
}

#[test]
fn invalid_files_each_get_a_located_parse_error() {
    let Some(c) = corpus() else { return };
    let (code, v) = scan_json(&c.join("invalid"));
    assert_eq!(code, 2);
    let index = std::fs::read_to_string(c.join("invalid/INVALID.tsv")).unwrap();
    let expected: Vec<&str> = index
        .lines()
        .skip(1)
        .filter_map(|l| l.split('\t').nth(1))
        .collect();
    let errors = v["errors"].as_array().unwrap();
    assert_eq!(errors.len(), expected.len(), "{errors:#?}");
    for path in expected {
        let e = errors
            .iter()
            .find(|e| e["file"].as_str().unwrap().ends_with(path))
            .unwrap_or_else(|| panic!("no error for {path}: {errors:#?}"));
        assert_eq!(e["level"], "error");
        assert!(e["line"].as_u64().unwrap() >= 1, "{e}");
        assert!(e["column"].as_u64().unwrap() >= 1, "{e}");
    }
}

#[test]
fn whole_corpus_scans_without_parse_errors() {
    let Some(c) = corpus() else { return };
    let dir = c.join("manifests");
    let (code, v) = scan_json(&dir);
    let stats = &v["stats"];
    let on_disk = walk(&dir);
    // Patch fragments named by a kustomization are not read (each is named in a warning).
    let patches = v["errors"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| {
            e["message"]
                .as_str()
                .unwrap()
                .starts_with("a patch of the Kustomize directory")
        })
        .count();
    assert!(patches > 0);
    assert_eq!(stats["files"].as_u64().unwrap() as usize + patches, on_disk);
    assert!(stats["objects"].as_u64().unwrap() > 11_000, "{stats}");
    assert!(stats["workloads"].as_u64().unwrap() > 1_700, "{stats}");
    assert!(!v["findings"].as_array().unwrap().is_empty());
    // The only errors are objects that the API server would reject for a wrong field type
    // (e.g. an annotation value `true`), never a parse failure of a valid file.
    for e in v["errors"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["level"] == "error")
    {
        assert!(
            e["message"].as_str().unwrap().starts_with("invalid value at "),
            "{e}"
        );
        assert!(e["line"].as_u64().unwrap() >= 1, "{e}");
    }
    assert!(code == 1 || code == 2, "exit {code}");
    // Every finding is located.
    for f in v["findings"].as_array().unwrap() {
        assert!(f["location"]["line"].as_u64().unwrap() >= 1, "{f}");
    }
}

fn walk(d: &Path) -> usize {
    let mut n = 0;
    for e in std::fs::read_dir(d).unwrap() {
        let e = e.unwrap();
        let p = e.path();
        let hidden = e.file_name().to_string_lossy().starts_with('.');
        if e.file_type().unwrap().is_dir() {
            if !hidden {
                n += walk(&p);
            }
        } else if matches!(
            p.extension().and_then(|x| x.to_str()),
            Some("yaml" | "yml" | "json")
        ) {
            n += 1;
        }
    }
    n
}
