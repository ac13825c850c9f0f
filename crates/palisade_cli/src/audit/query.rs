//! `palisade audit who` and `palisade audit timeline` over audit logs.

use super::{FilterArgs, LogArgs};
use clap::{Args, ValueEnum};
use palisade_audit::query::{ask_limited, render_csv, render_human, render_json, Question};
use std::io::Write;

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Human,
    Json,
    Csv,
}

#[derive(Args, Debug)]
pub struct QueryArgs {
    #[command(flatten)]
    pub logs: LogArgs,
    #[command(flatten)]
    pub filter: FilterArgs,
    /// Output format.
    #[arg(short = 'o', long = "output", value_enum, default_value = "human")]
    pub format: Format,
    /// Only the latest N matching requests (memory stays bounded whatever matches; the
    /// identities of `who` still count every match).
    #[arg(long, value_name = "N")]
    pub limit: Option<usize>,
    /// Write the answer to this file instead of stdout.
    #[arg(long, value_name = "FILE")]
    pub output_file: Option<std::path::PathBuf>,
}

/// Exit 0 with an answer (whether or not anything matched), 2 when an input could not be
/// read or held no audit event.
pub fn run(a: QueryArgs, q: Question) -> anyhow::Result<u8> {
    let (filter, desc) = a.filter.filter()?;
    let answer = match &a.logs.store {
        Some(url) => match ask_store(url, &filter, q, a.limit, desc) {
            Ok(answer) => answer,
            Err(e) => {
                eprintln!("palisade: error: {e}");
                return Ok(2);
            }
        },
        None => ask_limited(
            &a.logs.inputs(),
            &a.logs.options(),
            &filter,
            q,
            a.filter.all_stages(),
            a.limit,
            desc,
        ),
    };
    let mut out: Box<dyn Write> = match &a.output_file {
        Some(p) => Box::new(std::io::BufWriter::new(
            std::fs::File::create(p).map_err(|e| anyhow::anyhow!("cannot write {}: {e}", p.display()))?,
        )),
        None => Box::new(std::io::BufWriter::new(std::io::stdout().lock())),
    };
    match a.format {
        Format::Human => render_human(&answer, &mut out)?,
        Format::Json => render_json(&answer, &mut out)?,
        Format::Csv => render_csv(&answer, &mut out)?,
    }
    out.flush()?;
    let nothing = answer.stats.events == 0;
    if answer.stats.errors > 0 || nothing {
        // Machine formats carry the errors; stderr says why the exit code is 2.
        if a.format != Format::Human || a.output_file.is_some() {
            for e in answer.errors.iter().take(crate::LISTED_PROBLEMS) {
                eprintln!("palisade: error: {}:{}: {}", e.file, e.line, e.message);
            }
            if answer.stats.errors > crate::LISTED_PROBLEMS as u64 {
                eprintln!("palisade: {} input errors in all", answer.stats.errors);
            }
        }
        if nothing {
            eprintln!("palisade: error: no audit event was read");
        }
        return Ok(2);
    }
    Ok(0)
}

/// The question asked of a store (`palisade serve --audit-store`): the filter's exact part
/// as SQL, the rest by the same `Filter::matches` on the events read back. A store holds one
/// row per request (its latest stage), so there are no stages to join.
fn ask_store(
    url: &str,
    filter: &palisade_audit::filter::Filter,
    q: Question,
    limit: Option<usize>,
    desc: Vec<String>,
) -> Result<palisade_audit::query::Answer, String> {
    let mut store = palisade_audit_store::Store::open(url).map_err(|e| format!("{url}: {e}"))?;
    let sel = palisade_audit_store::Selection::from_filter(filter);
    let mut c = palisade_audit::query::Collector::with_limit(q, limit);
    let mut stats = palisade_audit::read::ReadStats {
        files: 1,
        ..Default::default()
    };
    store
        .select(&sel, &mut |loc, ev| {
            stats.events += 1;
            stats.lines += 1;
            let m = filter.matches(&ev);
            c.request(loc, &ev, m);
            std::ops::ControlFlow::Continue(())
        })
        .map_err(|e| format!("{}: {e}", store.name()))?;
    if stats.events == 0 {
        // Nothing selected: "no audit event was read" only when the store is empty. One row
        // is looked at to know (counting them all takes a full index scan).
        let empty = store.is_empty().map_err(|e| format!("{}: {e}", store.name()))?;
        stats.events = u64::from(!empty);
    }
    Ok(c.finish(desc, &stats, &[]))
}
