//! The components of a node (kube-apiserver, controller-manager, scheduler, etcd, kubelet,
//! kube-proxy) as the checks see them: whether each is on the node and how it was found, its
//! flags (from the process, else the static-pod manifest / systemd unit / distribution config),
//! its configuration files merged with the real precedence (kubelet: `--config`, then the
//! `--config-dir` drop-ins in lexical order, lists replaced whole, then flags), its
//! environment, and where every value came from. Pure: reads `NodeFacts` only.

use crate::argv::{self, EnvVar, Flags, Where, Word};
use crate::facts::{NodeFacts, Problem, Process};
use crate::layout::{Distribution, Layout};
use palisade_core::{Node, Value};
use serde::Serialize;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Kind {
    Apiserver,
    ControllerManager,
    Scheduler,
    Etcd,
    Kubelet,
    Proxy,
}

impl Kind {
    pub const ALL: [Kind; 6] = [
        Kind::Apiserver,
        Kind::ControllerManager,
        Kind::Scheduler,
        Kind::Etcd,
        Kind::Kubelet,
        Kind::Proxy,
    ];
    /// The binary name.
    pub fn name(self) -> &'static str {
        match self {
            Kind::Apiserver => "kube-apiserver",
            Kind::ControllerManager => "kube-controller-manager",
            Kind::Scheduler => "kube-scheduler",
            Kind::Etcd => "etcd",
            Kind::Kubelet => "kubelet",
            Kind::Proxy => "kube-proxy",
        }
    }
    /// hyperkube's short names.
    fn short(self) -> &'static str {
        match self {
            Kind::Apiserver => "apiserver",
            Kind::ControllerManager => "controller-manager",
            Kind::Scheduler => "scheduler",
            Kind::Etcd => "etcd",
            Kind::Kubelet => "kubelet",
            Kind::Proxy => "proxy",
        }
    }
    /// The k3s/RKE2 `config.yaml` key of the component's extra flags.
    fn distro_arg_key(self) -> &'static str {
        match self {
            Kind::Apiserver => "kube-apiserver-arg",
            Kind::ControllerManager => "kube-controller-manager-arg",
            Kind::Scheduler => "kube-scheduler-arg",
            Kind::Etcd => "etcd-arg",
            Kind::Kubelet => "kubelet-arg",
            Kind::Proxy => "kube-proxy-arg",
        }
    }
}

/// A configuration value with where it was set.
#[derive(Clone, Debug, PartialEq)]
pub struct CNode {
    pub value: CVal,
    pub at: Where,
}

#[derive(Clone, Debug, PartialEq)]
pub enum CVal {
    Null,
    Scalar(String),
    List(Vec<CNode>),
    Map(Vec<(String, CNode)>),
}

impl CNode {
    fn from_node(n: &Node, file: &str) -> CNode {
        let at = Where::file(file, n.pos.line, n.pos.col);
        let value = match &n.value {
            Value::Null => CVal::Null,
            Value::Seq(s) => CVal::List(s.iter().map(|i| CNode::from_node(i, file)).collect()),
            Value::Map(m) => CVal::Map(
                m.iter()
                    .map(|e| {
                        let mut c = CNode::from_node(&e.value, file);
                        // a value is located at its key: the line a person edits
                        if e.key_pos.is_known() {
                            c.at = Where::file(file, e.key_pos.line, e.key_pos.col);
                        }
                        (e.key.to_string(), c)
                    })
                    .collect(),
            ),
            _ => CVal::Scalar(argv::scalar_text(n).unwrap_or_default()),
        };
        CNode { value, at }
    }

    pub fn get(&self, key: &str) -> Option<&CNode> {
        match &self.value {
            CVal::Map(m) => m.iter().rev().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    /// Merges `over` into `self` like the kubelet merges drop-ins: maps field by field,
    /// everything else (scalars, lists) replaced whole.
    pub fn merge(&mut self, over: CNode) {
        match (&mut self.value, over.value) {
            (CVal::Map(mine), CVal::Map(theirs)) => {
                for (k, v) in theirs {
                    match mine.iter_mut().find(|(mk, _)| *mk == k) {
                        Some((_, existing)) => existing.merge(v),
                        None => mine.push((k, v)),
                    }
                }
            }
            (_, value) => {
                self.value = value;
                self.at = over.at;
            }
        }
    }

    /// kube-bench's JSONPath forms used by the checks: `{.a.b.c}`, and
    /// `{range .list[:]}{}{','}{end}` (the list's items each followed by a comma). A null or
    /// missing value is not found.
    pub fn jsonpath(&self, path: &str) -> Option<(String, Where)> {
        if let Some(rest) = path.strip_prefix("{range .") {
            let field = rest.split('[').next()?;
            let n = self.lookup(field)?;
            let CVal::List(items) = &n.value else {
                return scalar(n);
            };
            let mut s = String::new();
            for i in items {
                if let CVal::Scalar(v) = &i.value {
                    s.push_str(v);
                    s.push(',');
                }
            }
            return (!s.is_empty()).then(|| (s, n.at.clone()));
        }
        let inner = path.strip_prefix("{.")?.strip_suffix('}')?;
        scalar(self.lookup(inner)?)
    }

    fn lookup(&self, dotted: &str) -> Option<&CNode> {
        let mut n = self;
        for k in dotted.split('.') {
            n = n.get(k)?;
        }
        Some(n)
    }
}

fn scalar(n: &CNode) -> Option<(String, Where)> {
    match &n.value {
        CVal::Scalar(s) => Some((s.clone(), n.at.clone())),
        CVal::List(items) => {
            // A list printed by JSONPath: space-separated items.
            let v: Vec<String> = items
                .iter()
                .filter_map(|i| match &i.value {
                    CVal::Scalar(s) => Some(s.clone()),
                    _ => None,
                })
                .collect();
            (!v.is_empty()).then(|| (v.join(" "), n.at.clone()))
        }
        CVal::Map(m) if !m.is_empty() => Some((
            m.iter().map(|(k, _)| k.as_str()).collect::<Vec<_>>().join(","),
            n.at.clone(),
        )),
        _ => None,
    }
}

/// One component of the node.
#[derive(Clone, Debug, PartialEq)]
pub struct Component {
    pub kind: Kind,
    /// How it was found (`process 1234`, `/etc/kubernetes/manifests/kube-apiserver.yaml`);
    /// `None`: not on this node.
    pub found: Option<String>,
    pub pid: Option<u32>,
    pub flags: Flags,
    /// Where its flags came from.
    pub flags_from: Option<String>,
    /// Where a missing flag would be added (the command list, the `ExecStart`, `argv[0]`).
    pub anchor: Option<Where>,
    pub env: Vec<EnvVar>,
    /// The merged configuration file(s): kubelet (`--config` + drop-ins), kube-proxy, etcd
    /// `--config-file` (authoritative: flags and environment are then ignored).
    pub config: Option<CNode>,
    /// The configuration files read, in merge order.
    pub config_files: Vec<String>,
    /// The static-pod image (for the version).
    pub image: Option<String>,
    /// Why its flags are unknown (its manifest could not be read), when they are.
    pub flags_error: Option<String>,
}

impl Component {
    fn new(kind: Kind) -> Component {
        Component {
            kind,
            found: None,
            pid: None,
            flags: Flags::default(),
            flags_from: None,
            anchor: None,
            env: Vec::new(),
            config: None,
            config_files: Vec::new(),
            image: None,
            flags_error: None,
        }
    }
    pub fn present(&self) -> bool {
        self.found.is_some()
    }
    pub fn flag(&self, name: &str) -> Option<(String, Where)> {
        self.flags.get(name)
    }
}

/// The node as the checks see it.
#[derive(Clone, Debug)]
pub struct NodeModel {
    pub layout: Layout,
    pub components: Vec<Component>,
    /// Problems found while reading the node's configuration.
    pub problems: Vec<Problem>,
    /// The Kubernetes version of the kubelet, when known (drop-in support depends on it).
    pub kubelet_version: Option<(u32, u32)>,
}

impl NodeModel {
    pub fn get(&self, k: Kind) -> &Component {
        // Every kind is built.
        self.components
            .iter()
            .find(|c| c.kind == k)
            .unwrap_or(&self.components[0])
    }
    /// A control-plane component (apiserver, controller-manager, scheduler) is on the node.
    pub fn has_control_plane(&self) -> bool {
        [Kind::Apiserver, Kind::ControllerManager, Kind::Scheduler]
            .iter()
            .any(|k| self.get(*k).present())
    }
    /// The kubelet's configuration file: the override, else `--config`, else the layout's.
    pub fn kubelet_config_path(&self, overridden: bool) -> Option<String> {
        if overridden {
            return self.layout.kubelet_config.clone();
        }
        self.get(Kind::Kubelet)
            .flag("config")
            .map(|(v, _)| crate::facts::normalize(&v))
            .or_else(|| self.layout.kubelet_config.clone())
    }
}

/// Which processes are which component.
fn process_kind(p: &Process) -> Option<(Kind, usize)> {
    let a0 = p.argv.first()?;
    let base = a0.rsplit('/').next().unwrap_or(a0);
    for k in Kind::ALL {
        if base == k.name() {
            return Some((k, 0));
        }
    }
    if base == "hyperkube" {
        let sub = p.argv.get(1)?;
        for k in Kind::ALL {
            if sub == k.name() || sub == k.short() {
                return Some((k, 1));
            }
        }
    }
    None
}

/// Options of the model that are not in the facts.
#[derive(Clone, Debug, Default)]
pub struct ModelOptions {
    /// The user overrode the kubelet config path (`--kubelet-config`): it wins over `--config`.
    pub kubelet_config_overridden: bool,
    pub kube_proxy_config_overridden: bool,
    /// The Kubernetes version (major, minor) when known.
    pub version: Option<(u32, u32)>,
}

/// Builds the model of the node from its facts and layout.
pub fn build(facts: &NodeFacts, layout: &Layout, opts: &ModelOptions) -> NodeModel {
    let mut problems = Vec::new();
    let mut components: Vec<Component> = Kind::ALL.iter().map(|k| Component::new(*k)).collect();

    // Processes first: the running command line is the truth.
    for c in components.iter_mut() {
        let mut procs: Vec<(&Process, usize)> = facts
            .processes
            .iter()
            .filter_map(|p| {
                process_kind(p)
                    .filter(|(k, _)| *k == c.kind)
                    .map(|(_, skip)| (p, skip))
            })
            .collect();
        procs.sort_by_key(|(p, _)| p.pid);
        if let Some((p, skip)) = procs.first() {
            if procs.len() > 1 {
                let pids: Vec<String> = procs.iter().map(|(p, _)| p.pid.to_string()).collect();
                problems.push(Problem::warning(
                    format!("process {}", p.pid),
                    format!(
                        "{} {} processes (pids {}): checked the first; restrict with --pid",
                        procs.len(),
                        c.kind.name(),
                        pids.join(", ")
                    ),
                ));
            }
            let words = argv::process_words(p.pid, &p.argv);
            c.flags = Flags::parse(&words[*skip..], true);
            c.found = Some(format!("process {}", p.pid));
            c.flags_from = c.found.clone();
            c.pid = Some(p.pid);
            c.anchor = Some(Where::Process {
                pid: p.pid,
                argument: *skip,
            });
            if let Some(env) = &p.env {
                c.env = env
                    .iter()
                    .map(|(k, v)| EnvVar {
                        name: k.clone(),
                        value: v.clone(),
                        at: Where::ProcessEnv {
                            pid: p.pid,
                            name: k.clone(),
                        },
                    })
                    .collect();
            }
        }
    }

    // k3s: the control plane (and the kubelet) run inside one `k3s server|agent` process;
    // each component's extra flags are the `<component>-arg` lists of config.yaml and of the
    // process's command line (later wins). Without a process, a server node is recognised by
    // its server directory.
    if layout.distribution == Distribution::K3s {
        let distro_proc = facts.processes.iter().find(|p| {
            let a0 = p
                .argv
                .first()
                .map(|a| a.rsplit('/').next().unwrap_or(a))
                .unwrap_or("");
            a0 == "k3s" && matches!(p.argv.get(1).map(String::as_str), Some("server" | "agent"))
        });
        let server = match distro_proc {
            Some(p) => p.argv.get(1).map(String::as_str) == Some("server"),
            None => facts.get(&layout.pki_dir).is_some(),
        };
        let config_exists = layout
            .distro_config
            .as_ref()
            .is_some_and(|p| facts.get(p).is_some());
        for c in components.iter_mut().filter(|c| c.found.is_none()) {
            let in_server = matches!(
                c.kind,
                Kind::Apiserver | Kind::ControllerManager | Kind::Scheduler
            );
            if (in_server && !server) || c.kind == Kind::Etcd {
                continue;
            }
            if distro_proc.is_none() && !config_exists && !(in_server && server) {
                continue;
            }
            let key = c.kind.distro_arg_key();
            let (found, first) = match distro_proc {
                Some(p) => (
                    format!("process {} (k3s {})", p.pid, p.argv[1]),
                    Where::Process {
                        pid: p.pid,
                        argument: 0,
                    },
                ),
                None => {
                    let f = layout.distro_config.clone().unwrap_or_default();
                    (f.clone(), Where::Path { file: f })
                }
            };
            let mut all = vec![Word {
                text: c.kind.name().to_owned(),
                at: first.clone(),
            }];
            if let Some(p) = layout.distro_config.as_deref() {
                all.extend(argv::config_args(facts, p, key, &mut problems));
            }
            if let Some(p) = distro_proc {
                all.extend(distro_process_words(p, key));
                c.pid = Some(p.pid);
            }
            c.flags = Flags::parse(&all, true);
            c.found = Some(found.clone());
            c.flags_from = Some(found);
            c.anchor = layout
                .distro_config
                .clone()
                .map(|f| Where::Path { file: f })
                .or(Some(first));
        }
    }

    // Static-pod manifests (or microk8s args files), when no process was found.
    let manifests = [
        (Kind::Apiserver, layout.apiserver_manifest.clone()),
        (
            Kind::ControllerManager,
            layout.controller_manager_manifest.clone(),
        ),
        (Kind::Scheduler, layout.scheduler_manifest.clone()),
        (Kind::Etcd, layout.etcd_manifest.clone()),
        (Kind::Proxy, layout.proxy_manifest.clone()),
    ];
    for (k, path) in manifests {
        let Some(path) = path else { continue };
        let c = &mut components[Kind::ALL.iter().position(|x| *x == k).unwrap_or(0)];
        if layout.manifests_are_args_files {
            if c.found.is_none() {
                if let Some(text) = facts.get(&path).and_then(|f| f.text()) {
                    let mut words = vec![Word {
                        text: k.name().to_owned(),
                        at: Where::file(&path, 1, 1),
                    }];
                    words.extend(argv::args_file_words(&path, &expand_snap(text)));
                    c.flags = Flags::parse(&words, true);
                    c.found = Some(path.clone());
                    c.flags_from = Some(path.clone());
                    c.anchor = Some(Where::Path { file: path.clone() });
                }
            }
            continue;
        }
        if facts.get(&path).is_none() {
            continue;
        }
        // The manifest is read (and its problems reported) even when a process wins.
        let mut local = Vec::new();
        let pod = argv::pod_command(facts, &path, k.name(), &mut local);
        problems.extend(local);
        let Some(pod) = pod else {
            if c.found.is_none() {
                // A broken manifest still says the component is meant to run here.
                c.found = Some(path.clone());
                c.anchor = Some(Where::Path { file: path.clone() });
                c.flags_error = Some(format!(
                    "{path} could not be read: the flags are unknown (see the input errors)"
                ));
            }
            continue;
        };
        c.image = pod.image.clone();
        if c.found.is_none() {
            c.anchor = pod
                .words
                .first()
                .map(|w| w.at.clone())
                .or(Some(Where::Path { file: path.clone() }));
            c.flags = Flags::parse(&pod.words, true);
            c.found = Some(path.clone());
            c.flags_from = Some(path.clone());
            c.env = pod.env;
        }
    }

    // RKE2: component flags in config.yaml add to the static pods only through rke2 itself
    // (it rewrites the manifests), so the manifests are the truth there.

    // kubelet without a process: its systemd unit and drop-ins (or the distribution config).
    let kubelet_ix = 4;
    if components[kubelet_ix].found.is_none() {
        let c = &mut components[kubelet_ix];
        if let Some(args) = layout.args_file("kubelet") {
            if let Some(text) = facts.get(&args).and_then(|f| f.text()) {
                let mut words = vec![Word {
                    text: "kubelet".into(),
                    at: Where::file(&args, 1, 1),
                }];
                words.extend(argv::args_file_words(&args, &expand_snap(text)));
                c.flags = Flags::parse(&words, true);
                c.found = Some(args.clone());
                c.flags_from = Some(args.clone());
                c.anchor = Some(Where::Path { file: args });
            }
        } else if layout.distribution == Distribution::Kubeadm {
            let units = kubelet_unit_files(facts, layout);
            if !units.is_empty() {
                let mut local = Vec::new();
                let u = argv::unit_command(facts, &units, &mut local);
                problems.extend(local);
                if !u.words.is_empty() {
                    c.anchor = u.words.first().map(|w| w.at.clone());
                    c.flags = Flags::parse(&u.words, true);
                    c.flags_from = Some(u.files.join(" + "));
                    c.env = u.env;
                }
                c.found = Some(units.join(" + "));
            }
        } else if let Some(cfg) = &layout.distro_config {
            let words = argv::config_args(facts, cfg, "kubelet-arg", &mut problems);
            let unit_exists = layout.kubelet_units.iter().any(|u| facts.get(u).is_some());
            if unit_exists || facts.get(cfg).is_some() {
                let mut all = vec![Word {
                    text: "kubelet".into(),
                    at: Where::Path { file: cfg.clone() },
                }];
                all.extend(words);
                c.flags = Flags::parse(&all, true);
                c.found = Some(cfg.clone());
                c.flags_from = Some(cfg.clone());
                c.anchor = Some(Where::Path { file: cfg.clone() });
            }
        }
    }
    // kube-proxy without a process: its args file (microk8s) or distro config.
    if components[5].found.is_none() {
        if let Some(args) = layout.args_file("kube-proxy") {
            if let Some(text) = facts.get(&args).and_then(|f| f.text()) {
                let c = &mut components[5];
                let mut words = vec![Word {
                    text: "kube-proxy".into(),
                    at: Where::file(&args, 1, 1),
                }];
                words.extend(argv::args_file_words(&args, &expand_snap(text)));
                c.flags = Flags::parse(&words, true);
                c.found = Some(args.clone());
                c.flags_from = Some(args.clone());
                c.anchor = Some(Where::Path { file: args });
            }
        }
    }
    // etcd without a process or manifest: a package's systemd unit (and /etc/etcd/etcd.conf).
    if components[3].found.is_none() {
        let units: Vec<String> = layout
            .etcd_units
            .iter()
            .filter(|u| u.ends_with(".service") && facts.get(u).is_some())
            .take(1)
            .cloned()
            .collect();
        if !units.is_empty() {
            let mut local = Vec::new();
            let u = argv::unit_command(facts, &units, &mut local);
            problems.extend(local);
            let c = &mut components[3];
            c.anchor = u.words.first().map(|w| w.at.clone());
            c.flags = Flags::parse(&u.words, true);
            c.flags_from = Some(units.join(" + "));
            c.env = u.env;
            c.found = Some(units.join(" + "));
        } else if let Some(cfg) = layout
            .etcd_config_file
            .as_ref()
            .filter(|p| facts.get(p).is_some())
        {
            let c = &mut components[3];
            c.found = Some(cfg.clone());
            c.anchor = Some(Where::Path { file: cfg.clone() });
        }
    }

    // Configuration files.
    let version = opts.version;
    let kubelet_version = version;
    {
        let c = &components[kubelet_ix];
        let present = c.present()
            || layout
                .kubelet_config
                .as_ref()
                .is_some_and(|p| facts.get(p).is_some());
        if present {
            let (cfg, files) = kubelet_config(facts, layout, c, opts, kubelet_version, &mut problems);
            let c = &mut components[kubelet_ix];
            if c.found.is_none() {
                c.found = files.first().cloned();
                c.anchor = files.first().map(|f| Where::Path { file: f.clone() });
            }
            c.config = cfg;
            c.config_files = files;
        }
    }
    {
        let c = &components[5];
        let path = if opts.kube_proxy_config_overridden {
            layout.proxy_config.clone()
        } else {
            c.flag("config")
                .map(|(v, _)| crate::facts::normalize(&v))
                .or_else(|| layout.proxy_config.clone())
        };
        if let Some(p) = path {
            if let Some(n) = read_config(facts, &p, &["KubeProxyConfiguration"], &mut problems) {
                let c = &mut components[5];
                if c.found.is_none() {
                    c.found = Some(p.clone());
                    c.anchor = Some(Where::Path { file: p.clone() });
                }
                c.config = Some(n);
                c.config_files = vec![p];
            }
        }
    }
    {
        let c = &components[3];
        let path = c
            .flag("config-file")
            .map(|(v, _)| crate::facts::normalize(&v))
            .or_else(|| {
                c.env
                    .iter()
                    .find(|e| e.name == "ETCD_CONFIG_FILE")
                    .map(|e| crate::facts::normalize(&e.value))
            })
            .or_else(|| layout.etcd_config_file.clone().filter(|p| facts.get(p).is_some()));
        if let Some(p) = path {
            if let Some(n) = read_config(facts, &p, &[], &mut problems) {
                let c = &mut components[3];
                c.config = Some(n);
                c.config_files = vec![p];
            } else if facts.get(&p).is_none() {
                problems.push(Problem::error(
                    p.clone(),
                    None,
                    None,
                    "etcd --config-file does not exist",
                ));
            }
        }
    }

    NodeModel {
        layout: layout.clone(),
        components,
        problems,
        kubelet_version,
    }
}

/// `--kube-apiserver-arg=X` / `--kube-apiserver-arg X` of a k3s process as flag words.
fn distro_process_words(p: &Process, key: &str) -> Vec<Word> {
    let mut out = Vec::new();
    let flag = format!("--{key}");
    let mut i = 0;
    while i < p.argv.len() {
        let a = &p.argv[i];
        let at = Where::Process {
            pid: p.pid,
            argument: i,
        };
        if let Some(v) = a.strip_prefix(&format!("{flag}=")) {
            out.push(Word {
                text: if v.starts_with('-') {
                    v.to_owned()
                } else {
                    format!("--{v}")
                },
                at,
            });
        } else if *a == flag {
            if let Some(v) = p.argv.get(i + 1) {
                out.push(Word {
                    text: if v.starts_with('-') {
                        v.clone()
                    } else {
                        format!("--{v}")
                    },
                    at: Where::Process {
                        pid: p.pid,
                        argument: i + 1,
                    },
                });
                i += 1;
            }
        }
        i += 1;
    }
    out
}

/// microk8s args files use `${SNAP_DATA}` and `${SNAP}`.
fn expand_snap(text: &str) -> String {
    text.replace("${SNAP_DATA}", "/var/snap/microk8s/current")
        .replace("$SNAP_DATA", "/var/snap/microk8s/current")
        .replace("${SNAP}", "/snap/microk8s/current")
        .replace("$SNAP", "/snap/microk8s/current")
}

/// The kubelet's unit files: the base unit (the first that exists, /etc first), then every
/// `*.conf` drop-in of the unit's `.d` directories in lexical order of file name (a name in
/// /etc hides the same name in /usr/lib or /lib).
pub fn kubelet_unit_files(facts: &NodeFacts, layout: &Layout) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(base) = layout.kubelet_units.iter().find(|u| facts.get(u).is_some()) {
        out.push(base.clone());
    }
    let mut dropins: std::collections::BTreeMap<String, String> = std::collections::BTreeMap::new();
    // Later directories have lower priority: insert from the lowest so the highest wins.
    for dir in layout.kubelet_unit_dropin_dirs.iter().rev() {
        for p in facts.children(dir) {
            if p.ends_with(".conf") {
                let name = p.rsplit('/').next().unwrap_or(p).to_owned();
                dropins.insert(name, p.to_owned());
            }
        }
    }
    out.extend(dropins.into_values());
    out
}

/// Reads a YAML/JSON configuration file; with `kinds`, its `kind` must be one of them.
/// Problems are located; `None` when the file is missing or unusable.
fn read_config(facts: &NodeFacts, path: &str, kinds: &[&str], problems: &mut Vec<Problem>) -> Option<CNode> {
    let f = facts.get(path)?;
    if let Some(e) = &f.read_error {
        problems.push(Problem::error(path, None, None, format!("cannot read: {e}")));
        return None;
    }
    let Some(text) = f.text() else {
        if f.content.is_some() {
            problems.push(Problem::error(path, None, None, "not UTF-8 text"));
        }
        return None;
    };
    let doc = argv::decode_one(path, text, problems)?;
    if doc.as_map().is_none() {
        let (l, c) = argv::node_pos(&doc);
        problems.push(Problem::error(
            path,
            l,
            c,
            format!("expected a mapping, found {}", doc.type_name()),
        ));
        return None;
    }
    if !kinds.is_empty() {
        let kind = doc.get("kind").and_then(Node::as_str);
        if !kind.is_some_and(|k| kinds.contains(&k)) {
            let (l, c) = argv::node_pos(doc.get("kind").unwrap_or(&doc));
            problems.push(Problem::error(
                path,
                l,
                c,
                format!(
                    "expected kind {}, found {}: the file is not used",
                    kinds.join(" or "),
                    kind.map_or("no kind".to_owned(), |k| format!("kind {k:?}"))
                ),
            ));
            return None;
        }
    }
    Some(CNode::from_node(&doc, path))
}

/// The kubelet's effective configuration file content: `--config` (or the layout's file), then
/// the `--config-dir` drop-ins (`*.conf`, lexical order) merged over it. Drop-ins need
/// Kubernetes 1.30+ (beta), or 1.28–1.29 with `KUBELET_CONFIG_DROPIN_DIR_ALPHA` set.
fn kubelet_config(
    facts: &NodeFacts,
    layout: &Layout,
    c: &Component,
    opts: &ModelOptions,
    version: Option<(u32, u32)>,
    problems: &mut Vec<Problem>,
) -> (Option<CNode>, Vec<String>) {
    let mut files = Vec::new();
    let path = if opts.kubelet_config_overridden {
        layout.kubelet_config.clone()
    } else {
        c.flag("config")
            .map(|(v, _)| crate::facts::normalize(&v))
            .or_else(|| {
                // Without a --config flag the kubelet reads no file, unless the layout's own
                // file exists (a node copy without the unit).
                layout
                    .kubelet_config
                    .clone()
                    .filter(|p| facts.get(p).is_some() && !c.flags.has("config"))
            })
    };
    let mut merged: Option<CNode> = None;
    if let Some(p) = &path {
        if facts.get(p).is_some() {
            files.push(p.clone());
            merged = read_config(facts, p, &["KubeletConfiguration"], problems);
            if merged.is_none() {
                // An unusable file: the kubelet would not start with it. Its values are
                // unknown; the checks see an empty configuration (the defaults of a config file).
                merged = Some(CNode {
                    value: CVal::Map(Vec::new()),
                    at: Where::Path { file: p.clone() },
                });
            }
        } else if c.flags.has("config") {
            let at = c.flag("config").map(|(_, w)| w);
            let (file, line, column) = match &at {
                Some(Where::File { file, line, column }) => (file.clone(), Some(*line), Some(*column)),
                Some(w) => (w.to_string(), None, None),
                None => (p.clone(), None, None),
            };
            problems.push(Problem::error(
                file,
                line,
                column,
                format!("kubelet --config {p} does not exist on the node"),
            ));
        }
    }
    let dir = c
        .flag("config-dir")
        .map(|(v, _)| crate::facts::normalize(v.split(',').next_back().unwrap_or(&v)))
        .or_else(|| layout.kubelet_config_dir.clone());
    if let Some(dir) = dir {
        let honoured = match version {
            Some((1, m)) if m < 28 => false,
            Some((1, 28..=29)) => c.env.iter().any(|e| e.name == "KUBELET_CONFIG_DROPIN_DIR_ALPHA"),
            _ => true,
        };
        let mut dropins: Vec<&str> = facts
            .children(&dir)
            .into_iter()
            .filter(|p| p.ends_with(".conf"))
            .collect();
        dropins.sort();
        if !honoured && !dropins.is_empty() {
            problems.push(Problem::warning(
                dir.clone(),
                "kubelet drop-in configuration files are ignored before Kubernetes 1.30 (1.28–1.29: only with KUBELET_CONFIG_DROPIN_DIR_ALPHA set)",
            ));
        } else {
            for d in dropins {
                if path.as_deref() == Some(d) {
                    continue;
                }
                if let Some(n) = read_config(facts, d, &["KubeletConfiguration"], problems) {
                    files.push(d.to_owned());
                    match &mut merged {
                        Some(m) => m.merge(n),
                        None => merged = Some(n),
                    }
                }
            }
        }
    }
    (merged, files)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cnode(file: &str, yaml: &str) -> CNode {
        let d = palisade_source::yaml::decode(yaml, 0).unwrap();
        CNode::from_node(&d.docs[0], file)
    }

    #[test]
    fn drop_ins_merge_maps_and_replace_lists() {
        let mut base = cnode("/c", "authentication:\n  anonymous:\n    enabled: true\n  webhook:\n    enabled: true\ntlsCipherSuites: [A, B]\n");
        base.merge(cnode(
            "/d",
            "authentication:\n  anonymous:\n    enabled: false\ntlsCipherSuites: [C]\n",
        ));
        let (v, at) = base.jsonpath("{.authentication.anonymous.enabled}").unwrap();
        assert_eq!(v, "false");
        assert_eq!(at.to_string(), "/d:3:5");
        assert_eq!(
            base.jsonpath("{.authentication.webhook.enabled}").unwrap().0,
            "true"
        );
        assert_eq!(
            base.jsonpath("{range .tlsCipherSuites[:]}{}{','}{end}")
                .unwrap()
                .0,
            "C,"
        );
        assert!(base.jsonpath("{.readOnlyPort}").is_none());
    }
}
