//! What Pod Security `latest` means for a run of `scan` or `psa`: the admission plugin of
//! which Kubernetes release is emulated. Given with `--kube-version` (manifests), the API
//! server's own release (`--cluster`, from `GET /version`), or the newest release palisade
//! knows.

use crate::cluster::Coverage;
use palisade_core::{DiagLevel, Diagnostic, PssLatest};

/// Parses a release as kubectl prints them: `v1.36`, `1.36`, `v1.36.2`; the minor number.
pub fn parse_release(s: &str) -> Option<u32> {
    let rest = s.strip_prefix('v').unwrap_or(s).strip_prefix("1.")?;
    let minor = rest.split_once('.').map_or(rest, |(m, patch)| {
        if patch.is_empty() || !patch.bytes().all(|b| b.is_ascii_digit()) {
            ""
        } else {
            m
        }
    });
    if minor.is_empty()
        || !minor.bytes().all(|b| b.is_ascii_digit())
        || (minor.len() > 1 && minor.starts_with('0'))
    {
        return None;
    }
    minor.parse().ok()
}

/// `--kube-version`: the release's minor number, or the usage error (exit 2).
pub fn parse_kube_version(v: &str) -> Result<u32, String> {
    parse_release(v).ok_or_else(|| {
        format!(
            "--kube-version {v:?}: expected v1.N (e.g. v1.{})",
            palisade_pss::MAX_VERSION
        )
    })
}

/// What `latest` means for this run: the release given with `--kube-version`, else the API
/// server's of a cluster read (`coverage`), else the newest release palisade knows; with the
/// warnings to give (the server did not say its version; a release newer than palisade knows,
/// whose checks are taken to be those of the newest it knows).
pub fn pss_latest(kube_version: Option<u32>, coverage: Option<&Coverage>) -> (PssLatest, Vec<Diagnostic>) {
    let newest = palisade_pss::MAX_VERSION;
    let mut warnings = Vec::new();
    let (minor, from) = if let Some(m) = kube_version {
        (m, "given with --kube-version".to_owned())
    } else if let Some(c) = coverage {
        match (c.server_minor, &c.server_git_version) {
            (Some(m), Some(git)) => (m, format!("the API server's version {git}")),
            (Some(m), None) => (m, "the API server's version".to_owned()),
            _ => {
                warnings.push(Diagnostic::unlocated(
                    DiagLevel::Warning,
                    format!("the API server did not say its version (/version): `latest` taken as v1.{newest}, the newest release palisade knows"),
                ));
                (
                    newest,
                    "the newest release palisade knows (the server's version is unknown)".to_owned(),
                )
            }
        }
    } else {
        (
            newest,
            "the newest release palisade knows; see --kube-version".to_owned(),
        )
    };
    if minor > newest {
        warnings.push(Diagnostic::unlocated(
            DiagLevel::Warning,
            format!("v1.{minor} is newer than the newest release palisade knows (v1.{newest}): its Pod Security checks are taken to be those of v1.{newest}"),
        ));
    }
    (PssLatest { minor, from }, warnings)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn releases_as_kubectl_prints_them() {
        for (s, m) in [
            ("v1.36", 36),
            ("1.36", 36),
            ("v1.36.2", 36),
            ("v1.0", 0),
            ("1.100", 100),
        ] {
            assert_eq!(parse_release(s), Some(m), "{s}");
        }
        for s in [
            "banana", "v2.1", "v1.", "v1.036", "v1.36.", "v1.36.x", "", "v1.-1",
        ] {
            assert_eq!(parse_release(s), None, "{s}");
        }
        assert!(parse_kube_version("v2.1").unwrap_err().contains("expected v1.N"));
    }

    #[test]
    fn latest_comes_from_the_flag_the_server_or_the_newest_release() {
        let newest = palisade_pss::MAX_VERSION;
        let (l, w) = pss_latest(None, None);
        assert_eq!((l.minor, w.len()), (newest, 0));
        assert!(l.from.contains("--kube-version"), "{}", l.from);
        let (l, w) = pss_latest(Some(36), None);
        assert_eq!(
            (l.minor, l.from.as_str(), w.len()),
            (36, "given with --kube-version", 0)
        );
        let server = Coverage {
            server_minor: Some(36),
            server_git_version: Some("v1.36.2".into()),
            ..Coverage::default()
        };
        let (l, w) = pss_latest(None, Some(&server));
        assert_eq!(
            l.describe(),
            "Pod Security `latest` = v1.36 (the API server's version v1.36.2)"
        );
        assert!(w.is_empty());
        let (l, w) = pss_latest(None, Some(&Coverage::default()));
        assert_eq!(l.minor, newest);
        assert!(w[0].message.contains("did not say its version"), "{w:?}");
        let (l, w) = pss_latest(Some(newest + 1), None);
        assert_eq!(l.minor, newest + 1);
        assert!(
            w[0].message
                .contains("newer than the newest release palisade knows"),
            "{w:?}"
        );
    }
}
