//! Gathering node facts (all of palisade bench's I/O): from a directory holding a node's
//! filesystem or a copy of it (`--root DIR`, modes and owners from
//! `std::os::unix::fs::MetadataExt`), from a tarball (`--root node.tar.gz`, modes, owners
//! and names from the tar headers), or from this machine (`--node`: `/` and `/proc/*/cmdline`
//! of the Kubernetes components), read-only. What is read: the layout's paths, then the files
//! the components' flags name (`--config`, `--kubeconfig`, `--data-dir` …). Problems are
//! recorded as located errors; gathering never stops at one.

use crate::components::{self, ModelOptions};
use crate::facts::{normalize, FileFact, FileKind, NodeFacts, Problem, Process, ProcessOrigin};
use crate::layout::{self, Distribution, Layout, PathKind};
use std::io::Read;
use std::path::{Path, PathBuf};

/// Files larger than this are recorded (mode, owner) but not read.
pub const MAX_READ: u64 = 8 << 20;
/// At most this many entries are walked under one directory.
pub const MAX_WALK: usize = 20_000;

/// Binaries whose processes are read.
const COMPONENT_BINARIES: [&str; 9] = [
    "kube-apiserver",
    "kube-controller-manager",
    "kube-scheduler",
    "etcd",
    "kubelet",
    "kube-proxy",
    "hyperkube",
    "k3s",
    "rke2",
];

/// What to gather besides the layout.
#[derive(Clone, Debug, Default)]
pub struct GatherOptions {
    /// Force a distribution instead of detecting it.
    pub distribution: Option<Distribution>,
    pub overrides: Vec<(PathKind, String)>,
    /// Only these process ids (live and collected processes alike); empty: all.
    pub pids: Vec<u32>,
    /// With a directory: read the component processes from this live `/proc` (a pod with
    /// `hostPID` reading the host mounted at `--root /host`) instead of `DIR/proc` records.
    pub proc_dir: Option<PathBuf>,
}

/// Where the facts come from.
#[derive(Clone, Debug)]
pub enum Input {
    /// A directory holding a node's filesystem (its `proc/` records, if any, are read too).
    Dir(PathBuf),
    /// A `.tar`, `.tar.gz` or `.tgz` of a node's files (and `proc/PID/cmdline` records).
    Tarball(PathBuf),
    /// This machine: `/` and `/proc`.
    Live,
}

/// The layout for these facts: forced or detected, with the overrides applied.
pub fn layout_for(facts: &NodeFacts, opts: &GatherOptions) -> (Layout, String) {
    let (d, why) = match opts.distribution {
        Some(d) => (d, "--distribution".to_owned()),
        None => layout::detect(facts),
    };
    let mut l = Layout::of(d);
    l.apply(&opts.overrides);
    (l, why)
}

/// Reads the facts of a node.
pub fn gather(input: &Input, opts: &GatherOptions) -> NodeFacts {
    match input {
        Input::Tarball(p) => {
            let mut f = read_tarball(p);
            filter_pids(&mut f, &opts.pids);
            f
        }
        Input::Dir(root) => {
            let mut fs = DirReader {
                root: root.clone(),
                facts: NodeFacts {
                    origin: root.display().to_string(),
                    ..NodeFacts::default()
                },
            };
            match &opts.proc_dir {
                Some(p) => fs.read_processes(p, ProcessOrigin::Live, &opts.pids),
                None => fs.read_processes(&root.join("proc"), ProcessOrigin::Collected, &opts.pids),
            }
            fs.read_all(opts);
            fs.facts
        }
        Input::Live => {
            let mut fs = DirReader {
                root: PathBuf::from("/"),
                facts: NodeFacts {
                    origin: "this node".into(),
                    ..NodeFacts::default()
                },
            };
            fs.read_processes(Path::new("/proc"), ProcessOrigin::Live, &opts.pids);
            fs.read_all(opts);
            fs.facts
        }
    }
}

fn filter_pids(f: &mut NodeFacts, pids: &[u32]) {
    if !pids.is_empty() {
        f.processes.retain(|p| pids.contains(&p.pid));
    }
}

struct DirReader {
    root: PathBuf,
    facts: NodeFacts,
}

impl DirReader {
    fn host(&self, node_path: &str) -> PathBuf {
        self.root.join(node_path.trim_start_matches('/'))
    }

    fn read_all(&mut self, opts: &GatherOptions) {
        // Markers of the distributions, for detection.
        for m in [
            "/var/lib/rancher/rke2",
            "/etc/rancher/rke2",
            "/var/lib/rancher/k3s",
            "/etc/rancher/k3s",
            "/var/snap/microk8s",
        ] {
            self.stat_only(m);
        }
        let (layout, _) = layout_for(&self.facts, opts);
        let data_dirs = [layout.etcd_data_dir.clone()];
        for p in layout.paths() {
            if data_dirs.contains(&p) {
                self.stat_only(&p);
            } else {
                self.read_path(&p, 0);
            }
        }
        // The CoreDNS configuration palisade's NODE601 reads where a distribution keeps one.
        for p in crate::extra::coredns::NODE_PATHS {
            self.read_path(p, 0);
        }
        // Environment files named by the units read so far.
        let env_files: Vec<String> = self
            .facts
            .files
            .iter()
            .filter(|(k, _)| k.ends_with(".service") || k.ends_with(".conf"))
            .filter_map(|(_, f)| f.text())
            .flat_map(|t| {
                t.lines()
                    .filter_map(|l| l.trim().strip_prefix("EnvironmentFile="))
                    .map(|v| v.trim().trim_start_matches('-').to_owned())
                    .collect::<Vec<_>>()
            })
            .collect();
        for e in env_files {
            self.read_path(&e, 0);
        }
        // Files the components name.
        let model = components::build(&self.facts, &layout, &ModelOptions::default());
        let mut wanted: Vec<(String, bool)> = Vec::new();
        for c in &model.components {
            for name in [
                "config",
                "kubeconfig",
                "client-ca-file",
                "encryption-provider-config",
                "config-file",
                "cni-conf-dir",
            ]
            .into_iter()
            .chain(crate::extra::FILE_FLAGS)
            {
                if let Some((v, _)) = c.flag(name) {
                    wanted.push((v, false));
                }
            }
            if let Some((v, _)) = c.flag("config-dir") {
                wanted.push((v, false));
            }
            if let Some((v, _)) = c.flag("data-dir") {
                wanted.push((v, true));
            }
            for e in &c.env {
                if e.name == "ETCD_DATA_DIR" {
                    wanted.push((e.value.clone(), true));
                }
                if e.name == "ETCD_CONFIG_FILE" {
                    wanted.push((e.value.clone(), false));
                }
            }
        }
        for (p, stat_only) in wanted {
            if p.is_empty() || !p.starts_with('/') {
                continue;
            }
            if stat_only {
                self.stat_only(&p);
            } else {
                self.read_path(&p, 0);
            }
        }
        // The kubelet config-dir of the final model (a --config file can name none, but the
        // drop-ins of a flag are read above); and files named inside the kubelet config.
        let model = components::build(&self.facts, &layout, &ModelOptions::default());
        let kubelet = model.get(components::Kind::Kubelet);
        if let Some(cfg) = &kubelet.config {
            if let Some((ca, _)) = cfg.jsonpath("{.authentication.x509.clientCAFile}") {
                self.read_path(&ca, 0);
            }
        }
    }

    /// Records a path's metadata without reading or walking it.
    fn stat_only(&mut self, node_path: &str) {
        let node_path = normalize(node_path);
        if self.facts.files.contains_key(&node_path) {
            return;
        }
        if let Some(f) = self.meta(&node_path) {
            self.facts.files.insert(node_path, f);
        }
    }

    fn meta(&mut self, node_path: &str) -> Option<FileFact> {
        let host = self.host(node_path);
        match std::fs::symlink_metadata(&host) {
            Ok(m) => Some(fact_of(&m)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(e) => {
                self.facts
                    .problems
                    .push(Problem::error(node_path, None, None, format!("cannot stat: {e}")));
                None
            }
        }
    }

    /// Reads a file (content) or walks a directory.
    fn read_path(&mut self, node_path: &str, depth: usize) {
        let node_path = normalize(node_path);
        if self
            .facts
            .files
            .get(&node_path)
            .is_some_and(|f| f.content.is_some() || f.kind == FileKind::Dir && depth > 0)
        {
            return;
        }
        let Some(mut f) = self.meta(&node_path) else {
            return;
        };
        let host = self.host(&node_path);
        match f.kind {
            FileKind::File => self.read_content(&node_path, &host, &mut f),
            FileKind::Symlink => {
                // Follow the link for reading (an absolute target stays under the root).
                if let Ok(target) = std::fs::read_link(&host) {
                    let t = target.to_string_lossy();
                    let resolved = if t.starts_with('/') {
                        normalize(&t)
                    } else {
                        let parent = node_path.rsplit_once('/').map_or("", |(p, _)| p);
                        normalize(&format!("{parent}/{t}"))
                    };
                    let rhost = self.host(&resolved);
                    match std::fs::metadata(&rhost) {
                        Ok(m) if m.is_file() => self.read_content(&node_path, &rhost, &mut f),
                        Ok(_) => {}
                        Err(e) => {
                            f.read_error = Some(e.to_string());
                            self.facts.problems.push(Problem::error(
                                &node_path,
                                None,
                                None,
                                format!("cannot read: {e}"),
                            ));
                        }
                    }
                }
            }
            FileKind::Dir => {
                self.facts.files.insert(node_path.clone(), f);
                if depth > 8 {
                    return;
                }
                let entries = match std::fs::read_dir(&host) {
                    Ok(rd) => rd,
                    Err(e) => {
                        self.facts.problems.push(Problem::error(
                            &node_path,
                            None,
                            None,
                            format!("cannot list: {e}"),
                        ));
                        return;
                    }
                };
                let mut names: Vec<String> = entries
                    .filter_map(|e| e.ok())
                    .map(|e| e.file_name().to_string_lossy().into_owned())
                    .collect();
                names.sort();
                for n in names.into_iter().take(MAX_WALK) {
                    self.read_path(&format!("{node_path}/{n}"), depth + 1);
                }
                return;
            }
            FileKind::Other => {}
        }
        self.facts.files.insert(node_path, f);
    }

    fn read_content(&mut self, node_path: &str, host: &Path, f: &mut FileFact) {
        let size = std::fs::metadata(host).map(|m| m.len()).unwrap_or(0);
        if size > MAX_READ {
            f.read_error = Some(format!("larger than {} MiB: not read", MAX_READ >> 20));
            return;
        }
        match std::fs::read(host) {
            Ok(b) => f.content = Some(b.into()),
            Err(e) => {
                f.read_error = Some(e.to_string());
                self.facts
                    .problems
                    .push(Problem::error(node_path, None, None, format!("cannot read: {e}")));
            }
        }
    }

    /// `proc/PID/cmdline` (and `environ`) of the Kubernetes components under `proc_dir`.
    fn read_processes(&mut self, proc_dir: &Path, origin: ProcessOrigin, pids: &[u32]) {
        let Ok(rd) = std::fs::read_dir(proc_dir) else {
            return;
        };
        let mut found = Vec::new();
        for e in rd.filter_map(|e| e.ok()) {
            let Some(pid) = e.file_name().to_str().and_then(|s| s.parse::<u32>().ok()) else {
                continue;
            };
            if !pids.is_empty() && !pids.contains(&pid) {
                continue;
            }
            let Ok(raw) = std::fs::read(e.path().join("cmdline")) else {
                continue;
            };
            let argv = split_nul(&raw);
            if !is_component(&argv) {
                continue;
            }
            let env = std::fs::read(e.path().join("environ")).ok().map(|b| {
                split_nul(&b)
                    .into_iter()
                    .filter_map(|kv| kv.split_once('=').map(|(k, v)| (k.to_owned(), v.to_owned())))
                    .collect()
            });
            found.push(Process {
                pid,
                argv,
                env,
                origin: origin.clone(),
            });
        }
        found.sort_by_key(|p| p.pid);
        self.facts.processes.extend(found);
    }
}

fn split_nul(b: &[u8]) -> Vec<String> {
    b.split(|c| *c == 0)
        .filter(|s| !s.is_empty())
        .map(|s| String::from_utf8_lossy(s).into_owned())
        .collect()
}

/// Whether a command line is one of the components (or hyperkube, k3s, RKE2).
fn is_component(argv: &[String]) -> bool {
    argv.first().is_some_and(|a0| {
        let base = a0.rsplit('/').next().unwrap_or(a0);
        COMPONENT_BINARIES.contains(&base)
    })
}

#[cfg(unix)]
pub(crate) fn fact_of(m: &std::fs::Metadata) -> FileFact {
    use std::os::unix::fs::MetadataExt;
    let ft = m.file_type();
    FileFact {
        kind: if ft.is_symlink() {
            FileKind::Symlink
        } else if ft.is_dir() {
            FileKind::Dir
        } else if ft.is_file() {
            FileKind::File
        } else {
            FileKind::Other
        },
        mode: m.mode() & 0o7777,
        uid: m.uid(),
        gid: m.gid(),
        user: None,
        group: None,
        content: None,
        read_error: None,
    }
}

#[cfg(not(unix))]
pub(crate) fn fact_of(m: &std::fs::Metadata) -> FileFact {
    FileFact {
        kind: if m.is_dir() { FileKind::Dir } else { FileKind::File },
        mode: if m.permissions().readonly() { 0o444 } else { 0o644 },
        uid: 0,
        gid: 0,
        user: None,
        group: None,
        content: None,
        read_error: None,
    }
}

/// Reads every entry of a tarball (gzip-compressed when it starts with the gzip magic):
/// modes, uids, gids and names from the headers, contents of regular files, and
/// `proc/PID/cmdline` / `proc/PID/environ` records as processes. A broken tarball is an
/// error located at the entry where reading stopped; the entries before are kept.
pub fn read_tarball(path: &Path) -> NodeFacts {
    let name = path.display().to_string();
    let mut facts = NodeFacts {
        origin: name.clone(),
        ..NodeFacts::default()
    };
    let file = match std::fs::File::open(path) {
        Ok(f) => f,
        Err(e) => {
            facts.error(&name, None, None, format!("cannot open: {e}"));
            return facts;
        }
    };
    let mut head = [0u8; 2];
    let gz = {
        let mut probe = match std::fs::File::open(path) {
            Ok(f) => f,
            Err(e) => {
                facts.error(&name, None, None, format!("cannot open: {e}"));
                return facts;
            }
        };
        probe.read_exact(&mut head).is_ok() && head == [0x1f, 0x8b]
    };
    let reader: Box<dyn Read> = if gz {
        Box::new(flate2::read::GzDecoder::new(std::io::BufReader::new(file)))
    } else {
        Box::new(std::io::BufReader::new(file))
    };
    read_tar_stream(reader, &name, &mut facts);
    facts
}

/// A collected process: its `cmdline` words and `environ` pairs, as far as recorded.
type ProcRecord = (Option<Vec<String>>, Option<Vec<(String, String)>>);

/// Reads a tar stream into `facts` (see [`read_tarball`]).
pub fn read_tar_stream(reader: impl Read, name: &str, facts: &mut NodeFacts) {
    let mut archive = tar::Archive::new(reader);
    let entries = match archive.entries() {
        Ok(e) => e,
        Err(e) => {
            facts.error(name, None, None, format!("not a tar archive: {e}"));
            return;
        }
    };
    let mut links: Vec<(String, String)> = Vec::new();
    let mut procs: std::collections::BTreeMap<u32, ProcRecord> = Default::default();
    let mut records: Vec<(String, Vec<u8>)> = Vec::new();
    for (i, entry) in entries.enumerate() {
        let mut entry = match entry {
            Ok(e) => e,
            Err(e) => {
                facts.error(
                    name,
                    None,
                    None,
                    format!("entry {}: {e} (the entries before it are checked)", i + 1),
                );
                return;
            }
        };
        let raw_path = match entry.path() {
            Ok(p) => p.to_string_lossy().into_owned(),
            Err(e) => {
                facts.error(name, None, None, format!("entry {}: bad path: {e}", i + 1));
                continue;
            }
        };
        let node_path = normalize(&raw_path);
        // `palisade/versions`, `palisade/withheld`, `palisade/problems`: the collector's
        // records, not node files.
        if node_path == "/palisade" || node_path.starts_with("/palisade/") {
            let mut buf = Vec::new();
            if entry.header().entry_type().is_file() {
                if let Err(e) = entry.read_to_end(&mut buf) {
                    facts.error(name, None, None, format!("entry {}: {raw_path}: {e}", i + 1));
                    continue;
                }
                records.push((node_path[1..].to_owned(), buf));
            }
            continue;
        }
        let h = entry.header().clone();
        let kind = match h.entry_type() {
            tar::EntryType::Directory => FileKind::Dir,
            tar::EntryType::Symlink => FileKind::Symlink,
            tar::EntryType::Regular | tar::EntryType::Continuous | tar::EntryType::Link => FileKind::File,
            _ => FileKind::Other,
        };
        let mode = h.mode().unwrap_or(0) & 0o7777;
        let uid = h.uid().unwrap_or(0) as u32;
        let gid = h.gid().unwrap_or(0) as u32;
        let user = h
            .username()
            .ok()
            .flatten()
            .filter(|s| !s.is_empty())
            .map(str::to_owned);
        let group = h
            .groupname()
            .ok()
            .flatten()
            .filter(|s| !s.is_empty())
            .map(str::to_owned);
        let link = h
            .link_name()
            .ok()
            .flatten()
            .map(|l| l.to_string_lossy().into_owned());
        let size = h.size().unwrap_or(0);
        let mut fact = FileFact {
            kind,
            mode,
            uid,
            gid,
            user,
            group,
            content: None,
            read_error: None,
        };
        if kind == FileKind::File && h.entry_type() != tar::EntryType::Link {
            if size > MAX_READ {
                fact.read_error = Some(format!("larger than {} MiB: not read", MAX_READ >> 20));
            } else {
                let mut buf = Vec::with_capacity(size as usize);
                if let Err(e) = entry.read_to_end(&mut buf) {
                    facts.error(
                        &node_path,
                        None,
                        None,
                        format!("{name}: entry {}: cannot read: {e}", i + 1),
                    );
                    fact.read_error = Some(e.to_string());
                    facts.insert(&node_path, fact);
                    return;
                }
                // proc/PID/cmdline|environ records
                if let Some(rest) = node_path.strip_prefix("/proc/") {
                    if let Some((pid, what)) = rest.split_once('/') {
                        if let Ok(pid) = pid.parse::<u32>() {
                            let slot = procs.entry(pid).or_default();
                            match what {
                                "cmdline" => slot.0 = Some(split_nul(&buf)),
                                "environ" => {
                                    slot.1 = Some(
                                        split_nul(&buf)
                                            .into_iter()
                                            .filter_map(|kv| {
                                                kv.split_once('=').map(|(k, v)| (k.to_owned(), v.to_owned()))
                                            })
                                            .collect(),
                                    )
                                }
                                _ => {}
                            }
                        }
                    }
                }
                fact.content = Some(buf.into());
            }
        }
        if let Some(l) = link {
            let target = if h.entry_type() == tar::EntryType::Link || l.starts_with('/') {
                normalize(&l)
            } else {
                let parent = node_path.rsplit_once('/').map_or("", |(p, _)| p);
                normalize(&format!("{parent}/{l}"))
            };
            links.push((node_path.clone(), target));
        }
        facts.insert(&node_path, fact);
    }
    crate::collect::apply_records(facts, &records);
    // Symlinks and hard links read as their targets' content.
    for (from, to) in links {
        if let Some(content) = facts.get(&to).and_then(|f| f.content.clone()) {
            if let Some(f) = facts.files.get_mut(&from) {
                f.content = Some(content);
            }
        }
    }
    for (pid, (argv, env)) in procs {
        if let Some(argv) = argv {
            if is_component(&argv) {
                facts.processes.push(Process {
                    pid,
                    argv,
                    env,
                    origin: ProcessOrigin::Collected,
                });
            }
        }
    }
}
