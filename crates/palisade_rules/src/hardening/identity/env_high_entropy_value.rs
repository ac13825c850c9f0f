//! HRD045: random-looking literal environment variable values (probable secrets).

use super::env_literal_secret::{classify, literal_env};
use super::secret_detector::{is_path_or_url, is_placeholder, is_trivial, mask, shannon_entropy, words};
use palisade_core::{Check, Hit, PodCtx, Reference};

declare_rule! {
    /// ## What it does
    /// Flags `env[].value` literals of every container (init and ephemeral included) that
    /// look randomly generated — the shape of keys and tokens — whatever the variable's name:
    /// - hexadecimal, at least 32 characters, with letters and digits and a Shannon entropy
    ///   of at least 3 bits per character; or
    /// - base64/base64url (`A-Z a-z 0-9 + / - _ =`), at least `minLength` characters
    ///   (option, default 20), mixing upper case, lower case and digits, with an entropy of
    ///   at least 85% of what a random string of that length reaches (capped at 4.5 bits).
    ///
    /// Values already reported by `env-literal-secret` (secret-like names, recognised
    /// credentials) are skipped, as are URLs, paths, image references (they contain `.`,
    /// `:` or `@`), UUIDs, and variables whose name says they hold a hash, digest, checksum,
    /// commit, revision, version or identifier. The value is never shown, only its masked
    /// form. Heuristic, hence the low severity: review each finding.
    ///
    /// ## Why is this bad?
    /// A 40-character random string in an `env` list is almost always a key, a token or a
    /// password under a name the name-based rule does not recognise (`STRIPE_SK`,
    /// `SESSION_SALT`). Committed to the manifest it is readable by everyone with access to
    /// the repository or to the workload object: MITRE ATT&CK T1552.001 "Unsecured
    /// Credentials: Credentials In Files".
    ///
    /// ## Example
    /// ```yaml
    /// env:
    ///   - name: UPSTREAM_SK
    ///     value: q8Zt4LrW2mXc9VbN7kHs3JdF6gPa1YeU
    /// ```
    ///
    /// ## Fix
    /// ```yaml
    /// env:
    ///   - name: UPSTREAM_SK
    ///     valueFrom:
    ///       secretKeyRef: {name: upstream, key: sk}
    /// ```
    /// If the value is a secret, rotate it and move it to a Secret (mounted as a file
    /// preferably); if it is not, add an exception for this variable.
    pub static ENV_HIGH_ENTROPY_VALUE = {
        code: "HRD045",
        name: "env-high-entropy-value",
        severity: Low,
        group: "hardening",
        summary: "Environment variable holds a random-looking literal (probable secret)",
        remediation: "If the value is a credential, rotate it and move it to a Secret mounted as a file; \
                      otherwise record an exception.",
        references: [
            Reference::Cis("5.4.1"),
            Reference::Nsa("Secrets: keep credentials out of manifests and environment variables"),
            Reference::Mitre("T1552.001"),
        ],
        check: Check::Pod { reads: &[], check },
    }
}

/// Name words of variables that legitimately hold random-looking non-secret values.
const NOT_SECRET_WORDS: &[&str] = &[
    "HASH",
    "SHA",
    "SHA1",
    "SHA256",
    "SHA512",
    "MD5",
    "DIGEST",
    "CHECKSUM",
    "COMMIT",
    "REVISION",
    "REV",
    "VERSION",
    "UUID",
    "GUID",
    "ID",
    "IDS",
    "FINGERPRINT",
    "IMAGE",
    "BUILD",
    "ETAG",
    "GIT",
    "TAG",
    "REF",
];

fn is_uuid(v: &str) -> bool {
    let parts: Vec<&str> = v.split('-').collect();
    parts.len() == 5
        && parts.iter().map(|p| p.len()).eq([8, 4, 4, 4, 12])
        && parts.iter().all(|p| p.bytes().all(|c| c.is_ascii_hexdigit()))
}

/// Whether `v` looks randomly generated (see the rule documentation).
pub(super) fn high_entropy(v: &str, min_len: usize) -> bool {
    let n = v.len();
    let has_digit = v.bytes().any(|c| c.is_ascii_digit());
    let has_alpha = v.bytes().any(|c| c.is_ascii_alphabetic());
    if n >= 32 && v.bytes().all(|c| c.is_ascii_hexdigit()) {
        return has_digit && has_alpha && shannon_entropy(v) >= 3.0;
    }
    if n < min_len || is_uuid(v) {
        return false;
    }
    if !v
        .bytes()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'+' | b'/' | b'-' | b'_' | b'='))
    {
        return false;
    }
    // Padding only at the end.
    if v.trim_end_matches('=').contains('=') {
        return false;
    }
    let upper = v.bytes().filter(u8::is_ascii_uppercase).count();
    let lower = v.bytes().filter(u8::is_ascii_lowercase).count();
    let letters = (upper + lower) as f64;
    // CamelCase words have one capital per word; random text about half.
    let mixed = upper as f64 >= 0.25 * letters && lower as f64 >= 0.25 * letters;
    let threshold = (0.85 * (n as f64).log2()).min(4.5);
    has_digit && mixed && shannon_entropy(v) >= threshold
}

fn check(ctx: &PodCtx<'_>, hits: &mut Vec<Hit>) {
    let min_len = ctx
        .opts
        .0
        .get("minLength")
        .and_then(|v| v.as_u64())
        .map_or(20, |n| n.clamp(8, 1024) as usize);
    for &c in ctx.containers() {
        for (i, name, value) in literal_env(&c) {
            let v = value.trim();
            if is_placeholder(v) || is_trivial(v) || is_path_or_url(v) || classify(name, value).is_some() {
                continue;
            }
            if words(name).iter().any(|w| NOT_SECRET_WORDS.contains(&w.as_str())) {
                continue;
            }
            if high_entropy(v, min_len) {
                hits.push(
                    Hit::new(
                        ctx.container_path(&c, &["env"]).idx(i).key("value"),
                        format!(
                            "container {:?}: environment variable {name:?} holds a random-looking literal, probably a secret (entropy {:.1} bits/char): {}",
                            c.name(),
                            shannon_entropy(v),
                            mask(v)
                        ),
                    )
                    .container(c.name()),
                );
            }
        }
    }
}
