//! Encryption at rest (`NODE301`, `NODE302`): the EncryptionConfiguration named by the API
//! server's `--encryption-provider-config` — whether Secrets are encrypted (a `resources`
//! entry covers them and its first provider, the one that writes, is not `identity`), and the
//! strength of each entry's writing provider (aescbc and aesgcm warn, kms v1 is deprecated,
//! secretbox and kms v2 pass). Located at the provider's line and column.

use super::{at, read_kind, verdict_of, Ctx, ExtraDef, Item, Verdict};
use crate::argv::Where;
use crate::eval::Status;
use crate::facts::Problem;
use palisade_core::Node;

const KINDS: [&str; 1] = ["EncryptionConfiguration"];

/// The configuration file: `Err(verdict)` when there is nothing to read.
fn config(ctx: &Ctx) -> Result<(String, Node), Box<Verdict>> {
    if !ctx.apiserver().present() {
        return Err(Box::new(Verdict::not_applicable(
            "kube-apiserver is not on this node",
        )));
    }
    let Some((path, flag_at)) =
        ctx.path_flag(crate::components::Kind::Apiserver, "encryption-provider-config")
    else {
        return Err(Box::new(fail(
            "--encryption-provider-config not set",
            ctx.apiserver().anchor.clone(),
            "Secrets are stored in etcd in plain text (base64): anyone with etcd or its backups reads them",
        )));
    };
    match read_kind(ctx.facts, &path, &KINDS) {
        Ok(Some(doc)) => Ok((path, doc)),
        Ok(None) => Err(Box::new(fail(
            &format!("{path} does not exist on the node"),
            Some(flag_at),
            "the API server does not start with a missing encryption configuration",
        ))),
        Err(_) => Err(Box::new(fail(
            &format!("{path} is not a usable EncryptionConfiguration (see the input errors)"),
            Some(Where::Path { file: path.clone() }),
            "the API server does not start with an invalid encryption configuration",
        ))),
    }
}

fn fail(actual: &str, location: Option<Where>, why: &str) -> Verdict {
    Verdict {
        status: Some(Status::Fail),
        reason: Some(why.to_owned()),
        actual: actual.to_owned(),
        location,
        items: Vec::new(),
        remediation: REMEDIATION.to_owned(),
    }
}

const REMEDIATION: &str = "Write an EncryptionConfiguration whose first entry lists `secrets` with a `kms` (apiVersion: v2) or `secretbox` provider first (identity last, to read old data), set `--encryption-provider-config` to it, restart the API server, and rewrite existing Secrets (`kubectl get secrets -A -o json | kubectl replace -f -`).";

/// Does a `resources` entry's string name this core-group resource?
fn names_core(entry: &str, resource: &str) -> bool {
    entry == resource || entry == format!("{resource}.") || entry == "*." || entry == "*.*"
}

/// The first provider of an entry: its type, its node and, for kms, its apiVersion.
fn first_provider(entry: &Node) -> Option<(String, &Node, Option<String>)> {
    let p = entry.get("providers")?.as_seq()?.first()?;
    let e = p.as_map()?.first()?;
    let version = (&*e.key == "kms").then(|| {
        e.value
            .get("apiVersion")
            .and_then(Node::as_str)
            .unwrap_or("v1")
            .to_owned()
    });
    Some((e.key.to_string(), p, version))
}

fn provider_at(file: &str, p: &Node) -> Where {
    match p.as_map().and_then(|m| m.first()) {
        Some(e) if e.key_pos.is_known() => Where::file(file, e.key_pos.line, e.key_pos.col),
        _ => at(file, p),
    }
}

fn entries(doc: &Node) -> &[Node] {
    doc.get("resources").and_then(Node::as_seq).unwrap_or(&[])
}

fn entry_resources(e: &Node) -> Vec<String> {
    e.get("resources")
        .and_then(Node::as_seq)
        .unwrap_or(&[])
        .iter()
        .filter_map(Node::as_str)
        .map(str::to_owned)
        .collect()
}

// ---- NODE301 ----

fn secrets(ctx: &Ctx) -> Verdict {
    let (path, doc) = match config(ctx) {
        Ok(x) => x,
        Err(v) => return *v,
    };
    let mut items = Vec::new();
    let first = entries(&doc)
        .iter()
        .find(|e| entry_resources(e).iter().any(|r| names_core(r, "secrets")));
    match first {
        None => items.push(
            Item::new(
                Status::Fail,
                "secrets",
                Some("no resources entry covers secrets".into()),
                Some(
                    doc.get("resources")
                        .map_or(Where::Path { file: path.clone() }, |n| at(&path, n)),
                ),
            )
            .note("Secrets are not encrypted: no entry lists secrets (or *. / *.*)"),
        ),
        Some(e) => match first_provider(e) {
            None => items.push(
                Item::new(
                    Status::Fail,
                    "secrets",
                    Some("no provider".into()),
                    Some(at(&path, e)),
                )
                .note("the entry covering secrets has no provider"),
            ),
            Some((name, p, _)) if name == "identity" => items.push(
                Item::new(
                    Status::Fail,
                    "secrets",
                    Some("identity first: written unencrypted".into()),
                    Some(provider_at(&path, p)),
                )
                .note("the first provider writes: with identity first nothing is encrypted"),
            ),
            Some((name, p, v)) => items.push(Item::new(
                Status::Pass,
                "secrets",
                Some(match v {
                    Some(v) => format!("{name} {v}"),
                    None => name,
                }),
                Some(provider_at(&path, p)),
            )),
        },
    }
    verdict_of(items, "", REMEDIATION.to_owned())
}

// ---- NODE302 ----

fn strength(ctx: &Ctx) -> Verdict {
    let (path, doc) = match config(ctx) {
        Ok(x) => x,
        Err(v) => {
            // NODE301 reports a missing or unusable configuration.
            if v.status == Some(Status::NotApplicable) {
                return *v;
            }
            return Verdict::not_applicable(format!("{} (NODE301 reports it)", v.actual));
        }
    };
    let mut items = Vec::new();
    for e in entries(&doc) {
        let res = entry_resources(e).join(",");
        let Some((name, p, v)) = first_provider(e) else {
            continue;
        };
        let at = Some(provider_at(&path, p));
        let covers_secrets = entry_resources(e).iter().any(|r| names_core(r, "secrets"));
        let item = match (name.as_str(), v.as_deref()) {
            ("secretbox", _) => Item::new(Status::Pass, res, Some("secretbox (XSalsa20-Poly1305)".into()), at),
            ("kms", Some("v2")) => Item::new(Status::Pass, res, Some("kms v2".into()), at),
            ("kms", Some(v)) => Item::new(Status::Warn, res, Some(format!("kms {v}")), at)
                .note("KMS v1 is deprecated since 1.28 and off by default since 1.29: use apiVersion: v2"),
            ("aescbc", _) => Item::new(Status::Warn, res, Some("aescbc".into()), at)
                .note("AES-CBC is vulnerable to padding-oracle attacks and its key sits on the node: prefer kms v2"),
            ("aesgcm", _) => Item::new(Status::Warn, res, Some("aesgcm".into()), at)
                .note("AES-GCM keys must be rotated every 200K writes (nonce reuse), and sit on the node: prefer kms v2"),
            ("identity", _) if covers_secrets => continue, // NODE301's
            ("identity", _) => Item::new(Status::Pass, res, Some("identity (not encrypted; reported)".into()), at),
            (other, _) => Item::new(Status::Fail, res, Some(other.to_owned()), at)
                .note(format!("unknown provider {other:?}: the API server refuses the file")),
        };
        items.push(item);
    }
    verdict_of(
        items,
        "no resources entry to judge (identity first for secrets is NODE301's)",
        "Use kms (apiVersion: v2) with an external KMS, or secretbox, as the first provider of each entry; keep the old provider after it until the data is rewritten.".into(),
    )
}

/// The problems of the encryption configuration (not YAML, wrong kind).
pub fn problems(ctx: &Ctx) -> Vec<Problem> {
    if !ctx.apiserver().present() {
        return Vec::new();
    }
    match ctx.path_flag(crate::components::Kind::Apiserver, "encryption-provider-config") {
        Some((p, _)) => read_kind(ctx.facts, &p, &KINDS).err().unwrap_or_default(),
        None => Vec::new(),
    }
}

pub static CHECKS: [ExtraDef; 2] = [
    ExtraDef {
        code: "NODE301",
        name: "encryption-secrets-at-rest",
        group: "N.3",
        title: "Secrets are encrypted at rest",
        scored: true,
        pass_condition: "--encryption-provider-config names an EncryptionConfiguration whose first entry covering secrets has a provider other than identity first",
        cis: &["1.2.27", "1.2.28"],
        doc: "Reads: the API server's --encryption-provider-config and the EncryptionConfiguration it names.\n\nWhy: without encryption at rest, Secrets are stored in etcd (and its backups and snapshots) in plain base64.\n\nDecided: the flag absent fails; the file missing fails; a file that is not YAML or not `kind: EncryptionConfiguration` is a located error and fails. The first `resources` entry listing `secrets` (or `secrets.`, `*.`, `*.*`) is the one the API server uses; its first provider is the one that writes: `identity` first fails (nothing is encrypted — kube-bench's 1.2.28 reads only the last entry). No entry covering secrets fails. Located at the provider's key.\n\nFix: put kms (v2) or secretbox first in an entry listing secrets, restart the API server, and rewrite the existing Secrets.",
        run: secrets,
    },
    ExtraDef {
        code: "NODE302",
        name: "encryption-provider-strength",
        group: "N.3",
        title: "Each encrypted resource is written with a strong provider",
        scored: false,
        pass_condition: "the first provider of every resources entry is secretbox or kms v2 (identity entries for other resources are reported)",
        cis: &["1.2.28"],
        doc: "Reads: every `resources` entry of the EncryptionConfiguration (secrets, configmaps, custom resources …) and its first provider.\n\nWhy: aescbc is open to padding-oracle attacks and its key lives on the node beside the data; aesgcm needs its key rotated every 200,000 writes; KMS v1 is deprecated (1.28) and disabled by default (1.29). KMS v2 keeps the key off the node; secretbox is a sound local cipher.\n\nDecided: secretbox and kms apiVersion v2 pass; aescbc, aesgcm and kms v1 (apiVersion absent or v1) warn; an unknown provider fails; identity first on an entry for other resources is listed as information (identity for secrets is NODE301's). Located at each provider's key.\n\nFix: move to kms v2 (or secretbox) as the first provider, keeping the old provider second until the data is rewritten.",
        run: strength,
    },
];
