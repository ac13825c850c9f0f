//! The admission-plugin checks (`NODE501`–`NODE504`) on the effective plugin set of the API
//! server — its version's default-on plugins, plus `--enable-admission-plugins`, minus
//! `--disable-admission-plugins` (or exactly the legacy `--admission-control` list): Pod
//! Security admission on, EventRateLimit configured, no removed or deprecated plugins, no
//! plugin both enabled and disabled. What the catalogue already reports (NodeRestriction
//! 1.2.14, AlwaysAdmit 1.2.10, AlwaysPullImages 1.2.11, ServiceAccount 1.2.12, EventRateLimit
//! enabled 1.2.9) is referenced, not repeated.

use super::{list_flag, read_kind, verdict_of, Ctx, ExtraDef, Item, Verdict};
use crate::argv::Where;
use crate::components::Kind;
use crate::eval::Status;
use crate::facts::Problem;
use palisade_core::Node;

/// Plugins that are gone: (name, deprecated in 1.N, removed in 1.N).
const REMOVED: [(&str, u32, u32); 4] = [
    ("PodSecurityPolicy", 21, 25),
    ("SecurityContextDeny", 27, 30),
    ("DenyEscalatingExec", 13, 21),
    ("DenyExecOnPrivileged", 13, 21),
];

struct Plugins {
    enabled: Vec<(String, Where)>,
    disabled: Vec<(String, Where)>,
    /// The legacy `--admission-control`: the whole list, no defaults.
    legacy: Option<Vec<(String, Where)>>,
}

fn plugins(ctx: &Ctx) -> Option<Plugins> {
    let api = ctx.apiserver();
    if !api.present() {
        return None;
    }
    let legacy = api
        .flags
        .has("admission-control")
        .then(|| list_flag(api, "admission-control"));
    Some(Plugins {
        enabled: list_flag(api, "enable-admission-plugins"),
        disabled: list_flag(api, "disable-admission-plugins"),
        legacy,
    })
}

impl Plugins {
    fn enabled(&self, name: &str) -> Option<&Where> {
        self.legacy
            .as_ref()
            .unwrap_or(&self.enabled)
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, w)| w)
    }
    fn disabled(&self, name: &str) -> Option<&Where> {
        self.disabled.iter().find(|(n, _)| n == name).map(|(_, w)| w)
    }
}

fn not_here() -> Verdict {
    Verdict::not_applicable("kube-apiserver is not on this node")
}

// ---- NODE501 ----

fn pod_security(ctx: &Ctx) -> Verdict {
    let Some(p) = plugins(ctx) else {
        return not_here();
    };
    let default_on = ctx.version.is_none_or(|v| v >= (1, 23));
    let anchor = ctx.anchor(Kind::Apiserver);
    let item = if let Some(w) = p.disabled("PodSecurity") {
        Item::new(
            Status::Fail,
            "PodSecurity",
            Some("disabled by --disable-admission-plugins".into()),
            Some(w.clone()),
        )
        .note("without Pod Security admission, nothing enforces the Pod Security Standards")
    } else if let Some(w) = p.enabled("PodSecurity") {
        Item::new(
            Status::Pass,
            "PodSecurity",
            Some("enabled explicitly".into()),
            Some(w.clone()),
        )
    } else if p.legacy.is_some() {
        Item::new(
            Status::Fail,
            "PodSecurity",
            Some("not in --admission-control".into()),
            anchor,
        )
        .note("--admission-control replaces the default plugins: PodSecurity is off")
    } else if default_on {
        Item::new(Status::Pass, "PodSecurity", Some("on by default".into()), anchor)
    } else {
        Item::new(
            Status::Fail,
            "PodSecurity",
            Some("not enabled (off by default before 1.23)".into()),
            anchor,
        )
        .note("before 1.23 PodSecurity must be enabled explicitly")
    };
    verdict_of(
        vec![item],
        "",
        "Remove PodSecurity from --disable-admission-plugins (it is on by default since 1.23), and label namespaces with pod-security.kubernetes.io/enforce (or set cluster defaults in the PodSecurity admission configuration).".into(),
    )
}

// ---- NODE502 ----

const ADMISSION_KINDS: [&str; 1] = ["AdmissionConfiguration"];

fn event_rate_limit(ctx: &Ctx) -> Verdict {
    let Some(p) = plugins(ctx) else {
        return not_here();
    };
    if p.enabled("EventRateLimit").is_none() || p.disabled("EventRateLimit").is_some() {
        return Verdict::not_applicable("EventRateLimit is not enabled (CIS 1.2.9 reports it)");
    }
    let remediation = "Set --admission-control-config-file to an AdmissionConfiguration with a plugin named EventRateLimit whose configuration (EventRateLimit, eventratelimit.admission.k8s.io/v1alpha1) sets limits (type Server/Namespace/User, qps, burst).".to_owned();
    let api = ctx.apiserver();
    let item = match ctx.path_flag(Kind::Apiserver, "admission-control-config-file") {
        None => Item::new(
            Status::Fail,
            "EventRateLimit",
            Some("no --admission-control-config-file".into()),
            api.anchor.clone(),
        )
        .note("EventRateLimit needs its limits in the admission configuration file"),
        Some((path, w)) => match read_kind(ctx.facts, &path, &ADMISSION_KINDS) {
            Ok(None) => Item::new(
                Status::Fail,
                "EventRateLimit",
                Some(format!("{path} does not exist")),
                Some(w),
            )
            .note("the admission configuration file is not on the node"),
            Err(_) => Item::new(
                Status::Fail,
                "EventRateLimit",
                Some(format!(
                    "{path} is not a usable AdmissionConfiguration (see the input errors)"
                )),
                Some(Where::Path { file: path.clone() }),
            ),
            Ok(Some(doc)) => {
                let entry = doc
                    .get("plugins")
                    .and_then(Node::as_seq)
                    .unwrap_or(&[])
                    .iter()
                    .find(|pl| pl.get("name").and_then(Node::as_str) == Some("EventRateLimit"));
                match entry {
                    Some(e) if e.get("configuration").is_some() || e.get("path").is_some() => Item::new(
                        Status::Pass,
                        "EventRateLimit",
                        Some(format!("configured in {path}")),
                        Some(super::key_at(&path, e, "name")),
                    ),
                    Some(e) => Item::new(
                        Status::Fail,
                        "EventRateLimit",
                        Some("plugin entry without configuration or path".into()),
                        Some(super::key_at(&path, e, "name")),
                    )
                    .note("the EventRateLimit entry sets no limits"),
                    None => Item::new(
                        Status::Fail,
                        "EventRateLimit",
                        Some(format!("{path} has no EventRateLimit plugin")),
                        Some(super::key_at(&path, &doc, "plugins")),
                    )
                    .note("the admission configuration does not configure EventRateLimit"),
                }
            }
        },
    };
    verdict_of(vec![item], "", remediation)
}

// ---- NODE503 ----

fn removed(ctx: &Ctx) -> Verdict {
    let Some(p) = plugins(ctx) else {
        return not_here();
    };
    let mut items = Vec::new();
    for (name, deprecated, gone) in REMOVED {
        let Some(w) = p.enabled(name) else {
            continue;
        };
        let item = match ctx.version {
            Some((1, m)) if m < gone => Item::new(
                Status::Warn,
                name,
                Some(format!(
                    "enabled; deprecated since 1.{deprecated}, removed in 1.{gone}"
                )),
                Some(w.clone()),
            )
            .note(format!(
                "{name} is removed in 1.{gone}: the API server will not start after the upgrade"
            )),
            _ => Item::new(
                Status::Fail,
                name,
                Some(format!("enabled; removed in 1.{gone}")),
                Some(w.clone()),
            )
            .note(format!(
                "{name} was removed in 1.{gone}: an API server of this version refuses to start with it"
            )),
        };
        items.push(item);
    }
    if items.is_empty() {
        let listed: Vec<&str> = p
            .legacy
            .as_ref()
            .unwrap_or(&p.enabled)
            .iter()
            .map(|(n, _)| n.as_str())
            .collect();
        items.push(Item::new(
            Status::Pass,
            "enabled plugins",
            Some(if listed.is_empty() {
                "the defaults".into()
            } else {
                listed.join(",")
            }),
            p.enabled
                .first()
                .map(|(_, w)| w.clone())
                .or(ctx.anchor(Kind::Apiserver)),
        ));
    }
    verdict_of(
        items,
        "",
        "Remove the plugin from --enable-admission-plugins: PodSecurityPolicy and SecurityContextDeny are replaced by Pod Security admission (PodSecurity); AlwaysAdmit is CIS 1.2.10's.".into(),
    )
}

// ---- NODE504 ----

fn conflicts(ctx: &Ctx) -> Verdict {
    let Some(p) = plugins(ctx) else {
        return not_here();
    };
    let mut items = Vec::new();
    for (name, w) in &p.disabled {
        if p.enabled.iter().any(|(n, _)| n == name) {
            items.push(
                Item::new(Status::Fail, name.clone(), Some("in --enable-admission-plugins and --disable-admission-plugins".into()), Some(w.clone()))
                    .note("the API server refuses a plugin both enabled and disabled; a reading of one flag alone (kube-bench's) is wrong"),
            );
        }
    }
    if items.is_empty() {
        items.push(Item::new(
            Status::Pass,
            "admission plugins",
            Some(format!(
                "{} enabled, {} disabled, none in both",
                p.enabled.len(),
                p.disabled.len()
            )),
            p.disabled
                .first()
                .map(|(_, w)| w.clone())
                .or(ctx.anchor(Kind::Apiserver)),
        ));
    }
    verdict_of(
        items,
        "",
        "Keep each plugin in one list only: remove it from --disable-admission-plugins to enable it (NodeRestriction: CIS 1.2.14).".into(),
    )
}

/// The problems of the admission configuration file (not YAML, wrong kind).
pub fn problems(ctx: &Ctx) -> Vec<Problem> {
    if !ctx.apiserver().present() {
        return Vec::new();
    }
    match ctx.path_flag(Kind::Apiserver, "admission-control-config-file") {
        Some((p, _)) => read_kind(ctx.facts, &p, &ADMISSION_KINDS)
            .err()
            .unwrap_or_default(),
        None => Vec::new(),
    }
}

pub static CHECKS: [ExtraDef; 4] = [
    ExtraDef {
        code: "NODE501",
        name: "admission-pod-security",
        group: "N.5",
        title: "Pod Security admission (PodSecurity) is on",
        scored: true,
        pass_condition: "PodSecurity in the effective plugin set (default-on since 1.23, not disabled)",
        cis: &["5.2.1"],
        doc: "Reads: the API server's --enable-admission-plugins, --disable-admission-plugins and the legacy --admission-control, and the Kubernetes version.\n\nWhy: PodSecurity is the built-in enforcement of the Pod Security Standards (privileged pods, host namespaces, hostPath …); disabling it leaves every namespace unenforced unless an external policy engine runs (CIS 5.2.1).\n\nDecided: the effective set is the version's default-on plugins (PodSecurity since 1.23; an unknown version counts as on), plus the enabled ones, minus the disabled ones; --admission-control replaces the whole set. PodSecurity disabled fails (at the flag); absent from --admission-control fails; before 1.23 it must be enabled explicitly.\n\nFix: do not disable PodSecurity; set namespace labels or cluster defaults.",
        run: pod_security,
    },
    ExtraDef {
        code: "NODE502",
        name: "admission-event-rate-limit-configured",
        group: "N.5",
        title: "EventRateLimit, when enabled, has its limits configured",
        scored: true,
        pass_condition: "--admission-control-config-file names an AdmissionConfiguration with an EventRateLimit plugin entry that has a configuration or path",
        cis: &["1.2.9"],
        doc: "Reads: whether EventRateLimit is enabled, the API server's --admission-control-config-file and that file.\n\nWhy: CIS 1.2.9 asks for EventRateLimit *and* its configuration file; kube-bench checks only the plugin name. Without limits the plugin protects nothing from event floods.\n\nDecided: not applicable when EventRateLimit is not enabled (1.2.9 reports that); fails without the flag, with a missing file, with a file that is not an AdmissionConfiguration (a located error), or without an EventRateLimit entry carrying `configuration` or `path`. Located at the entry's name.\n\nFix: an AdmissionConfiguration with `- name: EventRateLimit` and its EventRateLimit configuration.",
        run: event_rate_limit,
    },
    ExtraDef {
        code: "NODE503",
        name: "admission-removed-plugins",
        group: "N.5",
        title: "No removed or deprecated admission plugin is enabled",
        scored: true,
        pass_condition: "none of PodSecurityPolicy, SecurityContextDeny, DenyEscalatingExec, DenyExecOnPrivileged enabled",
        cis: &["1.2.10"],
        doc: "Reads: the enabled plugins (--enable-admission-plugins, or --admission-control) and the Kubernetes version.\n\nWhy: PodSecurityPolicy (removed in 1.25), SecurityContextDeny (removed in 1.30), DenyEscalatingExec and DenyExecOnPrivileged (removed in 1.21) are gone: an API server of those versions refuses to start, and on older versions the cluster relies on a mechanism that disappears at the next upgrade. AlwaysAdmit is CIS 1.2.10's and is not repeated here.\n\nDecided: a removed plugin fails when the version is known to be at or past its removal (or unknown), and warns on a version where it is only deprecated. Located at the flag that enables it.\n\nFix: remove the plugin; Pod Security admission replaces PodSecurityPolicy and SecurityContextDeny.",
        run: removed,
    },
    ExtraDef {
        code: "NODE504",
        name: "admission-enabled-and-disabled",
        group: "N.5",
        title: "No admission plugin is both enabled and disabled",
        scored: true,
        pass_condition: "no plugin in both --enable-admission-plugins and --disable-admission-plugins",
        cis: &["1.2.14", "1.2.12", "1.2.13"],
        doc: "Reads: both plugin lists (every occurrence of each flag: repeated list flags append).\n\nWhy: the API server rejects a plugin that is both enabled and disabled; and the catalogue's substring checks (1.2.14 NodeRestriction …) read one flag at a time, so a plugin in both lists passes them.\n\nDecided: any plugin in both lists fails, located at its --disable-admission-plugins occurrence.\n\nFix: keep the plugin in one list.",
        run: conflicts,
    },
];
