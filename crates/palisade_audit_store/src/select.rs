//! What a question asks of the store: a time range and, per indexed column, the values it may
//! take (any of them; none given: any value), translated to a SQL `WHERE` with bound
//! parameters for either backend. The SQL is built from column names and placeholders only;
//! every value is a parameter.
//!
//! A selection is exact on the columns it names. Filters that have no column (groups, a user
//! agent substring, annotations, ...) are applied by the caller to the events read back, so
//! the selection may pick a superset of what a question wants, never a subset.

use crate::record::stage_rank;
use palisade_audit::Stage;

/// Time order of the rows handed on.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub enum Order {
    #[default]
    Oldest,
    Newest,
}

#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Selection {
    /// From this time on (inclusive).
    pub since: Option<jiff::Timestamp>,
    /// Before this time (exclusive).
    pub until: Option<jiff::Timestamp>,
    pub audit_id: Vec<String>,
    pub user: Vec<String>,
    pub effective_user: Vec<String>,
    pub verb: Vec<String>,
    pub resource: Vec<String>,
    pub subresource: Vec<String>,
    pub api_group: Vec<String>,
    pub namespace: Vec<String>,
    pub name: Vec<String>,
    pub code: Vec<i64>,
    /// Inclusive ranges of response codes (any of them; a request without a code is in none).
    pub code_ranges: Vec<(i64, i64)>,
    /// Only requests refused by authorization: code 403 or decision `forbid`.
    pub denied: bool,
    pub decision: Vec<String>,
    pub source_ip: Vec<String>,
    pub user_agent: Vec<String>,
    pub level: Vec<String>,
    pub stage: Vec<Stage>,
    /// A user that is the real or the effective one (`username` or `effective_user`).
    pub identity: Vec<String>,
    /// A namespace, the namespace's own requests (`namespaces/NAME`) included.
    pub namespace_or_itself: Vec<String>,
    pub order: Order,
    /// At most this many rows are read (the caller may stop earlier).
    pub limit: Option<u64>,
}

/// A bound parameter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Param {
    Text(String),
    Int(i64),
}

/// The SQL dialect's placeholder for the n-th (1-based) parameter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    Sqlite,
    Postgres,
}

impl Dialect {
    fn placeholder(self, n: usize) -> String {
        match self {
            Dialect::Sqlite => format!("?{n}"),
            Dialect::Postgres => format!("${n}"),
        }
    }
}

impl Selection {
    /// `WHERE …` (empty when everything is selected) and its parameters.
    pub fn where_clause(&self, d: Dialect) -> (String, Vec<Param>) {
        let mut conds: Vec<String> = Vec::new();
        let mut params: Vec<Param> = Vec::new();
        let mut push = |col: &str, values: Vec<Param>, conds: &mut Vec<String>| {
            if values.is_empty() {
                return;
            }
            let mut ph = Vec::with_capacity(values.len());
            for v in values {
                params.push(v);
                ph.push(d.placeholder(params.len()));
            }
            if ph.len() == 1 {
                conds.push(format!("{col} = {}", ph[0]));
            } else {
                conds.push(format!("{col} IN ({})", ph.join(", ")));
            }
        };
        let text = |v: &[String]| v.iter().map(|s| Param::Text(s.clone())).collect::<Vec<_>>();
        push("audit_id", text(&self.audit_id), &mut conds);
        push("username", text(&self.user), &mut conds);
        push("effective_user", text(&self.effective_user), &mut conds);
        push("verb", text(&self.verb), &mut conds);
        push("resource", text(&self.resource), &mut conds);
        push("subresource", text(&self.subresource), &mut conds);
        push("api_group", text(&self.api_group), &mut conds);
        push("namespace", text(&self.namespace), &mut conds);
        push("name", text(&self.name), &mut conds);
        push(
            "code",
            self.code.iter().map(|c| Param::Int(*c)).collect(),
            &mut conds,
        );
        push("decision", text(&self.decision), &mut conds);
        push("source_ip", text(&self.source_ip), &mut conds);
        push("user_agent", text(&self.user_agent), &mut conds);
        push("level", text(&self.level), &mut conds);
        push(
            "stage",
            self.stage.iter().map(|s| Param::Int(stage_rank(*s))).collect(),
            &mut conds,
        );
        let mut either = |a: &str, b: &str, v: &[String], conds: &mut Vec<String>| {
            if v.is_empty() {
                return;
            }
            let mut ph = Vec::new();
            for x in v {
                params.push(Param::Text(x.clone()));
                ph.push(d.placeholder(params.len()));
            }
            let list = ph.join(", ");
            conds.push(format!("({a} IN ({list}) OR {b} IN ({list}))"));
        };
        either("username", "effective_user", &self.identity, &mut conds);
        either(
            "namespace",
            "(resource = 'namespaces' AND api_group = '') AND name",
            &self.namespace_or_itself,
            &mut conds,
        );
        if !self.code_ranges.is_empty() {
            let mut any = Vec::new();
            for (a, b) in &self.code_ranges {
                params.push(Param::Int(*a));
                let pa = d.placeholder(params.len());
                params.push(Param::Int(*b));
                let pb = d.placeholder(params.len());
                any.push(format!("code BETWEEN {pa} AND {pb}"));
            }
            conds.push(format!("({})", any.join(" OR ")));
        }
        if self.denied {
            conds.push("(code = 403 OR decision = 'forbid')".into());
        }
        if let Some(t) = self.since {
            params.push(Param::Int(crate::micros(t)));
            conds.push(format!("ts >= {}", d.placeholder(params.len())));
        }
        if let Some(t) = self.until {
            params.push(Param::Int(crate::micros(t)));
            conds.push(format!("ts < {}", d.placeholder(params.len())));
        }
        if conds.is_empty() {
            (String::new(), params)
        } else {
            (format!("WHERE {}", conds.join(" AND ")), params)
        }
    }

    /// The whole query: id and event JSON of the selected rows in time order.
    pub fn sql(&self, d: Dialect, event_column: &str) -> (String, Vec<Param>) {
        let (w, params) = self.where_clause(d);
        let dir = match self.order {
            Order::Oldest => "ASC",
            Order::Newest => "DESC",
        };
        let mut sql = format!("SELECT id, {event_column} FROM events {w} ORDER BY ts {dir}, id {dir}");
        if let Some(n) = self.limit {
            sql.push_str(&format!(" LIMIT {}", n.min(i64::MAX as u64)));
        }
        (sql, params)
    }
}

impl Selection {
    /// The part of a question's filter that the store's columns answer exactly, as a
    /// selection picking a superset of what the filter matches: globs, groups, networks and
    /// substrings are left to [`Filter::matches`] on the events read back. Code ranges,
    /// `--denied`, stages (a stored row is the latest stage of its request, as `Dedup` hands
    /// on), subresources, decisions and levels are columns, so they are asked in SQL too:
    /// rows that cannot match are never read and decoded.
    pub fn from_filter(f: &palisade_audit::filter::Filter) -> Selection {
        let literals = |v: &[palisade_audit::filter::Glob]| -> Vec<String> {
            let l: Vec<String> = v.iter().filter_map(|g| g.literal().map(str::to_owned)).collect();
            if l.len() == v.len() {
                l
            } else {
                Vec::new()
            }
        };
        let mut identity = literals(&f.users);
        if f.users.is_empty() && !f.service_accounts.is_empty() {
            let sa: Vec<String> = f
                .service_accounts
                .iter()
                .filter_map(|(ns, n)| {
                    Some(format!(
                        "system:serviceaccount:{}:{}",
                        ns.literal()?,
                        n.literal()?
                    ))
                })
                .collect();
            if sa.len() == f.service_accounts.len() {
                identity = sa;
            }
        }
        let resources: Vec<String> = f
            .resources
            .iter()
            .filter_map(|r| r.resource.literal().map(str::to_owned))
            .collect();
        Selection {
            since: f.since,
            // The filter's bound is inclusive.
            until: f
                .until
                .and_then(|u| u.checked_add(jiff::SignedDuration::from_micros(1)).ok()),
            identity,
            verb: f.verbs.clone(),
            resource: if resources.len() == f.resources.len() {
                resources
            } else {
                Vec::new()
            },
            namespace_or_itself: literals(&f.namespaces),
            name: literals(&f.names),
            subresource: literals(&f.subresources),
            code_ranges: f.codes.iter().map(|r| (i64::from(r.0), i64::from(r.1))).collect(),
            denied: f.denied,
            stage: f.stages.clone(),
            decision: f.decisions.clone(),
            level: f.levels.iter().map(|l| l.as_str().to_owned()).collect(),
            ..Selection::default()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_parameters_never_sql() {
        let s = Selection {
            user: vec!["alice'; DROP TABLE events; --".into()],
            verb: vec!["delete".into(), "deletecollection".into()],
            code: vec![403],
            stage: vec![Stage::ResponseComplete],
            since: Some("2026-11-22T00:00:00Z".parse().unwrap()),
            limit: Some(10),
            order: Order::Newest,
            ..Selection::default()
        };
        let (sql, params) = s.sql(Dialect::Postgres, "event");
        assert_eq!(
            sql,
            "SELECT id, event FROM events WHERE username = $1 AND verb IN ($2, $3) AND code = $4 AND stage = $5 AND ts >= $6 ORDER BY ts DESC, id DESC LIMIT 10"
        );
        assert_eq!(params[0], Param::Text("alice'; DROP TABLE events; --".into()));
        assert_eq!(params[3], Param::Int(403));
        assert_eq!(params[4], Param::Int(2));
        assert_eq!(params.len(), 6);
        let (sql, _) = Selection::default().sql(Dialect::Sqlite, "event");
        assert_eq!(sql, "SELECT id, event FROM events  ORDER BY ts ASC, id ASC");
        let ranges = Selection {
            code_ranges: vec![(400, 499), (500, 500)],
            denied: true,
            ..Selection::default()
        };
        let (w, params) = ranges.where_clause(Dialect::Sqlite);
        assert_eq!(
            w,
            "WHERE (code BETWEEN ?1 AND ?2 OR code BETWEEN ?3 AND ?4) AND (code = 403 OR decision = 'forbid')"
        );
        assert_eq!(
            params,
            [Param::Int(400), Param::Int(499), Param::Int(500), Param::Int(500)]
        );
        let (w, _) = s.where_clause(Dialect::Sqlite);
        assert!(w.starts_with("WHERE username = ?1 AND verb IN (?2, ?3)"), "{w}");
    }
}
