//! The secret detector: recognises credentials in values (cloud keys, tokens, private keys,
//! Docker and GCP key files, JWTs, URLs with passwords), secret-looking environment variable
//! names, high-entropy values, placeholders, and the values stored in Secrets and
//! ConfigMaps (base64 decoded). JSON documents are read with `serde_json`, base64 with the
//! `base64` crate.
//!
//! Nothing here ever returns a secret value for display: detectors return the kind of
//! credential and a masked hint (`AKIA****`).

use base64::alphabet;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use base64::Engine as _;
use palisade_core::{FieldPath, Node, Object};
use serde_json::Value;

// ---------------------------------------------------------------------------------------------
// Encodings
// ---------------------------------------------------------------------------------------------

/// Decodes standard or URL-safe base64 (the two alphabets may even be mixed), with or without
/// padding, ignoring ASCII whitespace (YAML block scalars wrap long values) and non-zero
/// trailing bits. `None` when the text is not base64.
pub fn base64_decode(s: &str) -> Option<Vec<u8>> {
    let normalised: Vec<u8> = s
        .bytes()
        .filter(|b| !matches!(b, b' ' | b'\t' | b'\r' | b'\n'))
        .map(|b| match b {
            b'-' => b'+',
            b'_' => b'/',
            b => b,
        })
        .collect();
    let engine = if normalised.contains(&b'=') {
        &PADDED
    } else {
        &UNPADDED
    };
    engine.decode(normalised).ok()
}

/// The standard alphabet with canonical padding, trailing bits ignored.
const PADDED: GeneralPurpose = GeneralPurpose::new(
    &alphabet::STANDARD,
    GeneralPurposeConfig::new()
        .with_decode_padding_mode(DecodePaddingMode::RequireCanonical)
        .with_decode_allow_trailing_bits(true),
);

/// The standard alphabet without padding, trailing bits ignored.
const UNPADDED: GeneralPurpose = GeneralPurpose::new(
    &alphabet::STANDARD,
    GeneralPurposeConfig::new()
        .with_decode_padding_mode(DecodePaddingMode::RequireNone)
        .with_decode_allow_trailing_bits(true),
);

/// Parses a JSON document. `None` when the text is not JSON.
fn parse_json(text: &str) -> Option<Value> {
    serde_json::from_str(text).ok()
}

// ---------------------------------------------------------------------------------------------
// Values
// ---------------------------------------------------------------------------------------------

/// A masked rendering of a secret value: at most its first two characters (only for values
/// of 12 characters or more) and its length. Never the value.
pub fn mask(v: &str) -> String {
    let n = v.chars().count();
    if n >= 12 {
        let head: String = v.chars().take(2).collect();
        format!("{head}**** ({n} chars)")
    } else {
        format!("**** ({n} chars)")
    }
}

/// Shannon entropy in bits per character.
pub fn shannon_entropy(s: &str) -> f64 {
    let mut counts = [0usize; 256];
    let mut n = 0usize;
    for b in s.bytes() {
        counts[b as usize] += 1;
        n += 1;
    }
    if n == 0 {
        return 0.0;
    }
    let n = n as f64;
    counts
        .iter()
        .filter(|&&c| c > 0)
        .map(|&c| {
            let p = c as f64 / n;
            -p * p.log2()
        })
        .sum()
}

/// Whether a value is a reference or a template placeholder rather than a literal: empty,
/// Kubernetes `$(VAR)` expansion, shell/envsubst `${VAR}`, Helm/Go `{{ }}`, `<placeholder>`,
/// SOPS `ENC[...]`, a run of one repeated character (`xxxx`, `****`), or an instruction such
/// as `REPLACE_ME` / `your-token-here`.
pub fn is_placeholder(v: &str) -> bool {
    let t = v.trim();
    if t.is_empty() || t.contains("$(") || t.contains("${") || t.contains("{{") || t.starts_with("ENC[") {
        return true;
    }
    if t.starts_with('<') && t.ends_with('>') {
        return true;
    }
    let first = t.chars().next().unwrap_or(' ');
    if t.chars().all(|c| c == first) {
        return true;
    }
    let l = t.to_ascii_lowercase();
    [
        "replace",
        "your",
        "insert",
        "changeme",
        "change-me",
        "change_me",
        "todo",
        "fixme",
        "redacted",
    ]
    .iter()
    .any(|p| l.starts_with(p))
        || l.contains("placeholder")
}

/// Values that are obviously configuration, not credentials: booleans, numbers, `none`.
pub fn is_trivial(v: &str) -> bool {
    let t = v.trim();
    let l = t.to_ascii_lowercase();
    matches!(
        l.as_str(),
        "true"
            | "false"
            | "yes"
            | "no"
            | "on"
            | "off"
            | "y"
            | "n"
            | "none"
            | "null"
            | "nil"
            | "enabled"
            | "disabled"
            | "enable"
            | "disable"
            | "required"
            | "optional"
            | "auto"
    ) || t.parse::<f64>().is_ok()
}

/// Values that point somewhere instead of being a secret: filesystem paths and URLs without
/// embedded credentials.
pub fn is_path_or_url(v: &str) -> bool {
    let t = v.trim();
    if t.starts_with('/') || t.starts_with("./") || t.starts_with("../") || t.starts_with("~/") {
        return true;
    }
    let b = t.as_bytes();
    if b.len() > 2 && b[0].is_ascii_alphabetic() && b[1] == b':' && (b[2] == b'\\' || b[2] == b'/') {
        return true; // C:\ or C:/
    }
    t.contains("://") && find_url_password(t).is_none()
}

// ---------------------------------------------------------------------------------------------
// Environment variable names
// ---------------------------------------------------------------------------------------------

/// Splits an identifier into upper-case words at `_`, `-`, `.`, other punctuation and
/// camelCase boundaries: `dbPassword` → `DB`, `PASSWORD`.
pub fn words(name: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut prev_lower = false;
    for ch in name.chars() {
        if !ch.is_ascii_alphanumeric() {
            if !cur.is_empty() {
                out.push(std::mem::take(&mut cur));
            }
            prev_lower = false;
            continue;
        }
        if ch.is_ascii_uppercase() && prev_lower && !cur.is_empty() {
            out.push(std::mem::take(&mut cur));
        }
        prev_lower = ch.is_ascii_lowercase() || ch.is_ascii_digit();
        cur.push(ch.to_ascii_uppercase());
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

/// Words that make a name secret when a word ends with them (`PGPASSWORD`,
/// `CLIENTSECRET`, `SECRETACCESSKEY`).
const SECRET_SUFFIXES: &[&str] = &[
    "PASSWORD",
    "PASSWD",
    "PASSPHRASE",
    "SECRET",
    "TOKEN",
    "APIKEY",
    "ACCESSKEY",
    "PRIVATEKEY",
    "SECRETKEY",
    "CREDENTIAL",
    "CREDENTIALS",
];

/// Words that make a name secret only as a whole word.
const SECRET_WORDS: &[&str] = &["PASS", "PWD", "CREDS", "AUTH", "TOKENS", "SECRETS"];

/// Qualifiers that make `KEY` a secret key (`API_KEY`, `SIGNING_KEY`); a bare `KEY` or
/// `CACHE_KEY` is not.
const KEY_QUALIFIERS: &[&str] = &[
    "API",
    "ACCESS",
    "PRIVATE",
    "SECRET",
    "SIGNING",
    "SIGN",
    "ENCRYPTION",
    "ENCRYPT",
    "MASTER",
    "HMAC",
    "SESSION",
    "LICENSE",
    "SSH",
    "JWT",
    "COOKIE",
    "AUTH",
    "CLIENT",
    "APP",
    "SERVICE",
    "ADMIN",
    "WEBHOOK",
    "CIPHER",
    "AES",
    "CRYPTO",
    "DECRYPTION",
    "STORAGE",
    "ACCOUNT",
    "SHARED",
    "PRESHARED",
    "PSK",
];

/// Words that may follow the secret word and keep the name secret (`SECRET_KEY`,
/// `PASSWORD_VALUE`, `TOKEN_B64`). Any other word after it means the variable is about the
/// secret, not the secret itself (`TOKEN_URL`, `PASSWORD_FILE`, `SECRET_NAME`,
/// `TOKEN_TTL`).
const STILL_SECRET_AFTER: &[&str] = &[
    "KEY",
    "VALUE",
    "STRING",
    "STR",
    "TEXT",
    "DATA",
    "B64",
    "BASE64",
    "RAW",
    "PLAIN",
    "PLAINTEXT",
    "SALT",
    "BASE",
];

/// Leading words of feature flags: `ENABLE_AUTH`, `SKIP_TOKEN`, `ALLOW_EMPTY_PASSWORD`.
const FLAG_PREFIXES: &[&str] = &[
    "ENABLE", "ENABLED", "DISABLE", "DISABLED", "USE", "SKIP", "ALLOW", "REQUIRE", "NO", "IS", "WITH",
    "WITHOUT", "INSECURE",
];

/// Names that contain a secret word but are known not to hold a secret.
const NOT_SECRET_NAMES: &[&str] = &[
    "ETCD_INITIAL_CLUSTER_TOKEN",
    "PWD",
    "OLDPWD",
    "KUBERNETES_SERVICE_ACCOUNT_TOKEN",
];

/// The secret word a variable name ends with, when the name looks like it holds a secret:
/// `DB_PASSWORD` → `PASSWORD`, `STRIPE_API_KEY` → `API_KEY`; `None` for `TOKEN_URL`,
/// `PASSWORD_FILE`, `AUTH_TYPE`, `ENABLE_AUTH`.
pub fn secret_name_word(name: &str) -> Option<String> {
    if NOT_SECRET_NAMES.iter().any(|n| n.eq_ignore_ascii_case(name)) {
        return None;
    }
    let w = words(name);
    // The last secret word, and everything after it must be a "still secret" qualifier.
    for i in (0..w.len()).rev() {
        let word = w[i].as_str();
        let hit = if let Some(s) = SECRET_SUFFIXES.iter().find(|s| word.ends_with(*s)) {
            Some((*s).to_owned())
        } else if SECRET_WORDS.contains(&word) {
            Some(word.to_owned())
        } else if word == "KEY" && i > 0 && KEY_QUALIFIERS.contains(&w[i - 1].as_str()) {
            Some(format!("{}_KEY", w[i - 1]))
        } else {
            None
        };
        if let Some(hit) = hit {
            // A feature flag about the secret: `ENABLE_AUTH`, `ALLOW_EMPTY_PASSWORD`.
            let flag = w[..i].iter().any(|p| FLAG_PREFIXES.contains(&p.as_str()));
            return (!flag).then_some(hit);
        }
        if !STILL_SECRET_AFTER.contains(&word) {
            return None;
        }
    }
    None
}

// ---------------------------------------------------------------------------------------------
// Credential detectors
// ---------------------------------------------------------------------------------------------

/// A recognised credential: what it is and a masked hint safe to print.
#[derive(Debug, Clone, PartialEq)]
pub struct Credential {
    pub kind: String,
    pub hint: String,
}

fn cred(kind: impl Into<String>, hint: impl Into<String>) -> Option<Credential> {
    Some(Credential {
        kind: kind.into(),
        hint: hint.into(),
    })
}

/// Runs every detector over `text` and returns the first (most specific) match.
pub fn detect_credential(text: &str) -> Option<Credential> {
    gcp_service_account(text)
        .or_else(|| docker_config(text))
        .or_else(|| pem_private_key(text))
        .or_else(|| aws_credentials_file(text))
        .or_else(|| aws_access_key_id(text))
        .or_else(|| github_token(text))
        .or_else(|| slack_token(text))
        .or_else(|| slack_webhook(text))
        .or_else(|| jwt(text))
        .or_else(|| url_password(text))
}

fn is_word_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

/// Every index where `needle` starts in `hay` at a word boundary (not preceded by a letter,
/// digit or `_`).
fn starts_at_boundary<'a>(hay: &'a str, needle: &'a str) -> impl Iterator<Item = usize> + 'a {
    hay.match_indices(needle)
        .map(|(i, _)| i)
        .filter(move |&i| i == 0 || !is_word_byte(hay.as_bytes()[i - 1]))
}

/// Length of the run of bytes satisfying `f` starting at `i`.
fn run(hay: &[u8], i: usize, f: impl Fn(u8) -> bool) -> usize {
    hay[i.min(hay.len())..].iter().take_while(|&&b| f(b)).count()
}

/// AWS access key ids: `AKIA` (long-term) or `ASIA` (temporary) followed by 16 upper-case
/// letters or digits.
pub fn aws_access_key_id(text: &str) -> Option<Credential> {
    let b = text.as_bytes();
    for prefix in ["AKIA", "ASIA"] {
        for i in starts_at_boundary(text, prefix) {
            let n = run(b, i + 4, |c| c.is_ascii_uppercase() || c.is_ascii_digit());
            let end = i + 4 + n;
            if n == 16 && (end == b.len() || !b[end].is_ascii_alphanumeric()) {
                let what = if prefix == "AKIA" {
                    "AWS access key id"
                } else {
                    "AWS temporary access key id"
                };
                return cred(what, format!("{prefix}****"));
            }
        }
    }
    None
}

/// An AWS shared-credentials file (`aws_secret_access_key = ...`) or a 40-character secret
/// access key in a field named for it.
pub fn aws_credentials_file(text: &str) -> Option<Credential> {
    let lower = text.to_ascii_lowercase();
    for (i, _) in lower.match_indices("aws_secret_access_key") {
        let rest = text[i + "aws_secret_access_key".len()..].trim_start_matches([' ', '\t', '"', '\'']);
        let Some(rest) = rest.strip_prefix(['=', ':']) else {
            continue;
        };
        let value: String = rest
            .trim_start_matches([' ', '\t', '"', '\''])
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '/' || *c == '+')
            .collect();
        if value.len() >= 30 && !is_placeholder(&value) {
            return cred("AWS secret access key", mask(&value));
        }
    }
    None
}

/// Whether `v` has the shape of an AWS secret access key: 40 characters of base64.
pub fn looks_like_aws_secret_key(v: &str) -> bool {
    let t = v.trim();
    t.len() == 40
        && t.bytes()
            .all(|c| c.is_ascii_alphanumeric() || c == b'/' || c == b'+')
        && t.bytes().any(|c| c.is_ascii_digit())
        && t.bytes().any(|c| c.is_ascii_uppercase())
        && t.bytes().any(|c| c.is_ascii_lowercase())
}

/// GitHub tokens: classic (`ghp_`), OAuth (`gho_`), user-to-server (`ghu_`), server-to-server
/// (`ghs_`), refresh (`ghr_`) with 36 characters, and fine-grained `github_pat_`.
pub fn github_token(text: &str) -> Option<Credential> {
    let b = text.as_bytes();
    for prefix in ["ghp_", "gho_", "ghu_", "ghs_", "ghr_"] {
        for i in starts_at_boundary(text, prefix) {
            if run(b, i + 4, |c| c.is_ascii_alphanumeric()) >= 36 {
                return cred("GitHub token", format!("{prefix}****"));
            }
        }
    }
    for i in starts_at_boundary(text, "github_pat_") {
        if run(b, i + 11, is_word_byte) >= 22 {
            return cred("GitHub fine-grained personal access token", "github_pat_****");
        }
    }
    None
}

/// Slack tokens: `xoxb-` (bot), `xoxa-`, `xoxp-` (user), `xoxr-` (refresh), `xoxs-`.
pub fn slack_token(text: &str) -> Option<Credential> {
    let b = text.as_bytes();
    for i in starts_at_boundary(text, "xox") {
        let Some(&t) = b.get(i + 3) else { continue };
        if !matches!(t, b'b' | b'a' | b'p' | b'r' | b's') || b.get(i + 4) != Some(&b'-') {
            continue;
        }
        let n = run(b, i + 5, |c| c.is_ascii_alphanumeric() || c == b'-');
        let body = &text[i + 5..i + 5 + n];
        if n >= 10 && body.bytes().any(|c| c.is_ascii_digit()) {
            return cred("Slack token", format!("xox{}-****", t as char));
        }
    }
    None
}

/// Slack incoming-webhook URLs (`https://hooks.slack.com/services/T.../B.../...`): the URL
/// is the credential.
pub fn slack_webhook(text: &str) -> Option<Credential> {
    for (i, _) in text.match_indices("hooks.slack.com/services/") {
        let rest = &text[i + 25..];
        let path: String = rest
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '/')
            .collect();
        let parts: Vec<&str> = path.split('/').filter(|p| !p.is_empty()).collect();
        if parts.len() >= 3 && parts[2].len() >= 16 {
            return cred(
                "Slack incoming-webhook URL",
                "https://hooks.slack.com/services/****",
            );
        }
    }
    None
}

/// PEM private keys (`-----BEGIN [RSA |EC |OPENSSH |ENCRYPTED ]PRIVATE KEY-----`, PGP private
/// key blocks) with a body.
pub fn pem_private_key(text: &str) -> Option<Credential> {
    for (i, _) in text.match_indices("-----BEGIN ") {
        let after = &text[i + 11..];
        let Some(end) = after.find("-----") else { continue };
        let label = &after[..end];
        if label.len() > 40 || !label.contains("PRIVATE KEY") {
            continue;
        }
        let body = &after[end + 5..];
        let body = body.find("-----END").map_or(body, |e| &body[..e]);
        let b64 = body
            .bytes()
            .filter(|c| c.is_ascii_alphanumeric() || *c == b'+' || *c == b'/')
            .count();
        if b64 >= 40 {
            let encrypted = label.contains("ENCRYPTED") || body.contains("Proc-Type: 4,ENCRYPTED");
            let kind = if encrypted {
                format!("PEM private key ({label}, passphrase-protected)")
            } else {
                format!("PEM private key ({label})")
            };
            return cred(kind, format!("-----BEGIN {label}-----****"));
        }
    }
    None
}

/// A Google Cloud service-account key file: JSON with `"type": "service_account"` and a
/// `private_key`.
pub fn gcp_service_account(text: &str) -> Option<Credential> {
    if !text.contains("service_account") || !text.contains("private_key") {
        return None;
    }
    let j = parse_json(text)?;
    let is_sa = j.get("type").and_then(Value::as_str) == Some("service_account");
    let key = j.get("private_key").and_then(Value::as_str).unwrap_or("");
    (is_sa && !key.trim().is_empty() && !is_placeholder(key)).then(|| Credential {
        kind: "Google Cloud service-account key (JSON)".into(),
        hint: "{\"type\": \"service_account\", \"private_key\": ****}".into(),
    })
}

/// Registry credentials in a Docker config: `.dockerconfigjson` (`{"auths": {host: {...}}}`)
/// or the legacy `.dockercfg` (`{host: {...}}`), with a non-empty `auth`, `password` or
/// identity token. The hint names the registries (not secret).
pub fn docker_config(text: &str) -> Option<Credential> {
    if !text.contains("auth") && !text.contains("password") {
        return None;
    }
    let j = parse_json(text)?;
    let (hosts, legacy) = match j.get("auths") {
        Some(a) => (a, false),
        None => (&j, true),
    };
    let mut found = Vec::new();
    for (host, entry) in hosts.as_object().into_iter().flatten() {
        // The legacy format has no `auths` wrapper: only accept registry-like keys there.
        if legacy && !(host.contains(['.', ':']) || host.starts_with("localhost")) {
            continue;
        }
        let has = ["auth", "password", "identitytoken", "registrytoken"]
            .iter()
            .any(|k| {
                entry
                    .get(k)
                    .and_then(Value::as_str)
                    .is_some_and(|v| !is_placeholder(v))
            });
        if has {
            found.push(host.as_str());
        }
    }
    if found.is_empty() {
        return None;
    }
    let shown: Vec<String> = found.iter().take(3).map(|h| format!("{h:?}")).collect();
    let more = if found.len() > 3 {
        format!(" and {} more", found.len() - 3)
    } else {
        String::new()
    };
    cred(
        format!("container registry credentials for {}{more}", shown.join(", ")),
        "auths.****",
    )
}

/// Decodes one base64url JWT segment to text.
fn jwt_segment(s: &str) -> Option<String> {
    if s.is_empty() || s.contains(['+', '/', '=']) {
        return None;
    }
    base64_decode(s).and_then(|b| String::from_utf8(b).ok())
}

/// JSON Web Tokens: three base64url segments whose header decodes to a JSON object with
/// `"alg"`. Kubernetes service-account tokens are recognised by their issuer.
pub fn jwt(text: &str) -> Option<Credential> {
    let b = text.as_bytes();
    for i in starts_at_boundary(text, "eyJ") {
        let n = run(b, i, |c| {
            c.is_ascii_alphanumeric() || matches!(c, b'-' | b'_' | b'.')
        });
        let tok = &text[i..i + n];
        let parts: Vec<&str> = tok.split('.').collect();
        if parts.len() != 3 {
            continue;
        }
        let Some(header) = jwt_segment(parts[0]) else {
            continue;
        };
        let Some(payload) = jwt_segment(parts[1]) else {
            continue;
        };
        let header_json = parse_json(&header);
        let alg = header_json
            .as_ref()
            .and_then(|h| h.get("alg"))
            .and_then(Value::as_str);
        let Some(alg) = alg else { continue };
        if !payload.trim_start().starts_with('{') {
            continue;
        }
        let kind = if payload.contains("kubernetes/serviceaccount") || payload.contains("\"kubernetes.io\"") {
            "Kubernetes service-account token (JWT)"
        } else if parts[2].is_empty() {
            "unsigned JSON Web Token"
        } else {
            "JSON Web Token"
        };
        // The algorithm is not secret and helps to identify the token.
        let alg: String = alg.chars().filter(char::is_ascii_alphanumeric).take(10).collect();
        return cred(format!("{kind}, alg {alg}"), "eyJ****");
    }
    None
}

/// The first URL in `text` (outside `#` comment lines) with a non-empty password in its
/// userinfo: `scheme://user:password@host`. Returns the URL with the password masked.
pub fn find_url_password(text: &str) -> Option<String> {
    for line in text.lines() {
        let l = line.trim_start();
        if l.starts_with('#') || l.starts_with("//") || l.starts_with(';') {
            continue;
        }
        for (i, _) in line.match_indices("://") {
            let scheme_len = line[..i]
                .bytes()
                .rev()
                .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, b'+' | b'.' | b'-'))
                .count();
            if scheme_len == 0 {
                continue;
            }
            let scheme = &line[i - scheme_len..i];
            let rest = &line[i + 3..];
            let auth_end = rest
                .find(['/', '?', '#', '"', '\'', ' ', '\t', ',', ';', '`'])
                .unwrap_or(rest.len());
            let authority = &rest[..auth_end];
            let Some(at) = authority.rfind('@') else { continue };
            let (userinfo, host) = (&authority[..at], &authority[at + 1..]);
            let Some((user, password)) = userinfo.split_once(':') else {
                continue;
            };
            if password.is_empty() || is_placeholder(password) || host.is_empty() || password.starts_with('%')
            {
                continue;
            }
            return Some(format!("{scheme}://{user}:****@{host}"));
        }
    }
    None
}

/// A URL with an embedded password, as a credential.
pub fn url_password(text: &str) -> Option<Credential> {
    find_url_password(text).map(|u| Credential {
        kind: "URL with an embedded password".into(),
        hint: u,
    })
}

/// Whether the text holds only public PEM material (certificates, public keys): safe to
/// publish.
pub fn is_public_pem(text: &str) -> bool {
    let t = text.trim();
    t.starts_with("-----BEGIN ")
        && !t.contains("PRIVATE KEY")
        && t.match_indices("-----BEGIN ").all(|(i, _)| {
            let label = &t[i + 11..];
            label.starts_with("CERTIFICATE")
                || label.starts_with("PUBLIC KEY")
                || label.starts_with("RSA PUBLIC KEY")
                || label.starts_with("X509 CRL")
                || label.starts_with("TRUSTED CERTIFICATE")
                || label.starts_with("DH PARAMETERS")
                || label.starts_with("EC PARAMETERS")
        })
}

/// Whether the text is public material: PEM certificates or public keys, SSH public keys,
/// `known_hosts` or `authorized_keys` lines.
pub fn is_public_material(text: &str) -> bool {
    if is_public_pem(text) {
        return true;
    }
    const SSH_TYPES: &[&str] = &[
        "ssh-rsa ",
        "ssh-ed25519 ",
        "ssh-dss ",
        "ecdsa-sha2-",
        "sk-ssh-ed25519",
        "sk-ecdsa-sha2-",
    ];
    let mut lines = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .peekable();
    lines.peek().is_some() && lines.all(|l| SSH_TYPES.iter().any(|t| l.contains(t)))
}

/// Decodes a Secret `data` value (base64) to text; binary content is decoded lossily (for
/// the detectors). `None` when the value is not base64.
pub fn decode_data_value(v: &str) -> Option<String> {
    base64_decode(v).map(|b| String::from_utf8_lossy(&b).into_owned())
}

// ---------------------------------------------------------------------------------------------
// Secret and ConfigMap values
// ---------------------------------------------------------------------------------------------

/// One value of a Secret (`data`, decoded from base64, or `stringData`) or a ConfigMap
/// (`data`, or `binaryData` decoded).
pub struct StoredValue<'a> {
    /// `data`, `stringData` or `binaryData`.
    pub block: &'static str,
    pub key: &'a str,
    /// The value as text (decoded when the block is base64; the raw text when it does not
    /// decode).
    pub text: String,
    /// Decoded length in bytes.
    pub len: usize,
}

impl StoredValue<'_> {
    pub fn path(&self) -> FieldPath {
        FieldPath::root().key(self.block).key(self.key)
    }
}

/// Every string value of the given blocks of `obj`; `base64` blocks are decoded. Non-string
/// values (wrong types) are skipped.
pub fn stored_values<'a>(obj: &'a Object, blocks: &[(&'static str, bool)]) -> Vec<StoredValue<'a>> {
    let mut out = Vec::new();
    for &(block, base64) in blocks {
        let Some(entries) = obj.root.get(block).and_then(Node::as_map) else {
            continue;
        };
        for e in entries {
            let Some(raw) = e.value.as_str() else { continue };
            let text = if base64 {
                decode_data_value(raw).unwrap_or_else(|| raw.to_owned())
            } else {
                raw.to_owned()
            };
            out.push(StoredValue {
                block,
                key: &e.key,
                len: text.len(),
                text,
            });
        }
    }
    out
}

/// The stored values of a core Secret or ConfigMap written in plain text ([`stored_values`]);
/// `None` for a custom resource of the same kind or a SOPS-encrypted object.
pub fn plain_values<'a>(obj: &'a Object, blocks: &[(&'static str, bool)]) -> Option<Vec<StoredValue<'a>>> {
    if !obj.group().is_empty() || sops_encrypted(obj) {
        return None;
    }
    Some(stored_values(obj, blocks))
}

/// Whether a Secret or ConfigMap is encrypted with SOPS (a top-level `sops` block): its
/// values are ciphertext, safe to commit.
pub fn sops_encrypted(obj: &Object) -> bool {
    obj.root.get("sops").is_some_and(|s| s.as_map().is_some())
}

/// The credential held by a stored value, using its key name as context (an AWS secret
/// access key is only recognisable by the name it is stored under).
pub fn stored_credential(key: &str, text: &str) -> Option<Credential> {
    if is_placeholder(text) {
        return None;
    }
    let w = words(key).concat();
    if w.ends_with("SECRETACCESSKEY") && looks_like_aws_secret_key(text) {
        return cred("AWS secret access key", mask(text.trim()));
    }
    detect_credential(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64() {
        assert_eq!(base64_decode("aGVsbG8=").as_deref(), Some(&b"hello"[..]));
        assert_eq!(base64_decode("aGVsbG8").as_deref(), Some(&b"hello"[..]));
        assert_eq!(base64_decode("aGVs\n bG8=").as_deref(), Some(&b"hello"[..]));
        assert_eq!(base64_decode("").as_deref(), Some(&b""[..]));
        assert_eq!(base64_decode("Pz8_").as_deref(), Some(&b"???"[..]));
        assert_eq!(base64_decode("Pz8/").as_deref(), Some(&b"???"[..]));
        assert!(base64_decode("a").is_none());
        assert!(base64_decode("aGVsbG8=x").is_none());
        assert!(base64_decode("not base64!").is_none());
        assert!(base64_decode("aGVsbG8===").is_none());
    }

    #[test]
    fn base64_leniency() {
        // Mixed alphabets and non-zero trailing bits are accepted, as Kubernetes users write
        // them by hand; padding must still be canonical when present.
        assert_eq!(base64_decode("Pz8_Pz8/").as_deref(), Some(&b"??????"[..]));
        assert_eq!(base64_decode("aGVsbG9=").as_deref(), Some(&b"hello"[..]));
        assert!(base64_decode("aGVsbA=").is_none());
        assert!(base64_decode("aG=Vs").is_none());
        assert!(base64_decode("====").is_none());
        assert!(base64_decode("héllo").is_none());
    }

    #[test]
    fn json_documents() {
        // Escapes (including surrogate pairs) are decoded before matching.
        assert!(gcp_service_account(
            r#"{"type": "service_account", "private_key": "\u002d----BEGIN PRIVATE KEY-----\nabc"}"#
        )
        .is_some());
        assert!(gcp_service_account(r#"{"type": "service_account", "private_key": "k""#).is_none());
        let c = docker_config(
            r#"{"auths": {"a.io": {"auth": "x1"}, "b.io": {"password": "p\u00e4ss\ud83d\ude00"}}}"#,
        );
        assert_eq!(
            c.map(|c| c.kind),
            Some("container registry credentials for \"a.io\", \"b.io\"".into())
        );
        assert!(docker_config(r#"["auth"]"#).is_none());
    }

    #[test]
    fn names() {
        for n in [
            "DB_PASSWORD",
            "PGPASSWORD",
            "dbPassword",
            "STRIPE_API_KEY",
            "APIKEY",
            "AWS_SECRET_ACCESS_KEY",
            "OAUTH_CLIENT_SECRET",
            "GITHUB_TOKEN",
            "REDIS_AUTH",
            "MINIO_ACCESS_KEY",
            "JWT_SIGNING_KEY",
            "SECRET_KEY_BASE",
            "DB_PASS",
            "CREDENTIALS",
            "private-key",
            "AUTH",
        ] {
            assert!(secret_name_word(n).is_some(), "{n}");
        }
        for n in [
            "TOKEN_URL",
            "PASSWORD_FILE",
            "SECRET_NAME",
            "API_KEY_PATH",
            "AUTH_TYPE",
            "ENABLE_AUTH",
            "MYSQL_ALLOW_EMPTY_PASSWORD",
            "TOKEN_ENDPOINT",
            "DB_USER",
            "DB_PORT",
            "AWS_ACCESS_KEY_ID",
            "OAUTH_CLIENT_ID",
            "CACHE_KEY",
            "KEY",
            "TOKENIZER",
            "ARGOCD_REDIS_KEY_PREFIX",
            "PWD",
            "GF_AUTH_ANONYMOUS_ORG_ROLE",
            "ENABLE_SECRET_INFORMER_FILTERING_BY_CERT_UID",
            "PILOT_JWT_PUB_KEY_REFRESH_INTERVAL",
            "ARGOCD_APPLICATIONSET_CONTROLLER_TOKENREF_STRICT_MODE",
            "TOKEN_TTL",
            "HOME",
        ] {
            assert!(secret_name_word(n).is_none(), "{n}");
        }
    }

    #[test]
    fn detectors() {
        assert_eq!(
            aws_access_key_id("key=AKIAIOSFODNN7EXAMPLE\n").map(|c| c.hint),
            Some("AKIA****".into())
        );
        assert!(aws_access_key_id("XAKIAIOSFODNN7EXAMPLE").is_none());
        assert!(aws_access_key_id("AKIAIOSFODNN7EXAMPLE1").is_none());
        assert!(github_token("ghp_0123456789abcdefghijABCDEFGHIJ012345").is_some());
        assert!(github_token("ghp_short").is_none());
        assert!(slack_token("xoxb-1234567890-abcdefghij").is_some());
        assert!(slack_token("xoxo-1234567890").is_none());
        assert!(slack_webhook(
            "https://hooks.slack.com/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX"
        )
        .is_some());
        assert!(slack_webhook("https://hooks.slack.com/services/").is_none());
        assert!(is_public_material(
            "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFAKE user@host\n"
        ));
        assert!(is_public_material(
            "github.com ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQFAKE\n# comment\n"
        ));
        assert!(!is_public_material("hunter2"));
        let pem = "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEAfakefakefakefakefakefakefakefake\n-----END RSA PRIVATE KEY-----\n";
        assert!(pem_private_key(pem).is_some());
        assert!(pem_private_key("-----BEGIN PRIVATE KEY-----\n...\n-----END PRIVATE KEY-----").is_none());
        assert!(pem_private_key(
            "-----BEGIN CERTIFICATE-----\nMIIEowIBAAKCAQEAfakefakefakefakefakefakefakefake\n"
        )
        .is_none());
        // {"alg":"HS256","typ":"JWT"} . {"sub":"1234567890"} . sig
        let t = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.c2lnbmF0dXJl";
        assert_eq!(jwt(t).map(|c| c.kind), Some("JSON Web Token, alg HS256".into()));
        assert!(jwt("eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9").is_none());
        assert!(gcp_service_account(
            r#"{"type": "service_account", "private_key": "-----BEGIN PRIVATE KEY-----\nabc"}"#
        )
        .is_some());
        assert!(gcp_service_account(r#"{"type": "authorized_user", "private_key": "x"}"#).is_none());
        assert!(docker_config(r#"{"auths":{"registry.example.com":{"auth":"dXNlcjpwYXNz"}}}"#).is_some());
        assert!(docker_config(r#"{"auths":{"registry.example.com":{}}}"#).is_none());
        assert!(docker_config(r#"{"registry.example.com":{"auth":"dXNlcjpwYXNz","email":"a@b"}}"#).is_some());
        assert_eq!(
            find_url_password("url: postgres://app:s3cr3t@db:5432/app"),
            Some("postgres://app:****@db:5432".into())
        );
        assert!(find_url_password("https://user@host/x").is_none());
        assert!(find_url_password("# e.g. https://user:pass@host/x").is_none());
        assert!(find_url_password("redis://:$(REDIS_PASSWORD)@redis:6379").is_none());
        assert!(aws_credentials_file(
            "[default]\naws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n"
        )
        .is_some());
    }

    #[test]
    fn masking_and_entropy() {
        assert_eq!(mask("hunter2"), "**** (7 chars)");
        assert_eq!(mask("0123456789abcdef"), "01**** (16 chars)");
        assert!(shannon_entropy("aaaa") < 0.01);
        assert!((shannon_entropy("abcd") - 2.0).abs() < 1e-9);
        assert!(is_placeholder("$(DB_PASSWORD)"));
        assert!(is_placeholder("<your-password>"));
        assert!(is_placeholder("xxxxxxxx"));
        assert!(!is_placeholder("hunter2"));
        assert!(is_trivial("true") && is_trivial("3600") && !is_trivial("s3cret"));
        assert!(is_public_pem(
            "-----BEGIN CERTIFICATE-----\nabc\n-----END CERTIFICATE-----\n"
        ));
        assert!(!is_public_pem(
            "-----BEGIN CERTIFICATE-----\n-----BEGIN RSA PRIVATE KEY-----"
        ));
    }
}
