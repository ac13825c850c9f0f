//! HRD047: Secret manifests carrying recognisable credentials.

use super::secret_detector::{plain_values, stored_credential};
use palisade_core::kinds::known;
use palisade_core::{Check, Hit, ObjCtx, Reference};

declare_rule! {
    /// ## What it does
    /// Flags Secrets (core group) whose `data` (decoded from base64) or `stringData` values
    /// hold a recognisable credential:
    /// - PEM private keys (`-----BEGIN [RSA |EC |OPENSSH |ENCRYPTED ]PRIVATE KEY-----` with a
    ///   body), e.g. the `tls.key` of a TLS Secret or an SSH deploy key;
    /// - AWS access key ids (`AKIA`/`ASIA` + 16 characters), shared-credentials files, and
    ///   40-character secret access keys stored under a `*SecretAccessKey` name;
    /// - Google Cloud service-account key files (JSON with `"type": "service_account"` and a
    ///   `private_key`);
    /// - JSON Web Tokens (three base64url parts whose header has an `alg`), Kubernetes
    ///   service-account tokens among them;
    /// - GitHub tokens (`ghp_`, `gho_`, `ghu_`, `ghs_`, `ghr_`, `github_pat_`) and Slack
    ///   tokens (`xoxb-`, `xoxa-`, `xoxp-`, `xoxr-`, `xoxs-`);
    /// - registry credentials in `.dockerconfigjson` / `.dockercfg` (an `auth`, `password` or
    ///   identity token for a registry);
    /// - URLs with an embedded password (`postgres://app:...@db`).
    ///
    /// One finding per value, on its key. SOPS-encrypted Secrets (a top-level `sops` block)
    /// and placeholders (`{{ }}`, `${VAR}`, `<...>`) are skipped. Messages name the Secret,
    /// the key and the kind of credential with a masked hint — never the value. Other
    /// committed values are reported by `secret-data-committed`.
    ///
    /// ## Why is this bad?
    /// base64 is an encoding, not encryption: everyone who can read the repository, its
    /// forks, CI logs or a release artifact has the credential, for as long as the history
    /// exists. Private keys let an attacker impersonate the service (TLS) or push to
    /// repositories (SSH deploy keys); cloud keys and tokens give direct access to the
    /// account behind them. Leaked keys are harvested from public repositories within
    /// minutes: MITRE ATT&CK T1552.001 "Unsecured Credentials: Credentials In Files".
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: v1
    /// kind: Secret
    /// metadata:
    ///   name: backup-aws
    /// stringData:
    ///   AWS_ACCESS_KEY_ID: AKIAIOSFODNN7EXAMPLE
    /// ```
    ///
    /// ## Fix
    /// ```yaml
    /// apiVersion: external-secrets.io/v1beta1
    /// kind: ExternalSecret
    /// metadata:
    ///   name: backup-aws
    /// spec:
    ///   secretStoreRef: {name: vault, kind: ClusterSecretStore}
    ///   target: {name: backup-aws}
    ///   dataFrom:
    ///     - extract: {key: backup/aws}
    /// ```
    /// Revoke and rotate the credential first (it is compromised), purge it from history,
    /// then deliver it from a secret store (External Secrets, Vault, a cloud secret manager),
    /// or commit it encrypted (Sealed Secrets, SOPS).
    pub static SECRET_CONTAINS_CREDENTIAL = {
        code: "HRD047",
        name: "secret-contains-credential",
        severity: High,
        group: "hardening",
        summary: "Secret manifest contains a recognisable credential (private key, cloud key, token)",
        remediation: "Revoke and rotate the credential, remove it from the manifest and its history, and deliver \
                      it from a secret store or encrypted (Sealed Secrets, SOPS).",
        references: [
            Reference::Cis("5.4.2"),
            Reference::Nsa("Secrets: keep credentials out of manifests and environment variables"),
            Reference::Mitre("T1552.001"),
        ],
        check: Check::Object { kinds: &[known::SECRET], check },
    }
}

fn check(ctx: &ObjCtx<'_>, hits: &mut Vec<Hit>) {
    let obj = ctx.obj;
    let Some(values) = plain_values(obj, &[("data", true), ("stringData", false)]) else {
        return;
    };
    for v in values {
        if let Some(c) = stored_credential(v.key, &v.text) {
            hits.push(Hit::new(
                v.path(),
                format!(
                    "Secret {:?} key {:?} ({}) holds a credential ({}) committed in the manifest: {}",
                    obj.name, v.key, v.block, c.kind, c.hint
                ),
            ));
        }
    }
}
