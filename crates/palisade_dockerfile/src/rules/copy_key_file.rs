//! DKR013: COPY/ADD of private keys, credentials files and other secrets into the image.

use super::add_instead_of_copy::sources;
use super::{Ctx, RuleHit};
use crate::model::{Instruction, Keyword};
use palisade_core::Reference;

declare_dockerfile_rule! {
    /// ## What it does
    /// Flags `COPY` and `ADD` sources (and `COPY --from` sources: a file copied out of a
    /// builder stage ships just the same) whose file name is a secret's: SSH private keys
    /// (`id_rsa`, `id_dsa`, `id_ecdsa`, `id_ed25519`), `*.pem`, `*.key`, `*.p12`/`*.pfx`,
    /// `.env` files (`.env`, `.env.production`; not `.env.example`/`.sample`/`.template`),
    /// `credentials`/`credentials.json`, `.npmrc`, `.pypirc`, `.netrc`, `.git-credentials`,
    /// `.docker/config.json`, `kubeconfig` and `.kube/config`, `*.keystore`/`*.jks`, and
    /// `.aws/credentials`. Public files are not flagged: `*.pub`, `*.crt`, and `.pem` files named as
    /// certificates, chains, CA bundles or public keys (`cert.pem`, `cert-chain.pem`,
    /// `ca.pem`, `public.pem`).
    ///
    /// ## Why is this bad?
    /// Everything copied into a layer can be extracted from the image by whoever can pull it,
    /// even if a later instruction deletes the file. CIS Docker Benchmark 4.10: do not store
    /// secrets in images.
    ///
    /// ## Example
    /// ```dockerfile
    /// COPY id_rsa /root/.ssh/id_rsa
    /// COPY .npmrc /app/
    /// ```
    ///
    /// ## Fix
    /// ```dockerfile
    /// RUN --mount=type=ssh git clone git@github.com:example/private.git
    /// RUN --mount=type=secret,id=npmrc,target=/root/.npmrc npm ci
    /// ```
    pub static COPY_KEY_FILE = {
        code: "DKR013",
        name: "dockerfile-copy-key-file",
        severity: High,
        summary: "Private key or credentials file copied into the image",
        remediation: "Do not copy secrets into layers: use RUN --mount=type=secret or --mount=type=ssh, and add the file to .dockerignore.",
        references: [Reference::CisDocker("4.10"), Reference::Mitre("T1552.001")],
        check: check,
    }
}

/// What kind of secret a file name is, if it is one.
pub fn secret_file(path: &str) -> Option<&'static str> {
    let p = path.trim_end_matches('/');
    let name = p.rsplit('/').next().unwrap_or(p);
    let l = name.to_ascii_lowercase();
    let lp = p.to_ascii_lowercase();
    if l.contains('*') && !l.ends_with(".pem") && !l.ends_with(".key") {
        return None;
    }
    let kind = match l.as_str() {
        "id_rsa" | "id_dsa" | "id_ecdsa" | "id_ed25519" | "id_ecdsa_sk" | "id_ed25519_sk" => {
            "an SSH private key"
        }
        ".npmrc" => "an npm configuration (registry tokens)",
        ".pypirc" => "a PyPI configuration (upload credentials)",
        ".netrc" | "_netrc" => "a .netrc (login credentials)",
        ".git-credentials" => "Git credentials",
        "kubeconfig" | "kubeconfig.yaml" | "kubeconfig.yml" => "a kubeconfig",
        "credentials" | "credentials.json" | "credentials.yaml" | "credentials.yml"
        | "client_secret.json" => "a credentials file",
        ".htpasswd" => "a password file",
        _ => "",
    };
    if !kind.is_empty() {
        return Some(kind);
    }
    if lp.ends_with(".docker/config.json") {
        return Some("Docker registry credentials");
    }
    if lp.ends_with(".kube/config") {
        return Some("a kubeconfig");
    }
    if lp.ends_with(".aws/credentials") || lp.ends_with(".aws/config") {
        return Some("AWS credentials");
    }
    if l == ".env" || l.starts_with(".env.") {
        let rest = &l[4..];
        if [
            "example", "sample", "template", "dist", "defaults", "default", "tpl", "tmpl", "test",
        ]
        .iter()
        .any(|s| rest.contains(s))
        {
            return None;
        }
        return Some("an environment file");
    }
    let ext = l.rsplit_once('.').map(|(_, e)| e).unwrap_or("");
    // Certificates, chains, CA bundles and public keys are public material.
    let public = [
        "cert", "chain", "public", "pub.", "-pub", "_pub", "bundle", "ca.", "ca-", "ca_", "root",
    ]
    .iter()
    .any(|p| l.contains(p));
    if public && ext == "pem" {
        return None;
    }
    match ext {
        "pem" => Some("a PEM file (private key or certificate with key)"),
        "key" if !l.ends_with(".pub.key") => Some("a private key"),
        "p12" | "pfx" => Some("a PKCS#12 key store"),
        "jks" | "keystore" => Some("a Java key store"),
        "ppk" => Some("a PuTTY private key"),
        _ => None,
    }
}

fn check_ins(ins: &Instruction, hits: &mut Vec<RuleHit>) {
    if let Some(inner) = &ins.onbuild {
        check_ins(inner, hits);
    }
    if !(ins.is(Keyword::Copy) || ins.is(Keyword::Add)) || !ins.heredocs.is_empty() {
        return;
    }
    for s in sources(ins) {
        if super::add_instead_of_copy::is_remote(&s.value) {
            continue;
        }
        if let Some(kind) = secret_file(&s.value) {
            hits.push(RuleHit::new(
                s.span,
                format!(
                    "{} copies {:?}, {kind}, into a layer of the image",
                    ins.keyword, s.value
                ),
            ));
        }
    }
}

fn check(ctx: &Ctx<'_>, hits: &mut Vec<RuleHit>) {
    for ins in &ctx.file.instructions {
        check_ins(ins, hits);
    }
}
