//! The questions asked of audit events — `who` (who did this: the requests matching a filter,
//! and the identities behind them) and `timeline` (everything an identity, object or
//! namespace did or had done to it, in time order) — and their answer rows, rendered as
//! human text, JSON and CSV.
//!
//! A row is one request (its stages joined by `auditID`, see [`crate::dedup`]). The actor is
//! the real user; when the request impersonated someone, the row says so (`alice as bob`).

use crate::event::{Event, Loc};
use crate::read::{ReadError, ReadStats};
use serde::Serialize;
use std::collections::BTreeMap;
use std::io::{self, Write};

/// One request.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Row {
    /// When it happened (`stageTimestamp` of its last stage), RFC 3339 with microseconds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub time: Option<String>,
    #[serde(skip)]
    pub timestamp: Option<jiff::Timestamp>,
    #[serde(rename = "auditID")]
    pub audit_id: String,
    /// The authenticated (real) user.
    pub user: String,
    pub groups: Vec<String>,
    /// The user the request impersonated, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub impersonated_user: Option<String>,
    pub verb: String,
    /// `resource[.group][/subresource] [namespace/]name`, or the path of a non-resource request.
    pub target: String,
    pub api_group: String,
    pub resource: String,
    pub subresource: String,
    pub namespace: String,
    pub name: String,
    pub request_uri: String,
    /// The response code; absent for a request whose last recorded stage had none.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<i32>,
    /// `reason` of a failed response (`Forbidden`, `NotFound`, ...).
    pub status_reason: String,
    /// `authorization.k8s.io/decision`.
    pub decision: String,
    /// `authorization.k8s.io/reason`.
    pub authz_reason: String,
    pub source_ips: Vec<String>,
    pub user_agent: String,
    /// The command of an exec (`command=` query parameters).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub command: Vec<String>,
    pub stage: &'static str,
    pub level: &'static str,
    /// Where the event is: `file`, `line` (and `item` within an EventList).
    pub file: String,
    pub line: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub item: Option<u32>,
}

impl Row {
    pub fn new(loc: &Loc, ev: &Event<'_>) -> Row {
        let o = ev.object_ref.as_ref();
        let s = |f: for<'x> fn(&'x crate::event::ObjectRef<'_>) -> &'x str| {
            o.map_or(String::new(), |o| f(o).to_owned())
        };
        let command = if o.is_some_and(|o| o.subresource == "exec") {
            ev.query_values("command")
        } else {
            Vec::new()
        };
        Row {
            time: ev.time().map(format_time),
            timestamp: ev.time(),
            audit_id: ev.audit_id.to_string(),
            user: ev.user.username.to_string(),
            groups: ev.user.groups.iter().map(|g| g.to_string()).collect(),
            impersonated_user: ev.impersonated_user.as_ref().map(|u| u.username.to_string()),
            verb: ev.verb.to_string(),
            target: match o {
                Some(o) => o.to_string(),
                None => ev.path().to_owned(),
            },
            api_group: s(|o| &o.api_group),
            resource: s(|o| &o.resource),
            subresource: s(|o| &o.subresource),
            namespace: s(|o| &o.namespace),
            name: s(|o| &o.name),
            request_uri: ev.request_uri.to_string(),
            code: ev.code(),
            status_reason: ev
                .response_status
                .as_ref()
                .map_or(String::new(), |s| s.reason.to_string()),
            decision: ev.decision().unwrap_or("").to_owned(),
            authz_reason: ev.authz_reason().unwrap_or("").to_owned(),
            source_ips: ev.source_ips.iter().map(|s| s.to_string()).collect(),
            user_agent: ev.user_agent.to_string(),
            command,
            stage: ev.stage.as_str(),
            level: ev.level.as_str(),
            file: loc.file.to_string(),
            line: loc.line,
            item: loc.item,
        }
    }

    /// `alice`, or `admin as alice` for an impersonated request.
    pub fn actor(&self) -> String {
        match &self.impersonated_user {
            Some(i) => format!("{} as {}", self.user, i),
            None => self.user.clone(),
        }
    }

    /// `200`, `403 Forbidden`, or `-` when the stage had no response.
    pub fn result(&self) -> String {
        match (self.code, self.status_reason.as_str()) {
            (Some(c), "") => c.to_string(),
            (Some(c), r) => format!("{c} {r}"),
            (None, _) => "-".to_owned(),
        }
    }

    /// `file:line`.
    pub fn place(&self) -> String {
        match self.item {
            Some(i) => format!("{}:{} (item {i})", self.file, self.line),
            None => format!("{}:{}", self.file, self.line),
        }
    }
}

/// RFC 3339 in UTC with microseconds, as the API server writes it.
pub fn format_time(t: jiff::Timestamp) -> String {
    format!("{t:.6}")
}

/// Requests by one identity, in a `who` answer.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Actor {
    pub user: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub impersonated_user: Option<String>,
    pub requests: u64,
    /// 2xx responses.
    pub succeeded: u64,
    /// Refused by authorization (403 or decision forbid).
    pub denied: u64,
    /// Other failures (4xx/5xx that were not authorization).
    pub failed: u64,
    pub first: Option<String>,
    pub last: Option<String>,
    pub verbs: Vec<String>,
    pub source_ips: Vec<String>,
    pub user_agents: Vec<String>,
}

/// Which question an answer is to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Question {
    Who,
    Timeline,
}

/// The answer to a question: its rows in time order, the identities (for `who`), what was
/// read and the errors met while reading.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Answer {
    pub api_version: &'static str,
    pub kind: &'static str,
    pub question: Question,
    /// The filter, as given on the command line.
    pub filter: Vec<String>,
    pub requests: Vec<Row>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub actors: Option<Vec<Actor>>,
    pub stats: AnswerStats,
    pub errors: Vec<AnswerError>,
}

#[derive(Clone, Debug, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AnswerStats {
    pub files: u64,
    pub lines: u64,
    pub bytes: u64,
    pub events: u64,
    /// Requests after joining stages (only counted for lines that were decoded).
    pub requests: u64,
    pub matched: u64,
    /// Lines not decoded because they could not match (see `ReadOptions::prefilter`).
    pub skipped: u64,
    pub errors: u64,
    /// The time of the first and last request decoded.
    pub first: Option<String>,
    pub last: Option<String>,
}

#[derive(Clone, Debug, Serialize)]
pub struct AnswerError {
    pub file: String,
    pub line: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub item: Option<u32>,
    pub message: String,
}

impl From<&ReadError> for AnswerError {
    fn from(e: &ReadError) -> AnswerError {
        AnswerError {
            file: e.loc.file.to_string(),
            line: e.loc.line,
            item: e.loc.item,
            message: e.message.clone(),
        }
    }
}

/// Collects the rows of an answer as requests arrive. With a limit, only the latest `limit`
/// rows are kept (memory bounded whatever matches); the identities of a `who` answer still
/// count every match.
#[derive(Debug)]
pub struct Collector {
    question: Question,
    rows: Vec<Row>,
    limit: Option<usize>,
    matched: u64,
    actors: BTreeMap<(String, Option<String>), Actor>,
    requests: u64,
    first: Option<jiff::Timestamp>,
    last: Option<jiff::Timestamp>,
}

impl Collector {
    pub fn new(question: Question) -> Collector {
        Collector::with_limit(question, None)
    }

    /// Keep only the latest `limit` rows (by time).
    pub fn with_limit(question: Question, limit: Option<usize>) -> Collector {
        Collector {
            question,
            rows: Vec::new(),
            limit,
            matched: 0,
            actors: BTreeMap::new(),
            requests: 0,
            first: None,
            last: None,
        }
    }

    /// One request (after deduplication), and whether it matched.
    pub fn request(&mut self, loc: &Loc, ev: &Event<'_>, matched: bool) {
        self.requests += 1;
        if let Some(t) = ev.time() {
            self.first = Some(self.first.map_or(t, |f| f.min(t)));
            self.last = Some(self.last.map_or(t, |l| l.max(t)));
        }
        if !matched {
            return;
        }
        self.matched += 1;
        let row = Row::new(loc, ev);
        if self.question == Question::Who {
            add_actor(&mut self.actors, &row);
        }
        self.rows.push(row);
        if let Some(limit) = self.limit {
            if self.rows.len() >= limit.max(1024) * 2 {
                sort_rows(&mut self.rows);
                let extra = self.rows.len() - limit;
                self.rows.drain(..extra);
            }
        }
    }

    /// The answer: rows sorted by time (requests without a time first, in reading order).
    pub fn finish(self, filter: Vec<String>, stats: &ReadStats, errors: &[ReadError]) -> Answer {
        let mut rows = self.rows;
        sort_rows(&mut rows);
        if let Some(limit) = self.limit {
            let extra = rows.len().saturating_sub(limit);
            rows.drain(..extra);
        }
        let actors = (self.question == Question::Who).then(|| {
            let mut v: Vec<Actor> = self.actors.into_values().collect();
            v.sort_by(|a, b| b.requests.cmp(&a.requests).then_with(|| a.user.cmp(&b.user)));
            v
        });
        Answer {
            api_version: "palisade.dev/v1",
            kind: "AuditAnswer",
            question: self.question,
            filter,
            stats: AnswerStats {
                files: stats.files,
                lines: stats.lines,
                bytes: stats.bytes,
                events: stats.events,
                requests: self.requests,
                matched: self.matched,
                skipped: stats.skipped,
                errors: stats.errors,
                first: self.first.map(format_time),
                last: self.last.map(format_time),
            },
            requests: rows,
            actors,
            errors: errors.iter().map(AnswerError::from).collect(),
        }
    }
}

/// By time, stable (requests without a time first, then reading order).
fn sort_rows(rows: &mut [Row]) {
    rows.sort_by_key(|r| r.timestamp);
}

fn add_actor(by: &mut BTreeMap<(String, Option<String>), Actor>, r: &Row) {
    let a = by
        .entry((r.user.clone(), r.impersonated_user.clone()))
        .or_insert_with(|| Actor {
            user: r.user.clone(),
            impersonated_user: r.impersonated_user.clone(),
            requests: 0,
            succeeded: 0,
            denied: 0,
            failed: 0,
            first: None,
            last: None,
            verbs: Vec::new(),
            source_ips: Vec::new(),
            user_agents: Vec::new(),
        });
    a.requests += 1;
    match r.code {
        Some(200..=299) => a.succeeded += 1,
        _ if r.decision == "forbid" || r.code == Some(403) => a.denied += 1,
        Some(_) => a.failed += 1,
        None => {}
    }
    // RFC 3339 with a fixed precision in UTC: text order is time order.
    if let Some(t) = &r.time {
        if a.first.as_ref().is_none_or(|f| t < f) {
            a.first = Some(t.clone());
        }
        if a.last.as_ref().is_none_or(|l| t > l) {
            a.last = Some(t.clone());
        }
    }
    let push = |v: &mut Vec<String>, s: &str| {
        if !s.is_empty() && v.len() < 32 && !v.iter().any(|x| x == s) {
            v.push(s.to_owned());
        }
    };
    push(&mut a.verbs, &r.verb);
    if let Some(ip) = r.source_ips.last() {
        push(&mut a.source_ips, ip);
    }
    push(&mut a.user_agents, &r.user_agent);
}

/// Human text: a header, one line per request in time order, the identities (for `who`), and
/// the errors.
pub fn render_human(a: &Answer, w: &mut dyn Write) -> io::Result<()> {
    let what = match a.question {
        Question::Who => "who",
        Question::Timeline => "timeline",
    };
    let filter = if a.filter.is_empty() {
        "every request".to_owned()
    } else {
        a.filter.join(" ")
    };
    writeln!(
        w,
        "palisade audit {what}: {filter} — {} request{} matched ({} lines in {} file{}, {} events decoded, {} lines skipped unread as they could not match)",
        a.stats.matched,
        if a.stats.matched == 1 { "" } else { "s" },
        a.stats.lines,
        a.stats.files,
        if a.stats.files == 1 { "" } else { "s" },
        a.stats.events,
        a.stats.skipped,
    )?;
    if a.requests.len() < a.stats.matched as usize {
        writeln!(
            w,
            "(the latest {} of {} shown)",
            a.requests.len(),
            a.stats.matched
        )?;
    }
    if a.requests.is_empty() {
        writeln!(w, "\nNo request matched.")?;
    } else {
        writeln!(w)?;
        let actor_w = a
            .requests
            .iter()
            .map(|r| r.actor().len())
            .max()
            .unwrap_or(0)
            .min(48);
        let verb_w = a.requests.iter().map(|r| r.verb.len()).max().unwrap_or(0);
        let target_w = a
            .requests
            .iter()
            .map(|r| r.target.len())
            .max()
            .unwrap_or(0)
            .min(60);
        for r in &a.requests {
            let from = r.source_ips.last().map_or("-", String::as_str);
            let mut extra = String::new();
            if !r.command.is_empty() {
                extra.push_str(&format!(" command={:?}", r.command.join(" ")));
            }
            writeln!(
                w,
                "{}  {:actor_w$}  {:verb_w$}  {:target_w$}  {:14}  {:15}  {}{}",
                r.time.as_deref().unwrap_or("-"),
                r.actor(),
                r.verb,
                r.target,
                result_text(r),
                from,
                r.place(),
                extra,
            )?;
        }
    }
    if let Some(actors) = &a.actors {
        if !actors.is_empty() {
            writeln!(
                w,
                "\n{} identit{}:",
                actors.len(),
                if actors.len() == 1 { "y" } else { "ies" }
            )?;
            for ac in actors {
                let who = match &ac.impersonated_user {
                    Some(i) => format!("{} as {}", ac.user, i),
                    None => ac.user.clone(),
                };
                writeln!(
                    w,
                    "  {who}: {} request{} ({} succeeded, {} denied, {} failed), {} to {}; verbs {}; from {}; user agents {}",
                    ac.requests,
                    if ac.requests == 1 { "" } else { "s" },
                    ac.succeeded,
                    ac.denied,
                    ac.failed,
                    ac.first.as_deref().unwrap_or("-"),
                    ac.last.as_deref().unwrap_or("-"),
                    ac.verbs.join(","),
                    if ac.source_ips.is_empty() { "-".to_owned() } else { ac.source_ips.join(",") },
                    if ac.user_agents.is_empty() { "-".to_owned() } else { ac.user_agents.join(" | ") },
                )?;
            }
        }
    }
    if a.stats.errors > 0 {
        writeln!(
            w,
            "\n{} input error{}:",
            a.stats.errors,
            if a.stats.errors == 1 { "" } else { "s" }
        )?;
        for e in &a.errors {
            match e.item {
                Some(i) => writeln!(w, "  {}:{} (item {i}): {}", e.file, e.line, e.message)?,
                None if e.line == 0 => writeln!(w, "  {}: {}", e.file, e.message)?,
                None => writeln!(w, "  {}:{}: {}", e.file, e.line, e.message)?,
            }
        }
        if a.stats.errors > a.errors.len() as u64 {
            writeln!(w, "  ... and {} more", a.stats.errors - a.errors.len() as u64)?;
        }
    }
    Ok(())
}

fn result_text(r: &Row) -> String {
    let mut s = r.result();
    if r.decision == "forbid" && r.code != Some(403) {
        s.push_str(" forbid");
    }
    s
}

/// JSON: the [`Answer`].
pub fn render_json(a: &Answer, w: &mut dyn Write) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *w, a)?;
    writeln!(w)
}

/// The CSV columns, in order.
pub const CSV_COLUMNS: &[&str] = &[
    "time",
    "auditID",
    "user",
    "groups",
    "impersonatedUser",
    "verb",
    "apiGroup",
    "resource",
    "subresource",
    "namespace",
    "name",
    "code",
    "statusReason",
    "decision",
    "authzReason",
    "sourceIPs",
    "userAgent",
    "requestURI",
    "command",
    "stage",
    "level",
    "file",
    "line",
];

/// CSV (RFC 4180): a header and one record per request. Input errors are records too, with
/// `error` in the verb column, so that a spreadsheet shows them.
pub fn render_csv(a: &Answer, w: &mut dyn Write) -> io::Result<()> {
    fn field(w: &mut dyn Write, s: &str, last: bool) -> io::Result<()> {
        // Cells starting with = + - @ are quoted with a leading ' so that spreadsheets do not
        // run them as formulas.
        let risky = s.starts_with(['=', '+', '-', '@', '\t', '\r']);
        if risky || s.contains([',', '"', '\n', '\r']) {
            write!(
                w,
                "\"{}{}\"",
                if risky { "'" } else { "" },
                s.replace('"', "\"\"")
            )?;
        } else {
            w.write_all(s.as_bytes())?;
        }
        w.write_all(if last { b"\r\n" } else { b"," })
    }
    for (i, c) in CSV_COLUMNS.iter().enumerate() {
        field(w, c, i + 1 == CSV_COLUMNS.len())?;
    }
    for r in &a.requests {
        let cells: [String; 23] = [
            r.time.clone().unwrap_or_default(),
            r.audit_id.clone(),
            r.user.clone(),
            r.groups.join(";"),
            r.impersonated_user.clone().unwrap_or_default(),
            r.verb.clone(),
            r.api_group.clone(),
            r.resource.clone(),
            r.subresource.clone(),
            r.namespace.clone(),
            r.name.clone(),
            r.code.map(|c| c.to_string()).unwrap_or_default(),
            r.status_reason.clone(),
            r.decision.clone(),
            r.authz_reason.clone(),
            r.source_ips.join(";"),
            r.user_agent.clone(),
            r.request_uri.clone(),
            r.command.join(" "),
            r.stage.to_owned(),
            r.level.to_owned(),
            r.file.clone(),
            r.line.to_string(),
        ];
        for (i, c) in cells.iter().enumerate() {
            field(w, c, i + 1 == cells.len())?;
        }
    }
    for e in &a.errors {
        let mut cells = vec![String::new(); CSV_COLUMNS.len()];
        cells[5] = "error".to_owned();
        cells[17] = e.message.clone();
        cells[21] = e.file.clone();
        cells[22] = e.line.to_string();
        for (i, c) in cells.iter().enumerate() {
            field(w, c, i + 1 == cells.len())?;
        }
    }
    Ok(())
}

/// Read `inputs`, join the stages of each request (unless `all_stages`), and collect the
/// requests `filter` matches.
pub fn ask(
    inputs: &[crate::read::Input],
    opts: &crate::read::ReadOptions,
    filter: &crate::filter::Filter,
    question: Question,
    all_stages: bool,
    described: Vec<String>,
) -> Answer {
    ask_limited(inputs, opts, filter, question, all_stages, None, described)
}

/// [`ask`], keeping only the latest `limit` rows.
pub fn ask_limited(
    inputs: &[crate::read::Input],
    opts: &crate::read::ReadOptions,
    filter: &crate::filter::Filter,
    question: Question,
    all_stages: bool,
    limit: Option<usize>,
    described: Vec<String>,
) -> Answer {
    let mut c = Collector::with_limit(question, limit);
    let mut opts = opts.clone();
    opts.prefilter = filter.needles();
    let summary = if all_stages {
        crate::read::read(inputs, &opts, &mut |loc, ev| {
            let m = filter.matches(&ev);
            c.request(loc, &ev, m);
        })
    } else {
        let mut d = crate::dedup::Dedup::default();
        let mut out = |loc: &Loc, ev: Event<'_>| {
            let m = filter.matches(&ev);
            c.request(loc, &ev, m);
        };
        let s = crate::read::read(inputs, &opts, &mut |loc, ev| d.push(loc, ev, &mut out));
        d.finish(&mut out);
        s
    };
    c.finish(described, &summary.stats, &summary.errors)
}
