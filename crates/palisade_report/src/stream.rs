//! Streaming output: the human, line and JSON formats written while a scan hands its findings
//! on in the report's order (`palisade_core::FindingSink`), so that a report of millions of
//! findings is never held whole, neither as findings nor as text. [`crate::render`] writes a
//! finished report through the same code, as one batch.

use crate::{human, json, line, Format, RenderOptions};
use palisade_core::{AdmissionVerdict, ConfigInfo, Finding, FindingSink, PssLatest, Report, Severity};
use std::io::{self, Write};

/// What a streamed report says before its findings.
#[derive(Clone, Copy, Debug, Default)]
pub struct Head<'a> {
    /// The configuration file read and what it changes.
    pub config: Option<&'a ConfigInfo>,
    /// What Pod Security `latest` means, when Pod Security rules run.
    pub pss_latest: Option<&'a PssLatest>,
}

impl<'a> Head<'a> {
    pub fn of(report: &'a Report) -> Head<'a> {
        Head {
            config: report.config.as_ref(),
            pss_latest: report.pss_latest.as_ref(),
        }
    }
}

/// The findings a stream has written: the counts its summary gives.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Tally {
    pub findings: usize,
    /// Indexed like [`Severity::ALL`].
    pub by_severity: [usize; 5],
}

impl Tally {
    pub(crate) fn add(&mut self, findings: &[Finding]) {
        self.findings += findings.len();
        for f in findings {
            self.by_severity[f.severity as usize] += 1;
        }
    }
    pub(crate) fn get(&self, s: Severity) -> usize {
        self.by_severity[s as usize]
    }
    /// Findings at or above `fail_on` (all of them without a threshold).
    pub(crate) fn failing(&self, fail_on: Option<Severity>) -> usize {
        let t = fail_on.unwrap_or(Severity::Info);
        Severity::ALL
            .iter()
            .filter(|s| **s >= t)
            .map(|s| self.get(*s))
            .sum()
    }
}

enum State {
    Human(human::Stream),
    Line(line::Stream),
    Json(json::Stream),
}

/// A report being written as its findings arrive. Formats that need every finding before
/// they can write one (SARIF, JUnit, PolicyReport) are not streamed ([`streams`]).
pub struct Stream<'w> {
    state: State,
    opts: &'w RenderOptions,
    out: &'w mut dyn Write,
    tally: Tally,
    /// The first write error; later batches are dropped and [`Stream::finish`] returns it.
    error: Option<io::Error>,
}

/// Whether `format` can be written as the findings are decided.
pub fn streams(format: Format) -> bool {
    matches!(format, Format::Human | Format::Line | Format::Json)
}

impl<'w> Stream<'w> {
    /// Starts a report in `format` (one that [`streams`]).
    pub fn begin(
        format: Format,
        head: Head<'_>,
        opts: &'w RenderOptions,
        out: &'w mut dyn Write,
    ) -> io::Result<Stream<'w>> {
        let state = match format {
            Format::Human => State::Human(human::Stream::begin(head, opts, out)?),
            Format::Line => State::Line(line::Stream),
            Format::Json => State::Json(json::Stream::begin(head, opts, out)?),
            other => {
                return Err(io::Error::new(
                    io::ErrorKind::Unsupported,
                    format!("the {} format is not written as a stream", other.as_str()),
                ))
            }
        };
        Ok(Stream {
            state,
            opts,
            out,
            tally: Tally::default(),
            error: None,
        })
    }

    /// Writes a batch of findings (in the report's order, ending at an object boundary) and
    /// notes the admission verdicts decided with them.
    pub fn findings(&mut self, batch: &[Finding], verdicts: &[AdmissionVerdict]) -> io::Result<()> {
        self.tally.add(batch);
        match &mut self.state {
            State::Human(h) => h.batch(batch, verdicts, self.opts, self.out),
            State::Line(l) => l.batch(batch, self.out),
            State::Json(j) => j.batch(batch, self.out),
        }
    }

    /// Writes the rest of the report: `report` holds everything but the findings already
    /// written (its `findings` are not read).
    pub fn finish(self, report: &Report) -> io::Result<()> {
        if let Some(e) = self.error {
            return Err(e);
        }
        match self.state {
            State::Human(h) => h.finish(report, &self.tally, self.opts, self.out),
            State::Line(l) => l.finish(report, self.opts, self.out),
            State::Json(j) => j.finish(report, &self.tally, self.opts, self.out),
        }
    }
}

/// A scan writes its findings straight into the stream; a write error is kept for
/// [`Stream::finish`].
impl FindingSink for Stream<'_> {
    fn accept(&mut self, findings: Vec<Finding>, verdicts: &[AdmissionVerdict]) {
        if self.error.is_some() {
            return;
        }
        if let Err(e) = self.findings(&findings, verdicts) {
            self.error = Some(e);
        }
        // Freeing a batch (several allocations per finding) is left to the thread pool, off
        // the thread that writes.
        rayon::spawn(move || drop(findings));
    }
}

/// Writes a finished report through a stream (the human, line and JSON formats).
pub(crate) fn render(
    report: &Report,
    format: Format,
    opts: &RenderOptions,
    out: &mut dyn Write,
) -> io::Result<()> {
    let mut s = Stream::begin(format, Head::of(report), opts, out)?;
    s.findings(&report.findings, &report.admission)?;
    s.finish(report)
}
