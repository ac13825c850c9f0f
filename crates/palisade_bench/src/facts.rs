//! The node facts model: the files that matter (kind, mode, owner, content), the process
//! command lines (and environments), the versions found, and the problems met while gathering
//! them. Plain data filled by `gather` (or by a test, or later by `bench collect`); the
//! evaluation reads only this. No I/O here.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::sync::Arc;

/// What a path is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum FileKind {
    File,
    Dir,
    Symlink,
    Other,
}

/// One file or directory of the node, as `stat` (without following links) would show it.
#[derive(Clone, Debug, PartialEq)]
pub struct FileFact {
    pub kind: FileKind,
    /// Permission bits, setuid/setgid/sticky included (`mode & 0o7777`).
    pub mode: u32,
    pub uid: u32,
    pub gid: u32,
    /// Owner names recorded with the file (a tarball's header), used before `/etc/passwd`.
    pub user: Option<String>,
    pub group: Option<String>,
    /// The content of a regular file that was read (a symlink's target content when it was
    /// followed for reading).
    pub content: Option<Arc<[u8]>>,
    /// Why the content could not be read (permission denied, too large).
    pub read_error: Option<String>,
}

impl FileFact {
    pub fn file(mode: u32, uid: u32, gid: u32, content: &[u8]) -> FileFact {
        FileFact {
            kind: FileKind::File,
            mode,
            uid,
            gid,
            user: None,
            group: None,
            content: Some(content.into()),
            read_error: None,
        }
    }
    pub fn dir(mode: u32, uid: u32, gid: u32) -> FileFact {
        FileFact {
            kind: FileKind::Dir,
            mode,
            uid,
            gid,
            user: None,
            group: None,
            content: None,
            read_error: None,
        }
    }
    pub fn text(&self) -> Option<&str> {
        self.content.as_deref().and_then(|b| std::str::from_utf8(b).ok())
    }
}

/// Where a process was seen.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ProcessOrigin {
    /// `/proc/PID` of the machine palisade runs on.
    Live,
    /// A collected `proc/PID/cmdline` record (tarball or directory copy).
    Collected,
}

/// A process command line (NUL-separated `cmdline`, so no quoting ambiguity) and, when it
/// could be read, its environment.
#[derive(Clone, Debug, PartialEq)]
pub struct Process {
    pub pid: u32,
    pub argv: Vec<String>,
    pub env: Option<Vec<(String, String)>>,
    pub origin: ProcessOrigin,
}

/// A Kubernetes version seen on the node, and where.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct VersionFact {
    pub version: String,
    /// What says so: `image of /etc/kubernetes/manifests/kube-apiserver.yaml`, `--kube-version`.
    pub source: String,
}

/// A problem with the input: located (file and, when known, line and column) or about a
/// process. Errors make the run exit 2; the rest is still checked.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Problem {
    pub level: Level,
    /// The node path (`/etc/kubernetes/manifests/kube-apiserver.yaml`) or `process 1234`.
    pub file: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub column: Option<u32>,
    pub message: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    Error,
    Warning,
}

impl Problem {
    pub fn error(
        file: impl Into<String>,
        line: Option<u32>,
        column: Option<u32>,
        message: impl Into<String>,
    ) -> Problem {
        Problem {
            level: Level::Error,
            file: file.into(),
            line,
            column,
            message: message.into(),
        }
    }
    pub fn warning(file: impl Into<String>, message: impl Into<String>) -> Problem {
        Problem {
            level: Level::Warning,
            file: file.into(),
            line: None,
            column: None,
            message: message.into(),
        }
    }
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.file)?;
        if let Some(l) = self.line {
            write!(f, ":{l}")?;
            if let Some(c) = self.column {
                write!(f, ":{c}")?;
            }
        }
        write!(f, ": {}", self.message)
    }
}

/// Everything palisade knows about one node. Paths are absolute node paths
/// (`/etc/kubernetes/pki/ca.crt`), whatever root they were read under.
#[derive(Clone, Debug, Default)]
pub struct NodeFacts {
    pub files: BTreeMap<String, FileFact>,
    pub processes: Vec<Process>,
    pub versions: Vec<VersionFact>,
    pub problems: Vec<Problem>,
    /// Files whose secrets `bench collect` did not copy (a collected tarball's
    /// `palisade/withheld`): private keys summarised (algorithm, size), token files, values.
    pub withheld: BTreeMap<String, crate::collect::Withheld>,
    /// What the facts were read from (`--root /host`, `node.tar.gz`, `this node`).
    pub origin: String,
}

/// Normalises a node path: absolute, no `.` or empty segments, `..` resolved, no trailing
/// slash.
pub fn normalize(path: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for seg in path.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            s => parts.push(s),
        }
    }
    format!("/{}", parts.join("/"))
}

impl NodeFacts {
    pub fn get(&self, path: &str) -> Option<&FileFact> {
        self.files.get(&normalize(path))
    }

    pub fn insert(&mut self, path: &str, fact: FileFact) {
        self.files.insert(normalize(path), fact);
    }

    /// The paths directly inside `dir`, sorted.
    pub fn children(&self, dir: &str) -> Vec<&str> {
        let dir = normalize(dir);
        let prefix = if dir == "/" {
            "/".to_owned()
        } else {
            format!("{dir}/")
        };
        self.files
            .range(prefix.clone()..)
            .take_while(|(k, _)| k.starts_with(&prefix))
            .filter(|(k, _)| !k[prefix.len()..].contains('/'))
            .map(|(k, _)| k.as_str())
            .collect()
    }

    /// Every path beneath `dir` (recursive, sorted, `dir` itself excluded).
    pub fn descendants(&self, dir: &str) -> Vec<&str> {
        let dir = normalize(dir);
        let prefix = if dir == "/" {
            "/".to_owned()
        } else {
            format!("{dir}/")
        };
        self.files
            .range(prefix.clone()..)
            .take_while(|(k, _)| k.starts_with(&prefix))
            .map(|(k, _)| k.as_str())
            .collect()
    }

    /// `user:group` of a file as `stat -c %U:%G` prints it on the node: names recorded with
    /// the file, else the node's `/etc/passwd` and `/etc/group`, else `root` for id 0, else
    /// `UNKNOWN` (what stat prints for an id without a name).
    pub fn owner(&self, f: &FileFact) -> String {
        let user = f
            .user
            .clone()
            .or_else(|| self.name_of("/etc/passwd", f.uid))
            .unwrap_or_else(|| default_name(f.uid));
        let group = f
            .group
            .clone()
            .or_else(|| self.name_of("/etc/group", f.gid))
            .unwrap_or_else(|| default_name(f.gid));
        format!("{user}:{group}")
    }

    fn name_of(&self, db: &str, id: u32) -> Option<String> {
        let text = self.get(db)?.text()?;
        text.lines().find_map(|l| {
            let mut it = l.split(':');
            let name = it.next()?;
            let _pw = it.next()?;
            let n: u32 = it.next()?.trim().parse().ok()?;
            (n == id && !name.is_empty()).then(|| name.to_owned())
        })
    }

    /// Adds an error.
    pub fn error(
        &mut self,
        file: impl Into<String>,
        line: Option<u32>,
        column: Option<u32>,
        message: impl Into<String>,
    ) {
        self.problems.push(Problem::error(file, line, column, message));
    }
}

fn default_name(id: u32) -> String {
    if id == 0 {
        "root".into()
    } else {
        "UNKNOWN".into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn children_and_descendants() {
        let mut f = NodeFacts::default();
        f.insert("/etc/kubernetes/pki", FileFact::dir(0o755, 0, 0));
        f.insert("/etc/kubernetes/pki/ca.crt", FileFact::file(0o644, 0, 0, b""));
        f.insert(
            "/etc/kubernetes/pki/etcd/ca.crt",
            FileFact::file(0o644, 0, 0, b""),
        );
        f.insert("/etc/kubernetes/pki-other", FileFact::dir(0o755, 0, 0));
        assert_eq!(
            f.children("/etc/kubernetes/pki/"),
            vec!["/etc/kubernetes/pki/ca.crt", "/etc/kubernetes/pki/etcd/ca.crt"][..1].to_vec()
        );
        assert_eq!(f.descendants("/etc/kubernetes/pki").len(), 2);
        assert_eq!(normalize("etc//kubernetes/./a/../b/"), "/etc/kubernetes/b");
    }

    #[test]
    fn owners_resolve_through_the_node_passwd() {
        let mut f = NodeFacts::default();
        f.insert(
            "/etc/passwd",
            FileFact::file(
                0o644,
                0,
                0,
                b"root:x:0:0::/root:/bin/sh\netcd:x:998:997::/var/lib/etcd:/bin/false\n",
            ),
        );
        f.insert(
            "/etc/group",
            FileFact::file(0o644, 0, 0, b"root:x:0:\netcd:x:997:\n"),
        );
        assert_eq!(f.owner(&FileFact::dir(0o700, 998, 997)), "etcd:etcd");
        assert_eq!(f.owner(&FileFact::dir(0o700, 0, 0)), "root:root");
        assert_eq!(f.owner(&FileFact::dir(0o700, 1000, 0)), "UNKNOWN:root");
    }
}
