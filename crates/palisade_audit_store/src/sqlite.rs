//! The embedded store: one SQLite file in WAL mode with `synchronous=FULL`, so a committed
//! batch is in the write-ahead log on disk (fsync) before `insert` returns: it survives a
//! crash of palisade and a power loss. Readers (questions) and retention use their own
//! connections; WAL readers never block the writer, and retention deletes in short
//! transactions. The sink's writer can leave checkpoints (copying the WAL into the database
//! file) to a connection on another thread ([`Sqlite::checkpoint_elsewhere`],
//! [`Sqlite::checkpoint`]), so that it only appends to the WAL. Event JSON is kept
//! LZ4-compressed (about a quarter of its size).

use crate::record::Record;
use crate::select::{Dialect, Param, Selection};
use crate::{delete_in_chunks, hand_on, Inserted, Retained, Retention, Size, StoreError};
use palisade_audit::{Event, Loc};
use rusqlite::{params, Connection, OpenFlags, ToSql};
use std::ops::ControlFlow;
use std::path::Path;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;

pub struct Sqlite {
    conn: Connection,
    name: Arc<str>,
    /// The insert statement, with the conflict target of this store's key.
    insert_sql: String,
    /// The WAL frames copied by this connection's last passive checkpoint (as a checkpointer).
    copied: i64,
    /// As a writer that leaves checkpoints to a checkpointer: the WAL's length it publishes
    /// and when it copies the rest itself.
    wal: Option<(WalFrames, WalLimits)>,
}

/// The table. One row per request: `audit_id` is unique together with the time the request
/// was received (the same in every stage of a request), see [`REQUEST_KEY`].
const TABLE: &str = "CREATE TABLE IF NOT EXISTS events (
        id INTEGER PRIMARY KEY,
        audit_id TEXT NOT NULL,
        ts INTEGER NOT NULL,
        received_ts INTEGER,
        stage INTEGER NOT NULL,
        level TEXT NOT NULL,
        username TEXT NOT NULL,
        effective_user TEXT NOT NULL,
        verb TEXT NOT NULL,
        resource TEXT NOT NULL,
        subresource TEXT NOT NULL,
        api_group TEXT NOT NULL,
        namespace TEXT NOT NULL,
        name TEXT NOT NULL,
        code INTEGER,
        decision TEXT NOT NULL,
        source_ip TEXT NOT NULL,
        user_agent TEXT NOT NULL,
        ingested INTEGER NOT NULL,
        event BLOB NOT NULL
    )";

/// The upsert's key: the request's receipt time, then its `auditID`. Every stage of a request
/// carries the same `requestReceivedTimestamp`, so this finds the row of an earlier stage as
/// `auditID` alone would; but it is (nearly) in arrival order, so a batch's new keys go to
/// the last pages of the index. An index on the random `auditID`s (UUIDs) alone put each new
/// key on its own page: a batch of 400 events dirtied some 400 index pages, each written to
/// the WAL and then checkpointed, the largest cost of a commit. Events without
/// `requestReceivedTimestamp` (the API server always sets it) are keyed by `auditID` alone.
/// Stores created with the old table (`audit_id ... UNIQUE`) keep that key (see
/// [`Sqlite::open`]).
const REQUEST_KEY: &str =
    "CREATE UNIQUE INDEX IF NOT EXISTS events_request ON events (coalesce(received_ts, 0), audit_id)";
const REQUEST_CONFLICT: &str = "(coalesce(received_ts, 0), audit_id)";

/// The secondary indexes. Time; who acted (real and effective user); where (namespace;
/// resource and name, the "who deleted my namespace" question); what (verb and resource);
/// from where (source IP); refused requests (decision). Low-cardinality columns (level,
/// stage, code, subresource, API group) are filtered alongside one of these: an index on a
/// column of a handful of values would not select.
pub(crate) const INDEXES: &[&str] = &[
    "CREATE INDEX IF NOT EXISTS events_ts ON events (ts)",
    "CREATE INDEX IF NOT EXISTS events_user ON events (username, ts)",
    "CREATE INDEX IF NOT EXISTS events_effective_user ON events (effective_user, ts)",
    "CREATE INDEX IF NOT EXISTS events_namespace ON events (namespace, ts)",
    "CREATE INDEX IF NOT EXISTS events_object ON events (resource, name, ts)",
    "CREATE INDEX IF NOT EXISTS events_verb ON events (verb, resource, ts)",
    "CREATE INDEX IF NOT EXISTS events_source_ip ON events (source_ip, ts)",
    "CREATE INDEX IF NOT EXISTS events_decision ON events (decision, ts)",
];

const COLUMNS: &str = "audit_id, ts, received_ts, stage, level, username, effective_user, verb, resource, subresource, api_group, namespace, name, code, decision, source_ip, user_agent, ingested, event";

/// Replace a stored row only with a later stage of the same request.
pub(crate) const UPSERT_SET: &str = "ts = excluded.ts, received_ts = excluded.received_ts, stage = excluded.stage, level = excluded.level, username = excluded.username, effective_user = excluded.effective_user, verb = excluded.verb, resource = excluded.resource, subresource = excluded.subresource, api_group = excluded.api_group, namespace = excluded.namespace, name = excluded.name, code = excluded.code, decision = excluded.decision, source_ip = excluded.source_ip, user_agent = excluded.user_agent, ingested = excluded.ingested, event = excluded.event";

/// When the WAL is copied into the database file, in WAL frames (pages), when the writer
/// leaves checkpoints to a checkpointer ([`Sqlite::checkpoint_elsewhere`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WalLimits {
    /// The checkpointer runs a passive checkpoint (it never blocks the writer) once this
    /// many frames were appended since its last one: each copies a page once however often
    /// it was written in between.
    pub passive: i64,
    /// Past this many frames the writer, after its commit, copies what the checkpointer has
    /// not yet copied itself (the checkpointer keeps close behind it from `restart -
    /// passive` frames on, copying every new frame, and stops at `restart`, so that is a
    /// few frames): the WAL is then wholly copied when the writer's next commit starts, so
    /// that commit starts the WAL anew. Passive checkpoints alone never catch up with a
    /// writer under sustained load (it appends while they copy), and a restarting checkpoint
    /// from another connection would wait for a gap between the writer's commits that never
    /// comes.
    pub restart: i64,
}

impl Default for WalLimits {
    /// 16 MiB of 4 KiB pages between passive checkpoints; the WAL started anew past 64 MiB.
    fn default() -> Self {
        WalLimits {
            passive: 4096,
            restart: 16384,
        }
    }
}

/// The WAL's length in frames as the writer left it at its last commit (its WAL hook sets
/// it), read by the checkpointer.
#[derive(Debug, Clone, Default)]
pub struct WalFrames(Arc<AtomicI64>);

impl WalFrames {
    pub fn get(&self) -> i64 {
        self.0.load(Ordering::Relaxed)
    }
}

/// What a checkpointer did on one call of [`Sqlite::checkpoint`].
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Checkpointed {
    /// Frames in the WAL and, of those, copied into the database file.
    pub wal: i64,
    pub copied: i64,
}

pub(crate) fn now_micros() -> i64 {
    jiff::Timestamp::now().as_microsecond()
}

impl Sqlite {
    pub fn open(path: &Path) -> Result<Sqlite, StoreError> {
        let conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_WRITE
                | OpenFlags::SQLITE_OPEN_CREATE
                | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        conn.busy_timeout(std::time::Duration::from_secs(30))?;
        // auto_vacuum takes effect only before the first table is created: freed pages can
        // then be given back to the file system by retention (incremental_vacuum). Set only
        // on a new file: setting it takes the write lock, so a connection opened beside a
        // busy writer (a question, the checkpointer) would wait for a gap between commits.
        let tables: i64 = conn.query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get(0))?;
        if tables == 0 {
            conn.pragma_update(None, "auto_vacuum", "INCREMENTAL")?;
        }
        let mode: String = conn.pragma_update_and_check(None, "journal_mode", "WAL", |r| r.get(0))?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(StoreError::Other(format!(
                "{}: cannot use WAL mode (journal_mode is {mode})",
                path.display()
            )));
        }
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.pragma_update(None, "cache_size", -65536)?;
        conn.pragma_update(None, "temp_store", "MEMORY")?;
        conn.execute(TABLE, [])?;
        // A store made by an earlier palisade has `audit_id ... UNIQUE` in its table (that
        // constraint cannot be dropped without copying the table): it keeps that key.
        let table: String = conn.query_row(
            "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'events'",
            [],
            |r| r.get(0),
        )?;
        let conflict = if table.contains("UNIQUE") {
            "(audit_id)"
        } else {
            conn.execute(REQUEST_KEY, [])?;
            REQUEST_CONFLICT
        };
        for s in INDEXES {
            conn.execute(s, [])?;
        }
        Ok(Sqlite {
            conn,
            name: Arc::from(format!("sqlite:{}", path.display())),
            insert_sql: format!(
                "INSERT INTO events ({COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19)
                 ON CONFLICT {conflict} DO UPDATE SET {UPSERT_SET} WHERE excluded.stage > events.stage
                 RETURNING id"
            ),
            copied: 0,
            wal: None,
        })
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    /// Leave checkpoints to another connection (the sink's checkpointer thread calling
    /// [`Sqlite::checkpoint`] with the same `limits`): this one no longer checkpoints every
    /// 1,000 pages after its commits (SQLite's automatic checkpoint copies pages into the
    /// database file and fsyncs it on the writer's time); it publishes the WAL's length after
    /// each commit in the returned [`WalFrames`], and past [`WalLimits::restart`] frames it
    /// copies the few frames the checkpointer has not yet copied, so that its next commit
    /// starts the WAL anew. Durability is unchanged: a commit returns once its frames are
    /// fsynced in the WAL.
    pub fn checkpoint_elsewhere(&mut self, limits: WalLimits) -> Result<WalFrames, StoreError> {
        let frames = WalFrames::default();
        let f = frames.0.clone();
        // Setting a WAL hook replaces the automatic checkpoint (itself a WAL hook).
        self.conn.wal_hook(Some(
            move |_: &mut rusqlite::hooks::Wal, pages: std::ffi::c_int| {
                f.store(i64::from(pages), Ordering::Relaxed);
                Ok(())
            },
        ))?;
        // When the WAL is started anew, its file is cut back to this size.
        self.conn
            .pragma_update(None, "journal_size_limit", 64 * 1024 * 1024)?;
        self.wal = Some((frames.clone(), limits));
        Ok(frames)
    }

    /// One step of a checkpointer (a connection of its own, on its own thread), given the
    /// WAL's length that the writer published ([`Sqlite::checkpoint_elsewhere`]): a passive
    /// checkpoint once [`WalLimits::passive`] frames were appended since the last one, and
    /// of every new frame from `restart - passive` frames on, up to [`WalLimits::restart`]
    /// (past it the writer copies the rest and starts the WAL anew). A passive checkpoint
    /// never blocks the writer. Returns None when nothing was due or the writer was copying
    /// the WAL's last frames itself.
    pub fn checkpoint(&mut self, wal: i64, limits: &WalLimits) -> Result<Option<Checkpointed>, StoreError> {
        if wal < self.copied {
            // The writer started the WAL anew.
            self.copied = 0;
        }
        let new = wal - self.copied;
        let due = wal < limits.restart
            && (new >= limits.passive || (wal >= limits.restart - limits.passive && new > 0));
        if !due {
            return Ok(None);
        }
        let (log, copied) = match self
            .conn
            .wal_checkpoint_v2(None::<&str>, rusqlite::wal::CheckpointMode::PASSIVE)
        {
            Ok(done) => done,
            // The writer is copying the WAL's last frames itself: next time.
            Err(e) if e.sqlite_error_code() == Some(rusqlite::ErrorCode::DatabaseBusy) => return Ok(None),
            Err(e) => return Err(e.into()),
        };
        self.copied = i64::from(copied);
        Ok(Some(Checkpointed {
            wal: i64::from(log),
            copied: i64::from(copied),
        }))
    }

    /// Start a bulk load (filling a new store with millions of events, e.g. an import or a
    /// benchmark): the secondary indexes are dropped and commits are not synced, so rows go
    /// in at the speed of appending to the table. [`Sqlite::bulk_end`] builds the indexes
    /// (sorting once, far faster than maintaining them row by row) and restores WAL mode and
    /// `synchronous=FULL`. Without a journal, a crash in between can leave the file corrupt:
    /// this is for filling a new store, never for what an API server is acknowledged.
    pub fn bulk_begin(&mut self) -> Result<(), StoreError> {
        for s in INDEXES {
            if let Some(name) = s.split_whitespace().nth(5) {
                self.conn.execute(&format!("DROP INDEX IF EXISTS {name}"), [])?;
            }
        }
        // No journal either: an index build would otherwise pass through the WAL (as large
        // as the index) before reaching the file.
        self.conn.pragma_update(None, "synchronous", "OFF")?;
        self.conn
            .pragma_update_and_check(None, "journal_mode", "OFF", |_| Ok(()))?;
        Ok(())
    }

    /// End a bulk load: build the indexes, gather the planner's statistics, sync.
    pub fn bulk_end(&mut self) -> Result<(), StoreError> {
        for s in INDEXES {
            self.conn.execute(s, [])?;
        }
        self.conn.execute_batch("ANALYZE")?;
        let mode: String = self
            .conn
            .pragma_update_and_check(None, "journal_mode", "WAL", |r| r.get(0))?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(StoreError::Other(format!(
                "{}: cannot go back to WAL mode (journal_mode is {mode})",
                self.name
            )));
        }
        self.conn.pragma_update(None, "synchronous", "FULL")?;
        Ok(())
    }

    pub fn insert(&mut self, records: &[Record]) -> Result<Inserted, StoreError> {
        let now = now_micros();
        let tx = self.conn.transaction()?;
        let mut ids = Vec::with_capacity(records.len());
        {
            let mut st = tx.prepare_cached(&self.insert_sql)?;
            for r in records {
                let blob = lz4_flex::compress_prepend_size(r.json.as_bytes());
                let mut rows = st.query(params![
                    r.audit_id,
                    r.ts,
                    r.received_ts,
                    r.stage,
                    r.level,
                    r.user,
                    r.effective_user,
                    r.verb,
                    r.resource,
                    r.subresource,
                    r.api_group,
                    r.namespace,
                    r.name,
                    r.code,
                    r.decision,
                    r.source_ip,
                    r.user_agent,
                    now,
                    blob,
                ])?;
                ids.push(match rows.next()? {
                    Some(row) => Some(row.get::<_, i64>(0)?),
                    None => None,
                });
            }
        }
        tx.commit()?;
        if let Some((frames, limits)) = &self.wal {
            if frames.get() >= limits.restart {
                // Copy what the checkpointer has not (it stays close behind and stops here):
                // the next commit then starts the WAL anew. The batch is committed
                // whatever this does; when the checkpointer holds the checkpoint lock (busy),
                // the next commit tries again.
                let _ = self
                    .conn
                    .wal_checkpoint_v2(None::<&str>, rusqlite::wal::CheckpointMode::PASSIVE);
            }
        }
        Ok(Inserted { ids })
    }

    pub fn select(
        &mut self,
        sel: &Selection,
        f: &mut dyn FnMut(&Loc, Event<'_>) -> ControlFlow<()>,
    ) -> Result<u64, StoreError> {
        let (sql, params) = sel.sql(Dialect::Sqlite, "event");
        let bound: Vec<Box<dyn ToSql>> = params
            .into_iter()
            .map(|p| -> Box<dyn ToSql> {
                match p {
                    Param::Text(s) => Box::new(s),
                    Param::Int(i) => Box::new(i),
                }
            })
            .collect();
        let mut st = self.conn.prepare(&sql)?;
        let mut rows = st.query(rusqlite::params_from_iter(bound.iter()))?;
        let mut n = 0;
        while let Some(row) = rows.next()? {
            n += 1;
            let id: i64 = row.get(0)?;
            let blob = row
                .get_ref(1)?
                .as_blob()
                .map_err(|e| StoreError::Other(format!("{}:{id}: {e}", self.name)))?;
            let json = decompress(blob).map_err(|e| StoreError::Other(format!("{}:{id}: {e}", self.name)))?;
            if hand_on(&self.name, id, &json, f)?.is_break() {
                break;
            }
        }
        Ok(n)
    }

    pub fn is_empty(&mut self) -> Result<bool, StoreError> {
        let any: i64 = self
            .conn
            .query_row("SELECT EXISTS (SELECT 1 FROM events)", [], |r| r.get(0))?;
        Ok(any == 0)
    }

    pub fn size(&mut self) -> Result<Size, StoreError> {
        let events: i64 = self
            .conn
            .query_row("SELECT count(*) FROM events", [], |r| r.get(0))?;
        Ok(Size {
            events: events.max(0) as u64,
            bytes: self.used_bytes()?,
        })
    }

    fn used_bytes(&self) -> Result<u64, StoreError> {
        let pragma = |p: &str| -> Result<i64, StoreError> {
            Ok(self.conn.query_row(&format!("PRAGMA {p}"), [], |r| r.get(0))?)
        };
        let used = (pragma("page_count")? - pragma("freelist_count")?) * pragma("page_size")?;
        Ok(used.max(0) as u64)
    }

    /// Delete the rows `sql` selects (`?1`: chunk size, `?2`: the time bound if any), chunk by
    /// chunk, until `limit` rows are gone or none is left. Each chunk is its own transaction.
    fn delete_chunks(&mut self, sql: &str, bound: Option<i64>, limit: u64) -> Result<u64, StoreError> {
        delete_in_chunks(limit, |chunk| {
            Ok(match bound {
                Some(b) => self.conn.execute(sql, params![chunk, b])?,
                None => self.conn.execute(sql, params![chunk])?,
            } as u64)
        })
    }

    pub fn retain(&mut self, r: &Retention, now: jiff::Timestamp) -> Result<Retained, StoreError> {
        let mut deleted = 0;
        if let Some(age) = r.max_age {
            let cutoff = now.as_microsecond() - age.as_micros().min(i64::MAX as u128) as i64;
            deleted += self.delete_chunks(
                "DELETE FROM events WHERE id IN (SELECT id FROM events WHERE ts < ?2 ORDER BY ts LIMIT ?1)",
                Some(cutoff),
                u64::MAX,
            )?;
        }
        let oldest = "DELETE FROM events WHERE id IN (SELECT id FROM events ORDER BY ts LIMIT ?1)";
        if let Some(max) = r.max_events {
            let size = self.size()?;
            if size.events > max {
                deleted += self.delete_chunks(oldest, None, size.events - max)?;
            }
        }
        if let Some(max) = r.max_bytes {
            let size = self.size()?;
            if size.bytes > max && size.events > 0 {
                // Rows to delete, from the average row size (one pass; the next pass corrects).
                let excess = size.bytes - max;
                let rows = ((excess as f64 / size.bytes as f64) * size.events as f64).ceil() as u64;
                deleted += self.delete_chunks(oldest, None, rows.max(1))?;
            }
        }
        if deleted > 0 {
            // Give freed pages back, a bounded number per transaction.
            loop {
                let free: i64 = self.conn.query_row("PRAGMA freelist_count", [], |r| r.get(0))?;
                if free == 0 {
                    break;
                }
                self.conn.execute_batch("PRAGMA incremental_vacuum(2000)")?;
                let after: i64 = self.conn.query_row("PRAGMA freelist_count", [], |r| r.get(0))?;
                if after >= free {
                    break;
                }
            }
        }
        Ok(Retained {
            deleted,
            size: self.size()?,
        })
    }
}

pub(crate) fn decompress(blob: &[u8]) -> Result<String, String> {
    let bytes = lz4_flex::decompress_size_prepended(blob)
        .map_err(|e| format!("the stored event does not decompress: {e}"))?;
    String::from_utf8(bytes).map_err(|_| "the stored event is not UTF-8".to_owned())
}
