//! Kustomize directories: rendered with `kubectl kustomize` (or `kustomize build`), then each
//! rendered object is traced back to the file that defines it (Kustomize's origin
//! annotations) and takes the positions of that file, so findings name the real file, line
//! and column; fields a patch or a transformer added are located at their nearest ancestor
//! that the file has. Patch fragments are never scanned as objects. Offline: the renderer
//! runs with its network proxies pointed at a closed port, so remote bases fail instead of
//! being fetched.

use crate::discover::{normalise, KUSTOMIZATION_FILES};
use crate::docs::split_documents;
use crate::load::{load_bytes, Loaded};
use crate::yaml::decode;
use palisade_core::{edit_vec, DiagLevel, Diagnostic, Entry, Node, Origin, Pos, Value};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

/// The annotation Kustomize writes with `buildMetadata: [originAnnotations]`.
const ORIGIN: &str = "config.kubernetes.io/origin";

fn error(display: &Arc<str>, message: String) -> Loaded {
    let mut l = Loaded::default();
    l.diagnostics.push(Diagnostic {
        level: DiagLevel::Error,
        file: Some(display.clone()),
        line: None,
        column: None,
        message,
        object: None,
    });
    l
}

/// The first of `kubectl` (`kubectl kustomize DIR`) and `kustomize` (`kustomize build DIR`)
/// found on PATH.
fn renderer() -> Option<(PathBuf, &'static str)> {
    let path = std::env::var_os("PATH")?;
    for (exe, sub) in [("kubectl", "kustomize"), ("kustomize", "build")] {
        for d in std::env::split_paths(&path) {
            let p = d.join(exe);
            if p.is_file() {
                return Some((p, sub));
            }
        }
    }
    None
}

/// `to` relative to `from` (both absolute).
fn relative(from: &Path, to: &Path) -> PathBuf {
    let f: Vec<_> = from.components().collect();
    let t: Vec<_> = to.components().collect();
    let common = f.iter().zip(&t).take_while(|(a, b)| a == b).count();
    let mut out = PathBuf::new();
    for _ in common..f.len() {
        out.push("..");
    }
    for c in &t[common..] {
        out.push(c);
    }
    out
}

/// Renders the Kustomize directory `dir` (shown as `display`) into objects located in the
/// files they come from.
pub fn render(dir: &Path, display: &Arc<str>) -> Loaded {
    let Some((exe, sub)) = renderer() else {
        return error(
            display,
            format!(
                "a Kustomize directory (it has a kustomization.yaml): palisade renders it with `kubectl kustomize`, and \
                 neither kubectl nor kustomize is on PATH; install one, or render it yourself: kubectl kustomize {display} | palisade scan -"
            ),
        );
    };
    let abs = match dir.canonicalize() {
        Ok(p) => p,
        Err(e) => return error(display, format!("cannot read: {e}")),
    };
    // A wrapper kustomization asks for origin annotations without touching the user's files.
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let tmp = std::env::temp_dir().join(format!(
        "palisade-kustomize-{}-{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    ));
    let tmp_abs = std::fs::create_dir_all(&tmp).and_then(|_| tmp.canonicalize());
    let tmp_abs = match tmp_abs {
        Ok(t) => t,
        Err(e) => {
            return error(
                display,
                format!("cannot create a temporary directory to render it: {e}"),
            )
        }
    };
    let rel = relative(&tmp_abs, &abs);
    let wrapper = format!(
        "resources:\n- {:?}\nbuildMetadata: [originAnnotations]\n",
        rel.to_string_lossy()
    );
    let out = std::fs::write(tmp_abs.join(KUSTOMIZATION_FILES[0]), wrapper).and_then(|_| {
        Command::new(&exe)
            .arg(sub)
            .arg(&tmp_abs)
            // Offline: remote bases (git, https) fail instead of being fetched.
            .env("HTTPS_PROXY", "http://127.0.0.1:9")
            .env("HTTP_PROXY", "http://127.0.0.1:9")
            .env("https_proxy", "http://127.0.0.1:9")
            .env("http_proxy", "http://127.0.0.1:9")
            .env("ALL_PROXY", "http://127.0.0.1:9")
            .env("NO_PROXY", "")
            .env("no_proxy", "")
            .env("GIT_TERMINAL_PROMPT", "0")
            .output()
    });
    let _ = std::fs::remove_dir_all(&tmp_abs);
    let tool = if sub == "build" {
        "kustomize build"
    } else {
        "kubectl kustomize"
    };
    let out = match out {
        Ok(o) => o,
        Err(e) => return error(display, format!("cannot run {tool}: {e}")),
    };
    if !out.status.success() {
        let stderr = String::from_utf8_lossy(&out.stderr);
        return error(
            display,
            format!(
                "{tool} failed on this Kustomize directory: {}",
                stderr.trim().replace(&*tmp_abs.to_string_lossy(), "<wrapper>")
            ),
        );
    }
    let name: Arc<str> = format!("{display} (rendered by {tool})").into();
    let mut loaded = load_bytes(name, &out.stdout);
    let mut files: HashMap<PathBuf, Vec<Node>> = HashMap::new();
    for obj in &mut loaded.objects {
        let Some(origin) = take_origin(&mut obj.root) else {
            continue;
        };
        // The origin path is relative to the wrapper; the file is shown relative to `dir`'s
        // display path.
        let file = normalise(&tmp_abs.join(&origin));
        let shown: Arc<str> = normalise(&Path::new(&**display).join(relative(&abs, &file)))
            .to_string_lossy()
            .replace('\\', "/")
            .into();
        let docs = files.entry(file.clone()).or_insert_with(|| read_documents(&file));
        let Some(doc) = original(docs, &obj.kind, &obj.name) else {
            continue;
        };
        graft(&mut obj.root, &docs[doc]);
        obj.origin = Origin::File {
            path: shown,
            doc: u32::try_from(doc).unwrap_or(u32::MAX),
        };
    }
    loaded
}

/// Removes the origin annotation Kustomize added (and `annotations` when it was the only
/// one); returns its `path`.
fn take_origin(root: &mut Node) -> Option<String> {
    let Value::Map(top) = &mut root.value else {
        return None;
    };
    let meta = top.iter_mut().rev().find(|e| &*e.key == "metadata")?;
    let Value::Map(meta) = &mut meta.value.value else {
        return None;
    };
    let ai = meta.iter().rposition(|e| &*e.key == "annotations")?;
    let Value::Map(ann) = &mut meta[ai].value.value else {
        return None;
    };
    let i = ann.iter().rposition(|e| &*e.key == ORIGIN)?;
    let e = edit_vec(ann, |v| v.remove(i));
    if ann.is_empty() {
        edit_vec(meta, |v| v.remove(ai));
    }
    let text = e.value.as_str()?;
    text.lines()
        .find_map(|l| l.strip_prefix("path:"))
        .map(|p| p.trim().trim_matches(['"', '\'']).to_owned())
}

/// The documents of a file as decoded trees (empty when it cannot be read).
fn read_documents(path: &Path) -> Vec<Node> {
    let Ok(text) = std::fs::read_to_string(path) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for chunk in split_documents(&text) {
        match decode(chunk.text, chunk.first_line) {
            Ok(d) => out.extend(d.docs.into_iter().filter(|n| !n.is_null())),
            Err(_) => out.push(Node::null()),
        }
    }
    out
}

/// The document of the file that defines the rendered object of `kind` named `name` (a name
/// prefix or suffix may have been added).
fn original(docs: &[Node], kind: &str, name: &str) -> Option<usize> {
    let same_kind = |n: &Node| n.get("kind").and_then(Node::as_str) == Some(kind);
    let name_of = |n: &Node| {
        n.at(&["metadata", "name"])
            .and_then(Node::as_str)
            .map(str::to_owned)
    };
    docs.iter()
        .position(|n| same_kind(n) && name_of(n).as_deref() == Some(name))
        .or_else(|| {
            docs.iter()
                .position(|n| same_kind(n) && name_of(n).is_some_and(|o| !o.is_empty() && name.contains(&o)))
        })
        .or_else(|| {
            let mut k = docs.iter().enumerate().filter(|(_, n)| same_kind(n));
            match (k.next(), k.next()) {
                (Some((i, _)), None) => Some(i),
                _ => None,
            }
        })
}

/// Gives `rendered` the positions of `orig` where the same field exists there (list items
/// matched by `name` when they have one, else by index); fields that exist only in the
/// rendered object take the position of their nearest ancestor that `orig` has.
fn graft(rendered: &mut Node, orig: &Node) {
    rendered.pos = orig.pos;
    let here = orig.pos;
    match (&mut rendered.value, &orig.value) {
        (Value::Map(re), Value::Map(oe)) => {
            for e in re.iter_mut() {
                match oe.iter().rev().find(|x| x.key == e.key) {
                    Some(x) => {
                        e.key_pos = x.key_pos;
                        graft(&mut e.value, &x.value);
                    }
                    None => inherit(e, here),
                }
            }
        }
        (Value::Seq(ri), Value::Seq(oi)) => {
            let name = |n: &Node| n.get("name").and_then(Node::as_str).map(str::to_owned);
            for (i, item) in ri.iter_mut().enumerate() {
                let by_name = name(item).and_then(|nm| oi.iter().find(|o| name(o).as_deref() == Some(&*nm)));
                match by_name.or_else(|| oi.get(i).filter(|o| name(o).is_none())) {
                    Some(o) => graft(item, o),
                    None => set_all(item, here),
                }
            }
        }
        _ => {}
    }
}

fn inherit(e: &mut Entry, pos: Pos) {
    e.key_pos = pos;
    set_all(&mut e.value, pos);
}

fn set_all(n: &mut Node, pos: Pos) {
    n.pos = pos;
    match &mut n.value {
        Value::Map(entries) => entries.iter_mut().for_each(|e| inherit(e, pos)),
        Value::Seq(items) => items.iter_mut().for_each(|i| set_all(i, pos)),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_and_normalised_paths() {
        assert_eq!(
            relative(Path::new("/tmp/w"), Path::new("/src/a")),
            PathBuf::from("../../src/a")
        );
        assert_eq!(normalise(Path::new("a/b/../../c/./d")), PathBuf::from("c/d"));
        assert_eq!(normalise(Path::new("../x")), PathBuf::from("../x"));
    }

    #[test]
    fn grafted_positions_come_from_the_file_and_added_fields_from_their_parent() {
        let orig = decode(
            "kind: D\nspec:\n  containers:\n  - name: a\n    image: x\n  - name: b\n",
            0,
        )
        .unwrap()
        .docs
        .remove(0);
        let mut r = decode(
            "kind: D\nmetadata: {namespace: n}\nspec:\n  containers:\n  - name: b\n  - name: a\n    image: y\n    securityContext: {privileged: true}\n",
            100,
        )
        .unwrap()
        .docs
        .remove(0);
        graft(&mut r, &orig);
        let a = &r.at(&["spec", "containers"]).unwrap().as_seq().unwrap()[1];
        assert_eq!(a.get("image").unwrap().pos, Pos::new(5, 12));
        assert_eq!(
            a.at(&["securityContext", "privileged"]).unwrap().pos,
            Pos::new(4, 5)
        );
        assert_eq!(r.entry("metadata").unwrap().key_pos, Pos::new(1, 1));
    }
}
