//! Pod Security levels and policy versions: parsing, ordering, printing and the clamp of a
//! requested version to the newest one the check registry knows (spec §1, §1.1, §5.1).

use std::fmt;

/// The highest MinimumVersion of any registered check implementation: `latest` means v1.37.
pub const MAX_VERSION: u32 = 37;

pub use palisade_core::psa::Level;

/// A policy version: `latest` or `v1.N`. Versions newer than [`MAX_VERSION`] evaluate like
/// `latest` but keep printing as requested.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Version {
    Latest,
    /// The minor number N of `v1.N`.
    V(u32),
}

impl Version {
    /// Parses `latest` or a string matching `^v1\.(0|[1-9][0-9]*)$`. A minor number that does
    /// not fit in a `u32` is rejected.
    pub fn parse(s: &str) -> Option<Version> {
        if s == "latest" {
            return Some(Version::Latest);
        }
        let minor = s.strip_prefix("v1.")?;
        let digits_only = !minor.is_empty() && minor.bytes().all(|b| b.is_ascii_digit());
        let leading_zero = minor.len() > 1 && minor.starts_with('0');
        if !digits_only || leading_zero {
            return None;
        }
        minor.parse().ok().map(Version::V)
    }

    /// The minor version the checks are selected for: `latest` and anything newer than
    /// [`MAX_VERSION`] become [`MAX_VERSION`].
    pub fn effective(self) -> u32 {
        self.effective_at(MAX_VERSION)
    }

    /// The minor version the checks are selected for by the admission plugin of release
    /// v1.`latest` (a v1.36 API server): there `latest`, and anything newer than v1.36,
    /// mean v1.36. Releases newer than [`MAX_VERSION`] evaluate like [`MAX_VERSION`] (the
    /// newest checks palisade knows).
    pub fn effective_at(self, latest: u32) -> u32 {
        let latest = latest.min(MAX_VERSION);
        match self {
            Version::Latest => latest,
            Version::V(n) => n.min(latest),
        }
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Version::Latest => f.write_str("latest"),
            Version::V(n) => write!(f, "v1.{n}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_parse_exactly_and_order_by_strictness() {
        assert_eq!(Level::parse("baseline"), Some(Level::Baseline));
        assert_eq!(Level::parse("restricted"), Some(Level::Restricted));
        assert_eq!(Level::parse("privileged"), Some(Level::Privileged));
        for bad in ["Baseline", "RESTRICTED", " baseline", "baseline ", "", "none"] {
            assert_eq!(Level::parse(bad), None, "{bad:?}");
        }
        assert!(Level::Privileged < Level::Baseline);
        assert!(Level::Baseline < Level::Restricted);
        assert_eq!(Level::Restricted.as_str(), "restricted");
        assert_eq!(Level::Baseline.to_string(), "baseline");
    }

    #[test]
    fn versions_parse_per_regex() {
        assert_eq!(Version::parse("latest"), Some(Version::Latest));
        assert_eq!(Version::parse("v1.0"), Some(Version::V(0)));
        assert_eq!(Version::parse("v1.25"), Some(Version::V(25)));
        assert_eq!(Version::parse("v1.99"), Some(Version::V(99)));
        for bad in [
            "v1.05", "1.25", "v2.0", "v1.", "v1", "V1.25", "v1.2a", "v1.-1", "Latest", "", "v1.+1", "v1.25 ",
            "v01.25",
        ] {
            assert_eq!(Version::parse(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn versions_print_as_written_and_clamp() {
        assert_eq!(Version::Latest.to_string(), "latest");
        assert_eq!(Version::V(25).to_string(), "v1.25");
        assert_eq!(Version::V(99).to_string(), "v1.99");
        assert_eq!(Version::Latest.effective(), MAX_VERSION);
        assert_eq!(Version::V(99).effective(), MAX_VERSION);
        assert_eq!(Version::V(38).effective(), 37);
        assert_eq!(Version::V(37).effective(), 37);
        assert_eq!(Version::V(3).effective(), 3);
        // On a v1.36 server, latest and v1.37 are v1.36; palisade knows nothing newer than
        // MAX_VERSION.
        assert_eq!(Version::Latest.effective_at(36), 36);
        assert_eq!(Version::V(37).effective_at(36), 36);
        assert_eq!(Version::V(30).effective_at(36), 30);
        assert_eq!(Version::Latest.effective_at(MAX_VERSION + 5), MAX_VERSION);
    }
}
