//! HRD044: secrets written as literal environment variable values.

use super::secret_detector::{
    detect_credential, is_path_or_url, is_placeholder, is_trivial, mask, secret_name_word,
};
use palisade_core::check::ContainerRef;
use palisade_core::{Check, Hit, Node, PodCtx, Reference};

declare_rule! {
    /// ## What it does
    /// Flags `env[].value` literals (not `valueFrom`) of every container (init and ephemeral
    /// included) that hold a secret:
    /// - the value is a recognisable credential whatever the variable's name: a PEM private
    ///   key, an AWS access key id, a GitHub or Slack token, a JSON Web Token, a Google Cloud
    ///   service-account key, registry credentials, a URL with an embedded password; or
    /// - the variable's name says it holds a secret (`PASSWORD`, `PASSWD`, `SECRET`, `TOKEN`,
    ///   `API_KEY`, `ACCESS_KEY`, `PRIVATE_KEY`, `CREDENTIALS`, `AUTH`...: `DB_PASSWORD`,
    ///   `PGPASSWORD`, `githubToken`) and the value is a literal.
    ///
    /// Names that are about a secret rather than the secret are not flagged (`TOKEN_URL`,
    /// `PASSWORD_FILE`, `SECRET_NAME`, `API_KEY_PATH`, `AUTH_TYPE`, `ENABLE_AUTH`,
    /// `AWS_ACCESS_KEY_ID`; their values still go through the credential detectors), nor
    /// values that are empty, booleans or numbers, file paths,
    /// URLs without credentials, `$(VAR)` references, template placeholders (`{{ }}`,
    /// `${VAR}`, `<your token>`, `REPLACE_ME`, `changeme`) or upper-case stand-ins that repeat
    /// the name (`GOOGLE_API_KEY_VAL`). Messages never show the value, only a masked form.
    ///
    /// ## Why is this bad?
    /// The value is stored in the manifest — in Git, in CI logs, in Helm release history —
    /// and in the workload object, which far more people and controllers can read than
    /// Secrets (`get deployments` is rarely treated as sensitive; `kubectl describe pod`
    /// prints it). Anyone with read access to the repository or the workload collects the
    /// credential and uses it against the database or service it protects: MITRE ATT&CK
    /// T1552.001 "Unsecured Credentials: Credentials In Files" and T1552.007 "Container API".
    ///
    /// ## Example
    /// ```yaml
    /// containers:
    ///   - name: app
    ///     image: registry.example.com/app:1.4.2
    ///     env:
    ///       - name: DB_PASSWORD
    ///         value: hunter2-but-longer
    /// ```
    ///
    /// ## Fix
    /// ```yaml
    /// containers:
    ///   - name: app
    ///     image: registry.example.com/app:1.4.2
    ///     volumeMounts:
    ///       - {name: db, mountPath: /var/run/secrets/db, readOnly: true}
    /// volumes:
    ///   - name: db
    ///     secret: {secretName: app-db}
    /// ```
    /// Rotate the exposed credential, keep it in a Secret (created out of band or by an
    /// external secrets operator) and mount it as a file.
    pub static ENV_LITERAL_SECRET = {
        code: "HRD044",
        name: "env-literal-secret",
        severity: High,
        group: "hardening",
        summary: "Secret written as a literal environment variable value",
        remediation: "Rotate the credential, store it in a Secret managed outside the manifest and mount it \
                      as a file (or at least reference it with valueFrom.secretKeyRef).",
        references: [
            Reference::Cis("5.4.1"),
            Reference::Nsa("Secrets: keep credentials out of manifests and environment variables"),
            Reference::Mitre("T1552.001"),
            Reference::Mitre("T1552.007"),
        ],
        check: Check::Pod { reads: &[], check },
    }
}

/// A literal env var of a container: `(index, name, value)`, for entries without `valueFrom`.
pub(super) fn literal_env<'a>(c: &ContainerRef<'a>) -> Vec<(usize, &'a str, &'a str)> {
    let Some(env) = c.node.get("env").and_then(Node::as_seq) else {
        return Vec::new();
    };
    env.iter()
        .enumerate()
        .filter(|(_, e)| e.get("valueFrom").is_none_or(Node::is_null))
        .filter_map(|(i, e)| {
            let name = e.get("name").and_then(Node::as_str)?;
            let value = e.get("value").and_then(Node::as_str)?;
            Some((i, name, value))
        })
        .collect()
}

/// An upper-case identifier that repeats the secret word is a placeholder to fill in, not a
/// value: `GOOGLE_API_KEY_VAL`, `SECRET`, `DB_PASSWORD_HERE`.
pub fn echoes_name(word: &str, value: &str) -> bool {
    let v = value.trim();
    v.bytes()
        .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == b'_' || c == b'-')
        && v.replace('-', "_").contains(word)
}

/// Why a literal env var holds a secret, when it does: `(kind, masked value)`.
pub fn classify(name: &str, value: &str) -> Option<(String, String)> {
    if is_placeholder(value) || is_trivial(value) {
        return None;
    }
    if let Some(c) = detect_credential(value) {
        return Some((format!("holds a credential ({})", c.kind), c.hint));
    }
    let word = secret_name_word(name)?;
    if is_path_or_url(value) || echoes_name(&word, value) {
        return None;
    }
    Some((
        format!("is named like a secret ({word}) and set to a literal value"),
        mask(value),
    ))
}

fn check(ctx: &PodCtx<'_>, hits: &mut Vec<Hit>) {
    for &c in ctx.containers() {
        for (i, name, value) in literal_env(&c) {
            if let Some((why, shown)) = classify(name, value) {
                hits.push(
                    Hit::new(
                        ctx.container_path(&c, &["env"]).idx(i).key("value"),
                        format!(
                            "container {:?}: environment variable {name:?} {why} in the manifest: {shown}",
                            c.name()
                        ),
                    )
                    .container(c.name()),
                );
            }
        }
    }
}
