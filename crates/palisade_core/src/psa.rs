//! Pod Security Admission vocabulary shared by the evaluator (`palisade_pss`) and the rules
//! that report its checks: the levels, and the static description of each check. Types only.

/// A Pod Security Standards level, ordered by strictness: privileged < baseline < restricted.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Level {
    Privileged,
    Baseline,
    Restricted,
}

impl Level {
    /// Parses a level label value; only the exact lower-case names are valid.
    pub fn parse(s: &str) -> Option<Level> {
        match s {
            "privileged" => Some(Level::Privileged),
            "baseline" => Some(Level::Baseline),
            "restricted" => Some(Level::Restricted),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Level::Privileged => "privileged",
            Level::Baseline => "baseline",
            Level::Restricted => "restricted",
        }
    }
}

crate::display_as_str!(Level);

/// Static description of one Pod Security Admission check. Each check's description exists
/// once, in its `palisade_pss` check file; the PSS rules reference it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CheckInfo {
    /// The upstream check ID, e.g. `allowPrivilegeEscalation`.
    pub id: &'static str,
    /// Baseline or restricted.
    pub level: Level,
    /// The forbidden reason (for `appArmorProfile` the singular `forbidden AppArmor profile`;
    /// the plural form is used when several values are forbidden).
    pub reason: &'static str,
    /// The Pod Security Standards control name, e.g. `Privileged Containers`.
    pub title: &'static str,
}
