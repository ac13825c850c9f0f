//! Expands the paths a user gives into input files: files as given, directories recursively
//! (`.yaml`, `.yml`, `.json`; hidden directories skipped), glob patterns, and `-` for stdin.
//! Problems (missing paths, globs that match nothing) become error diagnostics.

use palisade_core::{DiagLevel, Diagnostic};
use std::path::{Path, PathBuf};
use std::sync::Arc;

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum InputFile {
    Path { path: PathBuf, display: Arc<str> },
    Stdin,
}

impl InputFile {
    pub fn display_name(&self) -> Arc<str> {
        match self {
            InputFile::Path { display, .. } => display.clone(),
            InputFile::Stdin => "<stdin>".into(),
        }
    }
}

fn is_manifest(p: &Path) -> bool {
    matches!(
        p.extension().and_then(|e| e.to_str()),
        Some("yaml" | "yml" | "json")
    )
}

fn error(file: &str, message: String) -> Diagnostic {
    Diagnostic {
        level: DiagLevel::Error,
        file: Some(file.into()),
        line: None,
        column: None,
        message,
        object: None,
    }
}

fn file(path: PathBuf) -> InputFile {
    let display: Arc<str> = path.to_string_lossy().replace('\\', "/").into();
    InputFile::Path { path, display }
}

/// Expands `args` into input files, in a stable order (sorted within each directory).
pub fn discover(args: &[String]) -> (Vec<InputFile>, Vec<Diagnostic>) {
    let mut files = Vec::new();
    let mut diags = Vec::new();
    for arg in args {
        if arg == "-" {
            files.push(InputFile::Stdin);
            continue;
        }
        let p = Path::new(arg);
        match std::fs::metadata(p) {
            Ok(m) if m.is_dir() => walk(p, &mut files, &mut diags),
            Ok(_) => files.push(file(p.to_path_buf())),
            Err(e) => {
                if arg.contains(['*', '?', '[']) {
                    match glob::glob(arg) {
                        Ok(paths) => {
                            let mut matched = 0;
                            for entry in paths {
                                match entry {
                                    Ok(pb) if pb.is_dir() => {
                                        matched += 1;
                                        walk(&pb, &mut files, &mut diags)
                                    }
                                    Ok(pb) => {
                                        matched += 1;
                                        files.push(file(pb))
                                    }
                                    Err(e) => diags.push(error(arg, format!("cannot read: {e}"))),
                                }
                            }
                            if matched == 0 {
                                diags.push(error(arg, "no files match this pattern".into()));
                            }
                        }
                        Err(e) => diags.push(error(arg, format!("invalid glob pattern: {e}"))),
                    }
                } else {
                    diags.push(error(arg, format!("cannot read: {e}")));
                }
            }
        }
    }
    let mut seen = std::collections::HashSet::new();
    files.retain(|f| seen.insert(f.clone()));
    (files, diags)
}

fn walk(dir: &Path, files: &mut Vec<InputFile>, diags: &mut Vec<Diagnostic>) {
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let rd = match std::fs::read_dir(&d) {
            Ok(rd) => rd,
            Err(e) => {
                diags.push(error(&d.to_string_lossy(), format!("cannot read directory: {e}")));
                continue;
            }
        };
        let mut entries: Vec<_> = rd.filter_map(Result::ok).collect();
        entries.sort_by_key(|e| e.file_name());
        let mut subdirs = Vec::new();
        for e in entries {
            let name = e.file_name();
            let hidden = name.to_string_lossy().starts_with('.');
            // Symlinked directories are not followed (no loops); symlinked files are read.
            let Ok(ft) = e.file_type() else { continue };
            let path = e.path();
            if ft.is_dir() {
                if !hidden {
                    subdirs.push(path);
                }
            } else if is_manifest(&path) && (ft.is_file() || path.is_file()) {
                files.push(file(path));
            }
        }
        stack.extend(subdirs.into_iter().rev());
    }
}
