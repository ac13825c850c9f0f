//! Expands the paths a user gives into input files: files as given, directories recursively
//! (`.yaml`, `.yml`, `.json`; hidden directories and palisade's own `.palisade.yaml` skipped), glob patterns, and `-` for stdin.
//! Problems (missing paths, globs that match nothing) become error diagnostics. Also finds the
//! Dockerfiles in the same paths (`discover_dockerfiles`), for `palisade dockerfile` and the
//! Dockerfiles `palisade scan` picks up.

use palisade_core::{DiagLevel, Diagnostic};
use std::path::{Path, PathBuf};
use std::sync::Arc;

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum InputFile {
    Path {
        path: PathBuf,
        display: Arc<str>,
    },
    /// A directory with a `kustomization.yaml`: rendered with `kubectl kustomize`.
    Kustomization {
        dir: PathBuf,
        display: Arc<str>,
    },
    Stdin,
}

impl InputFile {
    pub fn display_name(&self) -> Arc<str> {
        match self {
            InputFile::Path { display, .. } | InputFile::Kustomization { display, .. } => display.clone(),
            InputFile::Stdin => "<stdin>".into(),
        }
    }
}

/// palisade's configuration file, never a manifest.
fn is_config(name: &std::ffi::OsStr) -> bool {
    name == ".palisade.yaml" || name == ".palisade.yml"
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

fn display_of(path: &Path) -> Arc<str> {
    path.to_string_lossy().replace('\\', "/").into()
}

fn file(path: PathBuf) -> InputFile {
    let display = display_of(&path);
    InputFile::Path { path, display }
}

/// The names Kustomize reads its configuration from.
pub const KUSTOMIZATION_FILES: [&str; 3] = ["kustomization.yaml", "kustomization.yml", "Kustomization"];

/// Whether `dir` is a Kustomize directory.
pub fn is_kustomization(dir: &Path) -> bool {
    KUSTOMIZATION_FILES.iter().any(|f| dir.join(f).is_file())
}

/// Whether `dir` is a Helm chart.
pub fn is_chart(dir: &Path) -> bool {
    dir.join("Chart.yaml").is_file()
}

/// A Helm chart is an error (palisade does not render templates) and is not walked; true
/// when `dir` is one.
fn chart(dir: &Path, diags: &mut Vec<Diagnostic>) -> bool {
    let display = display_of(dir);
    if is_chart(dir) {
        diags.push(error(
            &display,
            format!(
                "a Helm chart (it has a Chart.yaml): palisade does not render templates; render the chart and scan the \
                 output: helm template RELEASE {display} | palisade scan -"
            ),
        ));
        return true;
    }
    false
}

/// A directory named on the command line that is a Kustomize directory is one input, rendered
/// by `kubectl kustomize`; true when `dir` is one.
fn kustomization(dir: &Path, files: &mut Vec<InputFile>) -> bool {
    if !is_kustomization(dir) {
        return false;
    }
    files.push(InputFile::Kustomization {
        dir: dir.to_path_buf(),
        display: display_of(dir),
    });
    true
}

/// The patch files a Kustomize directory names (`patches[].path`, `patchesJson6902[].path`,
/// `patchesStrategicMerge` file names), lexically normalised: fragments, not objects.
fn patch_files(dir: &Path) -> Vec<PathBuf> {
    let Some(text) = KUSTOMIZATION_FILES
        .iter()
        .find_map(|f| std::fs::read_to_string(dir.join(f)).ok())
    else {
        return Vec::new();
    };
    let Ok(d) = crate::yaml::decode(&text, 0) else {
        return Vec::new();
    };
    let Some(k) = d.docs.first() else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for key in ["patches", "patchesJson6902", "patchesStrategicMerge"] {
        for item in k
            .get(key)
            .and_then(palisade_core::Node::as_seq)
            .unwrap_or_default()
        {
            let path = match item.as_str() {
                // An inline strategic-merge patch is YAML text, not a file name.
                Some(p) if !p.contains('\n') && !p.contains(": ") => Some(p),
                Some(_) => None,
                None => item.get("path").and_then(palisade_core::Node::as_str),
            };
            if let Some(p) = path {
                out.push(normalise(&dir.join(p)));
            }
        }
    }
    out
}

/// `path` with `.` and `..` resolved lexically.
pub(crate) fn normalise(path: &Path) -> PathBuf {
    use std::path::Component;
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => match out.components().next_back() {
                Some(Component::Normal(_)) => {
                    out.pop();
                }
                Some(Component::RootDir | Component::Prefix(_)) => {}
                _ => out.push(".."),
            },
            c => out.push(c),
        }
    }
    out
}

/// Expands `args` into input files, in a stable order (sorted within each directory).
pub fn discover(args: &[String]) -> (Vec<InputFile>, Vec<Diagnostic>) {
    let mut files = Vec::new();
    let mut diags = Vec::new();
    // Patch files named by the Kustomize directories met while walking, with their directory.
    let mut patches: Vec<(PathBuf, PathBuf)> = Vec::new();
    for arg in args {
        if arg == "-" {
            files.push(InputFile::Stdin);
            continue;
        }
        let p = Path::new(arg);
        match std::fs::metadata(p) {
            Ok(m) if m.is_dir() => {
                if !kustomization(p, &mut files) {
                    walk(p, &mut files, &mut patches, &mut diags)
                }
            }
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
                                        if !kustomization(&pb, &mut files) {
                                            walk(&pb, &mut files, &mut patches, &mut diags)
                                        }
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
    if !patches.is_empty() {
        let by_file: std::collections::HashMap<PathBuf, PathBuf> = patches.into_iter().collect();
        files.retain(|f| {
            let InputFile::Path { path, display } = f else { return true };
            let Some(dir) = by_file.get(&normalise(path)) else { return true };
            let dir = display_of(dir);
            diags.push(Diagnostic {
                level: DiagLevel::Warning,
                ..error(
                    display,
                    format!(
                        "a patch of the Kustomize directory {dir}, not a complete object: not scanned; scan the \
                         directory itself to scan what it renders: palisade scan {dir}"
                    ),
                )
            });
            false
        });
    }
    (files, diags)
}

fn walk(
    dir: &Path,
    files: &mut Vec<InputFile>,
    patches: &mut Vec<(PathBuf, PathBuf)>,
    diags: &mut Vec<Diagnostic>,
) {
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        if chart(&d, diags) {
            continue;
        }
        if is_kustomization(&d) {
            patches.extend(patch_files(&d).into_iter().map(|p| (p, d.clone())));
        }
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
            } else if !is_config(&name) && is_manifest(&path) && (ft.is_file() || path.is_file()) {
                files.push(file(path));
            }
        }
        stack.extend(subdirs.into_iter().rev());
    }
}

/// Whether a file name is a Dockerfile's, as `palisade scan` and `palisade dockerfile` pick
/// them up in directories: `Dockerfile`, `Containerfile`, `*.Dockerfile`, `*.Containerfile`,
/// `Dockerfile.*` and `Dockerfile-*` (not `*.dockerignore`, BuildKit's ignore file next to
/// a Dockerfile). Case-insensitive.
pub fn is_dockerfile_name(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    if lower.ends_with(".dockerignore") {
        return false;
    }
    matches!(lower.as_str(), "dockerfile" | "containerfile")
        || lower.ends_with(".dockerfile")
        || lower.ends_with(".containerfile")
        || lower.starts_with("dockerfile.")
        || lower.starts_with("dockerfile-")
        || lower.starts_with("containerfile.")
}

fn has_dockerfile_name(p: &Path) -> bool {
    p.file_name()
        .and_then(|n| n.to_str())
        .is_some_and(is_dockerfile_name)
}

/// Expands `args` into Dockerfiles: directories walked (hidden directories skipped, symlinked
/// directories not followed, sorted) for files with a Dockerfile name
/// ([`is_dockerfile_name`]); a file or glob match is taken whatever its name when `any_name`
/// (`palisade dockerfile FILE`), else only with a Dockerfile name (`palisade scan`, where
/// other files are manifests); `-` is stdin when `any_name`. Missing paths and globs that
/// match nothing are errors, as for manifests.
pub fn discover_dockerfiles(args: &[String], any_name: bool) -> (Vec<InputFile>, Vec<Diagnostic>) {
    let mut files = Vec::new();
    let mut diags = Vec::new();
    let take = |p: PathBuf, files: &mut Vec<InputFile>| {
        if any_name || has_dockerfile_name(&p) {
            files.push(file(p));
        }
    };
    for arg in args {
        if arg == "-" {
            if any_name {
                files.push(InputFile::Stdin);
            }
            continue;
        }
        let p = Path::new(arg);
        match std::fs::metadata(p) {
            Ok(m) if m.is_dir() => walk_dockerfiles(p, &mut files, &mut diags),
            Ok(_) => take(p.to_path_buf(), &mut files),
            Err(_) if arg.contains(['*', '?', '[']) => match glob::glob(arg) {
                Ok(paths) => {
                    let mut matched = 0;
                    for entry in paths {
                        match entry {
                            Ok(pb) if pb.is_dir() => {
                                matched += 1;
                                walk_dockerfiles(&pb, &mut files, &mut diags)
                            }
                            Ok(pb) => {
                                matched += 1;
                                take(pb, &mut files)
                            }
                            Err(e) => diags.push(error(arg, format!("cannot read: {e}"))),
                        }
                    }
                    if matched == 0 {
                        diags.push(error(arg, "no files match this pattern".into()));
                    }
                }
                Err(e) => diags.push(error(arg, format!("invalid glob pattern: {e}"))),
            },
            Err(e) => diags.push(error(arg, format!("cannot read: {e}"))),
        }
    }
    let mut seen = std::collections::HashSet::new();
    files.retain(|f| seen.insert(f.clone()));
    (files, diags)
}

/// The Dockerfiles under `dir`, sorted within each directory, depth first.
fn walk_dockerfiles(dir: &Path, files: &mut Vec<InputFile>, diags: &mut Vec<Diagnostic>) {
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
            let Ok(ft) = e.file_type() else { continue };
            let path = e.path();
            if ft.is_dir() {
                if !name.to_string_lossy().starts_with('.') {
                    subdirs.push(path);
                }
            } else if name.to_str().is_some_and(is_dockerfile_name) && (ft.is_file() || path.is_file()) {
                files.push(file(path));
            }
        }
        stack.extend(subdirs.into_iter().rev());
    }
}

#[cfg(test)]
mod dockerfile_tests {
    use super::*;

    #[test]
    fn dockerfile_names() {
        for yes in [
            "Dockerfile",
            "dockerfile",
            "Containerfile",
            "dev.Dockerfile",
            "Dockerfile.debug",
            "Dockerfile-chroot",
            "app.containerfile",
        ] {
            assert!(is_dockerfile_name(yes), "{yes}");
        }
        for no in [
            "Dockerfile.dockerignore",
            "x.dockerignore",
            "Dockerfiles",
            "docker-compose.yaml",
            "README.md",
            "Makefile",
        ] {
            assert!(!is_dockerfile_name(no), "{no}");
        }
    }

    #[test]
    fn walks_directories_for_dockerfiles_only() {
        let root = std::env::temp_dir().join(format!("palisade-dkr-discover-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        std::fs::create_dir_all(root.join("a/.hidden")).unwrap();
        std::fs::create_dir_all(root.join("b")).unwrap();
        for f in [
            "a/Dockerfile",
            "a/.hidden/Dockerfile",
            "a/Dockerfile.dockerignore",
            "a/x.yaml",
            "b/web.Dockerfile",
            "Containerfile",
        ] {
            std::fs::write(root.join(f), "FROM scratch\n").unwrap();
        }
        let arg = root.to_string_lossy().into_owned();
        let (files, diags) = discover_dockerfiles(std::slice::from_ref(&arg), false);
        assert!(diags.is_empty(), "{diags:?}");
        let names: Vec<String> = files
            .iter()
            .map(|f| f.display_name().trim_start_matches(&*arg).to_owned())
            .collect();
        assert_eq!(names, ["/Containerfile", "/a/Dockerfile", "/b/web.Dockerfile"]);
        // A file named on the command line: any name with `any_name`, else only Dockerfiles.
        let yaml = root.join("a/x.yaml").to_string_lossy().into_owned();
        assert_eq!(discover_dockerfiles(std::slice::from_ref(&yaml), true).0.len(), 1);
        assert!(discover_dockerfiles(std::slice::from_ref(&yaml), false)
            .0
            .is_empty());
        let missing = root.join("nope").to_string_lossy().into_owned();
        assert_eq!(discover_dockerfiles(&[missing], true).1.len(), 1);
        std::fs::remove_dir_all(&root).unwrap();
    }
}
