//! palisade's audit-event store: one row per request (the `auditID`), upserted so that a
//! later stage replaces an earlier one, in an embedded SQLite database (the default) or a
//! PostgreSQL database shared by several palisade replicas. Each row carries the columns the
//! audit questions filter on (indexed where an index selects) and the event's JSON, read back
//! as [`palisade_audit::Event`]s so that filters, questions and detections are the same code
//! for files and stores.
//!
//! This crate owns the schema, the durable batch commit, the SQL translation of a
//! [`Selection`] (bound parameters only, never SQL built from values) and retention. It does
//! no HTTP and no detection: `palisade_server` calls it.
//!
//! * [`record`]: an event and its indexed columns, from a webhook batch or one JSON text.
//! * [`select`]: what a question asks of the store, as SQL.
//! * [`sqlite`], [`postgres`]: the two backends.

pub mod postgres;
pub mod record;
pub mod select;
pub mod sqlite;

pub use record::{parse_batch, Batch, BatchError, Record};
pub use select::{Order, Selection};
pub use sqlite::{Checkpointed, WalFrames, WalLimits};

use palisade_audit::{Event, Loc};
use std::ops::ControlFlow;
use std::time::Duration;

/// A store failure: the database could not be opened, written or read.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("{0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("{0}")]
    Postgres(#[from] ::postgres::Error),
    #[error("{0}")]
    Other(String),
}

/// What an insert did with each record of the batch, in order: `Some(row id)` when it was
/// stored (new, or a later stage replacing an earlier one), `None` when the store already
/// held that request at the same or a later stage.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Inserted {
    pub ids: Vec<Option<i64>>,
}

impl Inserted {
    pub fn stored(&self) -> usize {
        self.ids.iter().filter(|i| i.is_some()).count()
    }
}

/// Retention: events older than `max_age` (by their time) are deleted, then the oldest until
/// there are at most `max_events` and the store uses at most `max_bytes`.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Retention {
    pub max_age: Option<Duration>,
    pub max_events: Option<u64>,
    pub max_bytes: Option<u64>,
}

impl Retention {
    pub fn is_none(&self) -> bool {
        self.max_age.is_none() && self.max_events.is_none() && self.max_bytes.is_none()
    }
}

/// What a retention pass deleted and what is left.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Retained {
    pub deleted: u64,
    pub size: Size,
}

/// The size of a store.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Size {
    pub events: u64,
    /// Bytes in use (SQLite: pages in use, freed pages excluded; PostgreSQL: the table with
    /// its indexes and TOAST).
    pub bytes: u64,
}

/// Rows deleted per retention transaction: each holds the write lock for a few milliseconds,
/// so ingest is never blocked for long.
pub const RETENTION_CHUNK: i64 = 2000;

/// Deletes up to `limit` rows, [`RETENTION_CHUNK`] at a time: `delete(chunk)` deletes at most
/// `chunk` rows in one statement (one transaction) and says how many it deleted; a short chunk
/// means nothing is left to delete.
pub(crate) fn delete_in_chunks(
    limit: u64,
    mut delete: impl FnMut(i64) -> Result<u64, StoreError>,
) -> Result<u64, StoreError> {
    let mut deleted = 0u64;
    while deleted < limit {
        let chunk = RETENTION_CHUNK.min((limit - deleted).min(i64::MAX as u64) as i64);
        let n = delete(chunk)?;
        deleted += n;
        if n < chunk as u64 {
            break;
        }
    }
    Ok(deleted)
}

/// An opened store.
pub enum Store {
    Sqlite(sqlite::Sqlite),
    Postgres(Box<postgres::Postgres>),
}

/// How a store URL names its backend: `postgres://…` / `postgresql://…`, `sqlite:PATH`, or a
/// plain path (SQLite).
pub fn is_postgres(url: &str) -> bool {
    url.starts_with("postgres://") || url.starts_with("postgresql://")
}

impl Store {
    /// Open (and create or migrate) the store named by `url`.
    pub fn open(url: &str) -> Result<Store, StoreError> {
        if is_postgres(url) {
            Ok(Store::Postgres(Box::new(postgres::Postgres::open(url)?)))
        } else {
            let path = url
                .strip_prefix("sqlite://")
                .or_else(|| url.strip_prefix("sqlite:"))
                .unwrap_or(url);
            Ok(Store::Sqlite(sqlite::Sqlite::open(std::path::Path::new(path))?))
        }
    }

    /// The store's name in locations (`sqlite:PATH`, `postgres://HOST:PORT/DB`, no password).
    pub fn name(&self) -> &str {
        match self {
            Store::Sqlite(s) => s.name(),
            Store::Postgres(p) => p.name(),
        }
    }

    /// Store a batch in one transaction; when this returns `Ok`, the batch is committed (and,
    /// for SQLite with `synchronous=FULL`, on disk).
    pub fn insert(&mut self, records: &[Record]) -> Result<Inserted, StoreError> {
        match self {
            Store::Sqlite(s) => s.insert(records),
            Store::Postgres(p) => p.insert(records),
        }
    }

    /// Leave this connection's checkpoints to a checkpointer on another connection
    /// ([`Store::checkpoint`]); SQLite only (PostgreSQL checkpoints by itself: None). See
    /// [`sqlite::Sqlite::checkpoint_elsewhere`].
    pub fn checkpoint_elsewhere(&mut self, limits: WalLimits) -> Result<Option<WalFrames>, StoreError> {
        match self {
            Store::Sqlite(s) => s.checkpoint_elsewhere(limits).map(Some),
            Store::Postgres(_) => Ok(None),
        }
    }

    /// One step of a checkpointer, given the WAL's length the writer published; see
    /// [`sqlite::Sqlite::checkpoint`]. None when nothing was due (always for PostgreSQL).
    pub fn checkpoint(&mut self, wal: i64, limits: &WalLimits) -> Result<Option<Checkpointed>, StoreError> {
        match self {
            Store::Sqlite(s) => s.checkpoint(wal, limits),
            Store::Postgres(_) => Ok(None),
        }
    }

    /// The stored events the selection picks, in time order, handed to `f` with their
    /// location (the store's name, the row id as the line) until it breaks. Returns how many
    /// rows were read.
    pub fn select(
        &mut self,
        sel: &Selection,
        f: &mut dyn FnMut(&Loc, Event<'_>) -> ControlFlow<()>,
    ) -> Result<u64, StoreError> {
        match self {
            Store::Sqlite(s) => s.select(sel, f),
            Store::Postgres(p) => p.select(sel, f),
        }
    }

    /// One retention pass, in chunks of [`RETENTION_CHUNK`] rows per transaction.
    pub fn retain(&mut self, r: &Retention, now: jiff::Timestamp) -> Result<Retained, StoreError> {
        match self {
            Store::Sqlite(s) => s.retain(r, now),
            Store::Postgres(p) => p.retain(r, now),
        }
    }

    /// Whether the store holds no event (one row looked up, unlike [`Store::size`] which
    /// counts them all).
    pub fn is_empty(&mut self) -> Result<bool, StoreError> {
        match self {
            Store::Sqlite(s) => s.is_empty(),
            Store::Postgres(p) => p.is_empty(),
        }
    }

    pub fn size(&mut self) -> Result<Size, StoreError> {
        match self {
            Store::Sqlite(s) => s.size(),
            Store::Postgres(p) => p.size(),
        }
    }
}

/// Microseconds since the Unix epoch (the stored time).
pub fn micros(t: jiff::Timestamp) -> i64 {
    t.as_microsecond()
}

/// Decode a stored event's JSON and hand it on.
pub(crate) fn hand_on(
    name: &std::sync::Arc<str>,
    id: i64,
    json: &str,
    f: &mut dyn FnMut(&Loc, Event<'_>) -> ControlFlow<()>,
) -> Result<ControlFlow<()>, StoreError> {
    let loc = Loc {
        file: name.clone(),
        line: id.max(0) as u64,
        item: None,
    };
    let mut flow = ControlFlow::Continue(());
    let mut got = false;
    palisade_audit::decode::decode(json, &mut |_, ev| {
        got = true;
        flow = f(&loc, ev);
    })
    .map_err(|e| {
        StoreError::Other(format!(
            "{loc}: the stored event does not decode: {}",
            e.first().map_or("", |e| e.message.as_str())
        ))
    })?;
    if !got {
        return Err(StoreError::Other(format!("{loc}: the stored event is empty")));
    }
    Ok(flow)
}
