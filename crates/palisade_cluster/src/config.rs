//! Connecting like kubectl: `--kubeconfig`, `KUBECONFIG`, `~/.kube/config`, `--context`, the
//! in-cluster service account; client certificates, tokens, exec plugins and custom CAs
//! through kube-rs. Owns the options of a read, the connection errors and the client's
//! single-threaded runtime (every request of a [`Cluster`] runs on it).

use crate::resources::Wanted;
use std::path::PathBuf;
use std::time::Duration;

/// How to connect and what to read.
#[derive(Clone, Debug, Default)]
pub struct ClusterOptions {
    pub kubeconfig: Option<PathBuf>,
    pub context: Option<String>,
    /// `-n`: only this namespace (namespaced resources); `None` with `all_namespaces` false
    /// means the context's namespace, like kubectl.
    pub namespace: Option<String>,
    pub all_namespaces: bool,
    pub insecure_skip_tls_verify: bool,
    /// Items per LIST page (default 500).
    pub page_size: Option<u32>,
    /// Per-request timeout (default 30 s).
    pub timeout: Option<Duration>,
    /// The kinds to read (default: every type palisade reads, including custom resources
    /// with pod templates).
    pub wanted: Wanted,
    /// Keep objects owned by a controller that was read (Pods of ReplicaSets, …) instead of
    /// reporting them through their owner.
    pub keep_owned: bool,
}

/// A failure to connect at all.
#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    #[error("cannot start the I/O runtime: {0}")]
    Runtime(#[source] std::io::Error),
    /// The kubeconfig given with `--kubeconfig` cannot be read or used.
    #[error("{}", with_path(path, source))]
    Kubeconfig {
        path: PathBuf,
        #[source]
        source: kube::config::KubeconfigError,
    },
    /// Neither a kubeconfig nor the in-cluster service account.
    #[error(
        "no cluster configuration: kubeconfig: {}; in-cluster: {in_cluster}",
        describe(kubeconfig)
    )]
    NoConfiguration {
        kubeconfig: kube::config::KubeconfigError,
        in_cluster: kube::config::InClusterError,
    },
    #[error("cannot build a client for {server}: {source}")]
    Client {
        server: String,
        #[source]
        source: kube::Error,
    },
}

/// A kubeconfig error as users read it: kube-rs prints paths with `{:?}` inside quotes
/// (`'"/home/me/.kube/config"'`); here a path is shown once, as written.
pub(crate) fn describe(e: &kube::config::KubeconfigError) -> String {
    use kube::config::{KubeconfigError as K, LoadDataError as L};
    let data = |what: &str, l: &L| match l {
        L::ReadFile(io, path) => format!("failed to load {what}: cannot read {}: {io}", path.display()),
        other => format!("failed to load {what}: {other}"),
    };
    match e {
        K::ReadConfig(io, path) => format!("cannot read kubeconfig {}: {io}", path.display()),
        K::LoadCertificateAuthority(l) => data("certificate authority", l),
        K::LoadClientCertificate(l) => data("client certificate", l),
        K::LoadClientKey(l) => data("client key", l),
        other => other.to_string(),
    }
}

/// `PATH: problem`, the path once (a read error names it already).
fn with_path(path: &std::path::Path, e: &kube::config::KubeconfigError) -> String {
    match e {
        kube::config::KubeconfigError::ReadConfig(..) => describe(e),
        _ => format!("kubeconfig {}: {}", path.display(), describe(e)),
    }
}

/// A connected client.
pub struct Cluster {
    pub(crate) client: kube::Client,
    pub(crate) rt: tokio::runtime::Runtime,
    pub context: String,
    pub server: String,
    /// The namespace read when neither `-n` nor `-A` is given.
    pub default_namespace: String,
    pub(crate) opts: ClusterOptions,
}

impl Cluster {
    /// Connects like kubectl: `--kubeconfig` or `KUBECONFIG`/`~/.kube/config`, `--context`;
    /// without a kubeconfig, the in-cluster service account.
    pub fn connect(opts: &ClusterOptions) -> Result<Cluster, ConnectError> {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(ConnectError::Runtime)?;
        let kopts = kube::config::KubeConfigOptions {
            context: opts.context.clone(),
            ..Default::default()
        };
        let (mut config, context) = rt.block_on(async {
            match &opts.kubeconfig {
                Some(path) => {
                    let bad = |e: kube::config::KubeconfigError| ConnectError::Kubeconfig {
                        path: path.clone(),
                        source: e,
                    };
                    let kc = kube::config::Kubeconfig::read_from(path).map_err(bad)?;
                    let ctx = opts
                        .context
                        .clone()
                        .or(kc.current_context.clone())
                        .unwrap_or_default();
                    let c = kube::Config::from_custom_kubeconfig(kc, &kopts)
                        .await
                        .map_err(bad)?;
                    Ok((c, ctx))
                }
                None => match kube::Config::from_kubeconfig(&kopts).await {
                    Ok(c) => {
                        let ctx = opts.context.clone().unwrap_or_else(|| {
                            kube::config::Kubeconfig::read()
                                .ok()
                                .and_then(|k| k.current_context)
                                .unwrap_or_default()
                        });
                        Ok((c, ctx))
                    }
                    Err(kubeconfig) => match kube::Config::incluster() {
                        Ok(c) => Ok((c, "in-cluster".to_owned())),
                        Err(in_cluster) => Err(ConnectError::NoConfiguration {
                            kubeconfig,
                            in_cluster,
                        }),
                    },
                },
            }
        })?;
        if opts.insecure_skip_tls_verify {
            config.accept_invalid_certs = true;
        }
        // One retry layer, palisade's own (`retry`): it also covers transport errors and
        // every 5xx, and says what it retries through `tracing`. kube-rs's default layer
        // (429/503/504) would nest inside it and multiply the attempts.
        config.default_retry = false;
        let timeout = opts.timeout.unwrap_or(Duration::from_secs(30));
        config.read_timeout = Some(timeout);
        config.connect_timeout = Some(timeout);
        let server = config.cluster_url.to_string();
        let default_namespace = config.default_namespace.clone();
        // The client's connection tasks are spawned on this runtime: it must be built (and
        // every request driven) inside it.
        let client = rt
            .block_on(async { kube::Client::try_from(config) })
            .map_err(|source| ConnectError::Client {
                server: server.clone(),
                source,
            })?;
        tracing::debug!(%server, %context, "connected");
        Ok(Cluster {
            client,
            rt,
            context: if context.is_empty() {
                "default".into()
            } else {
                context
            },
            server,
            default_namespace,
            opts: opts.clone(),
        })
    }

    /// The namespace namespaced reads are limited to (`None` = all namespaces).
    pub fn namespace(&self) -> Option<String> {
        if self.opts.all_namespaces {
            None
        } else {
            Some(
                self.opts
                    .namespace
                    .clone()
                    .unwrap_or_else(|| self.default_namespace.clone()),
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kube::config::KubeconfigError;

    #[test]
    fn kubeconfig_paths_are_shown_once_without_doubled_quotes() {
        let missing = || {
            std::io::Error::new(
                std::io::ErrorKind::NotFound,
                "No such file or directory (os error 2)",
            )
        };
        let e = ConnectError::Kubeconfig {
            path: PathBuf::from("/home/me/kube config"),
            source: KubeconfigError::ReadConfig(missing(), PathBuf::from("/home/me/kube config")),
        };
        assert_eq!(
            e.to_string(),
            "cannot read kubeconfig /home/me/kube config: No such file or directory (os error 2)"
        );
        let ca = KubeconfigError::LoadCertificateAuthority(kube::config::LoadDataError::ReadFile(
            missing(),
            PathBuf::from("/etc/ca.crt"),
        ));
        let e = ConnectError::Kubeconfig {
            path: PathBuf::from("/k"),
            source: ca,
        };
        assert_eq!(
            e.to_string(),
            "kubeconfig /k: failed to load certificate authority: cannot read /etc/ca.crt: No such file or directory (os error 2)"
        );
    }
}
