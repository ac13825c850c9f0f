//! palisade's renderers: turn a finished [`Report`] into human text, JSON, SARIF 2.1.0 or
//! JUnit XML, and print the `palisade rules` / `palisade explain` pages. Renderers only
//! format: they never filter findings, apply thresholds or decide exit codes. Suppressed
//! findings (`Report::suppressed`) are counted by every format and listed on request
//! ([`RenderOptions::show_suppressed`]), except by SARIF, which always lists them as results
//! with `suppressions`.

mod human;
mod json;
mod junit;
mod rules;
mod sarif;
mod text;

use palisade_core::{Report, RuleMeta};
use std::fmt;
use std::io::{self, Write};
use std::str::FromStr;

/// An output format of `palisade scan --format`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Format {
    /// Findings grouped by object, for a terminal.
    Human,
    /// The versioned JSON report described in `docs/json-report.md`.
    Json,
    /// SARIF 2.1.0, for GitHub code scanning and other SARIF consumers.
    Sarif,
    /// JUnit XML, for CI test report viewers.
    Junit,
}

impl Format {
    pub const ALL: [Format; 4] = [Format::Human, Format::Json, Format::Sarif, Format::Junit];

    pub fn as_str(self) -> &'static str {
        match self {
            Format::Human => "human",
            Format::Json => "json",
            Format::Sarif => "sarif",
            Format::Junit => "junit",
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The error of parsing an unknown [`Format`] name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnknownFormat(pub String);

impl fmt::Display for UnknownFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "unknown output format {:?} (expected one of: human, json, sarif, junit)",
            self.0
        )
    }
}

impl std::error::Error for UnknownFormat {}

impl FromStr for Format {
    type Err = UnknownFormat;

    /// Parses `human`, `json`, `sarif` or `junit`, case-insensitively.
    fn from_str(s: &str) -> Result<Format, UnknownFormat> {
        Format::ALL
            .into_iter()
            .find(|f| f.as_str().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| UnknownFormat(s.to_owned()))
    }
}

/// How to render a report.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RenderOptions {
    /// ANSI colours in the human format. Ignored by the other formats.
    pub color: bool,
    /// palisade's version, written into the JSON, SARIF and JUnit outputs.
    pub tool_version: &'static str,
    /// What was scanned, as given on the command line (`examples/guestbook`, `-`).
    pub target: String,
    /// More detail in the human format (PSS check, reason and detail; apiVersion).
    pub verbose: bool,
    /// List the suppressed findings (accepted by an exception or a `palisade.dev/ignore`
    /// annotation) in the human, JSON and JUnit formats; without it they are only counted.
    /// SARIF always lists them, marked with `suppressions`.
    pub show_suppressed: bool,
}

impl Default for RenderOptions {
    fn default() -> Self {
        RenderOptions {
            color: false,
            tool_version: env!("CARGO_PKG_VERSION"),
            target: String::new(),
            verbose: false,
            show_suppressed: false,
        }
    }
}

/// Writes `report` to `out` in `format`.
pub fn render(report: &Report, format: Format, opts: &RenderOptions, out: &mut dyn Write) -> io::Result<()> {
    match format {
        Format::Human => human::render(report, opts, out),
        Format::Json => json::render(report, opts, out),
        Format::Sarif => sarif::render(report, opts, out),
        Format::Junit => junit::render(report, opts, out),
    }
}

/// The `palisade rules` listing: an aligned table (code, name, severity, group, summary), or
/// with `json` a JSON array of rule objects.
pub fn render_rules(rules: &[&'static RuleMeta], json: bool, out: &mut dyn Write) -> io::Result<()> {
    if json {
        rules::render_rules_json(rules, out)
    } else {
        rules::render_rules_table(rules, out)
    }
}

/// The `palisade explain CODE` page: header, Markdown docs, remediation and references.
/// `palisade rules -o markdown`: the whole catalogue as Markdown (docs/rules.md).
pub fn render_rules_markdown(rules: &[&'static RuleMeta], out: &mut dyn Write) -> io::Result<()> {
    rules::render_rules_markdown(rules, out)
}

pub fn render_explain(rule: &RuleMeta, out: &mut dyn Write) -> io::Result<()> {
    rules::render_explain(rule, out)
}
