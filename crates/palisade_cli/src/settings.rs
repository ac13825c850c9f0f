//! Resolves what a scan runs from the command line and the configuration file: profile,
//! rule selection, Pod Security level and version, fail-on threshold, severity overrides,
//! per-rule options and exceptions. Command-line flags win over the file. Finding and
//! reading the configuration file (and its exception files) happens here, not in the engine.

use jiff::civil::Date;
use palisade_core::Pos;
use palisade_core::{ConfigInfo, RuleMeta, RuleOptions, Severity};
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
    for (i, (f, pos)) in parsed.exception_files().enumerate() {
        let p = path.parent().unwrap_or(Path::new(".")).join(f);
        // A file that cannot be read is reported where the configuration names it.
        let text = std::fs::read_to_string(&p).map_err(|e| ConfigError {
            file: path.display().to_string(),
            pos,
            key: format!("exceptionFiles[{i}]"),
            message: format!("cannot read {}: {e}", p.display()),
        })?;
        exceptions.extend(config::parse_exceptions(&text, &p.display().to_string())?);
    }
    Ok(LoadedConfig {
        config: parsed.config,
        file: Some(path.to_path_buf()),
        exceptions,
    })
}

/// The configuration file that was read and what of it is in force (flags override the
/// file's `profile`, `select`, `failOn` and `pss`); `None` when no file was read.
pub fn config_info(flags: &Flags, loaded: &LoadedConfig) -> Option<ConfigInfo> {
    let file = loaded.file.as_ref()?;
    let cfg = &loaded.config;
    let pss = cfg.pss.as_ref();
    let severity = cfg
        .severity
        .iter()
        .map(|(k, s)| {
            let code = palisade_rules::find_rule(k)
                .or_else(|| crate::dockerfile::find_rule(k))
                .map_or(k.as_str(), |r| r.code);
            (code.to_owned(), s.severity())
        })
        .collect();
    let rule_options = cfg
        .rules
        .keys()
        .map(|k| {
            palisade_rules::find_rule(k)
                .or_else(|| crate::dockerfile::find_rule(k))
                .map_or(k.clone(), |r| r.code.to_owned())
        })
        .collect();
    // Shown relative to the working directory when it is below it, as the scanned files are.
    let shown = std::env::current_dir()
        .ok()
        .and_then(|cwd| file.strip_prefix(cwd).ok().map(Path::to_path_buf))
        .unwrap_or_else(|| file.clone());
    Some(ConfigInfo {
        file: shown.display().to_string(),
        profile: cfg
            .profile
            .filter(|_| flags.profile.is_none())
            .map(|p| p.as_str().to_owned()),
        select: if flags.select.is_empty() {
            cfg.select.clone()
        } else {
            Vec::new()
        },
        ignore: cfg.ignore.clone(),
        severity,
        fail_on: cfg
            .fail_on
            .filter(|_| flags.fail_on.is_none())
            .map(|s| s.severity()),
        pss_level: pss.and_then(|p| p.level.clone()).filter(|_| flags.pss.is_none()),
        pss_version: pss
            .and_then(|p| p.version.clone())
            .filter(|_| flags.pss_version.is_none()),
        inline_ignores: cfg.inline_ignores.filter(|i| !i),
        rule_options,
        exceptions: loaded.exceptions.len(),
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
        if !palisade_rules::all_rules().iter().any(|r| r.matches(s))
            && !crate::dockerfile::names_dockerfile_rule(s)
        {
            return Err(format!(
                "unknown rule, code prefix or group: {s:?} (see `palisade rules`)"
            ));
        }
    }
    let mut rules = select_rules(base, &select, &ignore).map_err(|e| e.to_string())?;
    // The exception accounting rules (expired, stale) run whatever `select` says: a
    // selection must not hide that an exception expired or no longer matches anything. Only
    // naming them in `ignore` turns them off.
    let ignored = |r: &RuleMeta| {
        ignore
            .iter()
            .flat_map(|s| s.split(','))
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .any(|s| r.matches(s))
    };
    for r in palisade_rules::config::RULES {
        if !ignored(r) && !rules.iter().any(|x| std::ptr::eq(*x, *r)) {
            rules.push(r);
        }
    }

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
        // Dockerfile rules' overrides (`palisade dockerfile` and the Dockerfiles of a scan).
        if palisade_rules::find_rule(key).is_none() && crate::dockerfile::find_rule(key).is_some() {
            continue;
        }
        let rule = palisade_rules::find_rule(key)
            .ok_or_else(|| format!("{cfg_file}: severity: unknown rule {key:?}"))?;
        opts.severity.insert(rule.code, sev.severity());
    }
    for (key, o) in &cfg.rules {
        // Options of the audit detections (`palisade audit detect` reads them).
        if palisade_rules::find_rule(key).is_none()
            && (palisade_audit::detect::find_rule(key).is_some()
                || crate::dockerfile::find_rule(key).is_some())
        {
            continue;
        }
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
