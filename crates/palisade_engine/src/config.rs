//! The configuration file (`.palisade.yaml`) and exception files: their typed form, parsing
//! from text with errors that name the file, line and key, validation, and the JSON Schema
//! generated from these types (`palisade config schema`, published as docs/config.schema.json).
//!
//! No I/O here: finding the file, reading it and the `exceptionFiles` it names, and the
//! clock are the caller's (the CLI's `settings` module).

use jiff::civil::Date;
use palisade_core::{FieldPath, Node, Pos};
use schemars::JsonSchema;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

/// The file names searched for, in each directory from the scanned path upward.
pub const CONFIG_NAMES: &[&str] = &[".palisade.yaml", ".palisade.yml"];

/// palisade configuration (`.palisade.yaml`).
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Config {
    /// Rule profile: `all` (default), `cis`, `nsa`, `pss-baseline`, `pss-restricted`.
    pub profile: Option<Profile>,
    /// Run only these rules: codes (`HRD005`), code prefixes (`HRD`, `PSS`), names or groups.
    #[serde(default)]
    pub select: Vec<String>,
    /// Do not run these rules (same forms as `select`).
    #[serde(default)]
    pub ignore: Vec<String>,
    /// Exit 1 only for findings at or above this severity.
    pub fail_on: Option<SeverityName>,
    /// Pod Security Standards level and version.
    pub pss: Option<PssConfig>,
    /// Severity overrides: rule code or name → severity.
    #[serde(default)]
    pub severity: BTreeMap<String, SeverityName>,
    /// Per-rule options: rule code or name → options object (see each rule's documentation).
    #[serde(default)]
    pub rules: BTreeMap<String, serde_json::Map<String, serde_json::Value>>,
    /// Honour `palisade.dev/ignore` annotations on objects (default true).
    pub inline_ignores: Option<bool>,
    /// Accepted risks.
    #[serde(default)]
    pub exceptions: Vec<Exception>,
    /// More exception files (paths relative to this file), each with an `exceptions:` list.
    #[serde(default)]
    pub exception_files: Vec<String>,
    /// `palisade serve`: the admission webhook's defaults, exemptions and mutation.
    #[serde(default)]
    pub admission: AdmissionConfig,
}

/// The admission webhook (`palisade serve`). A namespace chooses its policy with the labels
/// `palisade.dev/enforce`, `palisade.dev/warn` and `palisade.dev/audit` (a profile, or a Pod
/// Security level) and `palisade.dev/<mode>-version` (the Pod Security version); these
/// defaults apply where a label is absent, as the `PodSecurityConfiguration` defaults do.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct AdmissionConfig {
    /// Policies for namespaces without the labels (and for cluster-scoped objects).
    #[serde(default)]
    pub defaults: AdmissionDefaults,
    /// Requests that are never evaluated.
    #[serde(default)]
    pub exemptions: AdmissionExemptions,
    /// Enforce on pod controllers (Deployment, Job, …) too, so that `kubectl apply` of a
    /// Deployment fails instead of its ReplicaSet's pods. Default false: controllers are
    /// warned and audited, their pods enforced, as Pod Security Admission does.
    #[serde(default)]
    pub enforce_controllers: bool,
    /// Honour `palisade.dev/ignore` annotations on admitted objects (default false: anyone
    /// who can create an object can write its annotations; exceptions belong in this file).
    #[serde(default)]
    pub inline_ignores: bool,
    /// Findings below this severity never deny (default `low`: everything but `info`).
    pub enforce_severity: Option<SeverityName>,
    /// Defaults the mutating webhook adds to pods and pod templates in namespaces labelled
    /// `palisade.dev/mutate: "true"` (or everywhere with `enabledByDefault`).
    #[serde(default)]
    pub mutation: MutationConfig,
}

/// The policy of each mode: a profile (`all`, `cis`, `nsa`, `pss-baseline`,
/// `pss-restricted`), a Pod Security level (`baseline` = `pss-baseline`, `restricted` =
/// `pss-restricted`), or `privileged` (nothing), with the Pod Security version (`latest` or
/// `v1.N`).
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AdmissionDefaults {
    /// Denies (pods; every object that is not a pod controller). Default `privileged`.
    pub enforce: Option<String>,
    #[serde(rename = "enforce-version")]
    pub enforce_version: Option<String>,
    /// Returns warnings that kubectl prints. Default `privileged`.
    pub warn: Option<String>,
    #[serde(rename = "warn-version")]
    pub warn_version: Option<String>,
    /// Adds audit annotations to the request's audit event. Default `privileged`.
    pub audit: Option<String>,
    #[serde(rename = "audit-version")]
    pub audit_version: Option<String>,
}

/// Requests the webhook allows without evaluating, as Pod Security Admission's exemptions
/// (plus groups). Names match exactly.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct AdmissionExemptions {
    /// Requesting users (`system:serviceaccount:kube-system:replicaset-controller`).
    #[serde(default)]
    pub usernames: Vec<String>,
    /// Groups of the requesting user (`system:masters`).
    #[serde(default)]
    pub groups: Vec<String>,
    /// Namespaces.
    #[serde(default)]
    pub namespaces: Vec<String>,
    /// Pods (and pod templates) with this `spec.runtimeClassName`.
    #[serde(default)]
    pub runtime_classes: Vec<String>,
}

/// What the mutating webhook sets when a pod or pod template leaves it unset. It never
/// changes a value the author wrote.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct MutationConfig {
    /// Mutate in every namespace, not only those labelled `palisade.dev/mutate: "true"`
    /// (a namespace labelled `"false"` is still left alone). Default false.
    #[serde(default)]
    pub enabled_by_default: bool,
    /// Pod `securityContext.seccompProfile.type: RuntimeDefault`. Default true.
    #[serde(default = "yes")]
    pub seccomp_profile: bool,
    /// Container `securityContext.allowPrivilegeEscalation: false` (not for privileged
    /// containers or ones that add CAP_SYS_ADMIN, which the API server would reject).
    /// Default true.
    #[serde(default = "yes")]
    pub allow_privilege_escalation: bool,
    /// Container `securityContext.capabilities.drop: [ALL]`. Default true.
    #[serde(default = "yes")]
    pub drop_all_capabilities: bool,
    /// Pod `securityContext.runAsNonRoot: true`, only where the image's user is known not to
    /// be root: every container runs with a non-zero `runAsUser`, or its image matches
    /// `nonRootImages`. Default true.
    #[serde(default = "yes")]
    pub run_as_non_root: bool,
    /// Image globs known to run as a non-root user (`registry.example.com/distroless/*`).
    #[serde(default)]
    pub non_root_images: Vec<String>,
    /// Pod `automountServiceAccountToken: false`. Default false: only where configured.
    #[serde(default)]
    pub automount_service_account_token: bool,
}

fn yes() -> bool {
    true
}

impl Default for MutationConfig {
    fn default() -> MutationConfig {
        MutationConfig {
            enabled_by_default: false,
            seccomp_profile: true,
            allow_privilege_escalation: true,
            drop_all_capabilities: true,
            run_as_non_root: true,
            non_root_images: Vec::new(),
            automount_service_account_token: false,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Profile {
    All,
    Cis,
    Nsa,
    PssBaseline,
    PssRestricted,
}

impl Profile {
    pub fn as_str(self) -> &'static str {
        match self {
            Profile::All => "all",
            Profile::Cis => "cis",
            Profile::Nsa => "nsa",
            Profile::PssBaseline => "pss-baseline",
            Profile::PssRestricted => "pss-restricted",
        }
    }
    pub fn parse(s: &str) -> Option<Profile> {
        [
            Profile::All,
            Profile::Cis,
            Profile::Nsa,
            Profile::PssBaseline,
            Profile::PssRestricted,
        ]
        .into_iter()
        .find(|p| p.as_str() == s)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum SeverityName {
    Info,
    Low,
    Medium,
    High,
    Critical,
}

impl SeverityName {
    pub fn severity(self) -> palisade_core::Severity {
        use palisade_core::Severity as S;
        match self {
            SeverityName::Info => S::Info,
            SeverityName::Low => S::Low,
            SeverityName::Medium => S::Medium,
            SeverityName::High => S::High,
            SeverityName::Critical => S::Critical,
        }
    }
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct PssConfig {
    /// `privileged`, `baseline` or `restricted`.
    pub level: Option<String>,
    /// `latest` or `v1.N`.
    pub version: Option<String>,
}

/// An accepted risk: findings of `rules` on matching objects are suppressed (counted and
/// listed with `--show-suppressed`), until `expires`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Exception {
    /// Rule codes, code prefixes, names or groups this exception covers.
    pub rules: Vec<String>,
    /// Object kind glob (`Deployment`, `*`).
    pub kind: Option<String>,
    /// Namespace glob (`team-*`).
    pub namespace: Option<String>,
    /// Object name glob (`legacy-*`).
    pub name: Option<String>,
    /// Label globs the object must all match (`app: legacy-*`).
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
    /// Why the risk is accepted. Required.
    pub reason: String,
    /// Who accepted it (team or person). Required.
    pub owner: String,
    /// Last day the exception applies (`YYYY-MM-DD`, UTC). Afterwards it stops applying and
    /// is reported.
    pub expires: Option<String>,
}

/// An exception with where it was written.
#[derive(Debug, Clone)]
pub struct LocatedException {
    pub exception: Exception,
    pub file: Arc<str>,
    pub pos: Pos,
    /// `exceptions[3]`.
    pub path: String,
    /// The parsed `expires` date: the last day (UTC) the exception applies.
    pub expires_day: Option<Date>,
}

/// A loaded configuration with its exceptions located.
#[derive(Debug, Clone, Default)]
pub struct LoadedConfig {
    pub config: Config,
    pub file: Option<PathBuf>,
    pub exceptions: Vec<LocatedException>,
}

/// A configuration error: file, line, column, key path and message, printed as
/// `file[:line:column][: key]: message`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}{}{}: {message}", position(*pos), key_part(key))]
pub struct ConfigError {
    pub file: String,
    pub pos: Pos,
    pub key: String,
    pub message: String,
}

fn position(pos: Pos) -> String {
    if pos.is_known() {
        format!(":{}:{}", pos.line, pos.col)
    } else {
        String::new()
    }
}

fn key_part(key: &str) -> String {
    if key.is_empty() {
        String::new()
    } else {
        format!(": {key}")
    }
}

fn decode_yaml(file: &str, text: &str) -> Result<Node, ConfigError> {
    let loaded = palisade_source::load_bytes(file.into(), text.as_bytes());
    if let Some(d) = loaded
        .diagnostics
        .iter()
        .find(|d| d.level == palisade_core::DiagLevel::Error)
    {
        return Err(ConfigError {
            file: file.to_owned(),
            pos: Pos::new(d.line.unwrap_or(0), d.column.unwrap_or(0)),
            key: String::new(),
            message: d.message.clone(),
        });
    }
    match palisade_source::yaml::decode(text, 0) {
        Ok(mut d) if !d.docs.is_empty() => Ok(d.docs.remove(0)),
        Ok(_) => Ok(Node::new(
            palisade_core::Value::Map(Box::default()),
            Pos::new(1, 1),
        )),
        Err((e, _)) => Err(ConfigError {
            file: file.to_owned(),
            pos: e.pos,
            key: String::new(),
            message: e.message,
        }),
    }
}

/// Deserializes a positioned node into `T`, mapping errors to the file, line and key.
fn typed<T: for<'de> Deserialize<'de>>(file: &str, root: &Node) -> Result<T, ConfigError> {
    let json = root.to_json();
    serde_path_to_error::deserialize(json).map_err(|e| {
        let key = e.path().to_string();
        let fp = normalise(&key);
        let (pos, _) = root.locate(&fp);
        ConfigError {
            file: file.to_owned(),
            pos,
            key: if key == "." { String::new() } else { key },
            message: e.into_inner().to_string(),
        }
    })
}

/// serde_path_to_error paths look like `exceptions[0].reason` or `rules.x`; map them to a
/// field path.
fn normalise(key: &str) -> FieldPath {
    let mut p = FieldPath::root();
    for part in key.split('.') {
        if part.is_empty() || part == "?" {
            continue;
        }
        let (name, rest) = part.split_once('[').map_or((part, ""), |(n, r)| (n, r));
        if !name.is_empty() {
            p = p.key(name);
        }
        for idx in rest.split('[') {
            if let Some(i) = idx
                .trim_end_matches(']')
                .parse::<usize>()
                .ok()
                .filter(|_| !idx.is_empty())
            {
                p = p.idx(i);
            }
        }
    }
    p
}

/// Why an `expires` value is not a date.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DateError {
    #[error("expected YYYY-MM-DD")]
    Format,
    #[error("no such day ({0})")]
    NoSuchDay(String),
}

/// Parses a calendar date written `YYYY-MM-DD` (exactly: four-digit year, two-digit month
/// and day). Days that do not exist (`2024-02-31`, `2023-02-29`) are errors.
pub fn parse_date(s: &str) -> Result<Date, DateError> {
    let b = s.as_bytes();
    let shape = b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && b.iter()
            .enumerate()
            .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit());
    if !shape {
        return Err(DateError::Format);
    }
    let num = |r: std::ops::Range<usize>| s[r].parse::<i16>().map_err(|_| DateError::Format);
    let (y, m, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let month = usize::try_from(m - 1).ok().and_then(|i| MONTHS.get(i));
    Date::new(y, m as i8, d as i8).map_err(|_| match month {
        Some(name) => {
            let days = jiff::civil::date(y, m as i8, 1).days_in_month();
            DateError::NoSuchDay(format!("{name} {y} has {days} days"))
        }
        _ => DateError::NoSuchDay(format!("there is no month {m}")),
    })
}

const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

fn locate_exceptions(
    file: &str,
    root: &Node,
    list: &[Exception],
    prefix: &str,
) -> Result<Vec<LocatedException>, ConfigError> {
    let file: Arc<str> = file.into();
    let mut out = Vec::new();
    for (i, e) in list.iter().enumerate() {
        let fp = FieldPath::root().key("exceptions").idx(i);
        let (pos, _) = root.locate(&fp);
        let err = |key: &str, message: String| {
            let (pos, _) = root.locate(&fp.clone().key(key));
            ConfigError {
                file: file.to_string(),
                pos,
                key: format!("{prefix}exceptions[{i}].{key}"),
                message,
            }
        };
        if e.reason.trim().is_empty() {
            return Err(err("reason", "an exception needs a reason".into()));
        }
        if e.owner.trim().is_empty() {
            return Err(err("owner", "an exception needs an owner".into()));
        }
        if e.rules.is_empty() {
            return Err(err("rules", "an exception must name at least one rule".into()));
        }
        let expires_day = match &e.expires {
            Some(s) => Some(parse_date(s).map_err(|d| err("expires", format!("invalid date {s:?}: {d}")))?),
            None => None,
        };
        out.push(LocatedException {
            exception: e.clone(),
            file: file.clone(),
            pos,
            path: format!("{prefix}exceptions[{i}]"),
            expires_day,
        });
    }
    Ok(out)
}

/// An exceptions file: `exceptions: [...]`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ExceptionsFile {
    pub exceptions: Vec<Exception>,
}

/// A configuration file parsed from its text: the typed configuration, its own exceptions
/// (located), and where each of its `exceptionFiles` entries is written (for errors about
/// those files).
#[derive(Debug, Clone)]
pub struct ParsedConfig {
    pub config: Config,
    pub exceptions: Vec<LocatedException>,
    exception_file_pos: Vec<Pos>,
}

impl ParsedConfig {
    /// The `exceptionFiles` entries (as written, relative to the configuration file) with
    /// the position of each entry.
    pub fn exception_files(&self) -> impl Iterator<Item = (&str, Pos)> + '_ {
        self.config
            .exception_files
            .iter()
            .zip(&self.exception_file_pos)
            .map(|(f, p)| (f.as_str(), *p))
    }
}

/// Parses and validates a configuration file's text. `file` names it in errors and in the
/// exceptions' locations.
pub fn parse(text: &str, file: &str) -> Result<ParsedConfig, ConfigError> {
    let root = decode_yaml(file, text)?;
    let config: Config = typed(file, &root)?;
    let exceptions = locate_exceptions(file, &root, &config.exceptions, "")?;
    let exception_file_pos = (0..config.exception_files.len())
        .map(|i| root.locate(&FieldPath::root().key("exceptionFiles").idx(i)).0)
        .collect();
    Ok(ParsedConfig {
        config,
        exceptions,
        exception_file_pos,
    })
}

/// Parses and validates an exceptions file's text (`exceptions: [...]`).
pub fn parse_exceptions(text: &str, file: &str) -> Result<Vec<LocatedException>, ConfigError> {
    let root = decode_yaml(file, text)?;
    let ef: ExceptionsFile = typed(file, &root)?;
    locate_exceptions(file, &root, &ef.exceptions, "")
}

/// The JSON Schema of the configuration file, generated from the types above.
pub fn schema() -> serde_json::Value {
    serde_json::to_value(schemars::schema_for!(Config)).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load_text(text: &str) -> Result<ParsedConfig, ConfigError> {
        parse(text, "dir/.palisade.yaml")
    }

    #[test]
    fn errors_name_line_and_key() {
        let e = load_text("profile: cis\nexceptions:\n  - rules: [HRD005]\n    reson: typo\n    owner: me\n")
            .unwrap_err();
        assert_eq!(e.pos.line, 4, "{e}");
        assert!(e.key.starts_with("exceptions[0]"), "{e}");
        assert!(e.message.contains("reson"), "{e}");
        let e = load_text("failOn: severe\n").unwrap_err();
        assert_eq!((e.pos.line, e.key.as_str()), (1, "failOn"), "{e}");
        let e = load_text("exceptions:\n  - rules: [X]\n    reason: ''\n    owner: me\n").unwrap_err();
        assert_eq!((e.pos.line, e.key.as_str()), (3, "exceptions[0].reason"), "{e}");
        assert_eq!(
            e.to_string(),
            "dir/.palisade.yaml:3:5: exceptions[0].reason: an exception needs a reason"
        );
        let e =
            load_text("exceptions:\n  - rules: [X]\n    reason: r\n    owner: me\n    expires: 2026-13-01\n")
                .unwrap_err();
        assert_eq!(e.pos.line, 5, "{e}");
    }

    #[test]
    fn impossible_dates_are_located_errors() {
        let e =
            load_text("exceptions:\n  - rules: [X]\n    reason: r\n    owner: me\n    expires: 2024-02-31\n")
                .unwrap_err();
        assert_eq!(
            e.to_string(),
            "dir/.palisade.yaml:5:5: exceptions[0].expires: invalid date \"2024-02-31\": no such day (February 2024 has 29 days)"
        );
        let e = parse_exceptions(
            "exceptions:\n  - rules: [X]\n    reason: r\n    owner: me\n    expires: '2023-02-29'\n",
            "more.yaml",
        )
        .unwrap_err();
        assert_eq!(
            (e.file.as_str(), e.pos.line, e.pos.col),
            ("more.yaml", 5, 5),
            "{e}"
        );
        assert!(e.message.contains("February 2023 has 28 days"), "{e}");
        let e =
            load_text("exceptions:\n  - rules: [X]\n    reason: r\n    owner: me\n    expires: 2026-1-2\n")
                .unwrap_err();
        assert_eq!(e.message, "invalid date \"2026-1-2\": expected YYYY-MM-DD");
    }

    #[test]
    fn valid_config_parses() {
        let c = load_text(
            "profile: pss-restricted\nselect: [PSS]\nseverity: {PSS007: low}\nrules:\n  allowed-registries:\n    allowedRegistries: [ghcr.io]\nexceptions:\n  - rules: [PSS007]\n    namespace: kube-*\n    reason: CNI needs it\n    owner: platform\n    expires: 2027-01-31\nexceptionFiles:\n  - a.yaml\n  - b/c.yaml\n",
        )
        .unwrap();
        assert_eq!(c.config.profile, Some(Profile::PssRestricted));
        assert_eq!(c.exceptions.len(), 1);
        assert_eq!(c.exceptions[0].pos.line, 8);
        assert_eq!(&*c.exceptions[0].file, "dir/.palisade.yaml");
        assert_eq!(c.exceptions[0].expires_day, Some(jiff::civil::date(2027, 1, 31)));
        let files: Vec<_> = c.exception_files().map(|(f, p)| (f, p.line)).collect();
        assert_eq!(files, [("a.yaml", 14), ("b/c.yaml", 15)]);
    }

    #[test]
    fn dates() {
        assert_eq!(parse_date("1970-01-01"), Ok(jiff::civil::date(1970, 1, 1)));
        assert_eq!(parse_date("2024-02-29"), Ok(jiff::civil::date(2024, 2, 29)));
        assert_eq!(parse_date("2026-1-2"), Err(DateError::Format));
        assert_eq!(parse_date("2026-01-02T00:00"), Err(DateError::Format));
        assert_eq!(parse_date("+026-01-02"), Err(DateError::Format));
        assert_eq!(parse_date("２０２６-01-02"), Err(DateError::Format));
        assert!(matches!(parse_date("2024-02-30"), Err(DateError::NoSuchDay(_))));
        assert!(matches!(parse_date("2026-04-31"), Err(DateError::NoSuchDay(_))));
        assert!(matches!(parse_date("2026-13-01"), Err(DateError::NoSuchDay(_))));
        assert!(matches!(parse_date("2026-00-10"), Err(DateError::NoSuchDay(_))));
        assert!(matches!(parse_date("2026-01-00"), Err(DateError::NoSuchDay(_))));
    }

    #[test]
    fn schema_has_every_field() {
        let s = schema().to_string();
        for f in [
            "profile",
            "failOn",
            "exceptions",
            "exceptionFiles",
            "inlineIgnores",
            "reason",
            "owner",
            "expires",
        ] {
            assert!(s.contains(f), "{f}");
        }
    }
}
