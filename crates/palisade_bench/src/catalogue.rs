//! The benchmark catalogue: the embedded `data/cis-1.12-checks.json` (one record per check:
//! flags, config paths, operators, values, how items combine), the section titles, and the
//! benchmark selection from a Kubernetes version. Data only: no evaluation, no I/O.

use serde::{Deserialize, Serialize};
use std::sync::OnceLock;

/// The checks file, byte for byte the one in `shared/spec` (a test compares them).
pub const CHECKS_JSON: &str = include_str!("../data/cis-1.12-checks.json");

/// One test item of a check: where the value is looked up and how it is judged.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
pub struct TestItem {
    /// A command-line flag (`--profiling`), a token of the command line
    /// (`RotateKubeletServerCertificate`), or a file property (`permissions`, `root:root`,
    /// `ownership`, `provider`, `File not found`).
    pub flag: String,
    /// The config-file key, as kube-bench's JSONPath (`{.authentication.anonymous.enabled}`).
    #[serde(default)]
    pub path: Option<String>,
    /// The environment variable consulted when the flag is absent (etcd).
    #[serde(default)]
    pub env: Option<String>,
    #[serde(default)]
    pub compare: Option<Compare>,
    /// `true`: the value must be found (and pass `compare`); `false`: it must be absent.
    pub set: bool,
}

/// A comparison of the value found with the expected one.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
pub struct Compare {
    pub op: String,
    pub value: String,
}

/// One check of the benchmark, as in the checks file.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
pub struct CheckDef {
    pub id: String,
    /// `master`, `etcd`, `controlplane`, `node` or `policies`.
    pub section: String,
    pub group: String,
    pub scored: bool,
    pub cis_label: String,
    /// `""`, `manual` or `skip`.
    pub kb_type: String,
    pub target: String,
    pub inspects: String,
    pub source: String,
    pub pass_condition: String,
    /// `and` or `or`.
    pub bin_op: String,
    pub multi_line: bool,
    pub uses_audit_config: bool,
    pub test_items: Vec<TestItem>,
}

impl CheckDef {
    /// `type: manual`: nothing is evaluated, the state is always WARN.
    pub fn is_manual(&self) -> bool {
        self.kb_type == "manual"
    }
    /// The top-level section number ("1" for 1.2.3, "2" for 2.1).
    pub fn section_id(&self) -> &str {
        self.id.split('.').next().unwrap_or(&self.id)
    }
}

#[derive(Deserialize)]
struct ChecksFile {
    benchmark: String,
    source: String,
    checks: Vec<CheckDef>,
}

/// The parsed checks file.
#[derive(Debug)]
pub struct Catalogue {
    pub benchmark: String,
    pub source: String,
    pub checks: Vec<CheckDef>,
}

/// The catalogue, parsed once from the embedded file.
pub fn catalogue() -> &'static Catalogue {
    static C: OnceLock<Catalogue> = OnceLock::new();
    C.get_or_init(|| {
        // The file is compiled in and checked by a test: it always parses.
        let f: ChecksFile =
            serde_json::from_str(CHECKS_JSON).unwrap_or_else(|e| panic!("embedded checks file: {e}"));
        Catalogue {
            benchmark: f.benchmark,
            source: f.source,
            checks: f.checks,
        }
    })
}

/// The check with this id (`1.2.1`).
pub fn find(id: &str) -> Option<&'static CheckDef> {
    catalogue().checks.iter().find(|c| c.id == id)
}

/// The sections `palisade bench` evaluates (section 5, policies, is `bench --cluster`'s).
pub const NODE_SECTIONS: [&str; 4] = ["1", "2", "3", "4"];

/// Section number → (kube-bench target, title).
pub fn section_title(id: &str) -> (&'static str, &'static str) {
    match id {
        "1" => ("master", "Control Plane Security Configuration"),
        "2" => ("etcd", "Etcd Node Configuration"),
        "3" => ("controlplane", "Control Plane Configuration"),
        "4" => ("node", "Worker Node Security Configuration"),
        "5" => ("policies", "Kubernetes Policies"),
        crate::extra::SECTION => ("node", crate::extra::SECTION_TITLE),
        _ => ("", ""),
    }
}

/// Group id → title.
pub fn group_title(id: &str) -> &'static str {
    match id {
        "1.1" => "Control Plane Node Configuration Files",
        "1.2" => "API Server",
        "1.3" => "Controller Manager",
        "1.4" => "Scheduler",
        "2" => "Etcd Node Configuration",
        "3.1" => "Authentication and Authorization",
        "3.2" => "Logging",
        "4.1" => "Worker Node Configuration Files",
        "4.2" => "Kubelet",
        "4.3" => "kube-proxy",
        "5.1" => "RBAC and Service Accounts",
        "5.2" => "Pod Security Standards",
        "5.3" => "Network Policies and CNI",
        "5.4" => "Secrets Management",
        "5.5" => "Extensible Admission Control",
        "5.6" => "General Policies",
        other => crate::extra::group_title(other),
    }
}

/// The benchmarks palisade knows. `cis-2.0` (CIS v2.0.1, Kubernetes 1.34–1.35) has the same
/// checks as `cis-1.12`; only remediation wording changed.
pub const BENCHMARKS: [&str; 2] = ["cis-1.12", "cis-2.0"];

/// A chosen benchmark and why.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Selection {
    /// The benchmark whose checks run (`cis-1.12` or `cis-2.0`).
    pub benchmark: String,
    /// The benchmark the version maps to when palisade does not have it (`cis-1.11`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub wanted: Option<String>,
    /// How it was chosen, in words.
    pub reason: String,
}

/// kube-bench's `version_mapping` for the CIS profiles (major.minor → benchmark), with
/// cis-2.0 for 1.34–1.35 (kube-bench PR #2126).
fn mapped(minor: u32) -> Option<&'static str> {
    Some(match minor {
        15 => "cis-1.5",
        16..=18 => "cis-1.6",
        19..=21 => "cis-1.20",
        22..=23 => "cis-1.23",
        24 => "cis-1.24",
        25 => "cis-1.7",
        26 => "cis-1.8",
        27 => "cis-1.9",
        28 => "cis-1.10",
        29..=31 => "cis-1.11",
        32..=33 => "cis-1.12",
        34..=35 => "cis-2.0",
        _ => return None,
    })
}

/// Chooses the benchmark: `forced` (`--benchmark`) wins; otherwise the Kubernetes version
/// (`(1, minor)`) through the mapping, a newer minor falling back one step at a time to the
/// newest mapped one; no version → cis-1.12. Err: an unknown `--benchmark`.
pub fn select(forced: Option<&str>, version: Option<(u32, u32)>) -> Result<Selection, String> {
    if let Some(b) = forced {
        if BENCHMARKS.contains(&b) {
            return Ok(Selection {
                benchmark: b.to_owned(),
                wanted: None,
                reason: "--benchmark".into(),
            });
        }
        return Err(format!(
            "unknown benchmark {b:?} (known: {})",
            BENCHMARKS.join(", ")
        ));
    }
    let Some((major, minor)) = version else {
        return Ok(Selection {
            benchmark: "cis-1.12".into(),
            wanted: None,
            reason: "no Kubernetes version found on the node: the default, cis-1.12".into(),
        });
    };
    let mut m = minor;
    let found = loop {
        if major != 1 {
            break None;
        }
        if let Some(b) = mapped(m) {
            break Some(b);
        }
        if m <= 15 {
            break None;
        }
        m -= 1;
    };
    let v = format!("{major}.{minor}");
    match found {
        Some(b) if BENCHMARKS.contains(&b) => Ok(Selection {
            benchmark: b.to_owned(),
            wanted: None,
            reason: if m == minor {
                format!("Kubernetes {v} maps to {b}")
            } else {
                format!("Kubernetes {v} is newer than the mapping: {major}.{m} maps to {b}")
            },
        }),
        Some(b) => Ok(Selection {
            benchmark: "cis-1.12".into(),
            wanted: Some(b.to_owned()),
            reason: format!(
                "Kubernetes {v} maps to {b}, which palisade does not have: checked against cis-1.12 (use --benchmark to choose)"
            ),
        }),
        None => Ok(Selection {
            benchmark: "cis-1.12".into(),
            wanted: None,
            reason: format!("Kubernetes {v} maps to no CIS benchmark: checked against cis-1.12"),
        }),
    }
}

/// Parses `v1.32.3`, `1.32`, `v1.32.3-rke2r1`, `1.15+` into (major, minor).
pub fn parse_version(s: &str) -> Option<(u32, u32)> {
    let s = s.trim().trim_start_matches('v');
    let mut it = s.split('.');
    let major: u32 = it.next()?.parse().ok()?;
    let minor_part = it.next()?;
    let digits: String = minor_part.chars().take_while(|c| c.is_ascii_digit()).collect();
    let minor: u32 = digits.parse().ok()?;
    Some((major, minor))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_catalogue_has_131_checks_and_97_on_the_node() {
        let c = catalogue();
        assert_eq!(c.benchmark, "cis-1.12");
        assert_eq!(c.checks.len(), 131);
        let node = c
            .checks
            .iter()
            .filter(|c| NODE_SECTIONS.contains(&c.section_id()))
            .count();
        assert_eq!(node, 97);
        assert_eq!(
            find("4.2.12").unwrap().test_items[0].path.as_deref(),
            Some("{range .tlsCipherSuites[:]}{}{','}{end}")
        );
    }

    #[test]
    fn selection_follows_the_version_mapping() {
        let s = |v| select(None, parse_version(v)).unwrap();
        assert_eq!(s("v1.32.4").benchmark, "cis-1.12");
        assert_eq!(s("1.33").benchmark, "cis-1.12");
        assert_eq!(s("v1.34.0").benchmark, "cis-2.0");
        assert_eq!(s("v1.35.1").benchmark, "cis-2.0");
        let newer = s("v1.36.2");
        assert_eq!(newer.benchmark, "cis-2.0");
        assert!(newer.reason.contains("1.35 maps to cis-2.0"), "{}", newer.reason);
        let older = s("v1.30.1");
        assert_eq!(older.benchmark, "cis-1.12");
        assert_eq!(older.wanted.as_deref(), Some("cis-1.11"));
        assert_eq!(select(None, None).unwrap().benchmark, "cis-1.12");
        assert_eq!(
            select(Some("cis-2.0"), parse_version("1.32")).unwrap().benchmark,
            "cis-2.0"
        );
        assert!(select(Some("cis-1.6"), None).is_err());
        assert_eq!(parse_version("v1.32.3-rke2r1"), Some((1, 32)));
        assert_eq!(parse_version("1.15+"), Some((1, 15)));
    }
}
