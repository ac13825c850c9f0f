//! HRD049: credentials stored in ConfigMaps.

use super::env_literal_secret::echoes_name;
use super::secret_detector::{
    is_path_or_url, is_placeholder, is_trivial, mask, plain_values, secret_name_word, stored_credential,
};
use palisade_core::kinds::known;
use palisade_core::{Check, Hit, ObjCtx, Reference};

declare_rule! {
    /// ## What it does
    /// Flags ConfigMaps (core group) whose `data` or `binaryData` (decoded) values hold a
    /// credential:
    /// - a recognisable credential anywhere in the value (the detectors of
    ///   `secret-contains-credential`: PEM private keys, AWS keys, Google Cloud
    ///   service-account keys, JSON Web Tokens, GitHub and Slack tokens, registry
    ///   credentials, URLs with an embedded password — outside `#` comment lines); or
    /// - a single-line literal under a key named like a secret (`password`, `api-key`,
    ///   `clientSecret`, `DB_PASSWORD`), as loaded with `envFrom.configMapRef`.
    ///
    /// Empty values, booleans, numbers, paths, URLs without credentials and placeholders
    /// are skipped. One finding per value, on its key; the value is never shown, only its
    /// masked form.
    ///
    /// ## Why is this bad?
    /// ConfigMaps are not treated as confidential: RBAC commonly grants `get configmaps`
    /// widely (to controllers, to developers, to `view`), they are not encrypted at rest,
    /// and their content is printed by `kubectl describe` and shipped to logs and
    /// dashboards. A credential there is readable by far more principals than the same value
    /// in a Secret: MITRE ATT&CK T1552.001 "Unsecured Credentials: Credentials In Files" and
    /// T1552.007 "Container API".
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: v1
    /// kind: ConfigMap
    /// metadata:
    ///   name: app-config
    /// data:
    ///   DATABASE_URL: postgres://app:hunter2-but-longer@db:5432/app
    /// ```
    ///
    /// ## Fix
    /// ```yaml
    /// apiVersion: v1
    /// kind: ConfigMap
    /// metadata:
    ///   name: app-config
    /// data:
    ///   DATABASE_HOST: db:5432
    ///   DATABASE_PASSWORD_FILE: /var/run/secrets/db/password   # from a mounted Secret
    /// ```
    /// Rotate the credential and move it to a Secret (delivered from a secret store), keeping
    /// only non-sensitive settings in the ConfigMap.
    pub static CONFIGMAP_CONTAINS_CREDENTIAL = {
        code: "HRD049",
        name: "configmap-contains-credential",
        severity: High,
        group: "hardening",
        summary: "ConfigMap contains a credential",
        remediation: "Rotate the credential and move it to a Secret (ideally delivered from a secret store); \
                      keep only non-sensitive settings in ConfigMaps.",
        references: [
            Reference::Nsa("Secrets: keep credentials out of manifests and environment variables"),
            Reference::Mitre("T1552.001"),
            Reference::Mitre("T1552.007"),
        ],
        check: Check::Object { kinds: &[known::CONFIG_MAP], check },
    }
}

fn check(ctx: &ObjCtx<'_>, hits: &mut Vec<Hit>) {
    let obj = ctx.obj;
    let Some(values) = plain_values(obj, &[("data", false), ("binaryData", true)]) else {
        return;
    };
    for v in values {
        let what = if let Some(c) = stored_credential(v.key, &v.text) {
            format!("holds a credential ({}): {}", c.kind, c.hint)
        } else {
            let t = v.text.trim();
            let single_line = !t.contains('\n');
            match secret_name_word(v.key) {
                Some(word)
                    if single_line
                        && !is_placeholder(t)
                        && !is_trivial(t)
                        && !is_path_or_url(t)
                        && !echoes_name(&word, t) =>
                {
                    format!(
                        "is named like a secret ({word}) and holds a literal value: {}",
                        mask(t)
                    )
                }
                _ => continue,
            }
        };
        hits.push(Hit::new(
            v.path(),
            format!("ConfigMap {:?} key {:?} {what}", obj.name, v.key),
        ));
    }
}
