//! The configuration file (`.palisade.yaml`) and exception files: their typed form, loading
//! with errors that name the file, line and key, discovery upward from the scanned path and
//! the working directory, and the JSON Schema generated from these types
//! (`palisade config schema`, published as docs/config.schema.json).

use palisade_core::{FieldPath, Node, Pos};
use schemars::JsonSchema;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
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
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
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
    /// Parsed `expires` as days since 1970-01-01.
    pub expires_day: Option<i64>,
}

/// A loaded configuration with its exceptions located.
#[derive(Debug, Clone, Default)]
pub struct LoadedConfig {
    pub config: Config,
    pub file: Option<PathBuf>,
    pub exceptions: Vec<LocatedException>,
}

/// A configuration error: file, line, column, key path and message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    pub file: String,
    pub pos: Pos,
    pub key: String,
    pub message: String,
}

impl std::fmt::Display for ConfigError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.file)?;
        if self.pos.is_known() {
            write!(f, ":{}:{}", self.pos.line, self.pos.col)?;
        }
        if !self.key.is_empty() {
            write!(f, ": {}", self.key)?;
        }
        write!(f, ": {}", self.message)
    }
}

impl std::error::Error for ConfigError {}

/// Finds the configuration: the first `.palisade.yaml` in the directory of `start` or any
/// parent, then in the working directory or any parent.
pub fn discover(starts: &[PathBuf]) -> Option<PathBuf> {
    let cwd = std::env::current_dir().ok();
    for start in starts.iter().cloned().chain(cwd) {
        let abs = if start.is_absolute() {
            start
        } else {
            std::env::current_dir().ok()?.join(start)
        };
        let mut dir = if abs.is_dir() {
            Some(abs.as_path())
        } else {
            abs.parent()
        };
        while let Some(d) = dir {
            for name in CONFIG_NAMES {
                let p = d.join(name);
                if p.is_file() {
                    return Some(p);
                }
            }
            dir = d.parent();
        }
    }
    None
}

fn decode_yaml(path: &Path, text: &str) -> Result<Node, ConfigError> {
    let file = path.display().to_string();
    let loaded = palisade_source::load_bytes(file.as_str().into(), text.as_bytes());
    if let Some(d) = loaded
        .diagnostics
        .iter()
        .find(|d| d.level == palisade_core::DiagLevel::Error)
    {
        return Err(ConfigError {
            file,
            pos: Pos::new(d.line.unwrap_or(0), d.column.unwrap_or(0)),
            key: String::new(),
            message: d.message.clone(),
        });
    }
    match palisade_source::yaml::decode(text, 0) {
        Ok(mut d) if !d.docs.is_empty() => Ok(d.docs.remove(0)),
        Ok(_) => Ok(Node::new(palisade_core::Value::Map(Vec::new()), Pos::new(1, 1))),
        Err((e, _)) => Err(ConfigError {
            file,
            pos: e.pos,
            key: String::new(),
            message: e.message,
        }),
    }
}

/// Deserializes a positioned node into `T`, mapping errors to the file, line and key.
fn typed<T: for<'de> Deserialize<'de>>(path: &Path, root: &Node) -> Result<T, ConfigError> {
    let json = root.to_json();
    serde_path_to_error::deserialize(json).map_err(|e| {
        let key = e.path().to_string();
        let fp = normalise(&key);
        let (pos, _) = root.locate(&fp);
        ConfigError {
            file: path.display().to_string(),
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

/// Parses `YYYY-MM-DD` into days since 1970-01-01.
pub fn parse_date(s: &str) -> Option<i64> {
    let mut it = s.splitn(3, '-');
    let y: i64 = it.next()?.parse().ok()?;
    let m: i64 = it.next()?.parse().ok()?;
    let d: i64 = it.next()?.parse().ok()?;
    if s.len() != 10 || !(1..=12).contains(&m) || !(1..=31).contains(&d) {
        return None;
    }
    // Days from civil (Howard Hinnant's algorithm).
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    Some(era * 146_097 + doe - 719_468)
}

/// Today (UTC) as days since 1970-01-01; `PALISADE_TODAY=YYYY-MM-DD` overrides it (tests).
pub fn today() -> i64 {
    if let Some(d) = std::env::var("PALISADE_TODAY").ok().and_then(|s| parse_date(&s)) {
        return d;
    }
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    (secs / 86_400) as i64
}

fn locate_exceptions(
    path: &Path,
    root: &Node,
    list: &[Exception],
    prefix: &str,
) -> Result<Vec<LocatedException>, ConfigError> {
    let file: Arc<str> = path.display().to_string().into();
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
            Some(s) => Some(
                parse_date(s)
                    .ok_or_else(|| err("expires", format!("invalid date {s:?}: expected YYYY-MM-DD")))?,
            ),
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

/// Loads a configuration file and the exception files it names.
pub fn load(path: &Path) -> Result<LoadedConfig, ConfigError> {
    let read = |p: &Path| {
        std::fs::read_to_string(p).map_err(|e| ConfigError {
            file: p.display().to_string(),
            pos: Pos::NONE,
            key: String::new(),
            message: format!("cannot read: {e}"),
        })
    };
    let text = read(path)?;
    let root = decode_yaml(path, &text)?;
    let config: Config = typed(path, &root)?;
    let mut exceptions = locate_exceptions(path, &root, &config.exceptions, "")?;
    for (i, f) in config.exception_files.iter().enumerate() {
        let p = path.parent().unwrap_or(Path::new(".")).join(f);
        let text = read(&p).map_err(|mut e| {
            let (pos, _) = root.locate(&FieldPath::root().key("exceptionFiles").idx(i));
            e.pos = pos;
            e
        })?;
        let r = decode_yaml(&p, &text)?;
        let ef: ExceptionsFile = typed(&p, &r)?;
        exceptions.extend(locate_exceptions(&p, &r, &ef.exceptions, "")?);
    }
    Ok(LoadedConfig {
        config,
        file: Some(path.to_path_buf()),
        exceptions,
    })
}

/// The JSON Schema of the configuration file, generated from the types above.
pub fn schema() -> serde_json::Value {
    serde_json::to_value(schemars::schema_for!(Config)).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load_text(text: &str) -> Result<LoadedConfig, ConfigError> {
        let dir = std::env::temp_dir().join(format!("palisade-config-{}-{}", std::process::id(), text.len()));
        std::fs::create_dir_all(&dir).unwrap();
        let p = dir.join(".palisade.yaml");
        std::fs::write(&p, text).unwrap();
        load(&p)
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
        let e =
            load_text("exceptions:\n  - rules: [X]\n    reason: r\n    owner: me\n    expires: 2026-13-01\n")
                .unwrap_err();
        assert_eq!(e.pos.line, 5, "{e}");
    }

    #[test]
    fn valid_config_loads() {
        let c = load_text(
            "profile: pss-restricted\nselect: [PSS]\nseverity: {PSS007: low}\nrules:\n  allowed-registries:\n    allowedRegistries: [ghcr.io]\nexceptions:\n  - rules: [PSS007]\n    namespace: kube-*\n    reason: CNI needs it\n    owner: platform\n    expires: 2027-01-31\n",
        )
        .unwrap();
        assert_eq!(c.config.profile, Some(Profile::PssRestricted));
        assert_eq!(c.exceptions.len(), 1);
        assert_eq!(c.exceptions[0].pos.line, 8);
        assert_eq!(c.exceptions[0].expires_day, parse_date("2027-01-31"));
    }

    #[test]
    fn dates() {
        assert_eq!(parse_date("1970-01-01"), Some(0));
        assert_eq!(parse_date("2000-03-01"), Some(11_017));
        assert_eq!(parse_date("2026-11-22"), Some(20_779));
        assert_eq!(parse_date("2026-1-2"), None);
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
