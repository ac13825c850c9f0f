//! Rule metadata: the stable code, name, severity and documentation of every rule. The
//! checks themselves live in `palisade_rules`.

use crate::finding::Severity;
use serde::Serialize;

/// A reference from a rule to an external standard.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", content = "id", rename_all = "kebab-case")]
pub enum Reference {
    /// Pod Security Standards control name, e.g. "Privileged Containers".
    Pss(&'static str),
    /// CIS Kubernetes Benchmark id, e.g. "5.2.2".
    Cis(&'static str),
    /// CIS Docker Benchmark id (section 4, container images and build files), e.g. "4.1".
    CisDocker(&'static str),
    /// NSA/CISA Kubernetes Hardening Guidance section.
    Nsa(&'static str),
    /// MITRE ATT&CK technique id, e.g. "T1611".
    Mitre(&'static str),
    /// The equivalent Checkov check, e.g. "CKV_K8S_16".
    Checkov(&'static str),
    /// The equivalent Trivy (defsec) check, e.g. "KSV017".
    Trivy(&'static str),
    Url(&'static str),
}

impl Reference {
    /// Its serde form's `kind` (kebab-case) and `id`: `("cis", "5.2.1")`.
    pub fn kind_and_id(&self) -> (&'static str, &'static str) {
        match *self {
            Reference::Pss(s) => ("pss", s),
            Reference::Cis(s) => ("cis", s),
            Reference::CisDocker(s) => ("cis-docker", s),
            Reference::Nsa(s) => ("nsa", s),
            Reference::Mitre(s) => ("mitre", s),
            Reference::Checkov(s) => ("checkov", s),
            Reference::Trivy(s) => ("trivy", s),
            Reference::Url(s) => ("url", s),
        }
    }
    pub fn label(&self) -> String {
        match self {
            Reference::Pss(s) => format!("Pod Security Standards: {s}"),
            Reference::Cis(s) => format!("CIS Kubernetes Benchmark {s}"),
            Reference::CisDocker(s) => format!("CIS Docker Benchmark {s}"),
            Reference::Nsa(s) => format!("NSA/CISA Kubernetes Hardening Guidance: {s}"),
            Reference::Mitre(s) => format!("MITRE ATT&CK {s}"),
            Reference::Checkov(s) => format!("Checkov {s}"),
            Reference::Trivy(s) => format!("Trivy {s}"),
            Reference::Url(s) => (*s).to_owned(),
        }
    }
}

#[derive(Debug, Serialize)]
pub struct RuleMeta {
    /// Stable code, never reused: `PSS001`.
    pub code: &'static str,
    /// Stable kebab-case name: `pss-privileged`.
    pub name: &'static str,
    pub severity: Severity,
    /// Rule group: `pss`, `hardening`, ...
    pub group: &'static str,
    /// One line: what the rule flags.
    pub summary: &'static str,
    /// How to fix it, one or two sentences.
    pub remediation: &'static str,
    /// Full documentation in Markdown (what it does, why it is bad, example, fix).
    pub docs: &'static str,
    pub references: &'static [Reference],
    /// The option without which the rule checks nothing (`allowedRegistries`): a compliance
    /// view shows its controls as manual until the configuration sets it.
    #[serde(skip)]
    pub requires_option: Option<&'static str>,
    /// Whether the rule decides on one object alone or needs the rest of the cluster.
    #[serde(skip)]
    pub scope: Scope,
    /// How the rule is evaluated.
    #[serde(skip)]
    pub check: crate::check::Check,
}

/// What a rule needs to decide: one object, or the objects around it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Scope {
    /// The object alone (and the compiled-in defaults, such as Kubernetes' default roles):
    /// such a rule decides an admission request, where only the object is known.
    Object,
    /// Other objects of the cluster (a namespace without a default-deny policy, a binding
    /// whose role does not exist, a workload no policy selects): with one object its answer
    /// would be wrong, so an admission webhook does not run it.
    Cluster,
}

impl RuleMeta {
    /// Whether the rule belongs to a profile: `all`, `pss-baseline`, `pss-restricted` (the
    /// PSS rules), `cis` (rules with a CIS reference), `nsa` (rules with an NSA/CISA
    /// reference).
    pub fn in_profile(&self, profile: &str) -> bool {
        match profile {
            "all" => true,
            "pss-baseline" | "pss-restricted" => self.group == "pss",
            "cis" => self.references.iter().any(|r| matches!(r, Reference::Cis(_))),
            "nsa" => self.references.iter().any(|r| matches!(r, Reference::Nsa(_))),
            _ => false,
        }
    }

    /// Whether `sel` names this rule: its code, its name, a code prefix (`PSS`, `PSS00`) or
    /// its group, case-insensitively.
    pub fn matches(&self, sel: &str) -> bool {
        let sel_up = sel.to_ascii_uppercase();
        self.code.starts_with(&sel_up)
            || self.name.eq_ignore_ascii_case(sel)
            || self.group.eq_ignore_ascii_case(sel)
    }
}

/// Rules are identified by their code.
impl PartialEq for RuleMeta {
    fn eq(&self, other: &RuleMeta) -> bool {
        self.code == other.code
    }
}

/// The rules of `all` matching `select` (every rule when it is empty) and not matching
/// `ignore`: codes, code prefixes, names or groups ([`RuleMeta::matches`]), repeated or
/// comma-separated. A selector that names no rule of `all` is an error naming `what`
/// ("audit", "Dockerfile"). For rule families with their own runner (audit detections,
/// Dockerfile rules) that select like `palisade scan --select`.
pub fn select_from<T: Copy>(
    all: &[T],
    meta: impl Fn(&T) -> &'static RuleMeta,
    select: &[String],
    ignore: &[String],
    what: &str,
) -> Result<Vec<T>, String> {
    let split = |v: &[String]| -> Vec<String> {
        v.iter()
            .flat_map(|s| s.split(','))
            .map(|s| s.trim().to_owned())
            .filter(|s| !s.is_empty())
            .collect()
    };
    let (select, ignore) = (split(select), split(ignore));
    for s in select.iter().chain(&ignore) {
        if !all.iter().any(|r| meta(r).matches(s)) {
            return Err(format!(
                "unknown {what} rule, code prefix or group: {s:?} (see `palisade rules`)"
            ));
        }
    }
    Ok(all
        .iter()
        .copied()
        .filter(|r| select.is_empty() || select.iter().any(|s| meta(r).matches(s)))
        .filter(|r| !ignore.iter().any(|s| meta(r).matches(s)))
        .collect())
}
