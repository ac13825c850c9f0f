//! Command lines with a location for every word, and the component flags parsed from them the
//! way pflag does: `--f=v`, `--f v` for non-boolean flags, bare `--f` for booleans, a
//! repeated scalar flag's last value, a repeated list flag's values appended. The words come
//! from a process (`cmdline`), a static-pod manifest (`command` + `args`, with `$(VAR)`
//! expanded from the container's `env`), a systemd unit with its drop-ins (`ExecStart` with
//! `Environment`/`EnvironmentFile` variables expanded), a k3s/RKE2 `config.yaml` (`*-arg`
//! lists) or a microk8s `args/` file. Pure: file contents come from `NodeFacts`.

use crate::facts::{NodeFacts, Problem};
use palisade_core::{Node, Value};
use serde::Serialize;
use std::fmt;

/// Where a value was found.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Where {
    /// A place in a file (1-based line and column).
    File { file: String, line: u32, column: u32 },
    /// A file as a whole: its mode or owner, or the path where it was expected.
    Path { file: String },
    /// `argv[argument]` of a process.
    Process { pid: u32, argument: usize },
    /// A variable of a process's environment.
    ProcessEnv { pid: u32, name: String },
    /// No source sets it: the component's default applies.
    Default { component: String, note: String },
    /// A field of a Kubernetes object read from a cluster (section 5): `Pod ns/name` and the
    /// field path (`spec.containers[0].securityContext.privileged`).
    Object { object: String, path: String },
}

impl fmt::Display for Where {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Where::File { file, line, column } => write!(f, "{file}:{line}:{column}"),
            Where::Path { file } => f.write_str(file),
            Where::Process { pid, argument } => write!(f, "process {pid} argument {argument}"),
            Where::ProcessEnv { pid, name } => write!(f, "process {pid} environment {name}"),
            Where::Default { component, note } => write!(f, "{component} default ({note})"),
            Where::Object { object, path } if path.is_empty() => f.write_str(object),
            Where::Object { object, path } => write!(f, "{object} {path}"),
        }
    }
}

impl Where {
    pub fn file(file: &str, line: u32, column: u32) -> Where {
        Where::File {
            file: file.to_owned(),
            line,
            column,
        }
    }
    /// The same place moved `n` characters to the right (a word inside a value).
    fn shifted(&self, n: usize) -> Where {
        match self {
            Where::File { file, line, column } => Where::File {
                file: file.clone(),
                line: *line,
                column: column + n as u32,
            },
            w => w.clone(),
        }
    }
}

/// One word of a command line and where it is.
#[derive(Clone, Debug, PartialEq)]
pub struct Word {
    pub text: String,
    pub at: Where,
}

/// One flag occurrence.
#[derive(Clone, Debug, PartialEq)]
pub struct FlagEntry {
    /// Without the dashes: `profiling`.
    pub name: String,
    pub value: String,
    pub at: Where,
}

/// The flags of one command line.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Flags {
    pub entries: Vec<FlagEntry>,
}

/// Flags whose repeated occurrences append (pflag string slices and maps).
pub fn is_list_flag(name: &str) -> bool {
    matches!(
        name,
        "enable-admission-plugins"
            | "disable-admission-plugins"
            | "admission-control"
            | "authorization-mode"
            | "tls-cipher-suites"
            | "feature-gates"
            | "cors-allowed-origins"
            | "api-audiences"
            | "service-account-issuer"
            | "service-account-key-file"
            | "requestheader-allowed-names"
            | "requestheader-extra-headers-prefix"
            | "requestheader-group-headers"
            | "requestheader-username-headers"
            | "controllers"
            | "config-dir"
    )
}

/// Boolean flags of the components: a bare `--f` is `true` and never takes the next word.
pub fn is_bool_flag(name: &str) -> bool {
    matches!(
        name,
        "anonymous-auth"
            | "profiling"
            | "contention-profiling"
            | "service-account-lookup"
            | "service-account-extend-token-expiration"
            | "use-service-account-credentials"
            | "allow-privileged"
            | "enable-bootstrap-token-auth"
            | "enable-aggregator-routing"
            | "enable-garbage-collector"
            | "enable-priority-and-fairness"
            | "enable-logs-handler"
            | "kubelet-https"
            | "leader-elect"
            | "client-cert-auth"
            | "peer-client-cert-auth"
            | "auto-tls"
            | "peer-auto-tls"
            | "enable-v2"
            | "enable-pprof"
            | "strict-reconfig-check"
            | "force-new-cluster"
            | "debug"
            | "make-iptables-util-chains"
            | "rotate-certificates"
            | "rotate-server-certificates"
            | "seccomp-default"
            | "protect-kernel-defaults"
            | "fail-swap-on"
            | "enable-debugging-handlers"
            | "enable-server"
            | "register-node"
            | "register-schedulable"
            | "serialize-image-pulls"
            | "allocate-node-cidrs"
            | "configure-cloud-routes"
            | "enable-dynamic-provisioning"
            | "enable-hostpath-provisioner"
            | "masquerade-all"
            | "cleanup"
            | "logtostderr"
            | "alsologtostderr"
            | "add-dir-header"
            | "skip-headers"
            | "skip-log-headers"
            | "one-output"
            | "bind-address-hard-fail"
            | "hostname-override-enabled"
            | "version"
            | "help"
    )
}

impl Flags {
    /// Parses words after the program name (`words[0]` is skipped when `skip_program`).
    pub fn parse(words: &[Word], skip_program: bool) -> Flags {
        let mut entries = Vec::new();
        let mut i = usize::from(skip_program);
        while i < words.len() {
            let w = &words[i];
            let t = w.text.as_str();
            if t == "--" {
                break;
            }
            let body = if let Some(b) = t.strip_prefix("--") {
                b
            } else if let Some(b) = t.strip_prefix('-') {
                if b.is_empty() {
                    i += 1;
                    continue;
                }
                b
            } else {
                // A positional word (a subcommand such as `k3s server`).
                i += 1;
                continue;
            };
            match body.split_once('=') {
                Some((name, value)) => entries.push(FlagEntry {
                    name: name.to_owned(),
                    value: value.to_owned(),
                    at: w.at.clone(),
                }),
                None => {
                    let next = words.get(i + 1);
                    let takes_next = !is_bool_flag(body) && next.is_some_and(|n| !n.text.starts_with('-'));
                    if takes_next {
                        entries.push(FlagEntry {
                            name: body.to_owned(),
                            value: next.map(|n| n.text.clone()).unwrap_or_default(),
                            at: w.at.clone(),
                        });
                        i += 1;
                    } else {
                        entries.push(FlagEntry {
                            name: body.to_owned(),
                            value: "true".into(),
                            at: w.at.clone(),
                        });
                    }
                }
            }
            i += 1;
        }
        Flags { entries }
    }

    /// The value of a flag (name without dashes) and where it was set: the last occurrence
    /// of a scalar flag; for a list flag, every occurrence joined with `,` (located at the
    /// first).
    pub fn get(&self, name: &str) -> Option<(String, Where)> {
        let mut hits = self.entries.iter().filter(|e| e.name == name);
        // (a DoubleEndedIterator: the last occurrence without walking twice)
        if is_list_flag(name) {
            let first = hits.next()?;
            let mut v = first.value.clone();
            for e in hits {
                v.push(',');
                v.push_str(&e.value);
            }
            Some((v, first.at.clone()))
        } else {
            hits.next_back().map(|e| (e.value.clone(), e.at.clone()))
        }
    }

    pub fn has(&self, name: &str) -> bool {
        self.entries.iter().any(|e| e.name == name)
    }

    /// One feature gate from `--feature-gates=A=true,B=false` (repeated flags merge; the
    /// last setting of a gate wins), with where it was set.
    pub fn feature_gate(&self, gate: &str) -> Option<(String, Where)> {
        let mut found = None;
        for e in self.entries.iter().filter(|e| e.name == "feature-gates") {
            for kv in e.value.split(',') {
                if let Some((k, v)) = kv.split_once('=') {
                    if k.trim() == gate {
                        found = Some((v.trim().to_owned(), e.at.clone()));
                    }
                }
            }
        }
        found
    }
}

/// Splits `text` into words like a shell does for simple quoting (`"…"`, `'…'`, backslash
/// escapes outside single quotes); each word carries the byte offset where it starts.
pub fn split_words(text: &str) -> Vec<(String, usize)> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut start: Option<usize> = None;
    let mut quote: Option<char> = None;
    let mut chars = text.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        match quote {
            Some(q) if c == q => quote = None,
            Some('"') if c == '\\' => {
                if let Some((_, n)) = chars.next() {
                    cur.push(n);
                }
            }
            Some(_) => cur.push(c),
            None if c.is_whitespace() => {
                if let Some(s) = start.take() {
                    out.push((std::mem::take(&mut cur), s));
                }
            }
            None => {
                start.get_or_insert(i);
                match c {
                    '"' | '\'' => quote = Some(c),
                    '\\' => {
                        if let Some((_, n)) = chars.next() {
                            cur.push(n);
                        }
                    }
                    _ => cur.push(c),
                }
            }
        }
    }
    if let Some(s) = start {
        out.push((cur, s));
    }
    out
}

/// A process's command line as words located at `process PID argument N`.
pub fn process_words(pid: u32, argv: &[String]) -> Vec<Word> {
    argv.iter()
        .enumerate()
        .map(|(i, a)| Word {
            text: a.clone(),
            at: Where::Process { pid, argument: i },
        })
        .collect()
}

// ---- systemd units ----

/// A variable set for a unit (`Environment=` or an `EnvironmentFile=`), and where its value
/// starts.
#[derive(Clone, Debug, PartialEq)]
pub struct EnvVar {
    pub name: String,
    pub value: String,
    pub at: Where,
}

/// The service command of a unit and its drop-ins, with its variables expanded.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct UnitCommand {
    pub words: Vec<Word>,
    pub env: Vec<EnvVar>,
    /// The unit files that were read, in order.
    pub files: Vec<String>,
}

/// Reads `ExecStart`, `Environment` and `EnvironmentFile` of `[Service]` from the unit files
/// (base unit first, then drop-ins in order); later settings win, `ExecStart=` (empty)
/// resets the command, variables of environment files override `Environment=` ones (as
/// systemd does). Problems (a required environment file missing) go to `problems`.
pub fn unit_command(facts: &NodeFacts, files: &[String], problems: &mut Vec<Problem>) -> UnitCommand {
    let mut exec: Option<(String, Where)> = None;
    let mut env: Vec<EnvVar> = Vec::new();
    let mut env_files: Vec<(String, bool, Where)> = Vec::new();
    let mut read = Vec::new();
    for path in files {
        let Some(text) = facts.get(path).and_then(|f| f.text()) else {
            continue;
        };
        read.push(path.clone());
        let mut section = String::new();
        let mut lines = text.lines().enumerate().peekable();
        while let Some((n, raw)) = lines.next() {
            // Continuation lines are joined (the value keeps the first line's position).
            let mut line = raw.to_owned();
            while line.ends_with('\\') {
                line.pop();
                match lines.next() {
                    Some((_, more)) => {
                        line.push(' ');
                        line.push_str(more.trim_start());
                    }
                    None => break,
                }
            }
            let t = line.trim_start();
            let indent = line.len() - t.len();
            if t.starts_with('#') || t.starts_with(';') || t.is_empty() {
                continue;
            }
            if t.starts_with('[') {
                section = t.trim_end().trim_matches(|c| c == '[' || c == ']').to_owned();
                continue;
            }
            if section != "Service" {
                continue;
            }
            let Some((key, value)) = t.split_once('=') else {
                continue;
            };
            let key = key.trim();
            let lead = value.len() - value.trim_start().len();
            let value = value.trim();
            let eq = t.find('=').unwrap_or(0);
            let col = (indent + eq + 1 + lead) as u32 + 1;
            let at = Where::file(path, n as u32 + 1, col);
            match key {
                "ExecStart" => {
                    if value.is_empty() {
                        exec = None;
                    } else {
                        let stripped = value.trim_start_matches(['-', '@', ':', '+', '!']);
                        let skip = value.len() - stripped.len();
                        exec = Some((stripped.to_owned(), at.shifted(skip)));
                    }
                }
                "Environment" => {
                    for (word, off) in split_words(value) {
                        if let Some((k, v)) = word.split_once('=') {
                            let quoted = value[off..].starts_with('"') || value[off..].starts_with('\'');
                            env.retain(|e| e.name != k);
                            env.push(EnvVar {
                                name: k.to_owned(),
                                value: v.to_owned(),
                                at: at.shifted(off + usize::from(quoted) + k.len() + 1),
                            });
                        }
                    }
                }
                "EnvironmentFile" => {
                    if value.is_empty() {
                        env_files.clear();
                    } else {
                        let optional = value.starts_with('-');
                        env_files.push((value.trim_start_matches('-').to_owned(), optional, at));
                    }
                }
                _ => {}
            }
        }
    }
    for (file, optional, at) in &env_files {
        match facts.get(file).and_then(|f| f.text()) {
            Some(text) => {
                for var in env_file(file, text) {
                    env.retain(|e| e.name != var.name);
                    env.push(var);
                }
            }
            None if *optional => {}
            None => problems.push(Problem::error(
                at.to_string().split(':').next().unwrap_or_default(),
                match at {
                    Where::File { line, .. } => Some(*line),
                    _ => None,
                },
                match at {
                    Where::File { column, .. } => Some(*column),
                    _ => None,
                },
                format!("EnvironmentFile {file} does not exist (systemd would not start the unit)"),
            )),
        }
    }
    let mut words = Vec::new();
    if let Some((cmd, at)) = exec {
        for (word, off) in split_words(&cmd) {
            let word_at = at.shifted(off);
            let var = word
                .strip_prefix("${")
                .and_then(|w| w.strip_suffix('}'))
                .map(|n| (n, false))
                .or_else(|| word.strip_prefix('$').map(|n| (n, true)));
            match var {
                Some((name, split)) if name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') => {
                    let Some(v) = env.iter().find(|e| e.name == name) else {
                        continue;
                    };
                    if split {
                        for (w, o) in split_words(&v.value) {
                            words.push(Word {
                                text: w,
                                at: v.at.shifted(o),
                            });
                        }
                    } else {
                        words.push(Word {
                            text: v.value.clone(),
                            at: v.at.clone(),
                        });
                    }
                }
                _ => words.push(Word {
                    text: expand_inline(&word, &env),
                    at: word_at,
                }),
            }
        }
    }
    UnitCommand {
        words,
        env,
        files: read,
    }
}

/// `${VAR}` and `$VAR` inside a word.
fn expand_inline(word: &str, env: &[EnvVar]) -> String {
    let mut out = String::new();
    let mut rest = word;
    while let Some(i) = rest.find('$') {
        out.push_str(&rest[..i]);
        let after = &rest[i + 1..];
        let (name, len) = if let Some(b) = after.strip_prefix('{') {
            match b.find('}') {
                Some(e) => (&b[..e], e + 2),
                None => ("", 0),
            }
        } else {
            let n = after
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .unwrap_or(after.len());
            (&after[..n], n)
        };
        if len == 0 || name.is_empty() {
            out.push('$');
            rest = after;
            continue;
        }
        if let Some(v) = env.iter().find(|e| e.name == name) {
            out.push_str(&v.value);
        }
        rest = &after[len..];
    }
    out.push_str(rest);
    out
}

/// The variables of an environment file (`KEY=VALUE` lines, `#` comments, optional quotes,
/// an optional `export `).
pub fn env_file(path: &str, text: &str) -> Vec<EnvVar> {
    let mut out = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let t = line.trim_start();
        if t.starts_with('#') || t.starts_with(';') || t.is_empty() {
            continue;
        }
        let indent = line.len() - t.len();
        let t2 = t.strip_prefix("export ").unwrap_or(t);
        let indent = indent + (t.len() - t2.len());
        let Some((k, v)) = t2.split_once('=') else {
            continue;
        };
        let raw = v.trim_end();
        let (value, q) = if raw.len() >= 2
            && ((raw.starts_with('"') && raw.ends_with('"'))
                || (raw.starts_with('\'') && raw.ends_with('\'')))
        {
            (raw[1..raw.len() - 1].to_owned(), 1)
        } else {
            (raw.to_owned(), 0)
        };
        out.push(EnvVar {
            name: k.trim().to_owned(),
            value,
            at: Where::file(path, n as u32 + 1, (indent + k.len() + 1 + q) as u32 + 1),
        });
    }
    out
}

// ---- static-pod manifests ----

/// The container of a static-pod manifest that runs a component.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PodCommand {
    pub words: Vec<Word>,
    /// The container's `env` (name, value, where), for `$(VAR)` and etcd's `ETCD_*`.
    pub env: Vec<EnvVar>,
    pub image: Option<String>,
}

/// Reads the static-pod manifest at `path` (already in `facts`) and returns the command of
/// the container named `container` (or the only container). Problems are located.
pub fn pod_command(
    facts: &NodeFacts,
    path: &str,
    container: &str,
    problems: &mut Vec<Problem>,
) -> Option<PodCommand> {
    let f = facts.get(path)?;
    let Some(text) = f.text() else {
        if f.read_error.is_none() && f.content.is_some() {
            problems.push(Problem::error(path, None, None, "not UTF-8 text"));
        }
        return None;
    };
    let doc = decode_one(path, text, problems)?;
    let kind = doc.get("kind").and_then(Node::as_str);
    if kind != Some("Pod") {
        let (line, col) = node_pos(doc.get("kind").unwrap_or(&doc));
        problems.push(Problem::error(
            path,
            line,
            col,
            format!(
                "expected a static Pod manifest (kind: Pod), found kind {}",
                kind.map_or("none".into(), |k| format!("{k:?}"))
            ),
        ));
        return None;
    }
    let containers = doc
        .at(&["spec", "containers"])
        .and_then(Node::as_seq)
        .unwrap_or(&[]);
    let c = containers
        .iter()
        .find(|c| c.get("name").and_then(Node::as_str) == Some(container))
        .or_else(|| (containers.len() == 1).then(|| &containers[0]));
    let Some(c) = c else {
        let (line, col) = node_pos(doc.at(&["spec", "containers"]).unwrap_or(&doc));
        problems.push(Problem::error(
            path,
            line,
            col,
            format!("no container named {container} in the Pod"),
        ));
        return None;
    };
    let mut env = Vec::new();
    for e in c.get("env").and_then(Node::as_seq).unwrap_or(&[]) {
        if let (Some(n), Some(v)) = (e.get("name").and_then(Node::as_str), e.get("value")) {
            let (line, col) = node_pos(v);
            env.push(EnvVar {
                name: n.to_owned(),
                value: scalar_text(v).unwrap_or_default(),
                at: Where::file(path, line.unwrap_or(0), col.unwrap_or(0)),
            });
        }
    }
    let mut words = Vec::new();
    for key in ["command", "args"] {
        let Some(n) = c.get(key) else { continue };
        let Some(seq) = n.as_seq() else {
            let (line, col) = node_pos(n);
            problems.push(Problem::error(
                path,
                line,
                col,
                format!("{key}: expected a list of strings, found {}", n.type_name()),
            ));
            continue;
        };
        for item in seq {
            let (line, col) = node_pos(item);
            match scalar_text(item) {
                Some(s) => words.push(Word {
                    text: expand_dollar_paren(&s, &env),
                    at: Where::file(path, line.unwrap_or(0), col.unwrap_or(0)),
                }),
                None => problems.push(Problem::error(
                    path,
                    line,
                    col,
                    format!("{key}: expected a string, found {}", item.type_name()),
                )),
            }
        }
    }
    Some(PodCommand {
        words,
        env,
        image: c.get("image").and_then(Node::as_str).map(str::to_owned),
    })
}

/// Kubernetes' `$(VAR)` expansion of container commands (`$$` escapes; unknown stays).
fn expand_dollar_paren(s: &str, env: &[EnvVar]) -> String {
    let mut out = String::new();
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'$' && i + 1 < b.len() {
            if b[i + 1] == b'$' {
                out.push('$');
                i += 2;
                continue;
            }
            if b[i + 1] == b'(' {
                if let Some(end) = s[i + 2..].find(')') {
                    let name = &s[i + 2..i + 2 + end];
                    if let Some(v) = env.iter().rev().find(|e| e.name == name) {
                        out.push_str(&v.value);
                    } else {
                        out.push_str(&s[i..i + 3 + end]);
                    }
                    i += 3 + end;
                    continue;
                }
            }
        }
        let ch = s[i..].chars().next().unwrap_or('$');
        out.push(ch);
        i += ch.len_utf8();
    }
    out
}

/// Decodes the first YAML/JSON document of a file; a syntax error is a located problem.
pub fn decode_one(path: &str, text: &str, problems: &mut Vec<Problem>) -> Option<Node> {
    match palisade_source::yaml::decode(text, 0) {
        Ok(d) => {
            let doc = d.docs.into_iter().find(|n| !n.is_null());
            if doc.is_none() {
                problems.push(Problem::error(path, None, None, "empty document"));
            }
            doc
        }
        Err((e, _)) => {
            problems.push(Problem::error(
                path,
                e.pos.is_known().then_some(e.pos.line),
                e.pos.is_known().then_some(e.pos.col),
                format!("YAML: {}", e.message),
            ));
            None
        }
    }
}

/// A scalar as the text a component sees (YAML booleans and numbers as written in JSON).
pub fn scalar_text(n: &Node) -> Option<String> {
    match &n.value {
        Value::Str(s) => Some(s.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Int(i) => Some(i.to_string()),
        Value::Float(f) => Some(f.to_string()),
        _ => None,
    }
}

pub fn node_pos(n: &Node) -> (Option<u32>, Option<u32>) {
    if n.pos.is_known() {
        (Some(n.pos.line), Some(n.pos.col))
    } else {
        (None, None)
    }
}

// ---- k3s / RKE2 config.yaml and microk8s args files ----

/// The `<key>` list (`kube-apiserver-arg`) of a k3s/RKE2 `config.yaml` as flag words
/// (`profiling=false` → `--profiling=false`), located at each item.
pub fn config_args(facts: &NodeFacts, path: &str, key: &str, problems: &mut Vec<Problem>) -> Vec<Word> {
    let Some(text) = facts.get(path).and_then(|f| f.text()) else {
        return Vec::new();
    };
    let Some(doc) = decode_one(path, text, problems) else {
        return Vec::new();
    };
    let Some(n) = doc.get(key) else {
        return Vec::new();
    };
    let items: Vec<&Node> = match &n.value {
        Value::Seq(s) => s.iter().collect(),
        _ => vec![n],
    };
    let mut out = Vec::new();
    for item in items {
        let (line, col) = node_pos(item);
        match scalar_text(item) {
            Some(s) => out.push(Word {
                text: if s.starts_with('-') { s } else { format!("--{s}") },
                at: Where::file(path, line.unwrap_or(0), col.unwrap_or(0)),
            }),
            None => problems.push(Problem::error(
                path,
                line,
                col,
                format!("{key}: expected a string, found {}", item.type_name()),
            )),
        }
    }
    out
}

/// A microk8s `args/<component>` file: flags one or more per line, `#` comments.
pub fn args_file_words(path: &str, text: &str) -> Vec<Word> {
    let mut out = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let t = line.split('#').next().unwrap_or("");
        for (w, off) in split_words(t) {
            out.push(Word {
                text: w,
                at: Where::file(path, n as u32 + 1, off as u32 + 1),
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::facts::FileFact;

    fn words(s: &[&str]) -> Vec<Word> {
        process_words(7, &s.iter().map(|s| s.to_string()).collect::<Vec<_>>())
    }

    #[test]
    fn pflag_forms() {
        let f = Flags::parse(
            &words(&[
                "kube-apiserver",
                "--profiling",
                "--audit-log-path",
                "/var/log/a",
                "--enable-admission-plugins=NodeRestriction",
                "--anonymous-auth=false",
                "--enable-admission-plugins=AlwaysAdmit",
                "--v=2",
                "--secure-port=1",
                "--secure-port=2",
                "--kubelet-https",
                "--bind-address",
                "--x=y",
            ]),
            true,
        );
        assert_eq!(f.get("profiling").unwrap().0, "true");
        let (v, at) = f.get("audit-log-path").unwrap();
        assert_eq!(v, "/var/log/a");
        assert_eq!(at.to_string(), "process 7 argument 2");
        assert_eq!(
            f.get("enable-admission-plugins").unwrap().0,
            "NodeRestriction,AlwaysAdmit"
        );
        assert_eq!(f.get("secure-port").unwrap().0, "2");
        assert_eq!(f.get("kubelet-https").unwrap().0, "true");
        // a string flag followed by another flag has no value: pflag would fail; taken as set
        assert_eq!(f.get("bind-address").unwrap().0, "true");
        assert!(f.get("token-auth-file").is_none());
    }

    #[test]
    fn feature_gates_merge() {
        let f = Flags::parse(
            &words(&[
                "k",
                "--feature-gates=A=true,RotateKubeletServerCertificate=true",
                "--feature-gates=RotateKubeletServerCertificate=false",
            ]),
            true,
        );
        assert_eq!(
            f.feature_gate("RotateKubeletServerCertificate").unwrap().0,
            "false"
        );
        assert_eq!(f.feature_gate("A").unwrap().0, "true");
        assert!(f.feature_gate("B").is_none());
    }

    #[test]
    fn systemd_unit_with_drop_in_and_env_file() {
        let mut facts = NodeFacts::default();
        facts.insert(
            "/lib/systemd/system/kubelet.service",
            FileFact::file(0o644, 0, 0, b"[Service]\nExecStart=/usr/bin/kubelet\n"),
        );
        facts.insert(
            "/etc/systemd/system/kubelet.service.d/10-kubeadm.conf",
            FileFact::file(
                0o644,
                0,
                0,
                b"[Service]\nEnvironment=\"KUBELET_KUBECONFIG_ARGS=--bootstrap-kubeconfig=/etc/kubernetes/bootstrap-kubelet.conf --kubeconfig=/etc/kubernetes/kubelet.conf\"\nEnvironment=\"KUBELET_CONFIG_ARGS=--config=/var/lib/kubelet/config.yaml\"\nEnvironmentFile=-/var/lib/kubelet/kubeadm-flags.env\nEnvironmentFile=-/etc/default/kubelet\nExecStart=\nExecStart=/usr/bin/kubelet $KUBELET_KUBECONFIG_ARGS $KUBELET_CONFIG_ARGS $KUBELET_KUBEADM_ARGS $KUBELET_EXTRA_ARGS\n",
            ),
        );
        facts.insert(
            "/var/lib/kubelet/kubeadm-flags.env",
            FileFact::file(0o644, 0, 0, b"KUBELET_KUBEADM_ARGS=\"--container-runtime-endpoint=unix:///run/containerd/containerd.sock --read-only-port=10255\"\n"),
        );
        let mut problems = Vec::new();
        let u = unit_command(
            &facts,
            &[
                "/lib/systemd/system/kubelet.service".into(),
                "/etc/systemd/system/kubelet.service.d/10-kubeadm.conf".into(),
            ],
            &mut problems,
        );
        assert!(problems.is_empty(), "{problems:?}");
        let texts: Vec<&str> = u.words.iter().map(|w| w.text.as_str()).collect();
        assert_eq!(
            texts,
            [
                "/usr/bin/kubelet",
                "--bootstrap-kubeconfig=/etc/kubernetes/bootstrap-kubelet.conf",
                "--kubeconfig=/etc/kubernetes/kubelet.conf",
                "--config=/var/lib/kubelet/config.yaml",
                "--container-runtime-endpoint=unix:///run/containerd/containerd.sock",
                "--read-only-port=10255"
            ]
        );
        let f = Flags::parse(&u.words, true);
        assert_eq!(
            f.get("config").unwrap().1.to_string(),
            "/etc/systemd/system/kubelet.service.d/10-kubeadm.conf:3:34"
        );
        assert_eq!(
            f.get("read-only-port").unwrap().1.to_string(),
            "/var/lib/kubelet/kubeadm-flags.env:1:91"
        );
        assert_eq!(
            f.get("kubeconfig").unwrap().1.to_string(),
            "/etc/systemd/system/kubelet.service.d/10-kubeadm.conf:2:100"
        );
    }

    #[test]
    fn static_pod_command_and_env() {
        let mut facts = NodeFacts::default();
        facts.insert(
            "/m/etcd.yaml",
            FileFact::file(
                0o600,
                0,
                0,
                b"apiVersion: v1\nkind: Pod\nspec:\n  containers:\n  - name: etcd\n    image: registry.k8s.io/etcd:3.5.16-0\n    env:\n    - name: DIR\n      value: /var/lib/etcd\n    command:\n    - etcd\n    - --data-dir=$(DIR)\n    - --client-cert-auth=true\n",
            ),
        );
        let mut p = Vec::new();
        let c = pod_command(&facts, "/m/etcd.yaml", "etcd", &mut p).unwrap();
        assert!(p.is_empty());
        assert_eq!(c.words[1].text, "--data-dir=/var/lib/etcd");
        assert_eq!(c.words[2].at.to_string(), "/m/etcd.yaml:13:7");
        facts.insert(
            "/m/bad.yaml",
            FileFact::file(0o600, 0, 0, b"apiVersion: v1\nkind: Deployment\n"),
        );
        assert!(pod_command(&facts, "/m/bad.yaml", "etcd", &mut p).is_none());
        assert_eq!(
            p[0].to_string(),
            "/m/bad.yaml:2:7: expected a static Pod manifest (kind: Pod), found kind \"Deployment\""
        );
    }
}
