//! The human format of `palisade rbac` answers: can-i, who-can, subject, workload, paths.

use crate::Answer;
use palisade_rbac::answer::{
    CanIAnswer, CanIListAnswer, Completeness, PathsAnswer, PermissionsAnswer, Unanswered, WhoCanAnswer,
    WhoCanRow, WorkloadAnswer,
};
use palisade_rbac::perms::MATRIX_VERBS;
use palisade_rbac::{Request, SUPER_USER_GROUP};
use std::io::{self, Write};

/// What an incomplete answer could not take into account (nothing when complete).
pub(crate) fn completeness(c: &Completeness, out: &mut dyn Write) -> io::Result<()> {
    if c.complete {
        return Ok(());
    }
    writeln!(
        out,
        "\nIncomplete: this answer leaves out what could not be read:"
    )?;
    for u in &c.unread {
        writeln!(out, "  could not read {u}")?;
    }
    for e in &c.errors {
        writeln!(out, "  error: {e}")?;
    }
    Ok(())
}

impl Answer for Unanswered {
    fn human(&self, out: &mut dyn Write) -> io::Result<()> {
        writeln!(out, "No answer: nothing it depends on could be read.")?;
        completeness(&self.completeness, out)
    }
}

impl Answer for CanIAnswer {
    fn human(&self, out: &mut dyn Write) -> io::Result<()> {
        let verdict = match self.allowed {
            Some(true) => "yes",
            Some(false) => "no",
            None => "unknown",
        };
        writeln!(out, "{verdict}")?;
        writeln!(
            out,
            "  {} ({}) → {}",
            self.user.name,
            self.user.groups.join(", "),
            self.request.describe()
        )?;
        match self.allowed {
            Some(true) => {
                for line in &self.explanation {
                    writeln!(out, "  allowed by {line}")?;
                }
            }
            Some(false) => {
                if let Some(node) = &self.node_authorizer {
                    writeln!(out, "  Node authorizer: {node}")?;
                }
                writeln!(
                    out,
                    "  no binding of this user or its groups has a rule that matches (RBAC only adds; nothing denies)"
                )?
            }
            None => writeln!(
                out,
                "  no rule among what was read allows it; what could not be read may"
            )?,
        }
        completeness(&self.completeness, out)
    }
}

impl Answer for CanIListAnswer {
    /// `kubectl auth can-i --list`: a tab-aligned table (minimum width 6, padding 3, like
    /// kubectl's printers), Go's `%v` of each list.
    fn human(&self, out: &mut dyn Write) -> io::Result<()> {
        let list = |v: &[String]| format!("[{}]", v.join(" "));
        let mut rows: Vec<[String; 4]> = Vec::new();
        if !self.no_headers {
            rows.push([
                "Resources".into(),
                "Non-Resource URLs".into(),
                "Resource Names".into(),
                "Verbs".into(),
            ]);
        }
        for r in &self.rules {
            // `describe.CombineResourceGroup`: the first resource and group.
            let resource = match r.resources.first() {
                None => String::new(),
                Some(res) => {
                    let (name, sub) = match res.split_once('/') {
                        Some((n, s)) => (n, Some(s)),
                        None => (res.as_str(), None),
                    };
                    let mut c = name.to_owned();
                    if let Some(g) = r.api_groups.first().filter(|g| !g.is_empty()) {
                        c.push('.');
                        c.push_str(g);
                    }
                    if let Some(sub) = sub {
                        c.push('/');
                        c.push_str(sub);
                    }
                    c
                }
            };
            rows.push([
                resource,
                list(&r.non_resource_urls),
                list(&r.resource_names),
                list(&r.verbs),
            ]);
        }
        let width = |c: usize| {
            rows.iter()
                .map(|r| r[c].chars().count() + 3)
                .max()
                .unwrap_or(0)
                .max(6)
        };
        let (w0, w1, w2) = (width(0), width(1), width(2));
        for r in &rows {
            writeln!(out, "{:w0$}{:w1$}{:w2$}{}", r[0], r[1], r[2], r[3])?;
        }
        completeness(&self.completeness, out)
    }
}

impl Answer for WhoCanAnswer {
    fn human(&self, out: &mut dyn Write) -> io::Result<()> {
        let what = match &self.request {
            Request::NonResource { verb, path } => format!("{verb} {path}"),
            Request::Resource { .. } => {
                let mut d = self.request.describe();
                if let Some(i) = d.find(" (cluster-wide)") {
                    d.truncate(i);
                }
                d
            }
        };
        let scope = match &self.namespace {
            Some(n) => format!("in namespace {n}"),
            None if self.namespaced => "cluster-wide and in each namespace".into(),
            None => "cluster-wide".into(),
        };
        writeln!(
            out,
            "Who can {what} {scope}: {} subject(s)\n",
            self.subjects.len()
        )?;
        let with_note = |display: String, note: &str| {
            if note.is_empty() {
                display
            } else {
                format!("{display} ({note})")
            }
        };
        let table: Vec<[String; 3]> = self
            .subjects
            .iter()
            .map(|r| match r {
                WhoCanRow::SuperUser { subject, scope, note } => [
                    with_note(subject.display(), note),
                    (*scope).to_owned(),
                    "-".to_owned(),
                ],
                WhoCanRow::Node {
                    subject,
                    scope,
                    reason,
                } => [
                    with_note(subject.display(), "Node authorizer"),
                    scope.clone(),
                    reason.clone(),
                ],
                WhoCanRow::Grant {
                    binding,
                    subject,
                    rule_source,
                    scope,
                    note,
                    ..
                } => [
                    with_note(subject.display(), note),
                    scope.clone(),
                    format!(
                        "{} {} → {rule_source} ({})",
                        binding.kind, binding.name, binding.location
                    ),
                ],
            })
            .collect();
        let width = |col: usize, min: usize| {
            table
                .iter()
                .map(|r| r[col].chars().count())
                .max()
                .unwrap_or(min)
                .max(min)
        };
        let (w0, w1) = (width(0, 7), width(1, 5));
        writeln!(out, "{:w0$}  {:w1$}  GRANTED BY", "SUBJECT", "SCOPE")?;
        for r in &table {
            writeln!(out, "{:w0$}  {:w1$}  {}", r[0], r[1], r[2])?;
        }
        completeness(&self.completeness, out)
    }
}

/// Matrix column header of a verb.
fn header(v: &str) -> &'static str {
    match v {
        "get" => "GET",
        "list" => "LIST",
        "watch" => "WATCH",
        "create" => "CREATE",
        "update" => "UPDATE",
        "patch" => "PATCH",
        "delete" => "DELETE",
        _ => "DELCOLL",
    }
}

impl Answer for PermissionsAnswer {
    fn human(&self, out: &mut dyn Write) -> io::Result<()> {
        writeln!(out, "{}  (groups: {})", self.subject, self.user.groups.join(", "))?;
        if self.super_user {
            writeln!(
                out,
                "  member of {SUPER_USER_GROUP}: allowed everything, RBAC is not consulted"
            )?;
            return completeness(&self.completeness, out);
        }
        for s in &self.scopes {
            let title = if s.namespace.is_empty() {
                "Cluster-wide (ClusterRoleBindings; these also apply in every namespace)".to_owned()
            } else {
                format!(
                    "Namespace {} (RoleBindings; in addition to cluster-wide)",
                    s.namespace
                )
            };
            writeln!(out, "\n{title}")?;
            if s.rules.is_empty() {
                writeln!(out, "  nothing")?;
                continue;
            }
            writeln!(out, "  Rules:")?;
            for r in &s.rules {
                writeln!(out, "    {}", r.describe())?;
            }
            if !s.matrix.is_empty() {
                let w = s
                    .matrix
                    .iter()
                    .map(|r| {
                        r.resource.len()
                            + if r.api_group.is_empty() {
                                0
                            } else {
                                r.api_group.len() + 1
                            }
                    })
                    .max()
                    .unwrap_or(8)
                    .max(8);
                write!(out, "  {:w$}", "RESOURCE")?;
                for v in MATRIX_VERBS {
                    write!(out, " {}", header(v))?;
                }
                writeln!(out, "  OTHER")?;
                for row in &s.matrix {
                    let name = if row.api_group.is_empty() {
                        row.resource.clone()
                    } else {
                        format!("{}.{}", row.resource, row.api_group)
                    };
                    write!(out, "  {name:w$}")?;
                    for v in MATRIX_VERBS {
                        let mark = if row.verbs.iter().any(|x| x == v) {
                            "✔"
                        } else {
                            "·"
                        };
                        write!(out, " {mark:^width$}", width = header(v).len())?;
                    }
                    let other: Vec<&str> = row
                        .verbs
                        .iter()
                        .filter(|v| !MATRIX_VERBS.contains(&v.as_str()))
                        .map(String::as_str)
                        .collect();
                    writeln!(out, "  {}", other.join(","))?;
                }
            }
            let nonres: Vec<String> = s
                .rules
                .iter()
                .filter(|r| !r.non_resource_urls.is_empty())
                .map(|r| format!("{} {}", r.verbs.join(","), r.non_resource_urls.join(",")))
                .collect();
            if !nonres.is_empty() {
                writeln!(out, "  Non-resource URLs: {}", nonres.join("; "))?;
            }
        }
        if self.risks.is_empty() {
            writeln!(out, "\nDangerous permissions: none")?;
        } else {
            writeln!(out, "\nDangerous permissions:")?;
            for r in &self.risks {
                let scope = if r.namespace.is_empty() {
                    "cluster-wide".to_owned()
                } else {
                    format!("in {}", r.namespace)
                };
                writeln!(
                    out,
                    "  ! {} {scope}: {} — via {} ({}) → {}{}",
                    r.title,
                    r.grants,
                    r.binding,
                    r.binding_location,
                    r.rule,
                    r.rule_location
                        .as_ref()
                        .map(|l| format!(" at {l}"))
                        .unwrap_or_default()
                )?;
            }
        }
        completeness(&self.completeness, out)
    }
}

impl Answer for WorkloadAnswer {
    fn human(&self, out: &mut dyn Write) -> io::Result<()> {
        let w = &self.workload;
        let ns = &w.namespace;
        writeln!(
            out,
            "{} {ns}/{} runs as ServiceAccount {ns}/{}{}\nToken mounted: {} ({}){}\n",
            w.kind,
            w.name,
            self.service_account,
            if self.implicit_service_account {
                " (implicitly: no serviceAccountName)"
            } else {
                ""
            },
            if self.token_mounted { "yes" } else { "no" },
            self.token_mounted_because,
            if self.token_mounted {
                ""
            } else {
                "\n  The permissions below are what the ServiceAccount holds; the pod has no token to use them."
            }
        )?;
        self.permissions.human(out)
    }
}

impl Answer for PathsAnswer {
    fn human(&self, out: &mut dyn Write) -> io::Result<()> {
        if self.paths.is_empty() {
            let what = self
                .to
                .map_or("cluster-admin, secrets or nodes".to_owned(), |t| t.to_string());
            if self.completeness.complete {
                writeln!(out, "No escalation path to {what} found.")?;
            } else {
                writeln!(
                    out,
                    "No escalation path to {what} found among what could be read."
                )?;
            }
        }
        for p in &self.paths {
            writeln!(out, "{}", p.summary())?;
            for e in &p.evidence {
                writeln!(out, "    {e}")?;
            }
            for (i, s) in p.steps.iter().enumerate() {
                writeln!(out, "  {}. {}", i + 1, s.action)?;
                for e in &s.evidence {
                    writeln!(out, "       {e}")?;
                }
            }
            writeln!(out)?;
        }
        if !self.paths.is_empty() {
            writeln!(out, "{} path(s).", self.paths.len())?;
        }
        completeness(&self.completeness, out)
    }
}
