//! Rules about palisade's own configuration: exceptions that expired or match nothing. The
//! engine produces their findings while applying exceptions.

use palisade_core::{Check, Reference, RuleMeta};

declare_rule! {
    /// ## What it does
    /// Reports an exception of the configuration whose `expires` date has passed. The
    /// exception no longer suppresses anything: the findings it covered are reported again.
    ///
    /// ## Why is this bad?
    /// An accepted risk is accepted for a time. When the date passes, either the risk was
    /// fixed (delete the exception) or it must be reviewed and accepted again by its owner;
    /// silently extending exceptions is how temporary workarounds become permanent holes.
    ///
    /// ## Example
    /// ```yaml
    /// exceptions:
    ///   - rules: [PSS007]
    ///     name: node-exporter
    ///     reason: needs host access until the v2 chart lands
    ///     owner: platform
    ///     expires: 2025-06-30
    /// ```
    ///
    /// ## Fix
    /// Remove the exception if the finding is fixed, or have its owner review it and set a new
    /// `expires` date.
    pub static EXPIRED_EXCEPTION = {
        code: "CFG001",
        name: "expired-exception",
        severity: Low,
        group: "config",
        summary: "An exception has expired and no longer applies",
        remediation: "Fix the findings it covered and delete the exception, or review it and set a new expires date.",
        references: [Reference::Url("docs/configuration.md#exceptions")],
        check: Check::Engine,
    }
}

declare_rule! {
    /// ## What it does
    /// Reports an exception of the configuration that matched no finding in this run (while
    /// at least one of its rules ran).
    ///
    /// ## Why is this bad?
    /// A stale exception is a loaded gun: it matches nothing today, but will silently
    /// suppress the next object that happens to match its globs — possibly a new workload
    /// with the very problem it was written for.
    ///
    /// ## Example
    /// ```yaml
    /// exceptions:
    ///   - rules: [HRD005]
    ///     name: legacy-*        # the legacy apps were deleted last quarter
    ///     reason: migration pending
    ///     owner: team-a
    /// ```
    ///
    /// ## Fix
    /// Delete the exception, or narrow it to the objects it is meant for.
    pub static STALE_EXCEPTION = {
        code: "CFG002",
        name: "stale-exception",
        severity: Info,
        group: "config",
        summary: "An exception matches no finding",
        remediation: "Delete the exception or correct its rules and object globs.",
        references: [Reference::Url("docs/configuration.md#exceptions")],
        check: Check::Engine,
    }
}

/// This group's rules, in code order.
pub static RULES: &[&RuleMeta] = &[&EXPIRED_EXCEPTION, &STALE_EXCEPTION];
