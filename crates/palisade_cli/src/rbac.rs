//! `palisade rbac`: can-i, who-can, subject, workload, paths and risks over the RBAC objects
//! of manifests (plus the default objects of every cluster). Loads inputs like `scan`, asks
//! palisade_rbac, and prints human or JSON answers. Exit codes: can-i 0 yes / 1 no (like
//! kubectl auth can-i); risks 1 with findings; 2 on usage or input errors.

use anyhow::Result;
use clap::{Args, Subcommand, ValueEnum};
use palisade_core::{pod_templates, DiagLevel, Diagnostic, Node, Object};
use palisade_rbac::{
    paths, Aggregation, Decision, Model, ModelOptions, Request, Resources, RiskKind, Subject, User,
    SUPER_USER_GROUP,
};
use serde_json::json;
use std::io::Write;

#[derive(Subcommand, Debug)]
pub enum RbacCommand {
    /// Can a user, group or ServiceAccount do VERB on RESOURCE (or a non-resource URL)?
    /// Exit 0 yes, 1 no — like `kubectl auth can-i`.
    CanI(CanIArgs),
    /// Every subject that can do VERB on RESOURCE, with the binding and rule that grant it.
    WhoCan(WhoCanArgs),
    /// The effective permissions of a subject: a resource × verb matrix and a minimal rule list.
    Subject(SubjectArgs),
    /// What a workload's ServiceAccount token can do, and which of it is dangerous.
    Workload(WorkloadArgs),
    /// Escalation paths to cluster-admin, secrets or nodes.
    Paths(PathsArgs),
    /// Risky grants as findings (the RBAC rules of `palisade scan`).
    Risks(RisksArgs),
}

#[derive(Args, Debug, Clone)]
pub struct Inputs {
    #[command(flatten)]
    pub source: crate::cluster::Source,
    /// Do not include the default RBAC objects of a Kubernetes cluster (cluster-admin, admin,
    /// edit, view, system:*).
    #[arg(long)]
    pub no_default_rbac: bool,
    /// Output format.
    #[arg(short, long, value_enum, default_value = "human")]
    pub output: Out,
}

#[derive(Clone, Copy, Debug, ValueEnum, PartialEq, Eq)]
pub enum Out {
    Human,
    Json,
}

#[derive(Args, Debug)]
pub struct Identity {
    /// The user to evaluate: a user name, or system:serviceaccount:NS:NAME.
    #[arg(long = "as", value_name = "USER")]
    pub user: Option<String>,
    /// A group of that user (repeatable; replaces the implicit groups of a ServiceAccount).
    #[arg(long = "as-group", value_name = "GROUP")]
    pub groups: Vec<String>,
}

#[derive(Args, Debug)]
pub struct CanIArgs {
    /// The verb: get, list, watch, create, update, patch, delete, deletecollection, or a
    /// special verb (bind, escalate, impersonate, approve, use).
    pub verb: String,
    /// RESOURCE[.GROUP][/SUBRESOURCE] (`pods`, `deployments.apps`, `pods/exec`) or a
    /// non-resource URL starting with `/`.
    pub resource: String,
    /// The object name (resourceNames rules only match named requests).
    pub name: Option<String>,
    /// Namespace of the request (default: default, as kubectl).
    #[arg(short, long)]
    pub namespace: Option<String>,
    /// A request across all namespaces (namespace "").
    #[arg(short = 'A', long, conflicts_with = "namespace")]
    pub all_namespaces: bool,
    /// Subresource, as an alternative to RESOURCE/SUBRESOURCE.
    #[arg(long)]
    pub subresource: Option<String>,
    #[command(flatten)]
    pub identity: Identity,
    #[command(flatten)]
    pub inputs: Inputs,
}

#[derive(Args, Debug)]
pub struct WhoCanArgs {
    pub verb: String,
    /// RESOURCE[.GROUP][/SUBRESOURCE] or a non-resource URL.
    pub resource: String,
    /// Only this namespace (ClusterRoleBindings + its RoleBindings). Without it: cluster-wide
    /// grants, and for namespaced resources the grants of every namespace.
    #[arg(short, long)]
    pub namespace: Option<String>,
    /// The object name.
    #[arg(long)]
    pub name: Option<String>,
    #[command(flatten)]
    pub inputs: Inputs,
}

#[derive(Args, Debug)]
pub struct SubjectArgs {
    /// `user:NAME` (or a bare NAME), `group:NAME`, `sa:NS/NAME` or
    /// `system:serviceaccount:NS:NAME`.
    pub subject: String,
    /// Groups of a user (repeatable).
    #[arg(long = "as-group", value_name = "GROUP")]
    pub groups: Vec<String>,
    #[command(flatten)]
    pub inputs: Inputs,
}

#[derive(Args, Debug)]
pub struct WorkloadArgs {
    /// NS/KIND/NAME (`shop/Deployment/frontend`; kind case-insensitive) or KIND/NAME in default.
    pub workload: String,
    #[command(flatten)]
    pub inputs: Inputs,
}

#[derive(Clone, Copy, Debug, ValueEnum, PartialEq, Eq)]
pub enum Target {
    ClusterAdmin,
    Secrets,
    Nodes,
}

#[derive(Clone, Copy, Debug, ValueEnum, PartialEq, Eq)]
pub enum GraphOut {
    Human,
    Json,
    Dot,
    Mermaid,
}

#[derive(Args, Debug)]
pub struct PathsArgs {
    /// Only paths to this target.
    #[arg(long, value_enum)]
    pub to: Option<Target>,
    /// Only paths from this subject (`user:NAME`, `group:NAME`, `sa:NS/NAME`,
    /// `system:serviceaccount:NS:NAME`, `workload:NS/KIND/NAME`).
    #[arg(long, value_name = "SUBJECT")]
    pub from: Option<String>,
    #[command(flatten)]
    pub source: crate::cluster::Source,
    #[arg(long)]
    pub no_default_rbac: bool,
    /// Output format: human, json, dot (Graphviz) or mermaid.
    #[arg(short, long, value_enum, default_value = "human")]
    pub output: GraphOut,
}

#[derive(Args, Debug)]
pub struct RisksArgs {
    #[command(flatten)]
    pub scan: crate::cli::ScanArgs,
}

/// The loaded objects and the model built from them.
struct Loaded {
    objects: Vec<Object>,
    model: Model,
    resources: Resources,
    errors: Vec<Diagnostic>,
}

fn load(paths: &[String], cluster: &crate::cluster::ClusterConn, no_default_rbac: bool) -> Loaded {
    let (objects, errors, defaults) = if cluster.cluster {
        match crate::cluster::load(cluster, false) {
            // The cluster's own default objects were read unless ClusterRoles were forbidden.
            Ok((objects, diags, want_defaults)) => (objects, diags, want_defaults && !no_default_rbac),
            Err(e) => return Loaded::failed(e),
        }
    } else {
        let (objects, errors) = load_files(paths);
        (objects, errors, !no_default_rbac)
    };
    let model = Model::build(
        &objects,
        ModelOptions {
            defaults,
            // A cluster stores the aggregated rules; manifests get them computed.
            aggregation: if cluster.cluster {
                Aggregation::Stored
            } else {
                Aggregation::Compute
            },
        },
    );
    Loaded {
        resources: Resources::with_crds(&objects),
        objects,
        model,
        errors,
    }
}

impl Loaded {
    fn failed(message: String) -> Loaded {
        let objects = Vec::new();
        Loaded {
            resources: Resources::with_crds(&objects),
            model: Model::build(&objects, ModelOptions::default()),
            objects,
            errors: vec![Diagnostic::unlocated(DiagLevel::Error, message)],
        }
    }
}

/// Loads manifests like `scan`, keeping the objects the analyses use.
pub fn load_files(paths: &[String]) -> (Vec<Object>, Vec<Diagnostic>) {
    let (inputs, discovery) = palisade_source::discover(paths);
    let opts = palisade_engine::ScanOptions::new(
        palisade_engine::PssMode::Namespaces {
            default: palisade_pss::Policy {
                level: palisade_pss::Level::Privileged,
                version: palisade_pss::Version::Latest,
            },
        },
        Vec::new(),
        palisade_core::Severity::Info,
    );
    let loaded = palisade_engine::load(&inputs, &opts);
    let mut errors = discovery;
    errors.extend(loaded.diagnostics);
    if loaded.objects_seen == 0 {
        errors.push(Diagnostic::unlocated(
            DiagLevel::Error,
            format!(
                "nothing was read: no Kubernetes objects in {} file(s)",
                loaded.files
            ),
        ));
    }
    (loaded.objects, errors)
}

/// Prints input problems (errors and warnings) and the model's problems to stderr; returns
/// whether there were input errors.
fn report_errors(l: &Loaded) -> bool {
    for d in &l.errors {
        eprintln!("palisade: {d}");
    }
    for p in &l.model.problems {
        let loc = p.location.as_ref().map(|l| format!("{l}: ")).unwrap_or_default();
        eprintln!("palisade: warning: {loc}{}: {}", p.reference, p.message);
    }
    l.errors.iter().any(|d| d.level == DiagLevel::Error)
}

fn parse_request(
    l: &Loaded,
    verb: &str,
    resource: &str,
    name: Option<&str>,
    ns: &str,
) -> (Request, Vec<String>) {
    let mut warnings = Vec::new();
    if resource.starts_with('/') {
        return (Request::non_resource(verb, resource), warnings);
    }
    let (res, sub) = match resource.split_once('/') {
        Some((r, s)) => (r, s),
        None => (resource, ""),
    };
    let r = l.resources.resolve(res);
    let namespace = ns.to_owned();
    match r.namespaced {
        None if res != "*" => warnings.push(format!(
            "resource {res:?} is not a built-in resource or a CRD of the input; evaluated as {}{}",
            r.resource,
            if r.group.is_empty() {
                String::new()
            } else {
                format!(" in group {}", r.group)
            }
        )),
        Some(false) if !ns.is_empty() => {
            // kubectl sends the namespace anyway; RoleBindings of it are then consulted.
            warnings.push(format!("resource {:?} is not namespace scoped", r.resource));
        }
        _ => {}
    }
    let full = if sub.is_empty() {
        r.resource.clone()
    } else {
        format!("{}/{sub}", r.resource)
    };
    (
        Request::resource(verb, &r.group, &full, &namespace).named(name.unwrap_or("")),
        warnings,
    )
}

pub fn run(cmd: RbacCommand) -> Result<u8> {
    match cmd {
        RbacCommand::CanI(a) => can_i(a),
        RbacCommand::WhoCan(a) => who_can(a),
        RbacCommand::Subject(a) => subject(a),
        RbacCommand::Workload(a) => workload(a),
        RbacCommand::Paths(a) => paths_cmd(a),
        RbacCommand::Risks(_) => unreachable!("handled by the scan command"),
    }
}

fn usage(msg: impl std::fmt::Display) -> Result<u8> {
    eprintln!("palisade: error: {msg}");
    Ok(2)
}

fn grant_json(m: &Model, g: &palisade_rbac::Grant) -> serde_json::Value {
    let b = &m.bindings[g.binding];
    let (place, loc) = m.rule_place(g.origin);
    let rule = &m.binding_rules(g.binding)[g.rule].0;
    json!({
        "binding": {"kind": b.kind.as_str(), "namespace": b.namespace, "name": b.name,
                    "location": b.source.place(), "default": b.source.default},
        "subject": b.subjects.get(g.subject),
        "role": m.bindings[g.binding].role.map(|r| m.roles[r].display()),
        "rule": rule,
        "ruleSource": place,
        "ruleLocation": loc.map(|l| l.to_string()),
    })
}

fn can_i(a: CanIArgs) -> Result<u8> {
    let Some(user) = a.identity.user.as_deref() else {
        return usage("--as USER is required (palisade evaluates manifests, not your kubeconfig identity)");
    };
    let l = load(
        &a.inputs.source.paths,
        &a.inputs.source.cluster,
        a.inputs.no_default_rbac,
    );
    let errors = report_errors(&l);
    let ns = if a.all_namespaces {
        String::new()
    } else {
        a.namespace.clone().unwrap_or_else(|| "default".into())
    };
    let resource = match &a.subresource {
        Some(s) => format!("{}/{s}", a.resource),
        None => a.resource.clone(),
    };
    let (req, warnings) = parse_request(&l, &a.verb, &resource, a.name.as_deref(), &ns);
    for w in &warnings {
        eprintln!("palisade: warning: {w}");
    }
    let u = User::new(user, &a.identity.groups);
    let d = l.model.authorize(&u, &req);
    let mut out = std::io::stdout().lock();
    match a.inputs.output {
        Out::Json => {
            let grants: Vec<_> = match &d {
                Decision::Allowed(g) => g.iter().map(|g| grant_json(&l.model, g)).collect(),
                _ => Vec::new(),
            };
            let v = json!({
                "allowed": d.allowed(),
                "reason": match &d { Decision::SuperUser => "super-user group system:masters", Decision::Allowed(_) => "allowed by RBAC", Decision::Denied => "no RBAC rule allows it" },
                "user": u, "request": req, "grants": grants, "warnings": warnings,
            });
            serde_json::to_writer_pretty(&mut out, &v)?;
            writeln!(out)?;
        }
        Out::Human => {
            writeln!(out, "{}", if d.allowed() { "yes" } else { "no" })?;
            writeln!(out, "  {} ({}) → {}", u.name, u.groups.join(", "), req.describe())?;
            match &d {
                Decision::Denied => writeln!(
                    out,
                    "  no binding of this user or its groups has a rule that matches (RBAC only adds; nothing denies)"
                )?,
                _ => {
                    for line in l.model.explain(&d) {
                        writeln!(out, "  allowed by {line}")?;
                    }
                }
            }
        }
    }
    Ok(if errors {
        2
    } else if d.allowed() {
        0
    } else {
        1
    })
}

/// Notes on what a subject stands for.
fn subject_note(s: &Subject) -> &'static str {
    match (s.kind.as_str(), s.name.as_str()) {
        ("Group", "system:authenticated") => "every authenticated user and ServiceAccount",
        ("Group", "system:unauthenticated") => "every anonymous request",
        ("User", "system:anonymous") => "anonymous requests",
        ("Group", "system:serviceaccounts") => "every ServiceAccount",
        ("Group", n) if n.starts_with("system:serviceaccounts:") => "every ServiceAccount of the namespace",
        ("Group", SUPER_USER_GROUP) => "super-user group",
        _ => "",
    }
}

fn who_can(a: WhoCanArgs) -> Result<u8> {
    let l = load(
        &a.inputs.source.paths,
        &a.inputs.source.cluster,
        a.inputs.no_default_rbac,
    );
    let errors = report_errors(&l);
    let mut namespaces: Vec<String> = vec![a.namespace.clone().unwrap_or_default()];
    let (probe, warnings) = parse_request(&l, &a.verb, &a.resource, a.name.as_deref(), "");
    for w in &warnings {
        eprintln!("palisade: warning: {w}");
    }
    let namespaced = match &probe {
        Request::Resource {
            resource, api_group, ..
        } => l.resources.find(api_group, resource).is_none_or(|r| r.namespaced),
        Request::NonResource { .. } => false,
    };
    if a.namespace.is_none() && namespaced {
        namespaces.extend(l.model.namespaces());
    }
    let mut rows: Vec<serde_json::Value> = vec![json!({
        "subject": Subject::group(SUPER_USER_GROUP), "scope": "cluster-wide",
        "note": "super-user group: allowed everything before RBAC",
    })];
    let mut seen = std::collections::HashSet::new();
    for ns in &namespaces {
        let (req, _) = parse_request(&l, &a.verb, &a.resource, a.name.as_deref(), ns);
        for (s, g) in l.model.who_can(&req) {
            let b = &l.model.bindings[g.binding];
            let scope = match b.kind {
                palisade_rbac::BindingKind::ClusterRoleBinding => "cluster-wide".to_owned(),
                palisade_rbac::BindingKind::RoleBinding => format!("namespace {}", b.namespace),
            };
            // A ClusterRoleBinding answers for every namespace: list it once.
            if !seen.insert((g.binding, g.subject)) {
                continue;
            }
            let mut v = grant_json(&l.model, &g);
            v["subject"] = json!(s);
            v["scope"] = json!(scope);
            v["note"] = json!(subject_note(&s));
            rows.push(v);
        }
    }
    let mut out = std::io::stdout().lock();
    match a.inputs.output {
        Out::Json => {
            serde_json::to_writer_pretty(
                &mut out,
                &json!({"request": probe, "namespace": a.namespace, "subjects": rows}),
            )?;
            writeln!(out)?;
        }
        Out::Human => {
            let what = match &probe {
                Request::NonResource { verb, path } => format!("{verb} {path}"),
                Request::Resource { .. } => {
                    let mut d = probe.describe();
                    if let Some(i) = d.find(" (cluster-wide)") {
                        d.truncate(i);
                    }
                    d
                }
            };
            let scope = match &a.namespace {
                Some(n) => format!("in namespace {n}"),
                None if namespaced => "cluster-wide and in each namespace".into(),
                None => "cluster-wide".into(),
            };
            writeln!(out, "Who can {what} {scope}: {} subject(s)\n", rows.len())?;
            let table: Vec<[String; 4]> = rows
                .iter()
                .map(|r| {
                    let s: Subject =
                        serde_json::from_value(r["subject"].clone()).unwrap_or_else(|_| Subject::user("?"));
                    let note = r["note"].as_str().unwrap_or("");
                    let via = if r.get("binding").is_some() {
                        format!(
                            "{} {} → {} ({})",
                            r["binding"]["kind"].as_str().unwrap_or(""),
                            r["binding"]["name"].as_str().unwrap_or(""),
                            r["ruleSource"].as_str().unwrap_or(""),
                            r["binding"]["location"].as_str().unwrap_or("")
                        )
                    } else {
                        "-".into()
                    };
                    let subject = if note.is_empty() {
                        s.display()
                    } else {
                        format!("{} ({note})", s.display())
                    };
                    [
                        subject,
                        r["scope"].as_str().unwrap_or("").to_owned(),
                        via,
                        String::new(),
                    ]
                })
                .collect();
            let w0 = table
                .iter()
                .map(|r| r[0].chars().count())
                .max()
                .unwrap_or(7)
                .max(7);
            let w1 = table
                .iter()
                .map(|r| r[1].chars().count())
                .max()
                .unwrap_or(5)
                .max(5);
            writeln!(out, "{:w0$}  {:w1$}  GRANTED BY", "SUBJECT", "SCOPE")?;
            for r in &table {
                writeln!(out, "{:w0$}  {:w1$}  {}", r[0], r[1], r[2])?;
            }
        }
    }
    Ok(if errors { 2 } else { 0 })
}

/// Parses `user:NAME`, `group:NAME`, `sa:NS/NAME`, `serviceaccount:NS/NAME`,
/// `system:serviceaccount:NS:NAME`, or a bare user name.
fn parse_identity(s: &str, groups: &[String]) -> Result<(User, String), String> {
    let lower = s.to_ascii_lowercase();
    if let Some(name) = lower.strip_prefix("group:").map(|_| &s[6..]) {
        // The members' permissions through this group alone.
        return Ok((
            User {
                name: String::new(),
                groups: vec![name.to_owned()],
            },
            format!("Group {name}"),
        ));
    }
    for p in ["sa:", "serviceaccount:"] {
        if lower.starts_with(p) {
            let rest = &s[p.len()..];
            let (ns, name) = rest
                .split_once('/')
                .ok_or_else(|| format!("{s:?}: expected {p}NAMESPACE/NAME"))?;
            let u = User::new(&format!("system:serviceaccount:{ns}:{name}"), groups);
            return Ok((u, format!("ServiceAccount {ns}/{name}")));
        }
    }
    let name = if lower.starts_with("user:") { &s[5..] } else { s };
    if name.is_empty() {
        return Err("empty subject name".into());
    }
    let label = match palisade_rbac::parse_service_account(name) {
        Some((ns, n)) => format!("ServiceAccount {ns}/{n}"),
        None => format!("User {name}"),
    };
    Ok((User::new(name, groups), label))
}

fn print_permissions(
    out: &mut dyn Write,
    l: &Loaded,
    u: &User,
    label: &str,
    json_out: bool,
    extra: serde_json::Value,
) -> Result<()> {
    let scopes = l.model.permissions(u, &l.resources);
    let risks = l.model.risks_of(u);
    if json_out {
        let risks_json: Vec<_> = risks
            .iter()
            .map(|h| {
                let b = &l.model.bindings[h.binding];
                let (place, loc) = l.model.rule_place(h.origin);
                json!({"risk": h.risk.kind, "grants": h.risk.grants, "resourceNames": h.risk.names,
                       "scope": if h.namespace.is_empty() { "cluster-wide".to_owned() } else { h.namespace.clone() },
                       "binding": b.display(), "bindingLocation": b.source.place(), "rule": place, "ruleLocation": loc.map(|l| l.to_string())})
            })
            .collect();
        let mut v = json!({"subject": label, "user": u, "superUser": u.is_super_user(), "scopes": scopes, "risks": risks_json});
        if let serde_json::Value::Object(m) = extra {
            for (k, x) in m {
                v[k] = x;
            }
        }
        serde_json::to_writer_pretty(&mut *out, &v)?;
        writeln!(out)?;
        return Ok(());
    }
    writeln!(out, "{label}  (groups: {})", u.groups.join(", "))?;
    if u.is_super_user() {
        writeln!(
            out,
            "  member of {SUPER_USER_GROUP}: allowed everything, RBAC is not consulted"
        )?;
        return Ok(());
    }
    for s in &scopes {
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
            for v in palisade_rbac::perms::MATRIX_VERBS {
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
                for v in palisade_rbac::perms::MATRIX_VERBS {
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
                    .filter(|v| !palisade_rbac::perms::MATRIX_VERBS.contains(&v.as_str()))
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
    if risks.is_empty() {
        writeln!(out, "\nDangerous permissions: none")?;
    } else {
        writeln!(out, "\nDangerous permissions:")?;
        for h in &risks {
            let b = &l.model.bindings[h.binding];
            let (place, loc) = l.model.rule_place(h.origin);
            let title = match h.risk.kind {
                RiskKind::ClusterAdmin => "cluster-admin",
                k => palisade_rbac::risk::risk(k).map_or("wildcards", |r| r.title),
            };
            let scope = if h.namespace.is_empty() {
                "cluster-wide".to_owned()
            } else {
                format!("in {}", h.namespace)
            };
            writeln!(
                out,
                "  ! {title} {scope}: {} — via {} ({}) → {place}{}",
                h.risk.grants,
                b.display(),
                b.source.place(),
                loc.map(|l| format!(" at {l}")).unwrap_or_default()
            )?;
        }
    }
    Ok(())
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

fn subject(a: SubjectArgs) -> Result<u8> {
    let (u, label) = match parse_identity(&a.subject, &a.groups) {
        Ok(x) => x,
        Err(e) => return usage(e),
    };
    let l = load(
        &a.inputs.source.paths,
        &a.inputs.source.cluster,
        a.inputs.no_default_rbac,
    );
    let errors = report_errors(&l);
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    print_permissions(&mut out, &l, &u, &label, a.inputs.output == Out::Json, json!({}))?;
    out.flush()?;
    Ok(if errors { 2 } else { 0 })
}

/// Finds a workload by NS/KIND/NAME or KIND/NAME.
fn find_workload<'a>(objects: &'a [Object], spec: &str) -> Result<&'a Object, String> {
    let parts: Vec<&str> = spec.split('/').collect();
    let (ns, kind, name) = match parts.as_slice() {
        [ns, kind, name] => (*ns, *kind, *name),
        [kind, name] => ("default", *kind, *name),
        _ => return Err(format!("{spec:?}: expected NAMESPACE/KIND/NAME")),
    };
    objects
        .iter()
        .find(|o| {
            o.kind.eq_ignore_ascii_case(kind)
                && o.name == name
                && o.namespace.as_deref().unwrap_or("default") == ns
                && !pod_templates(o).is_empty()
        })
        .ok_or_else(|| format!("no workload {kind} {name} in namespace {ns} in the input"))
}

fn workload(a: WorkloadArgs) -> Result<u8> {
    let l = load(
        &a.inputs.source.paths,
        &a.inputs.source.cluster,
        a.inputs.no_default_rbac,
    );
    let errors = report_errors(&l);
    let obj = match find_workload(&l.objects, &a.workload) {
        Ok(o) => o,
        Err(e) => return usage(e),
    };
    let tpl = &pod_templates(obj)[0];
    let ns = obj.namespace.as_deref().unwrap_or("default");
    let (sa, field) = ["serviceAccountName", "serviceAccount"]
        .iter()
        .find_map(|f| {
            tpl.spec
                .get(f)
                .and_then(Node::as_str)
                .filter(|s| !s.is_empty())
                .map(|s| (s, Some(*f)))
        })
        .unwrap_or(("default", None));
    let pod_auto = tpl
        .spec
        .get("automountServiceAccountToken")
        .and_then(Node::as_bool);
    let sa_obj = l.model.service_account(ns, sa);
    let sa_auto = sa_obj.and_then(|s| s.automount);
    let (mounted, why) = match (pod_auto, sa_auto) {
        (Some(v), _) => (v, format!("pod spec automountServiceAccountToken: {v}")),
        (None, Some(v)) => (
            v,
            format!("ServiceAccount {ns}/{sa} automountServiceAccountToken: {v}"),
        ),
        (None, None) if sa_obj.is_none() => (
            true,
            format!("neither the pod nor ServiceAccount {ns}/{sa} (not in the input) disables it"),
        ),
        (None, None) => (
            true,
            "neither the pod nor its ServiceAccount disables it".to_owned(),
        ),
    };
    let u = User::service_account(ns, sa);
    let label = format!(
        "{} {ns}/{} runs as ServiceAccount {ns}/{sa}{}",
        obj.kind,
        obj.name,
        if field.is_none() {
            " (implicitly: no serviceAccountName)"
        } else {
            ""
        }
    );
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    if a.inputs.output == Out::Human {
        writeln!(
            out,
            "{label}\nToken mounted: {} ({why}){}\n",
            if mounted { "yes" } else { "no" },
            if mounted {
                ""
            } else {
                "\n  The permissions below are what the ServiceAccount holds; the pod has no token to use them."
            }
        )?;
    }
    print_permissions(
        &mut out,
        &l,
        &u,
        &format!("ServiceAccount {ns}/{sa}"),
        a.inputs.output == Out::Json,
        json!({"workload": {"kind": obj.kind, "namespace": ns, "name": obj.name,
                "location": obj.location_of(obj.root.pos).map(|l| l.to_string())},
               "tokenMounted": mounted, "tokenMountedBecause": why}),
    )?;
    out.flush()?;
    Ok(if errors { 2 } else { 0 })
}

fn paths_cmd(a: PathsArgs) -> Result<u8> {
    let from = match a.from.as_deref().map(paths::parse_subject).transpose() {
        Ok(f) => f,
        Err(e) => return usage(e),
    };
    let l = load(&a.source.paths, &a.source.cluster, a.no_default_rbac);
    let errors = report_errors(&l);
    let to = a.to.map(|t| match t {
        Target::ClusterAdmin => paths::Target::ClusterAdmin,
        Target::Secrets => paths::Target::Secrets,
        Target::Nodes => paths::Target::Nodes,
    });
    let workloads = paths::workloads_from(&l.objects, &l.model);
    if let Some(paths::Start::Workload {
        namespace,
        kind,
        name,
    }) = &from
    {
        if !workloads
            .iter()
            .any(|w| &w.namespace == namespace && w.kind.eq_ignore_ascii_case(kind) && &w.name == name)
        {
            return usage(format!(
                "no workload {kind} {name} in namespace {namespace} in the input"
            ));
        }
    }
    let secrets = paths::token_secrets_from(&l.objects);
    // A --from subject that no binding names still holds what its implicit groups hold.
    let extra: Vec<paths::Start> = from.iter().cloned().collect();
    let g = paths::graph_with(&l.model, &workloads, &secrets, &extra);
    let found = paths::paths(&g, from.as_ref(), to);
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    match a.output {
        GraphOut::Json => {
            serde_json::to_writer_pretty(&mut out, &json!({ "paths": found }))?;
            writeln!(out)?;
        }
        GraphOut::Dot => write!(out, "{}", paths::to_dot(&found))?,
        GraphOut::Mermaid => write!(out, "{}", paths::to_mermaid(&found))?,
        GraphOut::Human => {
            if found.is_empty() {
                let what = to.map_or("cluster-admin, secrets or nodes".to_owned(), |t| t.to_string());
                writeln!(out, "No escalation path to {what} found.")?;
            }
            for p in &found {
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
            if !found.is_empty() {
                writeln!(out, "{} path(s).", found.len())?;
            }
        }
    }
    out.flush()?;
    Ok(if errors {
        2
    } else if found.is_empty() {
        0
    } else {
        1
    })
}
