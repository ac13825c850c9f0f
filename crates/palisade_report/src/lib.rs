//! palisade's renderers: turn a finished [`Report`] into human text, JSON, SARIF 2.1.0 or
//! JUnit XML, print the `palisade rules` / `palisade explain` pages, and render the answers
//! of `palisade rbac` (can-i, who-can, subject, workload, paths), `palisade netpol` (matrix,
//! check, diff) and `palisade psa` in every format they have: human, JSON, CSV, DOT and
//! Mermaid; and write a scan as `wgpolicyk8s.io` PolicyReports. One module per format
//! (`human/`, `json/`, `csv.rs`, `dot.rs`, `mermaid.rs`, `sarif.rs`, `junit.rs`, `line.rs`,
//! `policyreport.rs`); the answers are typed data of the analysis crates
//! (`palisade_rbac::answer`, `palisade_netpol::answer`) or of [`psa`]. Renderers write to
//! `&mut dyn Write` and do no other I/O. Renderers only
//! format: they never filter findings, apply thresholds or decide exit codes. Suppressed
//! findings (`Report::suppressed`) are counted by every format and listed on request
//! ([`RenderOptions::show_suppressed`]), except by SARIF, which always lists them as results
//! with `suppressions`.

mod admission;
pub mod baseline;
pub mod bench;
pub mod compliance;
mod csv;
mod dot;
mod graph;
mod human;
mod json;
mod junit;
mod line;
mod mermaid;
pub mod policyreport;
pub mod psa;
mod rules;
mod sarif;
pub mod stream;
mod text;

use palisade_core::{Report, RuleMeta};
use palisade_netpol::answer::{Connection, MatrixHead, MatrixTail};
use palisade_rbac::answer::PathsAnswer;
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
    /// One line per finding, `file:line:col: CODE [severity] message`.
    Line,
    /// `wgpolicyk8s.io/v1alpha2` PolicyReport and ClusterPolicyReport objects, as YAML
    /// documents for `kubectl apply -f -`.
    PolicyReport,
}

impl Format {
    pub const ALL: [Format; 6] = [
        Format::Human,
        Format::Json,
        Format::Sarif,
        Format::Junit,
        Format::Line,
        Format::PolicyReport,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Format::Human => "human",
            Format::Json => "json",
            Format::Sarif => "sarif",
            Format::Junit => "junit",
            Format::Line => "line",
            Format::PolicyReport => "policyreport",
        }
    }
}

palisade_core::display_as_str!(Format);

/// The error of parsing an unknown [`Format`] name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnknownFormat(pub String);

impl fmt::Display for UnknownFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "unknown output format {:?} (expected one of: human, json, sarif, junit, line, policyreport)",
            self.0
        )
    }
}

impl std::error::Error for UnknownFormat {}

impl FromStr for Format {
    type Err = UnknownFormat;

    /// Parses `human`, `json`, `sarif`, `junit`, `line` or `policyreport`, case-insensitively.
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
    /// When the report was made: the `timestamp` of every PolicyReport result. `None` leaves
    /// it out (renderers do not read the clock, so that output is reproducible).
    pub timestamp: Option<std::time::SystemTime>,
}

impl Default for RenderOptions {
    fn default() -> Self {
        RenderOptions {
            color: false,
            tool_version: env!("CARGO_PKG_VERSION"),
            target: String::new(),
            verbose: false,
            show_suppressed: false,
            timestamp: None,
        }
    }
}

/// Writes `report` to `out` in `format`.
pub fn render(report: &Report, format: Format, opts: &RenderOptions, out: &mut dyn Write) -> io::Result<()> {
    match format {
        Format::Human | Format::Json | Format::Line => stream::render(report, format, opts, out),
        Format::Sarif => sarif::render(report, opts, out),
        Format::Junit => junit::render(report, opts, out),
        Format::PolicyReport => policyreport::render(report, opts, out),
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

/// An answer of `rbac`, `netpol` or `psa`: its JSON is its `Serialize` form, its human
/// format is written by the `human` module.
pub trait Answer: serde::Serialize {
    /// The answer for a terminal.
    fn human(&self, out: &mut dyn Write) -> io::Result<()>;
}

/// What `rbac`, `netpol` and `psa` answer when nothing could be read: no verdict, only the
/// errors (JSON `{"errors": […]}`; nothing in the human format, whose errors are on stderr).
#[derive(Clone, Debug, serde::Serialize)]
pub struct NoVerdict {
    pub errors: Vec<String>,
}

impl Answer for NoVerdict {
    fn human(&self, _: &mut dyn Write) -> io::Result<()> {
        Ok(())
    }
}

/// The formats every answer has.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AnswerFormat {
    Human,
    Json,
}

/// Writes an answer of `rbac`, `netpol` or `psa` in `format`.
pub fn render_answer<A: Answer>(answer: &A, format: AnswerFormat, out: &mut dyn Write) -> io::Result<()> {
    match format {
        AnswerFormat::Human => answer.human(out),
        AnswerFormat::Json => json::answers::render(answer, out),
    }
}

/// The formats of a graph answer (`rbac paths`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GraphFormat {
    Human,
    Json,
    /// Graphviz DOT.
    Dot,
    /// A Mermaid flowchart.
    Mermaid,
}

/// Writes escalation paths in `format` (DOT and Mermaid draw each vertex and edge once).
pub fn render_paths(answer: &PathsAnswer, format: GraphFormat, out: &mut dyn Write) -> io::Result<()> {
    // An incomplete answer says so in the graph formats too, as comments.
    let c = &answer.completeness;
    let comment = match format {
        GraphFormat::Dot => Some("//"),
        GraphFormat::Mermaid => Some("%%"),
        _ => None,
    };
    if let Some(mark) = comment.filter(|_| !c.complete) {
        writeln!(
            out,
            "{mark} incomplete: this answer leaves out what could not be read"
        )?;
        for u in &c.unread {
            writeln!(out, "{mark} could not read {u}")?;
        }
        error_comments(mark, &c.errors, out)?;
    }
    match format {
        GraphFormat::Human => answer.human(out),
        GraphFormat::Json => json::answers::render(answer, out),
        GraphFormat::Dot => dot::begin(out, "escalation")?.render(&graph::paths_drawing(&answer.paths), out),
        GraphFormat::Mermaid => mermaid::begin(out)?.render(&graph::paths_drawing(&answer.paths), out),
    }
}

/// Errors as comment lines of a graph format (`//` in DOT, `%%` in Mermaid): a drawing of an
/// incomplete answer says so itself.
fn error_comments(mark: &str, errors: &[String], out: &mut dyn Write) -> io::Result<()> {
    for e in errors {
        writeln!(out, "{mark} error: {}", e.replace('\n', " "))?;
    }
    Ok(())
}

/// The formats of `netpol matrix`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MatrixFormat {
    Human,
    Json,
    Csv,
    Dot,
    Mermaid,
}

enum MatrixState<'w> {
    Human(human::netpol::MatrixHuman),
    Json(json::answers::MatrixJson),
    Csv(Box<csv::MatrixCsv<'w>>),
    /// DOT or Mermaid, with its comment mark.
    Graph(graph::GraphWriter, &'static str),
}

/// The connectivity matrix, written as its connections are produced (a large matrix is never
/// held as text): [`MatrixWriter::begin`] with what is known first, then
/// [`MatrixWriter::connection`] for each connection, then [`MatrixWriter::finish`].
pub struct MatrixWriter<'w> {
    /// `None` for CSV, whose writer holds the output.
    out: Option<&'w mut dyn Write>,
    state: MatrixState<'w>,
}

impl<'w> MatrixWriter<'w> {
    pub fn begin(
        format: MatrixFormat,
        head: &MatrixHead,
        out: &'w mut dyn Write,
    ) -> io::Result<MatrixWriter<'w>> {
        use palisade_netpol::answer::MatrixEndpoint;
        let workload_ids = head.endpoints.iter().filter_map(|e| match e {
            MatrixEndpoint::Workload { id, .. } => Some(id.as_str()),
            MatrixEndpoint::External { .. } => None,
        });
        let state = match format {
            MatrixFormat::Human => MatrixState::Human(human::netpol::MatrixHuman::begin(head, out)?),
            MatrixFormat::Json => MatrixState::Json(json::answers::MatrixJson::begin(head, out)?),
            MatrixFormat::Csv => {
                return Ok(MatrixWriter {
                    out: None,
                    state: MatrixState::Csv(Box::new(csv::MatrixCsv::begin(out)?)),
                })
            }
            MatrixFormat::Dot | MatrixFormat::Mermaid => {
                let mut w = if format == MatrixFormat::Dot {
                    dot::begin(out, "connectivity")?
                } else {
                    mermaid::begin(out)?
                };
                for id in workload_ids {
                    w.node(out, id, graph::Shape::Workload)?;
                }
                MatrixState::Graph(w, if format == MatrixFormat::Dot { "//" } else { "%%" })
            }
        };
        Ok(MatrixWriter {
            out: Some(out),
            state,
        })
    }

    /// One allowed connection. Drawings leave out a workload's traffic to itself (replica
    /// to replica).
    pub fn connection(&mut self, c: &Connection<'_>) -> io::Result<()> {
        let shape = |workload: bool| {
            if workload {
                graph::Shape::Workload
            } else {
                graph::Shape::External
            }
        };
        match (&mut self.state, self.out.as_deref_mut()) {
            (MatrixState::Csv(w), _) => w.connection(c),
            (_, None) => Ok(()),
            (MatrixState::Human(w), Some(out)) => w.connection(c, out),
            (MatrixState::Json(w), Some(out)) => w.connection(c, out),
            (MatrixState::Graph(w, _), Some(out)) if c.from != c.to => {
                let a = w.node(out, c.from, shape(c.from_workload))?;
                let b = w.node(out, c.to, shape(c.to_workload))?;
                w.edge(out, a, b, &c.ports.to_string())
            }
            (MatrixState::Graph(..), Some(_)) => Ok(()),
        }
    }

    /// What follows the connections.
    pub fn finish(self, tail: &MatrixTail) -> io::Result<()> {
        match (self.state, self.out) {
            (MatrixState::Csv(w), _) => w.end(),
            (_, None) => Ok(()),
            (MatrixState::Human(w), Some(out)) => w.end(tail, out),
            (MatrixState::Json(w), Some(out)) => w.end(&tail.errors, out),
            (MatrixState::Graph(w, mark), Some(out)) => {
                w.end(out)?;
                error_comments(mark, &tail.errors, out)
            }
        }
    }
}
