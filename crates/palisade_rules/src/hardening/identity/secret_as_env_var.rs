//! HRD046: Secrets consumed through environment variables instead of files (CIS 5.4.1).

use palisade_core::{Check, Hit, Node, PodCtx, Reference};

declare_rule! {
    /// ## What it does
    /// Flags every container (init and ephemeral included) that reads a Secret into its
    /// environment: each `env[].valueFrom.secretKeyRef` and each `envFrom[].secretRef`. The
    /// message names the variable, the Secret and the key.
    ///
    /// ## Why is this bad?
    /// Environment variables leak far more easily than files: they are inherited by every
    /// child process, readable in `/proc/<pid>/environ` by anything sharing the process
    /// namespace, dumped by crash reporters, debug pages and `env` in support bundles, and
    /// logged by frameworks at startup. An attacker with a foothold in the container (or
    /// access to its logs and error reports) collects them without touching the API: MITRE
    /// ATT&CK T1552 "Unsecured Credentials". A Secret mounted as a file is only readable by
    /// the processes that open it, can be restricted by file mode, and is updated in place
    /// when the Secret rotates — an environment variable keeps the old value until restart.
    ///
    /// ## Example
    /// ```yaml
    /// containers:
    ///   - name: app
    ///     env:
    ///       - name: DB_PASSWORD
    ///         valueFrom:
    ///           secretKeyRef: {name: app-db, key: password}
    ///     envFrom:
    ///       - secretRef: {name: app-api-keys}
    /// ```
    ///
    /// ## Fix
    /// ```yaml
    /// containers:
    ///   - name: app
    ///     env:
    ///       - name: DB_PASSWORD_FILE
    ///         value: /var/run/secrets/db/password
    ///     volumeMounts:
    ///       - {name: db, mountPath: /var/run/secrets/db, readOnly: true}
    /// volumes:
    ///   - name: db
    ///     secret: {secretName: app-db, defaultMode: 0400}
    /// ```
    /// Mount the Secret as a read-only volume and let the application read the file.
    pub static SECRET_AS_ENV_VAR = {
        code: "HRD046",
        name: "secret-as-env-var",
        severity: Low,
        group: "hardening",
        summary: "Secret consumed through environment variables instead of files",
        remediation: "Mount the Secret as a read-only volume and read the value from the file instead of \
                      env valueFrom.secretKeyRef / envFrom.secretRef.",
        references: [
            Reference::Cis("5.4.1"),
            Reference::Nsa("Secrets: keep credentials out of manifests and environment variables"),
            Reference::Mitre("T1552"),
            Reference::Checkov("CKV_K8S_35"),
        ],
        check: Check::Pod { reads: &[], check },
    }
}

fn name_of(n: &Node) -> &str {
    n.get("name").and_then(Node::as_str).unwrap_or("")
}

fn check(ctx: &PodCtx<'_>, hits: &mut Vec<Hit>) {
    for &c in ctx.containers() {
        if let Some(env) = c.node.get("env").and_then(Node::as_seq) {
            for (i, e) in env.iter().enumerate() {
                let Some(r) = e
                    .at(&["valueFrom", "secretKeyRef"])
                    .filter(|r| r.as_map().is_some())
                else {
                    continue;
                };
                let key = r.get("key").and_then(Node::as_str).unwrap_or("");
                hits.push(
                    Hit::new(
                        ctx.container_path(&c, &["env"])
                            .idx(i)
                            .key("valueFrom")
                            .key("secretKeyRef"),
                        format!(
                            "container {:?}: environment variable {:?} is read from Secret {:?} key {key:?}; mount the Secret as a file instead",
                            c.name(),
                            name_of(e),
                            name_of(r)
                        ),
                    )
                    .container(c.name()),
                );
            }
        }
        if let Some(env_from) = c.node.get("envFrom").and_then(Node::as_seq) {
            for (j, e) in env_from.iter().enumerate() {
                let Some(r) = e.get("secretRef").filter(|r| r.as_map().is_some()) else {
                    continue;
                };
                let prefix = e
                    .get("prefix")
                    .and_then(Node::as_str)
                    .filter(|p| !p.is_empty())
                    .map(|p| format!(" (prefix {p:?})"))
                    .unwrap_or_default();
                hits.push(
                    Hit::new(
                        ctx.container_path(&c, &["envFrom"]).idx(j).key("secretRef"),
                        format!(
                            "container {:?}: every key of Secret {:?} becomes an environment variable{prefix}; mount the Secret as a file instead",
                            c.name(),
                            name_of(r)
                        ),
                    )
                    .container(c.name()),
                );
            }
        }
    }
}
