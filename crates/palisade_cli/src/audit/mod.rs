//! `palisade audit`: questions asked of audit logs (`who`, `timeline`), and the shared
//! arguments of every audit subcommand (the logs to read, the filters).

pub(crate) mod detect;
mod policy;
mod query;
mod rbac;
mod unused;

pub use policy::explain;

use clap::{Args, Subcommand};
use palisade_audit::filter::{parse_time_bound, Cidr, CodeRange, Filter, Glob, ResourceSpec};
use palisade_audit::read::{Input, ReadOptions};
use palisade_audit::{Level, Stage};

#[derive(Subcommand, Debug)]
pub enum AuditCommand {
    /// Who did it: the requests matching the filters (one per request, stages joined by
    /// auditID), in time order, and the identities behind them. "Who deleted namespace shop?":
    /// `palisade audit who audit.log --verb delete --resource namespaces --name shop`.
    Who(query::QueryArgs),
    /// Everything an identity, object or namespace did or had done to it, in time order:
    /// `--user alice`, `--serviceaccount shop/frontend-sa`, `--object pods/web-1 -n shop`,
    /// `-n shop`.
    Timeline(query::QueryArgs),
    /// Audit Policy: what a policy records for a request or a recorded log (`check`), and
    /// what is wrong with it (`lint`).
    #[command(subcommand)]
    Policy(policy::PolicyCommand),
    /// The minimal Roles and bindings for what a user or ServiceAccount did in a log.
    Rbac(rbac::RbacArgs),
    /// Run the detection rules (AUD001 …) over audit logs: exec into pods, secret reads,
    /// powerful bindings, privileged pods, anonymous access, … Exit 1 when something is
    /// detected, 2 on unreadable input.
    Detect(detect::DetectArgs),
    /// Granted versus used RBAC: per subject of the logs, each binding → role → rule and
    /// whether a request exercised it, the rules never used (located), and the smaller
    /// roles that would have sufficed. Exit 1 when unused grants were found.
    Unused(unused::UnusedArgs),
}

pub fn run(c: AuditCommand) -> anyhow::Result<u8> {
    match c {
        AuditCommand::Who(a) => query::run(a, palisade_audit::query::Question::Who),
        AuditCommand::Timeline(a) => query::run(a, palisade_audit::query::Question::Timeline),
        AuditCommand::Policy(c) => policy::run(c),
        AuditCommand::Rbac(a) => rbac::run(a),
        AuditCommand::Detect(a) => detect::run(a),
        AuditCommand::Unused(a) => unused::run(a),
    }
}

/// The audit logs to read.
#[derive(Args, Debug, Clone)]
pub struct LogArgs {
    /// Audit logs: JSON-lines files of the log backend, EventList batches of the webhook
    /// backend, gzip-rotated files, directories (read recursively in name order), or - for
    /// stdin. GKE, EKS and AKS exports are recognised.
    #[arg(value_name = "LOG", required_unless_present = "store")]
    pub logs: Vec<String>,
    /// Read the events stored by `palisade serve --audit-store` instead of logs: a SQLite
    /// file (`PATH`, `sqlite:PATH`) or `postgres://USER@HOST:PORT/DB`.
    #[arg(long, value_name = "URL", conflicts_with = "logs")]
    pub store: Option<String>,
    /// Skip (with an error) lines longer than this many bytes.
    #[arg(long, value_name = "BYTES", default_value_t = 256 << 20)]
    pub max_line_bytes: usize,
}

impl LogArgs {
    pub fn inputs(&self) -> Vec<Input> {
        self.logs.iter().map(|s| Input::parse(s)).collect()
    }
    pub fn options(&self) -> ReadOptions {
        ReadOptions {
            max_line_bytes: self.max_line_bytes,
            ..ReadOptions::default()
        }
    }
}

/// The filters every question takes. Every filter given must match; repeated or
/// comma-separated values of one filter are alternatives. Identities match the real or the
/// impersonated user; names, users, groups and namespaces take `*` globs.
#[derive(Args, Debug, Clone, Default)]
pub struct FilterArgs {
    /// Requests at or after this time: RFC 3339, a date (UTC), or a duration ago (2h, 7d).
    #[arg(long, value_name = "TIME")]
    pub since: Option<String>,
    /// Requests at or before this time (same forms as --since).
    #[arg(long, value_name = "TIME")]
    pub until: Option<String>,
    /// The user (real or impersonated).
    #[arg(long = "user", value_name = "NAME", value_delimiter = ',')]
    pub users: Vec<String>,
    /// A group of the user (real or impersonated).
    #[arg(long = "group", value_name = "GROUP", value_delimiter = ',')]
    pub groups: Vec<String>,
    /// The service account NAMESPACE/NAME (the user system:serviceaccount:NAMESPACE:NAME).
    #[arg(long = "serviceaccount", value_name = "NS/NAME", value_delimiter = ',')]
    pub service_accounts: Vec<String>,
    /// The real user of an impersonated request.
    #[arg(long = "impersonator", value_name = "NAME", value_delimiter = ',')]
    pub impersonators: Vec<String>,
    /// Only impersonated requests.
    #[arg(long)]
    pub impersonated: bool,
    /// The verb (get, list, watch, create, update, patch, delete, deletecollection, ...).
    #[arg(long = "verb", value_name = "VERB", value_delimiter = ',')]
    pub verbs: Vec<String>,
    /// The resource, as kubectl names it: pods, pods/exec, deployments.apps, secrets.core.
    #[arg(long = "resource", value_name = "RESOURCE", value_delimiter = ',')]
    pub resources: Vec<String>,
    /// The subresource (exec, log, status, ...).
    #[arg(long = "subresource", value_name = "NAME", value_delimiter = ',')]
    pub subresources: Vec<String>,
    /// The namespace (the namespace's own requests included).
    #[arg(short = 'n', long = "namespace", value_name = "NS", value_delimiter = ',')]
    pub namespaces: Vec<String>,
    /// The object's name.
    #[arg(long = "name", value_name = "NAME", value_delimiter = ',')]
    pub names: Vec<String>,
    /// One object, kubectl style: RESOURCE/NAME (pods/web-1, deployments.apps/api; with -n).
    #[arg(long = "object", value_name = "RESOURCE/NAME")]
    pub object: Option<String>,
    /// A non-resource path (/healthz, /api*).
    #[arg(long = "path", value_name = "PATH", value_delimiter = ',')]
    pub paths: Vec<String>,
    /// A source IP or network (any entry of sourceIPs).
    #[arg(long = "source-ip", value_name = "CIDR", value_delimiter = ',')]
    pub source_ips: Vec<String>,
    /// A substring of the user agent (case-insensitive).
    #[arg(long = "user-agent", value_name = "TEXT")]
    pub user_agents: Vec<String>,
    /// The response code: 403, 4xx, 400-499.
    #[arg(long = "code", value_name = "CODE", value_delimiter = ',')]
    pub codes: Vec<String>,
    /// The authorization decision: allow or forbid.
    #[arg(long = "decision", value_name = "DECISION", value_delimiter = ',')]
    pub decisions: Vec<String>,
    /// A substring of the authorization reason (a binding's or role's name).
    #[arg(long = "reason", value_name = "TEXT")]
    pub reasons: Vec<String>,
    /// Only requests refused by authorization (403 or decision forbid).
    #[arg(long, conflicts_with = "succeeded")]
    pub denied: bool,
    /// Only requests that succeeded (2xx).
    #[arg(long)]
    pub succeeded: bool,
    /// The stage (RequestReceived, ResponseStarted, ResponseComplete, Panic); implies
    /// --all-stages.
    #[arg(long = "stage", value_name = "STAGE", value_delimiter = ',')]
    pub stages: Vec<String>,
    /// The audit level (Metadata, Request, RequestResponse).
    #[arg(long = "level", value_name = "LEVEL", value_delimiter = ',')]
    pub levels: Vec<String>,
    /// One row per event instead of one per request (stages are not joined by auditID).
    #[arg(long)]
    pub all_stages: bool,
}

impl FilterArgs {
    /// The filter, and the flags that made it (for the answer's header).
    pub fn filter(&self) -> anyhow::Result<(Filter, Vec<String>)> {
        let now = jiff::Timestamp::now();
        let mut f = Filter::default();
        let mut desc = Vec::new();
        let globs = |v: &[String]| v.iter().map(|s| Glob::new(s)).collect::<Vec<_>>();
        fn note(desc: &mut Vec<String>, flag: &str, v: &[String]) {
            if !v.is_empty() {
                desc.push(format!("--{flag} {}", v.join(",")));
            }
        }
        if let Some(s) = &self.since {
            f.since = Some(parse_time_bound(s, now).map_err(anyhow::Error::msg)?);
            note(&mut desc, "since", std::slice::from_ref(s));
        }
        if let Some(s) = &self.until {
            f.until = Some(parse_time_bound(s, now).map_err(anyhow::Error::msg)?);
            note(&mut desc, "until", std::slice::from_ref(s));
        }
        f.users = globs(&self.users);
        note(&mut desc, "user", &self.users);
        f.groups = globs(&self.groups);
        note(&mut desc, "group", &self.groups);
        for sa in &self.service_accounts {
            let (ns, name) = sa
                .split_once('/')
                .ok_or_else(|| anyhow::anyhow!("--serviceaccount {sa:?}: expected NAMESPACE/NAME"))?;
            f.service_accounts.push((Glob::new(ns), Glob::new(name)));
        }
        note(&mut desc, "serviceaccount", &self.service_accounts);
        f.impersonators = globs(&self.impersonators);
        note(&mut desc, "impersonator", &self.impersonators);
        f.impersonated = self.impersonated;
        if self.impersonated {
            desc.push("--impersonated".into());
        }
        f.verbs = self.verbs.clone();
        note(&mut desc, "verb", &self.verbs);
        for r in &self.resources {
            f.resources
                .push(ResourceSpec::parse(r).map_err(|e| anyhow::anyhow!("--resource: {e}"))?);
        }
        note(&mut desc, "resource", &self.resources);
        f.subresources = globs(&self.subresources);
        note(&mut desc, "subresource", &self.subresources);
        f.namespaces = globs(&self.namespaces);
        note(&mut desc, "namespace", &self.namespaces);
        f.names = globs(&self.names);
        note(&mut desc, "name", &self.names);
        if let Some(o) = &self.object {
            let (r, name) = o
                .split_once('/')
                .ok_or_else(|| anyhow::anyhow!("--object {o:?}: expected RESOURCE/NAME (pods/web-1)"))?;
            if name.is_empty() || name.contains('/') {
                anyhow::bail!("--object {o:?}: expected RESOURCE/NAME (pods/web-1)");
            }
            let spec = ResourceSpec::parse(r).map_err(|e| anyhow::anyhow!("--object: {e}"))?;
            f.resources.push(spec);
            f.names.push(Glob::new(name));
            desc.push(format!("--object {o}"));
        }
        f.paths = globs(&self.paths);
        note(&mut desc, "path", &self.paths);
        for c in &self.source_ips {
            f.source_ips
                .push(Cidr::parse(c).map_err(|e| anyhow::anyhow!("--source-ip: {e}"))?);
        }
        note(&mut desc, "source-ip", &self.source_ips);
        f.user_agents = self.user_agents.clone();
        note(&mut desc, "user-agent", &self.user_agents);
        for c in &self.codes {
            f.codes
                .push(CodeRange::parse(c).map_err(|e| anyhow::anyhow!("--code: {e}"))?);
        }
        note(&mut desc, "code", &self.codes);
        for d in &self.decisions {
            if !matches!(d.as_str(), "allow" | "forbid") {
                anyhow::bail!("--decision {d:?}: expected allow or forbid");
            }
        }
        f.decisions = self.decisions.clone();
        note(&mut desc, "decision", &self.decisions);
        f.reasons = self.reasons.clone();
        note(&mut desc, "reason", &self.reasons);
        if self.denied {
            f.denied = true;
            desc.push("--denied".into());
        }
        if self.succeeded {
            f.codes.push(CodeRange(200, 299));
            desc.push("--succeeded".into());
        }
        for s in &self.stages {
            f.stages.push(Stage::parse(s).ok_or_else(|| {
                anyhow::anyhow!(
                    "--stage {s:?}: expected RequestReceived, ResponseStarted, ResponseComplete or Panic"
                )
            })?);
        }
        note(&mut desc, "stage", &self.stages);
        for l in &self.levels {
            f.levels
                .push(Level::parse(l).filter(|l| *l != Level::None).ok_or_else(|| {
                    anyhow::anyhow!("--level {l:?}: expected Metadata, Request or RequestResponse")
                })?);
        }
        note(&mut desc, "level", &self.levels);
        Ok((f, desc))
    }

    /// Whether every event is a row (stages not joined).
    pub fn all_stages(&self) -> bool {
        self.all_stages || !self.stages.is_empty()
    }
}
