//! `palisade bench collect`: writes the facts `gather` read from a node (exactly what the checks
//! read: the layout's files, the files the components' flags name, the component processes)
//! as a tarball that `gather::read_tarball` reads back — files at their node paths with their
//! modes, uids, gids and owner names in the headers, `proc/PID/cmdline` and `proc/PID/environ`
//! (filtered to the variables the checks read), and `palisade/versions`, `palisade/withheld`,
//! `palisade/problems` records. Nothing secret is copied: private keys, token and password
//! files are summarised (algorithm, size, mode, owner), secret values inside kubeconfigs,
//! EncryptionConfigurations, distribution configs, env files and command lines are replaced by
//! a filler of the same length (so every line and column stays where it was). The only I/O
//! here is reading symlink targets under the root and writing the tarball.

use crate::facts::{FileFact, FileKind, NodeFacts, Problem, Process, VersionFact};
use serde::{Deserialize, Serialize};
use std::io::{self, Write};
use std::path::Path;

/// The tarball's directory of palisade records (not node files).
pub const META_DIR: &str = "palisade";
/// `palisade/versions`: JSON list of [`VersionFact`].
pub const VERSIONS: &str = "palisade/versions";
/// `palisade/withheld`: JSON list of [`Withheld`].
pub const WITHHELD: &str = "palisade/withheld";
/// `palisade/problems`: JSON list of the [`Problem`]s met while collecting.
pub const PROBLEMS: &str = "palisade/problems";

/// What a withheld (or partly withheld) file held.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum WithheldKind {
    /// A PEM private key (a `.key`, a `-key.pem`, or a key block in a certificate bundle).
    PrivateKey,
    /// A bearer token, password or pre-shared-key file (k3s `token`, `passwd`, `ipsec.psk`,
    /// `known_tokens.csv`, `basic_auth.csv`, `*.token`).
    Token,
    /// Secret values inside a text file (kubeconfig `client-key-data`, `token`, `password`;
    /// EncryptionConfiguration `secret`; k3s `token`, `datastore-endpoint`; `K3S_TOKEN=`).
    Values,
}

/// One private key found in a file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeySummary {
    /// `RSA`, `EC`, `Ed25519`, `Ed448`, `encrypted`, or the PKCS#8 algorithm OID.
    pub algorithm: String,
    /// Modulus bits (RSA) or curve size (EC, Ed25519); absent when unknown (encrypted).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bits: Option<u32>,
    /// The EC curve (`P-256`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub curve: Option<String>,
    /// Where it was: the PEM block's first line, or the `client-key-data` key (1-based).
    pub line: u32,
}

/// A summary of what `collect` did not copy from one file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Withheld {
    /// The node path.
    pub path: String,
    pub kind: WithheldKind,
    /// True: the file's content is not in the tarball at all (only its entry, mode, owner).
    /// False: the content is there with the secret parts replaced.
    pub whole: bool,
    /// Size of the original content in bytes.
    pub bytes: u64,
    /// Octal mode, e.g. `600`.
    pub mode: String,
    /// `user:group` as the checks see it.
    pub owner: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub keys: Vec<KeySummary>,
    /// The names of the values replaced, with their 1-based lines (`client-key-data@12`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub values: Vec<String>,
}

/// What was written.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Written {
    pub files: usize,
    pub dirs: usize,
    pub symlinks: usize,
    pub processes: usize,
    pub withheld: Vec<Withheld>,
}

// ---- secret detection -----------------------------------------------------------------

const FILLER: &str = "redacted";

/// A replacement of exactly `n` bytes: `redacted` then `x`s (or `x`s only when shorter).
fn filler(n: usize) -> String {
    if n >= FILLER.len() {
        format!("{FILLER}{}", "x".repeat(n - FILLER.len()))
    } else {
        "x".repeat(n)
    }
}

/// Normalises a key, flag or variable name: lower case, camelCase and `_` to `-`, no leading
/// dashes or quotes (`clientKeyData` → `client-key-data`, `K3S_TOKEN` → `k3s-token`).
fn norm_name(name: &str) -> String {
    let trimmed = name.trim_start_matches(['-', '"', '\'']);
    if !trimmed.chars().any(|c| c.is_ascii_lowercase()) {
        // `K3S_TOKEN`: an environment variable.
        return trimmed.to_ascii_lowercase().replace('_', "-");
    }
    let mut out = String::new();
    let mut prev_lower = false;
    for ch in trimmed.chars() {
        if ch == '_' {
            out.push('-');
            prev_lower = false;
        } else if ch.is_ascii_uppercase() {
            if prev_lower {
                out.push('-');
            }
            out.push(ch.to_ascii_lowercase());
            prev_lower = false;
        } else {
            prev_lower = ch.is_ascii_lowercase() || ch.is_ascii_digit();
            out.push(ch);
        }
    }
    out
}

/// Whether a value named so is a secret. Names of files, directories and paths are not
/// (`--token-auth-file`), nor booleans about tokens (`--service-account-extend-token-expiration`):
/// only the names whose last word is the secret itself.
pub fn is_secret_name(name: &str) -> bool {
    let n = norm_name(name);
    if n.ends_with("-file") || n.ends_with("-dir") || n.ends_with("-path") {
        return false;
    }
    n == "token"
        || n.ends_with("-token")
        || n == "password"
        || n.ends_with("-password")
        || n == "secret"
        || n.ends_with("-secret")
        || n.ends_with("-secret-key")
        || n == "client-key-data"
        || n.ends_with("datastore-endpoint")
        || n == "psk"
}

/// Whether a file is a token / password store by its name.
fn is_token_file(path: &str) -> bool {
    let base = path.rsplit('/').next().unwrap_or(path);
    matches!(
        base,
        "token"
            | "node-token"
            | "agent-token"
            | "passwd"
            | "ipsec.psk"
            | "known_tokens.csv"
            | "basic_auth.csv"
            | "tokens.csv"
    ) && path != "/etc/passwd"
        || base.ends_with(".token")
}

/// Replaces the values of secret keys in a text (YAML, JSON, env files, systemd units,
/// flag files): `key: value`, `"key": "value"`, `KEY=value`, `--flag=value`, `--flag value`,
/// and the lines of a `key: |` block scalar. Every replacement has the length of what it
/// replaces. Returns the new text and `name@line` of each replacement.
pub fn redact_text(text: &str) -> (String, Vec<String>) {
    let mut out = String::with_capacity(text.len());
    let mut names = Vec::new();
    // Inside a block scalar of a secret key: lines more indented than this are replaced.
    let mut block: Option<usize> = None;
    for (i, line) in text.split_inclusive('\n').enumerate() {
        let body = line.trim_end_matches(['\n', '\r']);
        let indent = body.len() - body.trim_start().len();
        if let Some(key_indent) = block {
            if body.trim().is_empty() || indent > key_indent {
                out.push_str(&body[..indent]);
                out.push_str(&filler(body.len() - indent));
                out.push_str(&line[body.len()..]);
                continue;
            }
            block = None;
        }
        let (new, found, opens_block) = redact_line(body);
        for n in found {
            names.push(format!("{n}@{}", i + 1));
        }
        if opens_block {
            block = Some(indent);
        }
        out.push_str(&new);
        out.push_str(&line[body.len()..]);
    }
    (out, names)
}

/// One line: the replaced line, the secret names found, and whether a block scalar opens.
fn redact_line(line: &str) -> (String, Vec<String>, bool) {
    let b = line.as_bytes();
    let mut spans: Vec<(usize, usize)> = Vec::new();
    let mut found = Vec::new();
    let mut opens_block = false;
    let is_name = |c: u8| c.is_ascii_alphanumeric() || c == b'_' || c == b'-' || c == b'.';
    let mut i = 0;
    while i < b.len() {
        if !is_name(b[i]) || (i > 0 && is_name(b[i - 1])) {
            i += 1;
            continue;
        }
        let start = i;
        while i < b.len() && is_name(b[i]) {
            i += 1;
        }
        let name = &line[start..i];
        let mut j = i;
        if j < b.len() && (b[j] == b'"' || b[j] == b'\'') {
            j += 1;
        }
        if j < b.len() && b[j] == b' ' && name.starts_with("--") {
            // `--flag value`: one space and a word that is not another flag.
            j += 1;
        }
        let sep = b.get(j).copied();
        let value_start = match sep {
            Some(b':') if !name.starts_with("--") => {
                let mut k = j + 1;
                if k < b.len() && b[k] != b' ' && b[k] != b'\t' {
                    // `a:b` inside a word (a URL): not a key.
                    continue;
                }
                while k < b.len() && (b[k] == b' ' || b[k] == b'\t') {
                    k += 1;
                }
                k
            }
            Some(b'=') => j + 1,
            Some(_) if name.starts_with("--") && j > i && b[j - 1] == b' ' && b[j] != b'-' => j,
            _ => continue,
        };
        if !is_secret_name(name) {
            continue;
        }
        let (vs, ve) = value_span(b, value_start);
        if ve > vs {
            if b[vs] == b'|' || b[vs] == b'>' {
                opens_block = true;
            } else {
                spans.push((vs, ve));
            }
            found.push(norm_name(name));
        }
        i = ve.max(i);
    }
    let mut out = String::with_capacity(line.len());
    let mut last = 0;
    for (s, e) in spans {
        out.push_str(&line[last..s]);
        out.push_str(&filler(e - s));
        last = e;
    }
    out.push_str(&line[last..]);
    (out, found, opens_block)
}

/// The span of a scalar value starting at `s`: a quoted string's content, or up to
/// whitespace, a quote, a comma, a brace or a comment.
fn value_span(b: &[u8], s: usize) -> (usize, usize) {
    if s >= b.len() {
        return (s, s);
    }
    if b[s] == b'"' || b[s] == b'\'' {
        let q = b[s];
        let mut e = s + 1;
        while e < b.len() && b[e] != q {
            if b[e] == b'\\' && q == b'"' {
                e += 1;
            }
            e += 1;
        }
        return (s + 1, e.min(b.len()));
    }
    let mut e = s;
    while e < b.len() && !matches!(b[e], b' ' | b'\t' | b'"' | b'\'' | b',' | b'}' | b']') {
        e += 1;
    }
    (s, e)
}

// ---- private keys ---------------------------------------------------------------------

/// The PEM blocks of a text: (label, first line, byte range of the block).
fn pem_blocks(text: &str) -> Vec<(String, u32, std::ops::Range<usize>)> {
    let mut v = Vec::new();
    let mut pos = 0;
    while let Some(off) = text[pos..].find("-----BEGIN ") {
        let start = pos + off;
        let Some(lend) = text[start + 11..].find("-----") else {
            break;
        };
        let label = text[start + 11..start + 11 + lend].to_owned();
        let end_marker = format!("-----END {label}-----");
        let Some(eoff) = text[start..].find(&end_marker) else {
            break;
        };
        let end = start + eoff + end_marker.len();
        let line = text[..start].matches('\n').count() as u32 + 1;
        v.push((label, line, start..end));
        pos = end;
    }
    v
}

/// Summarises the private keys of a PEM text (without keeping them).
pub fn private_keys(text: &str) -> Vec<(KeySummary, std::ops::Range<usize>)> {
    pem_blocks(text)
        .into_iter()
        .filter(|(label, _, _)| label.ends_with("PRIVATE KEY"))
        .map(|(label, line, range)| {
            let body: String = text[range.clone()]
                .lines()
                .filter(|l| !l.starts_with("-----") && !l.contains(':'))
                .collect();
            let der = base64_decode(&body);
            let mut s = der
                .as_deref()
                .and_then(|d| summarise_der(&label, d))
                .unwrap_or(KeySummary {
                    algorithm: label.trim_end_matches("PRIVATE KEY").trim().to_owned(),
                    bits: None,
                    curve: None,
                    line,
                });
            if s.algorithm.is_empty() {
                s.algorithm = "unknown".into();
            }
            s.line = line;
            (s, range)
        })
        .collect()
}

fn base64_decode(s: &str) -> Option<Vec<u8>> {
    use base64::Engine;
    let clean: String = s.chars().filter(|c| !c.is_whitespace()).collect();
    base64::engine::general_purpose::STANDARD.decode(clean).ok()
}

/// A DER element: (tag, content).
fn der(b: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    let tag = *b.first()?;
    let l0 = *b.get(1)? as usize;
    let (len, hdr) = if l0 < 0x80 {
        (l0, 2)
    } else {
        let n = l0 & 0x7f;
        if n == 0 || n > 4 {
            return None;
        }
        let mut len = 0usize;
        for k in 0..n {
            len = (len << 8) | *b.get(2 + k)? as usize;
        }
        (len, 2 + n)
    };
    let content = b.get(hdr..hdr + len)?;
    Some((tag, content, &b[hdr + len..]))
}

fn oid(content: &[u8]) -> String {
    let mut parts: Vec<u64> = Vec::new();
    let mut acc: u64 = 0;
    for (i, &c) in content.iter().enumerate() {
        acc = (acc << 7) | u64::from(c & 0x7f);
        if c & 0x80 == 0 {
            if parts.is_empty() && i < content.len() {
                let first = if acc >= 80 { 2 } else { acc / 40 };
                parts.push(first);
                parts.push(acc - first * 40);
            } else {
                parts.push(acc);
            }
            acc = 0;
        }
    }
    parts.iter().map(u64::to_string).collect::<Vec<_>>().join(".")
}

fn int_bits(content: &[u8]) -> u32 {
    let mut c = content;
    while c.first() == Some(&0) {
        c = &c[1..];
    }
    match c.first() {
        None => 0,
        Some(&top) => (c.len() as u32 - 1) * 8 + (8 - top.leading_zeros()),
    }
}

fn curve(oid: &str) -> Option<(&'static str, u32)> {
    Some(match oid {
        "1.2.840.10045.3.1.7" => ("P-256", 256),
        "1.3.132.0.34" => ("P-384", 384),
        "1.3.132.0.35" => ("P-521", 521),
        "1.3.132.0.10" => ("secp256k1", 256),
        _ => return None,
    })
}

fn rsa_bits(pkcs1: &[u8]) -> Option<u32> {
    let (0x30, seq, _) = der(pkcs1)? else { return None };
    let (0x02, _version, rest) = der(seq)? else {
        return None;
    };
    let (0x02, modulus, _) = der(rest)? else {
        return None;
    };
    Some(int_bits(modulus))
}

fn ec_summary(sec1: &[u8]) -> Option<(String, u32)> {
    let (0x30, seq, _) = der(sec1)? else { return None };
    let (_, _, mut rest) = der(seq)?; // version
    let (_, _, r) = der(rest)?; // private key octets
    rest = r;
    while let Some((tag, content, r)) = der(rest) {
        if tag == 0xa0 {
            let (0x06, o, _) = der(content)? else { return None };
            let (name, bits) = curve(&oid(o))?;
            return Some((name.to_owned(), bits));
        }
        rest = r;
    }
    None
}

fn summarise_der(label: &str, d: &[u8]) -> Option<KeySummary> {
    let mk = |algorithm: &str, bits: Option<u32>, curve: Option<String>| KeySummary {
        algorithm: algorithm.to_owned(),
        bits,
        curve,
        line: 0,
    };
    match label {
        "RSA PRIVATE KEY" => Some(mk("RSA", rsa_bits(d), None)),
        "EC PRIVATE KEY" => {
            let ec = ec_summary(d);
            Some(mk("EC", ec.as_ref().map(|e| e.1), ec.map(|e| e.0)))
        }
        "ENCRYPTED PRIVATE KEY" => Some(mk("encrypted", None, None)),
        "PRIVATE KEY" => {
            let (0x30, seq, _) = der(d)? else { return None };
            let (0x02, _, rest) = der(seq)? else { return None };
            let (0x30, alg, rest) = der(rest)? else {
                return None;
            };
            let (0x06, o, params) = der(alg)? else { return None };
            let (0x04, key, _) = der(rest)? else { return None };
            match oid(o).as_str() {
                "1.2.840.113549.1.1.1" | "1.2.840.113549.1.1.10" => Some(mk("RSA", rsa_bits(key), None)),
                "1.2.840.10045.2.1" => {
                    let c = der(params)
                        .filter(|(t, _, _)| *t == 0x06)
                        .and_then(|(_, p, _)| curve(&oid(p)));
                    Some(mk("EC", c.map(|c| c.1), c.map(|c| c.0.to_owned())))
                }
                "1.3.101.112" => Some(mk("Ed25519", Some(256), None)),
                "1.3.101.113" => Some(mk("Ed448", Some(456), None)),
                other => Some(mk(other, None, None)),
            }
        }
        _ => None,
    }
}

/// The files the components' flags name as token or password stores (`--token-auth-file`,
/// k3s `--token-file`, `--agent-token-file`, `--basic-auth-file`, …).
fn token_files_named(facts: &NodeFacts, opts: &crate::gather::GatherOptions) -> Vec<String> {
    let (layout, _) = crate::gather::layout_for(facts, opts);
    let model = crate::components::build(facts, &layout, &crate::components::ModelOptions::default());
    let mut v = Vec::new();
    for c in &model.components {
        for e in &c.flags.entries {
            let n = norm_name(&e.name);
            let secret_store = n.contains("token") || n.contains("password") || n.contains("basic-auth");
            if secret_store && n.ends_with("-file") && e.value.starts_with('/') {
                v.push(crate::facts::normalize(&e.value));
            }
        }
    }
    v
}

/// What of a file's content goes into the tarball: `None` = withheld whole.
fn sanitise(path: &str, f: &FileFact, owner: String) -> (Option<Vec<u8>>, Option<Withheld>) {
    let Some(content) = f.content.as_deref() else {
        return (None, None);
    };
    let record = |kind, whole, keys, values| Withheld {
        path: path.to_owned(),
        kind,
        whole,
        bytes: content.len() as u64,
        mode: format!("{:o}", f.mode),
        owner: owner.clone(),
        keys,
        values,
    };
    if is_token_file(path) {
        return (
            None,
            Some(record(WithheldKind::Token, true, Vec::new(), Vec::new())),
        );
    }
    let Ok(text) = std::str::from_utf8(content) else {
        let base = path.rsplit('/').next().unwrap_or(path);
        if base.ends_with(".key") || base.ends_with("-key.pem") {
            // A DER key, or anything binary named as a key: never copied.
            return (
                None,
                Some(record(WithheldKind::PrivateKey, true, Vec::new(), Vec::new())),
            );
        }
        return (Some(content.to_vec()), None);
    };
    let keys = private_keys(text);
    let base = path.rsplit('/').next().unwrap_or(path);
    let named_key = base.ends_with(".key") || base.ends_with("-key.pem");
    if !keys.is_empty() || named_key {
        let mut rest = String::new();
        let mut last = 0;
        for (_, r) in &keys {
            rest.push_str(&text[last..r.start]);
            last = r.end;
        }
        rest.push_str(&text[last..]);
        let summaries: Vec<KeySummary> = keys.into_iter().map(|(s, _)| s).collect();
        if rest.trim().is_empty() || named_key {
            return (
                None,
                Some(record(WithheldKind::PrivateKey, true, summaries, Vec::new())),
            );
        }
        // A bundle (a certificate and its key): the certificates stay, each key block is
        // replaced by blank lines (the line numbers of what follows do not move).
        let mut kept = String::new();
        let mut last = 0;
        for k in pem_blocks(text)
            .into_iter()
            .filter(|(l, _, _)| l.ends_with("PRIVATE KEY"))
        {
            kept.push_str(&text[last..k.2.start]);
            kept.push_str(&"\n".repeat(text[k.2.clone()].matches('\n').count()));
            last = k.2.end;
        }
        kept.push_str(&text[last..]);
        return (
            Some(kept.into_bytes()),
            Some(record(WithheldKind::PrivateKey, false, summaries, Vec::new())),
        );
    }
    let (redacted, names) = redact_text(text);
    if names.is_empty() {
        return (Some(content.to_vec()), None);
    }
    // Embedded keys of kubeconfigs (`client-key-data`) are summarised too.
    let mut keys = Vec::new();
    for (i, l) in text.lines().enumerate() {
        let t = l.trim_start();
        if let Some(v) = t.strip_prefix("client-key-data:") {
            if let Some(pem) =
                base64_decode(v.trim().trim_matches('"')).and_then(|b| String::from_utf8(b).ok())
            {
                for (mut s, _) in private_keys(&pem) {
                    s.line = i as u32 + 1;
                    keys.push(s);
                }
            }
        }
    }
    (
        Some(redacted.into_bytes()),
        Some(record(WithheldKind::Values, false, keys, names)),
    )
}

/// The environment variables the checks read: the `env` of the catalogue's test items
/// (`ETCD_*`), etcd's `ETCD_CONFIG_FILE` and `ETCD_DATA_DIR`, and the kubelet's
/// `KUBELET_CONFIG_DROPIN_DIR_ALPHA`.
pub fn checked_env_names() -> Vec<String> {
    let mut v: Vec<String> = crate::catalogue::catalogue()
        .checks
        .iter()
        .flat_map(|c| c.test_items.iter().filter_map(|t| t.env.clone()))
        .collect();
    v.extend(
        [
            "ETCD_CONFIG_FILE",
            "ETCD_DATA_DIR",
            "KUBELET_CONFIG_DROPIN_DIR_ALPHA",
        ]
        .map(String::from),
    );
    v.sort();
    v.dedup();
    v
}

/// A process's command line with the values of secret flags (`--token`, `--agent-token`,
/// `--datastore-endpoint`, …) replaced, word for word (argument numbers do not move).
fn redact_argv(argv: &[String]) -> Vec<String> {
    let mut out = Vec::with_capacity(argv.len());
    let mut next_secret = false;
    for w in argv {
        if next_secret && !w.starts_with('-') {
            out.push(filler(w.len()));
            next_secret = false;
            continue;
        }
        next_secret = false;
        if let Some(flag) = w.strip_prefix("--").or_else(|| w.strip_prefix('-')) {
            match flag.split_once('=') {
                Some((name, value)) if is_secret_name(name) => {
                    out.push(format!(
                        "{}={}",
                        &w[..w.len() - value.len() - 1],
                        filler(value.len())
                    ));
                    continue;
                }
                None if is_secret_name(flag) => next_secret = true,
                _ => {}
            }
        }
        out.push(w.clone());
    }
    out
}

fn nul_join<'a>(words: impl Iterator<Item = &'a str>) -> Vec<u8> {
    let mut b = Vec::new();
    for w in words {
        b.extend_from_slice(w.as_bytes());
        b.push(0);
    }
    b
}

/// The versions recorded with the facts: those already known, else the Kubernetes image tag of
/// a control-plane static pod or kube-proxy — the same answer `bench` would find, recorded so
/// that a tarball says it without its reader having to find it. Binaries are never run.
pub fn versions(facts: &NodeFacts, opts: &crate::gather::GatherOptions) -> Vec<VersionFact> {
    if !facts.versions.is_empty() {
        return facts.versions.clone();
    }
    let (layout, _) = crate::gather::layout_for(facts, opts);
    let model = crate::components::build(facts, &layout, &crate::components::ModelOptions::default());
    crate::find_version(facts, &model, None).into_iter().collect()
}

// ---- the tarball ----------------------------------------------------------------------

fn header(kind: tar::EntryType, mode: u32, uid: u32, gid: u32, size: u64) -> tar::Header {
    let mut h = tar::Header::new_gnu();
    h.set_entry_type(kind);
    h.set_mode(mode);
    h.set_uid(u64::from(uid));
    h.set_gid(u64::from(gid));
    h.set_size(size);
    h.set_mtime(0);
    h
}

/// Writes the facts as a tarball (plain tar; wrap `w` in a gzip encoder for `.tar.gz`).
/// `root`: where the node's filesystem is (symlink targets are read there); `opts`: the
/// gathering's options (for the layout the versions come from).
pub fn write_tar<W: Write>(
    facts: &NodeFacts,
    root: &Path,
    opts: &crate::gather::GatherOptions,
    w: W,
) -> io::Result<(W, Written)> {
    let mut b = tar::Builder::new(w);
    let mut written = Written::default();
    let problems: Vec<Problem> = facts.problems.clone();
    let mut entries: Vec<(String, tar::Header, Vec<u8>, Option<String>)> = Vec::new();
    let name_of = |facts: &NodeFacts, f: &FileFact| -> (Option<String>, Option<String>) {
        let owner = facts.owner(f);
        let (u, g) = owner.split_once(':').unwrap_or((owner.as_str(), ""));
        let known = |n: &str, id: u32| (n != "UNKNOWN" || id == 0).then(|| n.to_owned());
        (known(u, f.uid), known(g, f.gid))
    };
    for (path, f) in &facts.files {
        let rel = path.trim_start_matches('/').to_owned();
        if rel.is_empty() || rel == META_DIR || rel.starts_with("palisade/") {
            continue;
        }
        let (user, group) = (f.user.clone(), f.group.clone());
        let (ru, rg) = name_of(facts, f);
        let set_names = |h: &mut tar::Header| {
            if let Some(u) = user.clone().or(ru.clone()) {
                let _ = h.set_username(&u);
            }
            if let Some(g) = group.clone().or(rg.clone()) {
                let _ = h.set_groupname(&g);
            }
        };
        match f.kind {
            FileKind::Dir => {
                let mut h = header(tar::EntryType::Directory, f.mode, f.uid, f.gid, 0);
                set_names(&mut h);
                entries.push((format!("{rel}/"), h, Vec::new(), None));
                written.dirs += 1;
            }
            FileKind::Symlink => {
                let host = root.join(&rel);
                let Ok(target) = std::fs::read_link(&host) else {
                    continue;
                };
                let mut h = header(tar::EntryType::Symlink, f.mode, f.uid, f.gid, 0);
                set_names(&mut h);
                let t = target.to_string_lossy().into_owned();
                entries.push((rel.clone(), h, Vec::new(), Some(t.clone())));
                written.symlinks += 1;
                // The content the link was read through: its target, when not recorded.
                let resolved = if t.starts_with('/') {
                    crate::facts::normalize(&t)
                } else {
                    let parent = path.rsplit_once('/').map_or("", |(p, _)| p);
                    crate::facts::normalize(&format!("{parent}/{t}"))
                };
                if f.content.is_some() && facts.get(&resolved).is_none() {
                    if let Ok(m) = std::fs::metadata(root.join(resolved.trim_start_matches('/'))) {
                        let tf = crate::gather::fact_of(&m);
                        let tf = FileFact {
                            content: f.content.clone(),
                            ..tf
                        };
                        let (content, wh) = sanitise(&resolved, &tf, facts.owner(&tf));
                        let body = content.unwrap_or_default();
                        let mut h = header(
                            tar::EntryType::Regular,
                            tf.mode,
                            tf.uid,
                            tf.gid,
                            body.len() as u64,
                        );
                        let (u, g) = name_of(facts, &tf);
                        if let Some(u) = u {
                            let _ = h.set_username(&u);
                        }
                        if let Some(g) = g {
                            let _ = h.set_groupname(&g);
                        }
                        entries.push((resolved.trim_start_matches('/').to_owned(), h, body, None));
                        written.files += 1;
                        written.withheld.extend(wh);
                    }
                }
            }
            FileKind::File => {
                let (content, wh) = sanitise(path, f, facts.owner(f));
                let body = content.unwrap_or_default();
                let mut h = header(tar::EntryType::Regular, f.mode, f.uid, f.gid, body.len() as u64);
                set_names(&mut h);
                entries.push((rel, h, body, None));
                written.files += 1;
                written.withheld.extend(wh);
            }
            FileKind::Other => {
                let mut h = header(tar::EntryType::Fifo, f.mode, f.uid, f.gid, 0);
                set_names(&mut h);
                entries.push((rel, h, Vec::new(), None));
            }
        }
    }
    // Token files named by flags: withheld whole, whatever their names.
    let named = token_files_named(facts, opts);
    for e in entries.iter_mut() {
        let path = format!("/{}", e.0.trim_end_matches('/'));
        if e.3.is_none() && !e.2.is_empty() && named.contains(&path) {
            let f = &facts.files[&path];
            written.withheld.retain(|w| w.path != path);
            written.withheld.push(Withheld {
                path: path.clone(),
                kind: WithheldKind::Token,
                whole: true,
                bytes: e.2.len() as u64,
                mode: format!("{:o}", f.mode),
                owner: facts.owner(f),
                keys: Vec::new(),
                values: Vec::new(),
            });
            e.2.clear();
            e.1.set_size(0);
        }
    }
    let env_names = checked_env_names();
    let mut procs: Vec<&Process> = facts.processes.iter().collect();
    procs.sort_by_key(|p| p.pid);
    for p in procs {
        let argv = redact_argv(&p.argv);
        let cmd = nul_join(argv.iter().map(String::as_str));
        entries.push((
            format!("proc/{}/cmdline", p.pid),
            header(tar::EntryType::Regular, 0o444, 0, 0, cmd.len() as u64),
            cmd,
            None,
        ));
        if let Some(env) = &p.env {
            let kept: Vec<String> = env
                .iter()
                .filter(|(k, _)| env_names.contains(k))
                .map(|(k, v)| format!("{k}={v}"))
                .collect();
            let body = nul_join(kept.iter().map(String::as_str));
            entries.push((
                format!("proc/{}/environ", p.pid),
                header(tar::EntryType::Regular, 0o400, 0, 0, body.len() as u64),
                body,
                None,
            ));
        }
        written.processes += 1;
    }
    let meta: [(&str, Vec<u8>); 3] = [
        (VERSIONS, to_json(&versions(facts, opts))),
        (WITHHELD, to_json(&written.withheld)),
        (PROBLEMS, to_json(&problems)),
    ];
    let mut h = header(tar::EntryType::Directory, 0o755, 0, 0, 0);
    b.append_data(&mut h, format!("{META_DIR}/"), io::empty())?;
    for (name, body) in meta {
        let mut h = header(tar::EntryType::Regular, 0o644, 0, 0, body.len() as u64);
        b.append_data(&mut h, name, body.as_slice())?;
    }
    for (name, mut h, body, link) in entries {
        match link {
            Some(link) => b.append_link(&mut h, &name, link)?,
            None => b.append_data(&mut h, &name, body.as_slice())?,
        }
    }
    let w = b.into_inner()?;
    Ok((w, written))
}

/// Writes the facts as a tarball to `out`, gzip-compressed when `gzip` (see [`write_tar`]).
pub fn write_to(
    facts: &NodeFacts,
    root: &Path,
    opts: &crate::gather::GatherOptions,
    out: impl Write,
    gzip: bool,
) -> io::Result<Written> {
    let out = io::BufWriter::new(out);
    if gzip {
        let gz = flate2::write::GzEncoder::new(out, flate2::Compression::default());
        let (gz, w) = write_tar(facts, root, opts, gz)?;
        gz.finish()?.flush()?;
        Ok(w)
    } else {
        let (mut out, w) = write_tar(facts, root, opts, out)?;
        out.flush()?;
        Ok(w)
    }
}

/// A record's JSON (plain data: serialising it cannot fail; `[]` if it ever did).
fn to_json<T: Serialize>(v: &T) -> Vec<u8> {
    let mut b = serde_json::to_vec_pretty(v).unwrap_or_else(|_| b"[]".to_vec());
    b.push(b'\n');
    b
}

/// Applies the `palisade/*` records of a tarball to the facts read from it: versions,
/// problems met while collecting, and the withheld files (their content is not there: it is
/// marked as not read, with the summary as the reason).
pub fn apply_records(facts: &mut NodeFacts, records: &[(String, Vec<u8>)]) {
    for (name, body) in records {
        let bad = |facts: &mut NodeFacts, e: serde_json::Error| {
            facts.error(
                format!("{}: {name}", facts.origin),
                Some(e.line() as u32),
                Some(e.column() as u32),
                format!("cannot read the collector's record: {e}"),
            )
        };
        match name.as_str() {
            VERSIONS => match serde_json::from_slice::<Vec<VersionFact>>(body) {
                Ok(v) => facts.versions.extend(v),
                Err(e) => bad(facts, e),
            },
            PROBLEMS => match serde_json::from_slice::<Vec<Problem>>(body) {
                Ok(v) => facts.problems.extend(v),
                Err(e) => bad(facts, e),
            },
            WITHHELD => match serde_json::from_slice::<Vec<Withheld>>(body) {
                Ok(v) => {
                    for w in v {
                        if w.whole {
                            if let Some(f) = facts.files.get_mut(&crate::facts::normalize(&w.path)) {
                                f.content = None;
                                f.read_error =
                                    Some(format!("withheld by palisade bench collect ({})", describe(&w)));
                            }
                        }
                        facts.withheld.insert(crate::facts::normalize(&w.path), w);
                    }
                }
                Err(e) => bad(facts, e),
            },
            _ => {}
        }
    }
}

/// `private key: RSA 2048`, `token file`, `values: token@5`.
pub fn describe(w: &Withheld) -> String {
    let keys: Vec<String> = w
        .keys
        .iter()
        .map(|k| {
            let mut s = k.algorithm.clone();
            if let Some(c) = &k.curve {
                s.push(' ');
                s.push_str(c);
            } else if let Some(b) = k.bits {
                s.push_str(&format!(" {b}"));
            }
            s
        })
        .collect();
    match w.kind {
        WithheldKind::PrivateKey if keys.is_empty() => "private key (not PEM)".into(),
        WithheldKind::PrivateKey => format!("private key: {}", keys.join(", ")),
        WithheldKind::Token => "token or password file".into(),
        WithheldKind::Values if keys.is_empty() => format!("secret values: {}", w.values.join(", ")),
        WithheldKind::Values => format!(
            "secret values: {} (key: {})",
            w.values.join(", "),
            keys.join(", ")
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_names() {
        for n in [
            "token",
            "client-key-data",
            "--token",
            "agent-token",
            "K3S_TOKEN",
            "datastore-endpoint",
            "password",
            "secret",
            "etcd-s3-secret-key",
            "idToken",
        ] {
            assert!(is_secret_name(n), "{n}");
        }
        for n in [
            "token-auth-file",
            "--service-account-extend-token-expiration",
            "tokenFile",
            "client-certificate-data",
            "enable-bootstrap-token-auth",
            "name",
        ] {
            assert!(!is_secret_name(n), "{n}");
        }
    }

    #[test]
    fn redaction_keeps_lines_and_columns() {
        let text = "users:\n- name: admin\n  user:\n    client-certificate-data: Q0VSVA==\n    client-key-data: S0VZREFUQQ==\n    token: \"abc.def\"\nkeys: {\"secret\": \"c2VjcmV0MTIzNDU2\", \"name\": \"key1\"}\nK3S_TOKEN=K10abc::server:xyz\nExecStart=/usr/bin/k3s server --token s3cr3t --datastore-endpoint=postgres://u:p@db\nblock: |\n  x\npassword: |\n  hunter2\n  more\nafter: 1\n";
        let (out, names) = redact_text(text);
        assert_eq!(out.len(), text.len());
        for (a, b) in text.lines().zip(out.lines()) {
            assert_eq!(a.len(), b.len());
        }
        for secret in [
            "S0VZREFUQQ",
            "abc.def",
            "c2VjcmV0",
            "K10abc",
            "s3cr3t",
            "postgres",
            "hunter2",
            "more",
        ] {
            assert!(!out.contains(secret), "{secret} in {out}");
        }
        for kept in ["Q0VSVA==", "\"name\": \"key1\"", "block: |\n  x\n", "after: 1"] {
            assert!(out.contains(kept), "{kept} not in {out}");
        }
        assert_eq!(
            names,
            [
                "client-key-data@5",
                "token@6",
                "secret@7",
                "k3s-token@8",
                "token@9",
                "datastore-endpoint@9",
                "password@12"
            ]
        );
        assert!(out.contains("client-key-data: redactedxxxx\n"), "{out}");
    }

    #[test]
    fn argv_redaction_keeps_argument_numbers() {
        let argv: Vec<String> = [
            "k3s",
            "server",
            "--token",
            "abc",
            "--agent-token=xyz12",
            "--profiling=false",
        ]
        .map(String::from)
        .to_vec();
        assert_eq!(
            redact_argv(&argv),
            [
                "k3s",
                "server",
                "--token",
                "xxx",
                "--agent-token=xxxxx",
                "--profiling=false"
            ]
        );
    }

    #[test]
    fn der_summaries() {
        // PKCS#1: SEQUENCE { INTEGER 0, INTEGER <1024-bit modulus> , ... }
        let mut modulus = vec![0x00, 0xc0];
        modulus.extend([0x11; 127]);
        let mut seq = vec![0x02, 0x01, 0x00, 0x02, 0x81, modulus.len() as u8];
        seq.extend(&modulus);
        seq.extend([0x02, 0x01, 0x03]);
        let mut pkcs1 = vec![0x30, 0x81, seq.len() as u8];
        pkcs1.extend(&seq);
        assert_eq!(rsa_bits(&pkcs1), Some(1024));
        let s = summarise_der("RSA PRIVATE KEY", &pkcs1).unwrap();
        assert_eq!((s.algorithm.as_str(), s.bits), ("RSA", Some(1024)));
        // PKCS#8 wrapping it.
        let alg = [
            0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01, 0x05, 0x00,
        ];
        let mut inner = vec![0x02, 0x01, 0x00];
        inner.extend(alg);
        inner.extend([0x04, 0x82, (pkcs1.len() >> 8) as u8, pkcs1.len() as u8]);
        inner.extend(&pkcs1);
        let mut p8 = vec![0x30, 0x82, (inner.len() >> 8) as u8, inner.len() as u8];
        p8.extend(&inner);
        let s = summarise_der("PRIVATE KEY", &p8).unwrap();
        assert_eq!((s.algorithm.as_str(), s.bits), ("RSA", Some(1024)));
        // SEC1 EC on P-256.
        let sec1 = [
            0x30, 0x12, 0x02, 0x01, 0x01, 0x04, 0x01, 0x55, 0xa0, 0x0a, 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce,
            0x3d, 0x03, 0x01, 0x07,
        ];
        let s = summarise_der("EC PRIVATE KEY", &sec1).unwrap();
        assert_eq!(
            (s.algorithm.as_str(), s.bits, s.curve.as_deref()),
            ("EC", Some(256), Some("P-256"))
        );
    }

    #[test]
    fn key_files_are_withheld_and_bundles_keep_their_certificates() {
        use base64::Engine;
        let sec1 = [
            0x30, 0x12, 0x02, 0x01, 0x01, 0x04, 0x01, 0x55, 0xa0, 0x0a, 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce,
            0x3d, 0x03, 0x01, 0x07,
        ];
        let b64 = base64::engine::general_purpose::STANDARD.encode(sec1);
        let key = format!("-----BEGIN EC PRIVATE KEY-----\n{b64}\n-----END EC PRIVATE KEY-----\n");
        let f = FileFact::file(0o600, 0, 0, key.as_bytes());
        let (c, w) = sanitise("/etc/kubernetes/pki/ca.key", &f, "root:root".into());
        assert_eq!(c, None);
        let w = w.unwrap();
        assert!(w.whole);
        assert_eq!(describe(&w), "private key: EC P-256");
        assert_eq!(w.mode, "600");
        let cert = "-----BEGIN CERTIFICATE-----\nQ0VSVA==\n-----END CERTIFICATE-----\n";
        let bundle = format!("{cert}{key}");
        let f = FileFact::file(0o600, 0, 0, bundle.as_bytes());
        let (c, w) = sanitise(
            "/var/lib/kubelet/pki/kubelet-client-current.pem",
            &f,
            "root:root".into(),
        );
        let c = String::from_utf8(c.unwrap()).unwrap();
        assert!(c.starts_with(cert) && !c.contains("PRIVATE") && !c.contains(&b64));
        assert_eq!(c.lines().count(), bundle.lines().count());
        assert!(!w.unwrap().whole);
        // A kubeconfig: content kept, the key value replaced and summarised.
        let kc = format!(
            "users:\n- user:\n    client-key-data: {}\n",
            base64::engine::general_purpose::STANDARD.encode(&key)
        );
        let f = FileFact::file(0o600, 0, 0, kc.as_bytes());
        let (c, w) = sanitise("/etc/kubernetes/admin.conf", &f, "root:root".into());
        let c = String::from_utf8(c.unwrap()).unwrap();
        assert!(c.contains("client-key-data: redactedxx") && !c.contains("LS0t"));
        let w = w.unwrap();
        assert_eq!(w.keys.len(), 1);
        assert_eq!(w.keys[0].line, 3);
        // Token files.
        let f = FileFact::file(0o600, 0, 0, b"K10abc::server:xyz\n");
        assert_eq!(
            sanitise("/var/lib/rancher/k3s/server/token", &f, "root:root".into()).0,
            None
        );
        // /etc/passwd is not a token file.
        assert!(!is_token_file("/etc/passwd"));
    }
}
