//! Which policy applies to a request: a namespace's `palisade.dev/` labels over the
//! configured defaults, with Pod Security Admission's parsing rules (an invalid enforce value
//! fails closed, an invalid warn or audit value fails open, an invalid version is `latest`,
//! warn follows a stricter enforce), and the exemptions. Pure: the labels are given.

use palisade_engine::config::{AdmissionConfig, Profile};
use palisade_pss::{Level, Version};
use std::collections::BTreeMap;
use std::fmt;

/// The label prefix (`palisade.dev/enforce`, `palisade.dev/enforce-version`, …).
pub const PREFIX: &str = "palisade.dev/";
/// The label that turns the mutating webhook on (`"true"`) or off (`"false"`) for a namespace.
pub const MUTATE_LABEL: &str = "palisade.dev/mutate";

/// What a mode checks: nothing (`privileged`), or a profile's rules.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Checks {
    /// Nothing is checked.
    Privileged,
    /// The object rules of a profile (`baseline` and `restricted` are the Pod Security
    /// profiles).
    Profile(Profile),
}

impl Checks {
    /// Parses a label or configuration value.
    pub fn parse(s: &str) -> Option<Checks> {
        Some(match s {
            "privileged" => Checks::Privileged,
            "baseline" => Checks::Profile(Profile::PssBaseline),
            "restricted" => Checks::Profile(Profile::PssRestricted),
            other => Checks::Profile(Profile::parse(other)?),
        })
    }
    /// The Pod Security level the profile's PSS rules check: baseline for `pss-baseline`,
    /// restricted otherwise.
    pub fn pss_level(self) -> Level {
        match self {
            Checks::Privileged => Level::Privileged,
            Checks::Profile(Profile::PssBaseline) => Level::Baseline,
            Checks::Profile(_) => Level::Restricted,
        }
    }
    /// Rank for warn defaulting: privileged < baseline < restricted, cis, nsa < all.
    fn rank(self) -> u8 {
        match self {
            Checks::Privileged => 0,
            Checks::Profile(Profile::PssBaseline) => 1,
            Checks::Profile(Profile::All) => 3,
            Checks::Profile(_) => 2,
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Checks::Privileged => "privileged",
            Checks::Profile(Profile::PssBaseline) => "baseline",
            Checks::Profile(Profile::PssRestricted) => "restricted",
            Checks::Profile(p) => p.as_str(),
        }
    }
}

/// A mode's policy: what is checked, and at which Pod Security version.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ModePolicy {
    pub checks: Checks,
    pub version: Version,
}

impl ModePolicy {
    pub const PRIVILEGED: ModePolicy = ModePolicy {
        checks: Checks::Privileged,
        version: Version::Latest,
    };
    pub fn is_privileged(&self) -> bool {
        self.checks == Checks::Privileged
    }
}

impl fmt::Display for ModePolicy {
    /// `<profile>:<version>` as Pod Security Admission prints `<level>:<version>`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.checks.as_str(), self.version)
    }
}

/// The three modes' policies of a namespace, and what was wrong with its labels.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NamespacePolicy {
    pub enforce: ModePolicy,
    pub warn: ModePolicy,
    pub audit: ModePolicy,
    /// One message per invalid label.
    pub errors: Vec<String>,
}

impl NamespacePolicy {
    pub fn all_privileged(&self) -> bool {
        self.enforce.is_privileged() && self.warn.is_privileged() && self.audit.is_privileged()
    }
}

/// The configured defaults, parsed (errors are configuration errors: the server does not
/// start, as the API server does not with an invalid `PodSecurityConfiguration`).
pub fn defaults(cfg: &AdmissionConfig) -> Result<NamespacePolicy, String> {
    let d = &cfg.defaults;
    let mode = |name: &str, level: &Option<String>, version: &Option<String>| -> Result<ModePolicy, String> {
        let checks = match level {
            None => Checks::Privileged,
            Some(l) => Checks::parse(l).ok_or_else(|| {
                format!("admission.defaults.{name}: {l:?} is not privileged, baseline, restricted, all, cis, nsa, pss-baseline or pss-restricted")
            })?,
        };
        let version = match version {
            None => Version::Latest,
            Some(v) => Version::parse(v)
                .ok_or_else(|| format!("admission.defaults.{name}-version: {v:?} is not latest or v1.N"))?,
        };
        Ok(ModePolicy { checks, version })
    };
    Ok(NamespacePolicy {
        enforce: mode("enforce", &d.enforce, &d.enforce_version)?,
        warn: mode("warn", &d.warn, &d.warn_version)?,
        audit: mode("audit", &d.audit, &d.audit_version)?,
        errors: Vec::new(),
    })
}

/// A namespace's policy from its labels over `defaults` (Pod Security Admission's rules,
/// spec §5.1, with `palisade.dev/` labels and profiles for levels).
pub fn namespace_policy(labels: &BTreeMap<String, String>, defaults: &NamespacePolicy) -> NamespacePolicy {
    let mut p = defaults.clone();
    let mut errors = Vec::new();
    let mut parse_mode = |mode: &str, target: &mut ModePolicy, fail_closed: bool| -> bool {
        let mut level_present_valid = false;
        if let Some(v) = labels.get(&format!("{PREFIX}{mode}")) {
            match Checks::parse(v) {
                Some(c) => {
                    target.checks = c;
                    level_present_valid = true;
                }
                None => {
                    errors.push(format!(
                        "metadata.labels[{PREFIX}{mode}]: Invalid value: {v:?}: must be one of privileged, baseline, restricted, all, cis, nsa, pss-baseline, pss-restricted"
                    ));
                    target.checks = if fail_closed {
                        Checks::Profile(Profile::All)
                    } else {
                        Checks::Privileged
                    };
                }
            }
        }
        if let Some(v) = labels.get(&format!("{PREFIX}{mode}-version")) {
            match Version::parse(v) {
                Some(version) => target.version = version,
                None => {
                    errors.push(format!(
                        "metadata.labels[{PREFIX}{mode}-version]: Invalid value: {v:?}: must be latest or v1.N"
                    ));
                    target.version = Version::Latest;
                }
            }
        }
        level_present_valid
    };
    let enforce_set = parse_mode("enforce", &mut p.enforce, true);
    let warn_level_label = labels.contains_key(&format!("{PREFIX}warn"));
    let warn_version_label = labels.contains_key(&format!("{PREFIX}warn-version"));
    parse_mode("warn", &mut p.warn, false);
    parse_mode("audit", &mut p.audit, false);
    // Warn follows a stricter enforce when the namespace does not set warn itself.
    if enforce_set && !warn_level_label && p.enforce.checks.rank() > p.warn.checks.rank() {
        p.warn.checks = p.enforce.checks;
        if !warn_version_label {
            p.warn.version = p.enforce.version;
        }
    }
    p.errors = errors;
    p
}

/// Why a request was not evaluated.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Exempt {
    Namespace,
    User,
    Group,
    RuntimeClass,
}

impl Exempt {
    /// The value of the `exempt` audit annotation.
    pub fn as_str(self) -> &'static str {
        match self {
            Exempt::Namespace => "namespace",
            Exempt::User => "user",
            Exempt::Group => "group",
            Exempt::RuntimeClass => "runtimeClass",
        }
    }
}

/// The exemption of a request, checked in Pod Security Admission's order: namespace, then
/// user (and groups); the runtimeClass exemption is checked on the object.
pub fn exemption(
    cfg: &AdmissionConfig,
    namespace: &str,
    username: &str,
    groups: &[String],
) -> Option<Exempt> {
    let e = &cfg.exemptions;
    if !namespace.is_empty() && e.namespaces.iter().any(|n| n == namespace) {
        return Some(Exempt::Namespace);
    }
    if e.usernames.iter().any(|u| u == username) {
        return Some(Exempt::User);
    }
    if groups.iter().any(|g| e.groups.contains(g)) {
        return Some(Exempt::Group);
    }
    None
}

/// Whether mutation is on for a namespace with these labels.
pub fn mutation_enabled(cfg: &AdmissionConfig, labels: &BTreeMap<String, String>) -> bool {
    match labels.get(MUTATE_LABEL).map(String::as_str) {
        Some("true") => true,
        Some("false") => false,
        _ => cfg.mutation.enabled_by_default,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (format!("{PREFIX}{k}"), (*v).to_owned()))
            .collect()
    }

    fn privileged() -> NamespacePolicy {
        defaults(&AdmissionConfig::default()).unwrap()
    }

    #[test]
    fn labels_override_defaults_and_warn_follows_a_stricter_enforce() {
        let p = namespace_policy(
            &labels(&[("enforce", "restricted"), ("enforce-version", "v1.30")]),
            &privileged(),
        );
        assert_eq!(p.enforce.to_string(), "restricted:v1.30");
        assert_eq!(p.warn.to_string(), "restricted:v1.30");
        assert_eq!(p.audit.to_string(), "privileged:latest");
        assert!(p.errors.is_empty());
        // A warn label of its own is kept; a warn version label keeps its version.
        let p = namespace_policy(
            &labels(&[("enforce", "all"), ("warn", "baseline"), ("audit", "cis")]),
            &privileged(),
        );
        assert_eq!(p.warn.to_string(), "baseline:latest");
        assert_eq!(p.audit.checks, Checks::Profile(Profile::Cis));
        let p = namespace_policy(
            &labels(&[("enforce", "all"), ("warn-version", "v1.20")]),
            &privileged(),
        );
        assert_eq!(p.warn.to_string(), "all:v1.20");
    }

    #[test]
    fn invalid_values_fail_closed_for_enforce_and_open_for_warn_and_audit() {
        let p = namespace_policy(
            &labels(&[
                ("enforce", "Restricted"),
                ("warn", "strict"),
                ("audit-version", "1.25"),
            ]),
            &privileged(),
        );
        assert_eq!(p.enforce.checks, Checks::Profile(Profile::All));
        assert_eq!(p.warn.checks, Checks::Privileged);
        assert_eq!(p.audit.version, Version::Latest);
        assert_eq!(p.errors.len(), 3, "{:?}", p.errors);
        assert!(p.errors[0].contains("palisade.dev/enforce"));
    }

    #[test]
    fn invalid_defaults_are_configuration_errors() {
        let mut cfg = AdmissionConfig::default();
        cfg.defaults.enforce = Some("strict".into());
        assert!(defaults(&cfg).unwrap_err().contains("admission.defaults.enforce"));
        cfg.defaults.enforce = Some("baseline".into());
        cfg.defaults.warn_version = Some("v1.05".into());
        assert!(defaults(&cfg).unwrap_err().contains("warn-version"));
    }

    #[test]
    fn exemptions_in_order() {
        let mut cfg = AdmissionConfig::default();
        cfg.exemptions.namespaces = vec!["kube-system".into()];
        cfg.exemptions.usernames = vec!["ci".into()];
        cfg.exemptions.groups = vec!["system:masters".into()];
        assert_eq!(exemption(&cfg, "kube-system", "ci", &[]), Some(Exempt::Namespace));
        assert_eq!(exemption(&cfg, "shop", "ci", &[]), Some(Exempt::User));
        assert_eq!(
            exemption(&cfg, "shop", "bob", &["system:masters".into()]),
            Some(Exempt::Group)
        );
        assert_eq!(exemption(&cfg, "shop", "bob", &["dev".into()]), None);
    }
}
