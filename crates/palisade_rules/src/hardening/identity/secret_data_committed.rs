//! HRD048: Secret manifests that carry values at all.

use super::secret_detector::{
    find_url_password, is_placeholder, is_public_material, is_trivial, plain_values, stored_credential,
};
use palisade_core::kinds::known;
use palisade_core::{Check, FieldPath, Hit, Node, ObjCtx, Reference};

declare_rule! {
    /// ## What it does
    /// Flags Secrets (core group) whose `data` or `stringData` hold values that are not
    /// recognised as a specific credential (those are `secret-contains-credential`): one
    /// finding per block, listing the keys and the length of their values — never the
    /// values. Empty values, placeholders (`{{ }}`, `${VAR}`, `<...>`, `REPLACE_ME`), public
    /// material (PEM certificates and public keys, SSH public keys, `known_hosts`), plain URLs
    /// without credentials or query string, booleans and numbers, the descriptive keys
    /// `name`, `type` and `project` (Argo CD repository Secrets), the `namespace` key of
    /// token Secrets,
    /// and SOPS-encrypted Secrets (a top-level `sops` block) are not counted.
    ///
    /// A Secret manifest with values means the values live wherever the manifest lives: the
    /// repository, CI, the Helm release history.
    ///
    /// ## Why is this bad?
    /// `data` is only base64-encoded; `stringData` is plain text. A password, an API key or
    /// an encryption key committed this way is readable by everyone with access to the
    /// repository and its history, and cannot be revoked by deleting the file: MITRE ATT&CK
    /// T1552.001 "Unsecured Credentials: Credentials In Files". The kind of value is unknown
    /// to the scanner (it may be a harmless setting), hence the low severity.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: v1
    /// kind: Secret
    /// metadata:
    ///   name: app-db
    /// data:
    ///   password: aHVudGVyMi1idXQtbG9uZ2Vy
    /// ```
    ///
    /// ## Fix
    /// ```yaml
    /// apiVersion: bitnami.com/v1alpha1
    /// kind: SealedSecret
    /// metadata:
    ///   name: app-db
    /// spec:
    ///   encryptedData:
    ///     password: AgBy8hCi...   # encrypted for the cluster's controller only
    /// ```
    /// Keep only encrypted secrets in source (Sealed Secrets, SOPS) or deliver them from a
    /// secret store (External Secrets, Vault, CSI secret store); rotate values that were
    /// committed in clear.
    pub static SECRET_DATA_COMMITTED = {
        code: "HRD048",
        name: "secret-data-committed",
        severity: Low,
        group: "hardening",
        summary: "Secret manifest carries values in clear (base64 is not encryption)",
        remediation: "Do not commit Secret values: use Sealed Secrets or SOPS, or an external secret store; \
                      rotate values that were committed.",
        references: [
            Reference::Cis("5.4.2"),
            Reference::Nsa("Secrets: keep credentials out of manifests and environment variables"),
            Reference::Mitre("T1552.001"),
        ],
        check: Check::Object { kinds: &[known::SECRET], check },
    }
}

/// Keys that label a credential rather than hold one (Argo CD repository Secrets, for
/// example: `name`, `type`, `project` beside `url` and `password`).
const METADATA_KEYS: &[&str] = &["name", "type", "project"];

/// A single URL without userinfo and without a query string (`https://github.com/org/repo`):
/// an address, not a secret.
fn is_credential_free_url(text: &str) -> bool {
    let t = text.trim();
    t.contains("://")
        && !t.contains(char::is_whitespace)
        && !t.contains('?')
        && !t
            .split("://")
            .nth(1)
            .is_some_and(|r| r.split('/').next().is_some_and(|a| a.contains('@')))
        && find_url_password(t).is_none()
}

fn check(ctx: &ObjCtx<'_>, hits: &mut Vec<Hit>) {
    let obj = ctx.obj;
    let Some(values) = plain_values(obj, &[("data", true), ("stringData", false)]) else {
        return;
    };
    let token_secret =
        obj.root.get("type").and_then(Node::as_str) == Some("kubernetes.io/service-account-token");
    for block in ["data", "stringData"] {
        let keys: Vec<String> = values
            .iter()
            .filter(|v| v.block == block)
            .filter(|v| !is_placeholder(&v.text) && !is_public_material(&v.text))
            .filter(|v| !is_credential_free_url(&v.text))
            .filter(|v| !(token_secret && v.key == "namespace"))
            .filter(|v| !METADATA_KEYS.contains(&v.key) && !is_trivial(&v.text))
            .filter(|v| stored_credential(v.key, &v.text).is_none())
            .map(|v| format!("{:?} ({} bytes)", v.key, v.len))
            .collect();
        if keys.is_empty() {
            continue;
        }
        let shown = if keys.len() > 5 {
            format!("{} and {} more", keys[..5].join(", "), keys.len() - 5)
        } else {
            keys.join(", ")
        };
        let how = if block == "data" {
            "base64-encoded, not encrypted"
        } else {
            "in plain text"
        };
        hits.push(Hit::new(
            FieldPath::root().key(block),
            format!(
                "Secret {:?} carries {} value(s) in {block} ({how}) in the manifest: {shown}",
                obj.name,
                keys.len()
            ),
        ));
    }
}
