//! The shared store: PostgreSQL, for several palisade replicas behind one Service. A batch is
//! one transaction (multi-row upserts of at most [`ROWS_PER_STATEMENT`] rows); when `insert`
//! returns, the commit has been acknowledged by the server (durable by PostgreSQL's own
//! `synchronous_commit`, on by default). Connections are plain TCP or a Unix socket
//! (`host=/run/postgresql`); for TLS, put a TLS-terminating proxy (or a Unix socket through
//! a sidecar) in front: this build has no TLS client for PostgreSQL.
//!
//! The schema is the SQLite one with PostgreSQL types; the event JSON is `text` (PostgreSQL
//! compresses large values itself, and `psql` can read them).

use crate::record::Record;
use crate::select::{Dialect, Param, Selection};
use crate::sqlite::now_micros;
use crate::{delete_in_chunks, hand_on, Inserted, Retained, Retention, Size, StoreError};
use ::postgres::types::ToSql;
use ::postgres::{Client, NoTls, Statement};
use palisade_audit::{Event, Loc};
use std::collections::HashMap;
use std::ops::ControlFlow;
use std::sync::Arc;

/// Rows per INSERT statement (19 parameters each; PostgreSQL allows 65535 per statement).
pub const ROWS_PER_STATEMENT: usize = 500;

const SCHEMA: &[&str] = &[
    "CREATE TABLE IF NOT EXISTS events (
        id BIGSERIAL PRIMARY KEY,
        audit_id TEXT NOT NULL UNIQUE,
        ts BIGINT NOT NULL,
        received_ts BIGINT,
        stage BIGINT NOT NULL,
        level TEXT NOT NULL,
        username TEXT NOT NULL,
        effective_user TEXT NOT NULL,
        verb TEXT NOT NULL,
        resource TEXT NOT NULL,
        subresource TEXT NOT NULL,
        api_group TEXT NOT NULL,
        namespace TEXT NOT NULL,
        name TEXT NOT NULL,
        code BIGINT,
        decision TEXT NOT NULL,
        source_ip TEXT NOT NULL,
        user_agent TEXT NOT NULL,
        ingested BIGINT NOT NULL,
        event TEXT NOT NULL
    )",
    "CREATE INDEX IF NOT EXISTS events_ts ON events (ts)",
    "CREATE INDEX IF NOT EXISTS events_user ON events (username, ts)",
    "CREATE INDEX IF NOT EXISTS events_effective_user ON events (effective_user, ts)",
    "CREATE INDEX IF NOT EXISTS events_namespace ON events (namespace, ts)",
    "CREATE INDEX IF NOT EXISTS events_object ON events (resource, name, ts)",
    "CREATE INDEX IF NOT EXISTS events_verb ON events (verb, resource, ts)",
    "CREATE INDEX IF NOT EXISTS events_source_ip ON events (source_ip, ts)",
    "CREATE INDEX IF NOT EXISTS events_decision ON events (decision, ts)",
];

/// An arbitrary constant: the advisory lock replicas take to create the schema one at a time.
const SCHEMA_LOCK: i64 = 0x7061_6c69_7361_6465;

pub struct Postgres {
    client: Client,
    name: Arc<str>,
    inserts: HashMap<usize, Statement>,
}

/// `postgres://user:secret@host:port/db?x` without the password.
fn display_name(url: &str) -> String {
    if let Some((scheme, rest)) = url.split_once("://") {
        let (auth, host) = match rest.rsplit_once('@') {
            Some((a, h)) => (Some(a), h),
            None => (None, rest),
        };
        let host = host.split('?').next().unwrap_or(host);
        return match auth.map(|a| a.split(':').next().unwrap_or(a)) {
            Some(user) => format!("{scheme}://{user}@{host}"),
            None => format!("{scheme}://{host}"),
        };
    }
    "postgres".into()
}

impl Postgres {
    pub fn open(url: &str) -> Result<Postgres, StoreError> {
        let mut client = Client::connect(url, NoTls)?;
        client.execute("SELECT pg_advisory_lock($1)", &[&SCHEMA_LOCK])?;
        let created = SCHEMA.iter().try_for_each(|s| client.batch_execute(s));
        client.execute("SELECT pg_advisory_unlock($1)", &[&SCHEMA_LOCK])?;
        created?;
        Ok(Postgres {
            client,
            name: Arc::from(display_name(url)),
            inserts: HashMap::new(),
        })
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    fn statement(&mut self, rows: usize) -> Result<Statement, StoreError> {
        if let Some(s) = self.inserts.get(&rows) {
            return Ok(s.clone());
        }
        let mut values = Vec::with_capacity(rows);
        for r in 0..rows {
            let ph: Vec<String> = (1..=19).map(|c| format!("${}", r * 19 + c)).collect();
            values.push(format!("({})", ph.join(", ")));
        }
        let sql = format!(
            "INSERT INTO events (audit_id, ts, received_ts, stage, level, username, effective_user, verb, resource, subresource, api_group, namespace, name, code, decision, source_ip, user_agent, ingested, event)
             VALUES {}
             ON CONFLICT (audit_id) DO UPDATE SET {} WHERE excluded.stage > events.stage
             RETURNING id, audit_id",
            values.join(", "),
            crate::sqlite::UPSERT_SET
        );
        let st = self.client.prepare(&sql)?;
        self.inserts.insert(rows, st.clone());
        Ok(st)
    }

    pub fn insert(&mut self, records: &[Record]) -> Result<Inserted, StoreError> {
        let now = now_micros();
        // Statements of at most ROWS_PER_STATEMENT rows, none naming one auditID twice (an
        // upsert cannot touch one row twice in a statement; batches committed together may
        // hold a request twice).
        let mut chunks: Vec<std::ops::Range<usize>> = Vec::new();
        let mut seen = std::collections::HashSet::new();
        let mut start = 0;
        for (i, r) in records.iter().enumerate() {
            if i - start == ROWS_PER_STATEMENT || !seen.insert(r.audit_id.as_str()) {
                chunks.push(start..i);
                start = i;
                seen.clear();
                seen.insert(r.audit_id.as_str());
            }
        }
        if start < records.len() {
            chunks.push(start..records.len());
        }
        let statements: Vec<Statement> = chunks
            .iter()
            .map(|c| self.statement(c.len()))
            .collect::<Result<_, _>>()?;
        let mut ids = vec![None; records.len()];
        let mut tx = self.client.transaction()?;
        for (range, st) in chunks.iter().zip(&statements) {
            let chunk = &records[range.clone()];
            let mut p: Vec<&(dyn ToSql + Sync)> = Vec::with_capacity(chunk.len() * 19);
            for r in chunk {
                p.extend_from_slice(&[
                    &r.audit_id,
                    &r.ts,
                    &r.received_ts,
                    &r.stage,
                    &r.level,
                    &r.user,
                    &r.effective_user,
                    &r.verb,
                    &r.resource,
                    &r.subresource,
                    &r.api_group,
                    &r.namespace,
                    &r.name,
                    &r.code,
                    &r.decision,
                    &r.source_ip,
                    &r.user_agent,
                    &now,
                    &r.json,
                ]);
            }
            let mut by_id: HashMap<String, i64> = HashMap::with_capacity(chunk.len());
            for row in tx.query(st, &p)? {
                by_id.insert(row.get(1), row.get(0));
            }
            for (k, r) in range.clone().zip(chunk) {
                ids[k] = by_id.get(&r.audit_id).copied();
            }
        }
        tx.commit()?;
        Ok(Inserted { ids })
    }

    pub fn select(
        &mut self,
        sel: &Selection,
        f: &mut dyn FnMut(&Loc, Event<'_>) -> ControlFlow<()>,
    ) -> Result<u64, StoreError> {
        let (sql, params) = sel.sql(Dialect::Postgres, "event");
        let bound: Vec<Box<dyn ToSql + Sync>> = params
            .into_iter()
            .map(|p| -> Box<dyn ToSql + Sync> {
                match p {
                    Param::Text(s) => Box::new(s),
                    Param::Int(i) => Box::new(i),
                }
            })
            .collect();
        // Rows stream from the server (a portal in a transaction), not loaded at once.
        let mut tx = self.client.transaction()?;
        let st = tx.prepare(&sql)?;
        let portal = tx.bind(&st, &bound.iter().map(|b| b.as_ref()).collect::<Vec<_>>())?;
        let mut n = 0;
        'outer: loop {
            let rows = tx.query_portal(&portal, 1000)?;
            let done = rows.len() < 1000;
            for row in rows {
                n += 1;
                let id: i64 = row.get(0);
                let json: &str = row.get(1);
                if hand_on(&self.name, id, json, f)?.is_break() {
                    break 'outer;
                }
            }
            if done {
                break;
            }
        }
        tx.commit()?;
        Ok(n)
    }

    pub fn is_empty(&mut self) -> Result<bool, StoreError> {
        let any: bool = self
            .client
            .query_one("SELECT EXISTS (SELECT 1 FROM events)", &[])?
            .get(0);
        Ok(!any)
    }

    pub fn size(&mut self) -> Result<Size, StoreError> {
        let row = self.client.query_one(
            "SELECT count(*), pg_total_relation_size('events') FROM events",
            &[],
        )?;
        let events: i64 = row.get(0);
        let bytes: i64 = row.get(1);
        Ok(Size {
            events: events.max(0) as u64,
            bytes: bytes.max(0) as u64,
        })
    }

    fn delete_chunks(&mut self, cutoff: Option<i64>, limit: u64) -> Result<u64, StoreError> {
        delete_in_chunks(limit, |chunk| {
            Ok(match cutoff {
                Some(c) => self.client.execute(
                    "DELETE FROM events WHERE id IN (SELECT id FROM events WHERE ts < $2 ORDER BY ts LIMIT $1)",
                    &[&chunk, &c],
                )?,
                None => self.client.execute(
                    "DELETE FROM events WHERE id IN (SELECT id FROM events ORDER BY ts LIMIT $1)",
                    &[&chunk],
                )?,
            })
        })
    }

    pub fn retain(&mut self, r: &Retention, now: jiff::Timestamp) -> Result<Retained, StoreError> {
        let mut deleted = 0;
        if let Some(age) = r.max_age {
            let cutoff = now.as_microsecond() - age.as_micros().min(i64::MAX as u128) as i64;
            deleted += self.delete_chunks(Some(cutoff), u64::MAX)?;
        }
        if let Some(max) = r.max_events {
            let size = self.size()?;
            if size.events > max {
                deleted += self.delete_chunks(None, size.events - max)?;
            }
        }
        if let Some(max) = r.max_bytes {
            // Deleted rows' space is reused after (auto)vacuum, not given back at once: the
            // rows to delete come from the average row size, once per pass.
            let size = self.size()?;
            if size.bytes > max && size.events > 0 {
                let excess = size.bytes - max;
                let rows = ((excess as f64 / size.bytes as f64) * size.events as f64).ceil() as u64;
                deleted += self.delete_chunks(None, rows.max(1))?;
            }
        }
        Ok(Retained {
            deleted,
            size: self.size()?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::display_name;

    #[test]
    fn the_name_has_no_password() {
        assert_eq!(
            display_name("postgres://palisade:s3cret@db:5432/audit?sslmode=disable"),
            "postgres://palisade@db:5432/audit"
        );
        assert_eq!(display_name("postgresql://db/audit"), "postgresql://db/audit");
    }
}
