//! The evaluation of the checks: for each check of sections 1–4, find every test item's value
//! (flag, then configuration file, then environment, then the component's documented default;
//! or a file's mode and owner), judge it with the check's operator, combine the items with
//! `and`/`or`, and turn the outcome into pass / fail / warn / not-applicable with the value
//! found, where it was found and the remediation. Pure: reads the `NodeModel` and `NodeFacts`.

use crate::argv::Where;
use crate::catalogue::{CheckDef, TestItem};
use crate::components::{Component, Kind, NodeModel};
use crate::facts::{FileKind, NodeFacts};
use serde::Serialize;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    Pass,
    Fail,
    Warn,
    NotApplicable,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Pass => "pass",
            Status::Fail => "fail",
            Status::Warn => "warn",
            Status::NotApplicable => "not-applicable",
        }
    }
    /// kube-bench's state name (not applicable is INFO: not run).
    pub fn kube_bench(self) -> &'static str {
        match self {
            Status::Pass => "PASS",
            Status::Fail => "FAIL",
            Status::Warn => "WARN",
            Status::NotApplicable => "INFO",
        }
    }
}

/// Where a value came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Source {
    /// A command-line flag (process, static-pod manifest, systemd unit, distribution config).
    Flag,
    /// A configuration file (kubelet `--config`, kube-proxy `--config`, etcd `--config-file`).
    Config,
    /// A kubelet `--config-dir` drop-in.
    Dropin,
    /// An environment variable.
    Env,
    /// Nothing sets it: the component's default.
    Default,
    /// A file's mode or owner, or its absence.
    File,
    /// A finding of a palisade rule on a Kubernetes object (section 5).
    Object,
}

/// One test item's outcome.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ItemResult {
    /// The flag, config path or file property looked up.
    pub item: String,
    /// The value found (`None`: not set anywhere).
    pub value: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<Source>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location: Option<Where>,
    pub passed: bool,
}

/// One check's result.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CheckResult {
    pub id: String,
    pub section: String,
    pub group: String,
    pub text: String,
    pub scored: bool,
    pub manual: bool,
    pub status: Status,
    /// Why it is not applicable, or could not be decided.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// The pass condition (`--profiling == false`).
    pub expected: String,
    /// The value found, summarised (`false`, `600`, `not set`).
    pub actual: String,
    /// The place that decides the result: where the value was found, or where it must be added.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location: Option<Where>,
    /// Every item's outcome (one per file for checks over several files).
    pub items: Vec<ItemResult>,
    pub remediation: String,
}

// ---- comparisons (kube-bench's operators, exactly) ----

/// Applies a compare operator: `eq`/`noteq` (booleans case-insensitive), `gt`/`gte`/`lt`/`lte`
/// (integers only), `has`/`nothave` (substring), `valid_elements` (comma lists),
/// `bitmask` (octal modes: no bit outside the mask). Err: an operator palisade does not know.
pub fn compare(op: &str, actual: &str, expected: &str) -> Result<bool, String> {
    let lowered = if actual.eq_ignore_ascii_case("true") || actual.eq_ignore_ascii_case("false") {
        actual.to_ascii_lowercase()
    } else {
        actual.to_owned()
    };
    let int = |s: &str| {
        s.trim_start_matches('+')
            .parse::<i64>()
            .ok()
            .filter(|_| !s.is_empty())
    };
    let nums = || Some((int(actual)?, int(expected)?));
    Ok(match op {
        "eq" => lowered == expected,
        "noteq" => lowered != expected,
        "gt" => nums().is_some_and(|(a, e)| a > e),
        "gte" => nums().is_some_and(|(a, e)| a >= e),
        "lt" => nums().is_some_and(|(a, e)| a < e),
        "lte" => nums().is_some_and(|(a, e)| a <= e),
        "has" => actual.contains(expected),
        "nothave" => !actual.contains(expected),
        "valid_elements" => {
            let split = |s: &str| -> Vec<String> {
                s.trim()
                    .trim_end_matches(',')
                    .split(',')
                    .map(|x| x.trim().to_owned())
                    .filter(|x| !x.is_empty())
                    .collect()
            };
            let a = split(actual);
            let e = split(expected);
            match (a.is_empty(), e.is_empty()) {
                (true, true) => true,
                (true, false) | (false, true) => false,
                _ => a.iter().all(|x| e.contains(x)),
            }
        }
        "bitmask" => match (u32::from_str_radix(actual, 8), u32::from_str_radix(expected, 8)) {
            (Ok(a), Ok(m)) => (m & a) == a,
            _ => false,
        },
        other => return Err(format!("unknown operator {other:?}")),
    })
}

/// Judges one item: `set: true` needs the value (and `compare` to hold), `set: false` needs
/// it absent.
fn judge(item: &TestItem, value: Option<&str>) -> Result<bool, String> {
    if !item.set {
        return Ok(value.is_none());
    }
    match (value, &item.compare) {
        (None, _) => Ok(false),
        (Some(_), None) => Ok(true),
        (Some(v), Some(c)) => compare(&c.op, v, &c.value),
    }
}

// ---- which component and files a check is about ----

/// The component a flag check reads.
fn component_of(check: &CheckDef) -> Option<Kind> {
    Some(match check.group.as_str() {
        "1.2" | "3.2" => Kind::Apiserver,
        "1.3" => Kind::ControllerManager,
        "1.4" => Kind::Scheduler,
        "2" => Kind::Etcd,
        "4.2" => Kind::Kubelet,
        "4.3" => Kind::Proxy,
        _ => return None,
    })
}

/// The component whose presence makes a check applicable, and the reason when it is absent.
fn applicable(check: &CheckDef, m: &NodeModel) -> Result<(), String> {
    let need = |k: Kind| -> Result<(), String> {
        if m.get(k).present() {
            Ok(())
        } else {
            Err(format!(
                "{} is not on this node (no process, static-pod manifest, unit or configuration file found)",
                k.name()
            ))
        }
    };
    let control_plane = || -> Result<(), String> {
        if m.has_control_plane() {
            Ok(())
        } else {
            Err("no control-plane component on this node (kube-apiserver, kube-controller-manager, kube-scheduler)".into())
        }
    };
    let no_manifests = |k: Kind| -> Result<(), String> {
        if manifest_path(m, k).is_none() {
            Err(format!(
                "{} runs the control plane without static-pod manifests",
                m.layout.distribution.as_str()
            ))
        } else {
            Ok(())
        }
    };
    match check.id.as_str() {
        "1.1.1" | "1.1.2" => need(Kind::Apiserver).and(no_manifests(Kind::Apiserver)),
        "1.1.3" | "1.1.4" => need(Kind::ControllerManager).and(no_manifests(Kind::ControllerManager)),
        "1.1.5" | "1.1.6" => need(Kind::Scheduler).and(no_manifests(Kind::Scheduler)),
        "1.1.7" | "1.1.8" => need(Kind::Etcd).and(no_manifests(Kind::Etcd)),
        "1.1.11" | "1.1.12" => need(Kind::Etcd),
        "1.1.15" | "1.1.16" => need(Kind::Scheduler),
        "1.1.17" | "1.1.18" => need(Kind::ControllerManager),
        "4.1.1" | "4.1.2" | "4.1.5" | "4.1.6" | "4.1.7" | "4.1.8" | "4.1.9" | "4.1.10" => need(Kind::Kubelet),
        // kube-proxy runs as a DaemonSet on kubeadm nodes, its files not on the host: with a
        // kubelet on the node its checks run as kube-bench runs them (4.1.3/4.1.4 look at the
        // kubeconfig "if it exists", 4.3.1 accepts an absent flag).
        "4.1.3" | "4.1.4" | "4.3.1" => need(Kind::Proxy).or_else(|_| need(Kind::Kubelet)),
        _ => match (check.section_id(), component_of(check)) {
            ("1", Some(k)) | ("2", Some(k)) | ("4", Some(k)) => need(k),
            ("3", _) => need(Kind::Apiserver),
            ("1", None) => control_plane(),
            _ => Ok(()),
        },
    }
}

fn manifest_path(m: &NodeModel, k: Kind) -> Option<&String> {
    match k {
        Kind::Apiserver => m.layout.apiserver_manifest.as_ref(),
        Kind::ControllerManager => m.layout.controller_manager_manifest.as_ref(),
        Kind::Scheduler => m.layout.scheduler_manifest.as_ref(),
        Kind::Etcd => m.layout.etcd_manifest.as_ref(),
        _ => None,
    }
}

/// The files a file check inspects, in order (`multi_line` checks may have several).
fn files_of(
    check: &CheckDef,
    m: &NodeModel,
    facts: &NodeFacts,
    kubelet_config_overridden: bool,
) -> Vec<String> {
    let l = &m.layout;
    let one = |p: Option<&String>| p.cloned().into_iter().collect::<Vec<_>>();
    let kubelet = m.get(Kind::Kubelet);
    match check.id.as_str() {
        "1.1.1" | "1.1.2" => one(l.apiserver_manifest.as_ref()),
        "1.1.3" | "1.1.4" => one(l.controller_manager_manifest.as_ref()),
        "1.1.5" | "1.1.6" => one(l.scheduler_manifest.as_ref()),
        "1.1.7" | "1.1.8" => {
            // `find $etcdconf -name '*etcd*'`: the file, or the entries of a directory.
            let Some(p) = &l.etcd_manifest else {
                return Vec::new();
            };
            match facts.get(p) {
                Some(f) if f.kind == FileKind::Dir => facts
                    .descendants(p)
                    .into_iter()
                    .filter(|d| d.rsplit('/').next().is_some_and(|n| n.contains("etcd")))
                    .map(str::to_owned)
                    .collect(),
                Some(_) if p.rsplit('/').next().is_some_and(|n| n.contains("etcd")) => vec![p.clone()],
                _ => Vec::new(),
            }
        }
        "1.1.9" | "1.1.10" => {
            let mut v = Vec::new();
            if let Some((dir, _)) = kubelet.flag("cni-conf-dir") {
                v.extend(facts.descendants(&dir).into_iter().map(str::to_owned));
            }
            v.extend(
                facts
                    .descendants(&l.cni_networks_dir)
                    .into_iter()
                    .filter(|p| facts.get(p).is_some_and(|f| f.kind == FileKind::File))
                    .map(str::to_owned),
            );
            v
        }
        "1.1.11" | "1.1.12" => {
            let etcd = m.get(Kind::Etcd);
            let from_flag = etcd
                .flag("data-dir")
                .map(|(v, _)| v)
                .or_else(|| {
                    etcd.env
                        .iter()
                        .find(|e| e.name == "ETCD_DATA_DIR")
                        .map(|e| e.value.clone())
                })
                .or_else(|| {
                    etcd.config
                        .as_ref()
                        .and_then(|c| c.jsonpath("{.data-dir}"))
                        .map(|(v, _)| v)
                })
                .map(|v| crate::facts::normalize(&v))
                .filter(|p| facts.get(p).is_some_and(|f| f.kind == FileKind::Dir));
            vec![from_flag.unwrap_or_else(|| l.etcd_data_dir.clone())]
        }
        "1.1.13" | "1.1.14" => l
            .admin_kubeconfigs
            .iter()
            .filter(|p| facts.get(p).is_some())
            .cloned()
            .collect(),
        "1.1.15" | "1.1.16" => vec![l.scheduler_kubeconfig.clone()],
        "1.1.17" | "1.1.18" => vec![l.controller_manager_kubeconfig.clone()],
        "1.1.19" => {
            let mut v = Vec::new();
            if facts.get(&l.pki_dir).is_some() {
                v.push(l.pki_dir.clone());
                v.extend(facts.descendants(&l.pki_dir).into_iter().map(str::to_owned));
            }
            v
        }
        "1.1.20" | "1.1.21" => {
            let ext = if check.id == "1.1.20" { ".crt" } else { ".key" };
            facts
                .descendants(&l.pki_dir)
                .into_iter()
                .filter(|p| p.ends_with(ext))
                .map(str::to_owned)
                .collect()
        }
        "4.1.1" | "4.1.2" => {
            let found = l.kubelet_service.iter().find(|p| facts.get(p).is_some());
            vec![found.or(l.kubelet_service.first()).cloned().unwrap_or_default()]
        }
        "4.1.3" | "4.1.4" => {
            let p = m
                .get(Kind::Proxy)
                .flag("kubeconfig")
                .map(|(v, _)| crate::facts::normalize(&v))
                .unwrap_or_else(|| l.proxy_kubeconfig.clone());
            // "if it exists": nothing is printed for a missing file.
            if facts.get(&p).is_some() {
                vec![p]
            } else {
                Vec::new()
            }
        }
        "4.1.5" | "4.1.6" => vec![kubelet
            .flag("kubeconfig")
            .map(|(v, _)| crate::facts::normalize(&v))
            .unwrap_or_else(|| l.kubelet_kubeconfig.clone())],
        "4.1.7" | "4.1.8" => {
            let from = kubelet.flag("client-ca-file").map(|(v, _)| v).or_else(|| {
                kubelet
                    .config
                    .as_ref()
                    .and_then(|c| c.jsonpath("{.authentication.x509.clientCAFile}"))
                    .map(|(v, _)| v)
            });
            vec![from
                .map(|v| crate::facts::normalize(&v))
                .unwrap_or_else(|| l.kubelet_client_ca.clone())]
        }
        "4.1.9" | "4.1.10" => m
            .kubelet_config_path(kubelet_config_overridden)
            .into_iter()
            .collect(),
        _ => Vec::new(),
    }
}

/// Where the files of a check were looked for, when none was found.
fn expected_path(check: &CheckDef, m: &NodeModel) -> Option<String> {
    let l = &m.layout;
    match check.id.as_str() {
        "1.1.7" | "1.1.8" => l.etcd_manifest.clone(),
        "1.1.9" | "1.1.10" => Some(l.cni_networks_dir.clone()),
        "1.1.13" | "1.1.14" => l.admin_kubeconfigs.first().cloned(),
        "1.1.19" | "1.1.20" | "1.1.21" => Some(l.pki_dir.clone()),
        "4.1.3" | "4.1.4" => Some(
            m.get(Kind::Proxy)
                .flag("kubeconfig")
                .map(|(v, _)| crate::facts::normalize(&v))
                .unwrap_or_else(|| l.proxy_kubeconfig.clone()),
        ),
        "4.1.9" | "4.1.10" => l.kubelet_config.clone(),
        _ => None,
    }
}

/// The value of a file property item on one file (`None` = not printed).
fn file_item(item: &TestItem, path: &str, facts: &NodeFacts) -> (Option<String>, Option<Where>) {
    let f = facts.get(path);
    let at = Some(Where::Path {
        file: path.to_owned(),
    });
    match item.flag.as_str() {
        "File not found" => (f.is_none().then(|| "File not found".to_owned()), at),
        "permissions" => (f.map(|f| format!("{:o}", f.mode)), at),
        "ownership" => (f.map(|f| facts.owner(f)), at),
        owner => {
            // `stat -c %U:%G` printed; the item is found when it is that owner:group.
            let o = f.map(|f| facts.owner(f));
            (o.filter(|o| o == owner), at)
        }
    }
}

/// The value of a flag item on a component: the flag (or a `--feature-gates` entry), else the
/// configuration file, else the environment, else the documented default.
fn component_item(item: &TestItem, c: &Component) -> (Option<String>, Option<Source>, Option<Where>) {
    // etcd --config-file is authoritative: flags and environment are ignored.
    if c.kind == Kind::Etcd {
        if let Some(cfg) = &c.config {
            let name = item.flag.trim_start_matches('-');
            let path = etcd_config_key(name);
            return match cfg.jsonpath(&path) {
                Some((v, at)) => (Some(v), Some(Source::Config), Some(at)),
                None => (None, None, None),
            };
        }
    }
    if let Some(name) = item.flag.strip_prefix("--") {
        if let Some((v, at)) = c.flag(name) {
            return (Some(v), Some(Source::Flag), Some(at));
        }
    } else if let Some((v, at)) = c.flags.feature_gate(&item.flag) {
        return (Some(v), Some(Source::Flag), Some(at));
    }
    if let (Some(path), Some(cfg)) = (&item.path, &c.config) {
        if let Some((v, at)) = cfg.jsonpath(path) {
            let from_dropin = match &at {
                Where::File { file, .. } => c.config_files.first().is_some_and(|f| f != file),
                _ => false,
            };
            return (
                Some(v),
                Some(if from_dropin {
                    Source::Dropin
                } else {
                    Source::Config
                }),
                Some(at),
            );
        }
    }
    if let Some(env) = &item.env {
        if let Some(e) = c.env.iter().rev().find(|e| &e.name == env) {
            return (Some(e.value.clone()), Some(Source::Env), Some(e.at.clone()));
        }
    }
    if c.kind == Kind::Kubelet {
        if let Some(path) = &item.path {
            let with_file = c.config.is_some();
            let d = match (path.as_str(), with_file) {
                ("{.authentication.anonymous.enabled}", true) => {
                    Some(("false", "KubeletConfiguration v1beta1"))
                }
                ("{.authentication.anonymous.enabled}", false) => {
                    Some(("true", "--anonymous-auth without a config file"))
                }
                ("{.authorization.mode}", true) => Some(("Webhook", "KubeletConfiguration v1beta1")),
                ("{.authorization.mode}", false) => {
                    Some(("AlwaysAllow", "--authorization-mode without a config file"))
                }
                ("{.readOnlyPort}", true) => Some(("0", "KubeletConfiguration v1beta1")),
                ("{.readOnlyPort}", false) => Some(("10255", "--read-only-port without a config file")),
                _ => None,
            };
            if let Some((v, note)) = d {
                return (
                    Some(v.to_owned()),
                    Some(Source::Default),
                    Some(Where::Default {
                        component: "kubelet".into(),
                        note: note.into(),
                    }),
                );
            }
        }
    }
    (None, None, None)
}

/// etcd's configuration-file key of a flag: the TLS flags live under
/// `client-transport-security` / `peer-transport-security`.
fn etcd_config_key(flag: &str) -> String {
    let tls = [
        "cert-file",
        "key-file",
        "client-cert-auth",
        "trusted-ca-file",
        "auto-tls",
    ];
    if let Some(rest) = flag.strip_prefix("peer-") {
        if tls.contains(&rest) {
            return format!("{{.peer-transport-security.{rest}}}");
        }
    }
    if tls.contains(&flag) {
        return format!("{{.client-transport-security.{flag}}}");
    }
    format!("{{.{flag}}}")
}

/// 1.2.28: the first provider of the last `resources` entry of the apiserver's
/// EncryptionConfiguration (kube-bench reads the line after the last `providers:`).
fn encryption_provider(c: &Component, facts: &NodeFacts) -> (Option<String>, Option<Where>) {
    let Some((path, _)) = c.flag("encryption-provider-config") else {
        return (None, None);
    };
    let path = crate::facts::normalize(&path);
    let Some(text) = facts.get(&path).and_then(|f| f.text()) else {
        return (None, Some(Where::Path { file: path }));
    };
    let mut problems = Vec::new();
    let Some(doc) = crate::argv::decode_one(&path, text, &mut problems) else {
        return (None, Some(Where::Path { file: path }));
    };
    let last = doc
        .get("resources")
        .and_then(|r| r.as_seq())
        .and_then(|s| s.last());
    let first = last
        .and_then(|r| r.get("providers"))
        .and_then(|p| p.as_seq())
        .and_then(|p| p.first());
    match first.and_then(|p| p.as_map()).and_then(|m| m.first()) {
        Some(e) => (
            Some(e.key.to_string()),
            Some(Where::file(&path, e.key_pos.line, e.key_pos.col)),
        ),
        None => (None, Some(Where::Path { file: path })),
    }
}

/// Options of the evaluation.
#[derive(Clone, Debug, Default)]
pub struct EvalOptions {
    pub kubelet_config_overridden: bool,
}

/// Evaluates one check.
pub fn evaluate(check: &CheckDef, m: &NodeModel, facts: &NodeFacts, opts: &EvalOptions) -> CheckResult {
    let mut r = CheckResult {
        id: check.id.clone(),
        section: check.section_id().to_owned(),
        group: check.group.clone(),
        text: check.inspects.clone(),
        scored: check.scored,
        manual: check.is_manual(),
        status: Status::Warn,
        reason: None,
        expected: check.pass_condition.clone(),
        actual: String::new(),
        location: None,
        items: Vec::new(),
        remediation: remediation(check, m, facts, opts),
    };
    if let Err(why) = applicable(check, m) {
        r.status = Status::NotApplicable;
        r.reason = Some(why);
        r.actual = "not applicable".into();
        return r;
    }
    if check.is_manual() {
        r.status = Status::Warn;
        r.reason = Some("manual check: review it by hand".into());
        r.actual = "manual".into();
        let k = component_of(check).unwrap_or(Kind::Apiserver);
        r.location = m.get(k).anchor.clone();
        return r;
    }
    let passed = if check.target == "file" {
        let files = files_of(check, m, facts, opts.kubelet_config_overridden);
        // Each file is one output line: every line must pass; no line at all fails.
        let lines: Vec<Option<&String>> = if files.is_empty() {
            vec![None]
        } else {
            files.iter().map(Some).collect()
        };
        let mut all = true;
        for f in lines {
            let mut outcomes = Vec::new();
            for item in &check.test_items {
                let (value, at) = match f {
                    Some(p) => file_item(item, p, facts),
                    None => (None, None),
                };
                let is_owner = item.flag.contains(':') && item.flag != "File not found";
                let (value, ok) = if is_owner {
                    // The owner printed by stat; the item is found when it is the one named.
                    let actual = f.and_then(|p| facts.get(p)).map(|x| facts.owner(x));
                    let found = actual.as_deref().filter(|o| *o == item.flag);
                    (actual.clone(), judge(item, found).unwrap_or(false))
                } else {
                    let ok = judge(item, value.as_deref()).unwrap_or(false);
                    (value, ok)
                };
                outcomes.push(ok);
                r.items.push(ItemResult {
                    item: item.flag.clone(),
                    value,
                    source: f.map(|_| Source::File),
                    location: at,
                    passed: ok,
                });
            }
            let line_ok = combine(&check.bin_op, &outcomes);
            if !line_ok && all {
                all = false;
                if r.location.is_none() {
                    r.location = f.map(|p| Where::Path { file: p.clone() });
                }
            }
            if !line_ok && !check.multi_line {
                break;
            }
        }
        if files.is_empty() {
            r.reason = Some(match check.id.as_str() {
                "4.1.2" => "the kubelet service file does not exist".into(),
                _ => "no such file on the node".into(),
            });
        }
        r.actual = summarize_files(&r.items, &files, check);
        if r.location.is_none() {
            r.location = files
                .first()
                .cloned()
                .or_else(|| expected_path(check, m))
                .map(|p| Where::Path { file: p });
        }
        all
    } else {
        let Some(k) = component_of(check).or_else(|| (check.id == "1.2.28").then_some(Kind::Apiserver))
        else {
            r.reason = Some("palisade does not know what this check reads".into());
            return r;
        };
        let c = m.get(k);
        let mut outcomes = Vec::new();
        let mut err = None;
        for item in &check.test_items {
            let (value, source, at) = if item.flag == "provider" {
                let (v, at) = encryption_provider(c, facts);
                let src = v.as_ref().map(|_| Source::Config);
                (v, src, at)
            } else {
                component_item(item, c)
            };
            let ok = match judge(item, value.as_deref()) {
                Ok(b) => b,
                Err(e) => {
                    err = Some(e);
                    false
                }
            };
            outcomes.push(ok);
            r.items.push(ItemResult {
                item: item
                    .path
                    .as_ref()
                    .map_or(item.flag.clone(), |p| format!("{} / {p}", item.flag)),
                value,
                source,
                location: at,
                passed: ok,
            });
        }
        if let Some(e) = err {
            r.reason = Some(e);
        } else if let Some(e) = &c.flags_error {
            r.reason = Some(e.clone());
        }
        let ok = combine(&check.bin_op, &outcomes);
        // Location: the value that decides, else where the value must be set (the kubelet's
        // or kube-proxy's config file, else the command line).
        let config_file = c
            .config_files
            .first()
            .filter(|_| check.test_items.iter().any(|i| i.path.is_some()));
        r.location = r
            .items
            .iter()
            .find(|i| i.value.is_some() && (!ok || i.passed))
            .and_then(|i| i.location.clone())
            .or_else(|| r.items.iter().find_map(|i| i.location.clone()))
            .or_else(|| config_file.map(|f| Where::Path { file: f.clone() }))
            .or_else(|| c.anchor.clone())
            .or_else(|| {
                // a component known only by its kubelet's node (kube-proxy as a DaemonSet):
                // where its configuration would be
                let l = &m.layout;
                let p = if k == Kind::Proxy {
                    l.proxy_config
                        .clone()
                        .unwrap_or_else(|| l.proxy_kubeconfig.clone())
                } else {
                    String::new()
                };
                (!p.is_empty()).then_some(Where::Path { file: p })
            });
        r.actual = summarize_values(&r.items);
        ok
    };
    r.status = if passed {
        Status::Pass
    } else if check.scored {
        Status::Fail
    } else {
        Status::Warn
    };
    r
}

fn combine(op: &str, outcomes: &[bool]) -> bool {
    if op == "or" {
        outcomes.iter().any(|b| *b)
    } else {
        outcomes.iter().all(|b| *b)
    }
}

fn summarize_values(items: &[ItemResult]) -> String {
    let mut seen: Vec<String> = Vec::new();
    for i in items {
        let mut parts = i.item.splitn(2, " / ");
        let flag = parts.next().unwrap_or(&i.item);
        let key = parts
            .next()
            .map(|p| {
                p.trim_start_matches("{range ")
                    .trim_start_matches("{.")
                    .trim_start_matches('.')
            })
            .map(|p| p.split(['}', '[']).next().unwrap_or(p).to_owned());
        let s = match (&i.value, i.source) {
            (Some(v), Some(Source::Default)) => format!("{flag} not set (default {v})"),
            (Some(v), Some(Source::Config)) | (Some(v), Some(Source::Dropin)) => match &key {
                Some(k) => format!("{k}: {v}"),
                None => format!("{flag}={v}"),
            },
            (Some(v), Some(Source::Env)) => format!("{v} (environment)"),
            (Some(v), _) => format!("{flag}={v}"),
            (None, _) => match &key {
                Some(k) => format!("{flag} / {k} not set"),
                None => format!("{flag} not set"),
            },
        };
        if !seen.contains(&s) {
            seen.push(s);
        }
    }
    seen.join(", ")
}

fn summarize_files(items: &[ItemResult], files: &[String], check: &CheckDef) -> String {
    if files.is_empty() {
        return if check.id == "4.1.2" {
            "File not found".into()
        } else {
            "no file found".into()
        };
    }
    if items
        .iter()
        .any(|i| i.item == "File not found" && i.value.is_some())
    {
        return "File not found".into();
    }
    let per_file = check.test_items.len().max(1);
    let mut parts = Vec::new();
    for (f, chunk) in files.iter().zip(items.chunks(per_file)) {
        let v = chunk
            .iter()
            .find(|i| i.item != "File not found")
            .or(chunk.first())
            .map(|i| match &i.value {
                Some(v) => v.clone(),
                None => "not found".into(),
            })
            .unwrap_or_default();
        parts.push(format!("{f}: {v}"));
    }
    if parts.len() > 3 {
        let failing: Vec<&String> = parts
            .iter()
            .zip(items.chunks(per_file))
            .filter(|(_, c)| c.iter().any(|i| !i.passed))
            .map(|(p, _)| p)
            .collect();
        if failing.is_empty() {
            return format!("{} files, all as required", parts.len());
        }
        return format!(
            "{} of {} files not as required, first: {}",
            failing.len(),
            parts.len(),
            failing[0]
        );
    }
    parts.join("; ")
}

/// The remediation of a check, written from its test items for the files and component of
/// this node.
pub fn remediation(check: &CheckDef, m: &NodeModel, facts: &NodeFacts, opts: &EvalOptions) -> String {
    if check.is_manual() {
        return format!("Review by hand: {}.", check.inspects);
    }
    if check.target == "file" {
        let files = files_of(check, m, facts, opts.kubelet_config_overridden);
        let target = if files.is_empty() {
            expected_path(check, m).unwrap_or_else(|| "the file".to_owned())
        } else if files.len() == 1 {
            files[0].clone()
        } else {
            format!("each of the {} files", files.len())
        };
        let Some(item) = check.test_items.first() else {
            return String::new();
        };
        return match (item.flag.as_str(), &item.compare) {
            ("permissions", Some(c)) => format!(
                "Run `chmod {} {target}` (or more restrictive) on the node.",
                c.value
            ),
            ("ownership", Some(c)) => format!("Run `chown {} {target}` on the node.", c.value),
            (owner, _) => format!("Run `chown {owner} {target}` on the node."),
        };
    }
    let kind = component_of(check).unwrap_or(Kind::Apiserver);
    let c = m.get(kind);
    let place = match (&c.flags_from, kind) {
        (_, Kind::Kubelet) => format!(
            "the kubelet config file {} (or the kubelet's command line: a flag overrides the file)",
            c.config_files
                .first()
                .cloned()
                .or_else(|| m.layout.kubelet_config.clone())
                .unwrap_or_else(|| "--config".into())
        ),
        (Some(f), _) if f.starts_with("process ") => format!("the {} command line ({f})", kind.name()),
        (Some(f), _) => f.clone(),
        (None, _) => format!("the {} command line", kind.name()),
    };
    let mut parts = Vec::new();
    for item in &check.test_items {
        let what = match &item.path {
            Some(p) if kind == Kind::Kubelet || kind == Kind::Proxy => {
                format!(
                    "{} (`{}` in the config file)",
                    item.flag,
                    p.trim_start_matches("{.").trim_end_matches('}')
                )
            }
            _ => item.flag.clone(),
        };
        let s = match (&item.compare, item.set) {
            (_, false) => format!("remove {what}"),
            (None, true) => format!("set {what}"),
            (Some(c), true) => match c.op.as_str() {
                "eq" => format!("set {what} to {}", c.value),
                "noteq" => format!("do not set {what} to {}", c.value),
                "has" => format!("include {} in {what}", c.value),
                "nothave" => format!("do not include {} in {what}", c.value),
                "gte" => format!("set {what} to {} or more", c.value),
                "gt" => format!("set {what} above {}", c.value),
                "lte" => format!("set {what} to {} or less", c.value),
                "lt" => format!("set {what} below {}", c.value),
                "valid_elements" => format!("use only these values in {what}: {}", c.value),
                _ => format!("set {what}"),
            },
        };
        if !parts.contains(&s) {
            parts.push(s);
        }
    }
    let joined = parts.join(if check.bin_op == "or" { ", or " } else { ", and " });
    if check.id == "1.2.28" {
        return format!(
            "Make aescbc, kms or secretbox the first provider of the EncryptionConfiguration named by --encryption-provider-config (in {place})."
        );
    }
    let mut s = format!("In {place}: {joined}.");
    if kind == Kind::Etcd && c.config.is_some() {
        s.push_str(" etcd runs with --config-file: set it there (flags and environment are ignored).");
    }
    s
}
