//! Resolves what a scan runs from the command line and the configuration file: profile,
//! rule selection, Pod Security level and version, fail-on threshold, severity overrides,
//! per-rule options and exceptions. Command-line flags win over the file. Finding and
//! reading the configuration file (and its exception files) happens here, not in the engine.

use jiff::civil::Date;
use palisade_core::Pos;
use palisade_core::{RuleMeta, RuleOptions, Severity};
use palisade_engine::config::{self, ConfigError, LoadedConfig, Profile};
use palisade_engine::{select_rules, PssMode, ScanOptions, Suppressor};
use palisade_pss::{Level, Policy, Version};
use std::path::{Path, PathBuf};

/// The scan-related flags, as given (None = not given).
#[derive(Debug, Default, Clone)]
pub struct Flags {
    pub config: Option<PathBuf>,
    pub no_config: bool,
    pub profile: Option<String>,
    pub select: Vec<String>,
    pub ignore: Vec<String>,
    pub fail_on: Option<String>,
    pub pss: Option<String>,
    pub pss_version: Option<String>,
    pub no_inline_ignores: bool,
    /// Paths being scanned (configuration discovery starts there).
    pub paths: Vec<String>,
}

/// Loads the configuration named by `--config`, or discovered upward from the scanned
/// paths and the working directory.
pub fn load_config(flags: &Flags) -> Result<LoadedConfig, ConfigError> {
    if flags.no_config {
        return Ok(LoadedConfig::default());
    }
    let path = match &flags.config {
        Some(p) => Some(p.clone()),
        None => {
            let starts: Vec<PathBuf> = flags
                .paths
                .iter()
                .filter(|p| *p != "-")
                .map(PathBuf::from)
                .collect();
            discover(&starts)
        }
    };
    match path {
        Some(p) => load(&p),
        None => Ok(LoadedConfig::default()),
    }
}

/// Finds the configuration: the first `.palisade.yaml` (or `.palisade.yml`) in the
/// directory of a start path or any parent, then in the working directory or any parent.
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
            for name in config::CONFIG_NAMES {
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

/// Reads a configuration file and the exception files it names (relative to its
/// directory); the engine parses and validates them.
pub fn load(path: &Path) -> Result<LoadedConfig, ConfigError> {
    let read = |p: &Path, pos: Pos| {
        std::fs::read_to_string(p).map_err(|e| ConfigError {
            file: p.display().to_string(),
            pos,
            key: String::new(),
            message: format!("cannot read: {e}"),
        })
    };
    let text = read(path, Pos::NONE)?;
    let parsed = config::parse(&text, &path.display().to_string())?;
    let mut exceptions = parsed.exceptions.clone();
    for (f, pos) in parsed.exception_files() {
        let p = path.parent().unwrap_or(Path::new(".")).join(f);
        let text = read(&p, pos)?;
        exceptions.extend(config::parse_exceptions(&text, &p.display().to_string())?);
    }
    Ok(LoadedConfig {
        config: parsed.config,
        file: Some(path.to_path_buf()),
        exceptions,
    })
}

/// Today's date (UTC); `PALISADE_TODAY=YYYY-MM-DD` overrides it (tests). An invalid
/// override is ignored.
pub fn today() -> Date {
    if let Some(d) = std::env::var("PALISADE_TODAY")
        .ok()
        .and_then(|s| config::parse_date(&s).ok())
    {
        return d;
    }
    jiff::Timestamp::now().to_zoned(jiff::tz::TimeZone::UTC).date()
}

/// The profile in force and the rules it contains.
pub fn profile_rules(profile: Profile) -> Vec<&'static RuleMeta> {
    palisade_rules::all_rules()
        .iter()
        .copied()
        .filter(|r| r.in_profile(profile.as_str()) || r.group == "config")
        .collect()
}

fn leak_rules(v: Vec<&'static RuleMeta>) -> &'static [&'static RuleMeta] {
    Box::leak(v.into_boxed_slice())
}

/// Builds the scan options. Errors are usage or configuration errors (exit 2).
pub fn scan_options(flags: &Flags, loaded: &LoadedConfig) -> Result<ScanOptions, String> {
    let cfg = &loaded.config;
    let cfg_file = loaded
        .file
        .as_ref()
        .map(|p| p.display().to_string())
        .unwrap_or_default();
    let profile = match &flags.profile {
        Some(p) => Profile::parse(p)
            .ok_or_else(|| format!("unknown profile {p:?} (all, cis, nsa, pss-baseline, pss-restricted)"))?,
        None => cfg.profile.unwrap_or(Profile::All),
    };
    let base = leak_rules(profile_rules(profile));
    let select = if flags.select.is_empty() {
        cfg.select.clone()
    } else {
        flags.select.clone()
    };
    let ignore: Vec<String> = cfg.ignore.iter().chain(&flags.ignore).cloned().collect();
    // Selectors are checked against every rule, so that naming a rule outside the profile is
    // "runs no rule", not "unknown".
    for s in select
        .iter()
        .chain(&ignore)
        .flat_map(|s| s.split(','))
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        if !palisade_rules::all_rules().iter().any(|r| r.matches(s)) {
            return Err(format!(
                "unknown rule, code prefix or group: {s:?} (see `palisade rules`)"
            ));
        }
    }
    let rules = select_rules(base, &select, &ignore).map_err(|e| e.to_string())?;

    let version_s = flags
        .pss_version
        .clone()
        .or_else(|| cfg.pss.as_ref().and_then(|p| p.version.clone()));
    let version = match version_s {
        Some(v) => Version::parse(&v)
            .ok_or_else(|| format!("invalid Pod Security version {v:?}: expected latest or v1.N"))?,
        None => Version::Latest,
    };
    let level_s = flags
        .pss
        .clone()
        .or_else(|| cfg.pss.as_ref().and_then(|p| p.level.clone()))
        .or(match profile {
            Profile::PssBaseline => Some("baseline".into()),
            Profile::PssRestricted => Some("restricted".into()),
            _ => None,
        });
    let pss = match level_s {
        Some(l) => {
            let level = Level::parse(&l).ok_or_else(|| {
                format!("invalid Pod Security level {l:?}: expected privileged, baseline or restricted")
            })?;
            PssMode::Fixed(Policy { level, version })
        }
        None => PssMode::Namespaces {
            default: Policy {
                level: Level::Restricted,
                version,
            },
        },
    };
    let fail_on = match &flags.fail_on {
        Some(s) => Severity::parse(s).ok_or_else(|| format!("invalid --fail-on {s:?}"))?,
        None => cfg.fail_on.map_or(Severity::Low, |s| s.severity()),
    };
    let mut opts = ScanOptions::new(pss, rules, fail_on);
    for (key, sev) in &cfg.severity {
        let rule = palisade_rules::find_rule(key)
            .ok_or_else(|| format!("{cfg_file}: severity: unknown rule {key:?}"))?;
        opts.severity.insert(rule.code, sev.severity());
    }
    for (key, o) in &cfg.rules {
        let rule = palisade_rules::find_rule(key)
            .ok_or_else(|| format!("{cfg_file}: rules: unknown rule {key:?}"))?;
        opts.rule_options.insert(rule.code, RuleOptions(o.clone()));
    }
    opts.suppressor = Suppressor {
        exceptions: loaded.exceptions.clone(),
        today: today(),
        inline: !flags.no_inline_ignores && cfg.inline_ignores.unwrap_or(true),
    };
    Ok(opts)
}
