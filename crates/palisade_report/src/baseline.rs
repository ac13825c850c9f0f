//! `--baseline previous.json`: reads an earlier JSON report (`-o json`) and leaves out of a
//! new report the findings it already had, matched by fingerprint
//! (`palisade_core::fingerprint`: file, object, code and field path — not the line, so
//! editing a file above a finding does not make it new). A merged finding matches when any
//! of its codes matched (the earlier run may have selected other rules of the concern). Not
//! a renderer: the CLI calls it between the scan and the rendering. No I/O: the caller reads
//! the file.

use palisade_core::{fingerprint, FingerprintParts, Report};
use serde_json::Value;
use std::collections::HashSet;

/// The fingerprints of an earlier report.
#[derive(Debug, Default)]
pub struct Baseline {
    fingerprints: HashSet<String>,
    /// Findings the earlier report held (listed and suppressed).
    pub findings: usize,
}

/// Why a baseline cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum BaselineError {
    #[error("{file}:{line}:{column}: not JSON: {message}")]
    Json {
        file: String,
        line: usize,
        column: usize,
        message: String,
    },
    #[error("{file}: not a palisade JSON report (`palisade scan -o json`): {why}")]
    Shape { file: String, why: String },
}

impl Baseline {
    /// Parses the text of a JSON report; `file` names it in errors.
    pub fn parse(file: &str, text: &str) -> Result<Baseline, BaselineError> {
        let v: Value = serde_json::from_str(text).map_err(|e| BaselineError::Json {
            file: file.to_owned(),
            line: e.line(),
            column: e.column(),
            message: e.to_string(),
        })?;
        let shape = |why: &str| BaselineError::Shape {
            file: file.to_owned(),
            why: why.to_owned(),
        };
        if v.get("schemaVersion").and_then(Value::as_str).is_none() {
            return Err(shape("no schemaVersion"));
        }
        let findings = v
            .get("findings")
            .and_then(Value::as_array)
            .ok_or_else(|| shape("no findings array"))?;
        let suppressed = v.get("suppressed").and_then(Value::as_array);
        let mut b = Baseline::default();
        for (i, f) in findings
            .iter()
            .chain(suppressed.into_iter().flatten())
            .enumerate()
        {
            b.add(f)
                .ok_or_else(|| shape(&format!("finding {} lacks code, object or path", i + 1)))?;
            b.findings += 1;
        }
        Ok(b)
    }

    fn add(&mut self, f: &Value) -> Option<()> {
        let s = |v: &Value, k: &str| v.get(k).and_then(Value::as_str).map(str::to_owned);
        let object = f.get("object")?;
        let kind = s(object, "kind")?;
        let name = s(object, "name")?;
        let namespace = s(object, "namespace").unwrap_or_default();
        let path = s(f, "path")?;
        let file = f.get("location").and_then(|l| s(l, "file")).unwrap_or_default();
        let mut codes = vec![s(f, "code")?];
        if let Some(also) = f.get("also").and_then(Value::as_array) {
            codes.extend(also.iter().filter_map(|c| c.as_str().map(str::to_owned)));
        }
        for code in &codes {
            self.fingerprints.insert(fingerprint(&FingerprintParts {
                file: &file,
                kind: &kind,
                namespace: &namespace,
                name: &name,
                code,
                path: &path,
            }));
        }
        Some(())
    }

    /// Leaves out of `report` the findings (listed and suppressed) the baseline has,
    /// counting them in `hidden.baseline`.
    /// Whether the earlier report has `f` (under any of its codes).
    pub fn knows(&self, f: &palisade_core::Finding) -> bool {
        f.rules()
            .any(|r| self.fingerprints.contains(&f.fingerprint_as(r.code)))
    }

    pub fn apply(&self, report: &mut Report) {
        let known = |f: &palisade_core::Finding| self.knows(f);
        let before = report.findings.len();
        report.findings.retain(|f| !known(f));
        report.suppressed.retain(|f| !known(f));
        report.hidden.baseline = Some(before - report.findings.len());
        report.recount();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_name_file_and_line() {
        let e = Baseline::parse("old.json", "{\n  \"findings\": [,]\n}").unwrap_err();
        assert!(e.to_string().starts_with("old.json:2:"), "{e}");
        let e = Baseline::parse("old.json", "{\"findings\": []}").unwrap_err();
        assert!(e.to_string().contains("not a palisade JSON report"), "{e}");
        let e = Baseline::parse(
            "old.json",
            r#"{"schemaVersion": "1", "findings": [{"code": "X"}]}"#,
        )
        .unwrap_err();
        assert!(e.to_string().contains("finding 1 lacks"), "{e}");
    }
}
