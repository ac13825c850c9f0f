//! palisade's own node checks beyond the benchmark's flags (codes `NODE1xx`–`NODE6xx`): the
//! PKI, the kubeconfig files, the EncryptionConfiguration, the audit policy, the admission
//! plugins and CoreDNS, each a [`ExtraDef`] with its documentation, read from `NodeFacts` and
//! the `NodeModel` and reported as [`CheckResult`]s of the section [`SECTION`] after the
//! catalogue's checks. Pure: no I/O (the CoreDNS configuration given on the command line
//! arrives as text in [`ExtraOptions`]).

pub mod admission;
pub mod audit;
pub mod coredns;
pub mod encryption;
pub mod kubeconfig;
pub mod pem;
pub mod pki;

use crate::argv::Where;
use crate::components::{Component, Kind, NodeModel};
use crate::eval::{CheckResult, ItemResult, Source, Status};
use crate::facts::{normalize, NodeFacts, Problem};
use palisade_core::Node;

/// The section of these checks in reports (`N`, after sections 1–4).
pub const SECTION: &str = "N";
pub const SECTION_TITLE: &str = "Node checks beyond the benchmark (palisade)";

/// Options of the extra checks.
#[derive(Clone, Debug, Default)]
pub struct ExtraOptions {
    /// The time certificates are judged at (Unix seconds); `None`: the system clock.
    pub now: Option<i64>,
    /// A certificate expiring within this many days is a warning (default 30).
    pub cert_warn_days: Option<u32>,
    /// A CoreDNS ConfigMap (YAML/JSON) or Corefile given on the command line:
    /// (the name to report it under, its text).
    pub coredns_config: Option<(String, String)>,
}

/// Component flags naming files these checks read (besides those gathering reads anyway):
/// gathering reads them wherever they are.
pub const FILE_FLAGS: [&str; 21] = [
    "audit-policy-file",
    "admission-control-config-file",
    "tls-cert-file",
    "tls-private-key-file",
    "etcd-cafile",
    "etcd-certfile",
    "etcd-keyfile",
    "kubelet-client-certificate",
    "kubelet-client-key",
    "kubelet-certificate-authority",
    "proxy-client-cert-file",
    "proxy-client-key-file",
    "requestheader-client-ca-file",
    "service-account-signing-key-file",
    "service-account-private-key-file",
    "cert-file",
    "key-file",
    "peer-cert-file",
    "peer-key-file",
    "trusted-ca-file",
    "peer-trusted-ca-file",
];

/// Default of [`ExtraOptions::cert_warn_days`].
pub const DEFAULT_CERT_WARN_DAYS: u32 = 30;

/// One check of palisade's own.
#[derive(Clone, Copy)]
pub struct ExtraDef {
    /// Stable code: `NODE101`.
    pub code: &'static str,
    /// Kebab-case name, unique.
    pub name: &'static str,
    /// `N.1` (PKI) … `N.6` (CoreDNS).
    pub group: &'static str,
    /// What it inspects, one line.
    pub title: &'static str,
    /// Its failures are FAIL and severity high (else it only warns).
    pub scored: bool,
    /// The pass condition, one line.
    pub pass_condition: &'static str,
    /// CIS Kubernetes Benchmark ids it relates to (the catalogue checks that overlap).
    pub cis: &'static [&'static str],
    /// The documentation: what it reads, why it matters, how it is decided, the fix.
    pub doc: &'static str,
    pub run: fn(&Ctx) -> Verdict,
}

/// Group id → title (`N.1` → `PKI`).
pub fn group_title(id: &str) -> &'static str {
    match id {
        "N.1" => "PKI: certificates and keys",
        "N.2" => "Kubeconfig files",
        "N.3" => "Encryption at rest",
        "N.4" => "Audit policy",
        "N.5" => "Admission plugins",
        "N.6" => "CoreDNS",
        _ => "",
    }
}

/// Every extra check, in report order.
pub fn checks() -> &'static [&'static ExtraDef] {
    static FLAT: std::sync::OnceLock<Vec<&'static ExtraDef>> = std::sync::OnceLock::new();
    FLAT.get_or_init(|| {
        pki::CHECKS
            .iter()
            .chain(kubeconfig::CHECKS.iter())
            .chain(encryption::CHECKS.iter())
            .chain(audit::CHECKS.iter())
            .chain(admission::CHECKS.iter())
            .chain(coredns::CHECKS.iter())
            .collect()
    })
}

/// The check with this code (`NODE101`, case-insensitive) or name.
pub fn find(code: &str) -> Option<&'static ExtraDef> {
    checks()
        .iter()
        .copied()
        .find(|d| d.code.eq_ignore_ascii_case(code) || d.name == code)
}

/// A `--check` selector matches this check: its code, its group (`N.1`) or the section `N`.
pub fn selected(d: &ExtraDef, sel: &str) -> bool {
    d.code.eq_ignore_ascii_case(sel) || d.group == sel || sel == SECTION || d.name == sel
}

/// A `--check` selector names at least one extra check.
pub fn known_selector(sel: &str) -> bool {
    checks().iter().any(|d| selected(d, sel))
}

/// What a check decided.
#[derive(Clone, Debug, Default)]
pub struct Verdict {
    pub status: Option<Status>,
    pub reason: Option<String>,
    pub actual: String,
    pub location: Option<Where>,
    pub items: Vec<ItemResult>,
    pub remediation: String,
}

impl Verdict {
    pub fn not_applicable(why: impl Into<String>) -> Verdict {
        Verdict {
            status: Some(Status::NotApplicable),
            reason: Some(why.into()),
            actual: "not applicable".into(),
            ..Verdict::default()
        }
    }
}

/// One judged item: a file, a certificate, a rule, a plugin.
pub struct Item {
    pub status: Status,
    pub item: String,
    pub value: Option<String>,
    pub at: Option<Where>,
    /// Why it is not a pass (shown when it decides the verdict).
    pub note: Option<String>,
}

impl Item {
    pub fn new(status: Status, item: impl Into<String>, value: Option<String>, at: Option<Where>) -> Item {
        Item {
            status,
            item: item.into(),
            value,
            at,
            note: None,
        }
    }
    pub fn note(mut self, n: impl Into<String>) -> Item {
        self.note = Some(n.into());
        self
    }
}

fn rank(s: Status) -> u8 {
    match s {
        Status::Fail => 3,
        Status::Warn => 2,
        Status::Pass => 1,
        Status::NotApplicable => 0,
    }
}

/// The verdict of judged items: the worst status, located at the first item with it (its
/// note the reason), `actual` summarising the items that are not a pass (else all of them).
pub fn verdict_of(items: Vec<Item>, empty: &str, remediation: String) -> Verdict {
    if items.is_empty() {
        return Verdict::not_applicable(empty);
    }
    let worst = items
        .iter()
        .map(|i| i.status)
        .max_by_key(|s| rank(*s))
        .unwrap_or(Status::Pass);
    let first = items.iter().find(|i| i.status == worst);
    let shown: Vec<&Item> = if worst == Status::Pass || worst == Status::NotApplicable {
        items.iter().collect()
    } else {
        items.iter().filter(|i| i.status == worst).collect()
    };
    let mut parts: Vec<String> = shown
        .iter()
        .take(3)
        .map(|i| match &i.value {
            Some(v) => format!("{}: {v}", i.item),
            None => i.item.clone(),
        })
        .collect();
    if shown.len() > 3 {
        parts.push(format!("and {} more", shown.len() - 3));
    }
    Verdict {
        status: Some(worst),
        reason: first.and_then(|i| i.note.clone()),
        actual: parts.join("; "),
        location: first.and_then(|i| i.at.clone()),
        items: items
            .into_iter()
            .map(|i| ItemResult {
                item: i.item,
                value: i.value,
                source: i.at.as_ref().map(|_| Source::File),
                location: i.at,
                passed: i.status == Status::Pass || i.status == Status::NotApplicable,
            })
            .collect(),
        remediation,
    }
}

/// What the checks read, prepared once: the facts, the model, the parsed PKI.
pub struct Ctx<'a> {
    pub facts: &'a NodeFacts,
    pub model: &'a NodeModel,
    pub now: i64,
    pub warn_days: u32,
    pub version: Option<(u32, u32)>,
    pub coredns: Option<&'a (String, String)>,
    pub pki: pki::Pki,
}

impl Ctx<'_> {
    pub fn apiserver(&self) -> &Component {
        self.model.get(Kind::Apiserver)
    }
    /// A flag of a component as a normalised node path, with where it was set.
    pub fn path_flag(&self, k: Kind, flag: &str) -> Option<(String, Where)> {
        self.model
            .get(k)
            .flag(flag)
            .filter(|(v, _)| !v.is_empty())
            .map(|(v, w)| (normalize(&v), w))
    }
    /// An etcd setting: its flag, else its `--config-file` key (`client-transport-security.cert-file`).
    pub fn etcd_path(&self, flag: &str, config_key: &str) -> Option<(String, Where)> {
        let etcd = self.model.get(Kind::Etcd);
        if let Some(cfg) = &etcd.config {
            if let Some((v, w)) = cfg.jsonpath(&format!("{{.{config_key}}}")) {
                return Some((normalize(&v), w));
            }
        }
        self.path_flag(Kind::Etcd, flag)
    }
    /// A component's anchor (where a missing flag is added), else its manifest.
    pub fn anchor(&self, k: Kind) -> Option<Where> {
        self.model.get(k).anchor.clone()
    }
}

/// Runs the extra checks selected by `--check` (all when `selectors` is empty): their results,
/// and the input problems they met (certificates and configurations that do not parse).
pub fn run(
    facts: &NodeFacts,
    model: &NodeModel,
    version: Option<(u32, u32)>,
    opts: &ExtraOptions,
    selectors: &[String],
) -> (Vec<CheckResult>, Vec<Problem>) {
    let now = opts.now.unwrap_or_else(|| {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs() as i64)
    });
    let mut problems = Vec::new();
    let pki = pki::Pki::load(facts, model, &mut problems);
    let ctx = Ctx {
        facts,
        model,
        now,
        warn_days: opts.cert_warn_days.unwrap_or(DEFAULT_CERT_WARN_DAYS),
        version,
        coredns: opts.coredns_config.as_ref(),
        pki,
    };
    let mut results = Vec::new();
    for d in checks() {
        if !selectors.is_empty() && !selectors.iter().any(|s| selected(d, s)) {
            continue;
        }
        let v = (d.run)(&ctx);
        let status = match v.status {
            Some(Status::Fail) if !d.scored => Status::Warn,
            Some(s) => s,
            None => Status::Pass,
        };
        results.push(CheckResult {
            id: d.code.to_owned(),
            section: SECTION.to_owned(),
            group: d.group.to_owned(),
            text: d.title.to_owned(),
            scored: d.scored,
            manual: false,
            status,
            reason: v.reason,
            expected: d.pass_condition.to_owned(),
            actual: v.actual,
            location: v.location,
            items: v.items,
            remediation: v.remediation,
        });
    }
    // Configuration files read by several checks report their problems once.
    problems.extend(encryption::problems(&ctx));
    problems.extend(audit::problems(&ctx));
    problems.extend(kubeconfig::problems(&ctx));
    problems.extend(coredns::problems(&ctx));
    problems.extend(admission::problems(&ctx));
    (results, problems)
}

/// Reads a YAML/JSON configuration file of the node that must be of `kind`: the document, or
/// the problems (file missing is `Ok(None)`).
pub fn read_kind(facts: &NodeFacts, path: &str, kinds: &[&str]) -> Result<Option<Node>, Vec<Problem>> {
    let Some(f) = facts.get(path) else {
        return Ok(None);
    };
    if let Some(e) = &f.read_error {
        return Err(vec![Problem::error(
            path,
            None,
            None,
            format!("cannot read: {e}"),
        )]);
    }
    let Some(text) = f.text() else {
        if f.content.is_some() {
            return Err(vec![Problem::error(path, None, None, "not UTF-8 text")]);
        }
        return Ok(None);
    };
    let mut problems = Vec::new();
    let Some(doc) = crate::argv::decode_one(path, text, &mut problems) else {
        return Err(problems);
    };
    if doc.as_map().is_none() {
        let (l, c) = crate::argv::node_pos(&doc);
        return Err(vec![Problem::error(
            path,
            l,
            c,
            format!("expected a mapping, found {}", doc.type_name()),
        )]);
    }
    let kind = doc.get("kind").and_then(Node::as_str);
    if !kind.is_some_and(|k| kinds.contains(&k)) {
        let (l, c) = crate::argv::node_pos(doc.get("kind").unwrap_or(&doc));
        return Err(vec![Problem::error(
            path,
            l,
            c,
            format!(
                "expected kind {}, found {}",
                kinds.join(" or "),
                kind.map_or("no kind".to_owned(), |k| format!("kind {k:?}"))
            ),
        )]);
    }
    Ok(Some(doc))
}

/// The place of a node in a file.
pub fn at(file: &str, n: &Node) -> Where {
    if n.pos.is_known() {
        Where::file(file, n.pos.line, n.pos.col)
    } else {
        Where::Path {
            file: file.to_owned(),
        }
    }
}

/// The place of a mapping key in a file.
pub fn key_at(file: &str, map: &Node, key: &str) -> Where {
    match map.entry(key) {
        Some(e) if e.key_pos.is_known() => Where::file(file, e.key_pos.line, e.key_pos.col),
        _ => at(file, map),
    }
}

/// The basename of a path.
pub fn base(p: &str) -> &str {
    p.rsplit('/').next().unwrap_or(p)
}

/// The list values of a component's repeatable comma-list flag, each with its place.
pub fn list_flag(c: &Component, flag: &str) -> Vec<(String, Where)> {
    c.flags
        .entries
        .iter()
        .filter(|e| e.name == flag)
        .flat_map(|e| {
            e.value
                .split(',')
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty())
                .map(|v| (v, e.at.clone()))
                .collect::<Vec<_>>()
        })
        .collect()
}
