//! Running the webhook: the TLS port with the webhook router and the plain health port, on a
//! multi-threaded runtime; the serving certificate reloaded when its files change; the
//! configuration reloaded on SIGHUP or when its files change, without dropping requests;
//! graceful shutdown on SIGTERM or SIGINT (not ready first, then no new connections, then the
//! requests in flight are answered).

use crate::decide::{Decider, Namespaces};
use crate::router::{health, webhook, AppState, Limits};
use crate::tls;
use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

/// Where the serving certificate comes from.
#[derive(Debug, Clone)]
pub enum TlsSource {
    /// A PEM certificate chain and private key, reloaded when they change.
    Files { cert: PathBuf, key: PathBuf },
    /// A throwaway CA and a certificate for these names (DNS names or IP addresses),
    /// generated at start; the CA is written to `write_ca` for the webhook's `caBundle`.
    SelfSigned {
        names: Vec<String>,
        write_ca: Option<PathBuf>,
    },
}

#[derive(Debug, Clone)]
pub struct ServeOptions {
    pub address: IpAddr,
    /// The TLS port of `/validate` and `/mutate` (0: any free port).
    pub port: u16,
    /// The plain HTTP port of `/healthz`, `/readyz`, `/metrics` (0: any free port).
    pub health_port: u16,
    pub tls: TlsSource,
    pub limits: Limits,
    /// How often the certificate and configuration files are checked for changes.
    pub reload_every: Duration,
    /// After SIGTERM, how long to keep serving while not ready, so that the Service's
    /// endpoints are updated before the listener closes.
    pub shutdown_delay: Duration,
    /// The audit sink (`POST /audit` on the webhook port), when set.
    pub audit: Option<crate::audit::SinkOptions>,
}

/// A decider built from the configuration, and the files it was read from (a change of
/// one of them triggers a reload).
pub struct Configured {
    pub decider: Decider,
    pub files: Vec<PathBuf>,
}

/// Builds a decider from the configuration files, at start and again on every reload (one
/// read of the files each time).
pub trait Configure: Send + Sync + 'static {
    fn build(&self) -> Result<Configured, String>;
}

fn mtimes(files: &[PathBuf]) -> Vec<Option<SystemTime>> {
    files
        .iter()
        .map(|f| std::fs::metadata(f).and_then(|m| m.modified()).ok())
        .collect()
}

/// Serves until SIGTERM or SIGINT. Errors are start-up errors (a port in use, a certificate
/// that does not load).
pub fn run(
    opts: ServeOptions,
    configure: Arc<dyn Configure>,
    namespaces: Arc<dyn Namespaces>,
    detect: Box<dyn crate::audit::Detect>,
) -> Result<(), String> {
    // A configuration that does not load stops the start (before any port is opened), as
    // the API server does not start with an invalid PodSecurityConfiguration.
    let configured = configure.build().map_err(|e| format!("configuration: {e}"))?;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_name("palisade-serve")
        .build()
        .map_err(|e| format!("cannot start the runtime: {e}"))?;
    // A store that cannot be opened stops the start too.
    let sink = match &opts.audit {
        Some(a) => Some(crate::audit::Sink::start(a.clone(), detect)?),
        None => None,
    };
    rt.block_on(serve(opts, configured, configure, namespaces, sink))
}

async fn serve(
    opts: ServeOptions,
    configured: Configured,
    configure: Arc<dyn Configure>,
    namespaces: Arc<dyn Namespaces>,
    sink: Option<crate::audit::Sink>,
) -> Result<(), String> {
    let resolver = match &opts.tls {
        TlsSource::Files { cert, key } => {
            let r = tls::CertResolver::from_files(cert.clone(), key.clone()).map_err(|e| e.to_string())?;
            tls::spawn_reloader(r.clone(), opts.reload_every);
            r
        }
        TlsSource::SelfSigned { names, write_ca } => {
            let (ips, dns): (Vec<&String>, Vec<&String>) =
                names.iter().partition(|n| n.parse::<IpAddr>().is_ok());
            let ips: Vec<IpAddr> = ips.iter().filter_map(|n| n.parse().ok()).collect();
            let dns: Vec<String> = dns.into_iter().cloned().collect();
            let s = tls::self_signed(&dns, &ips).map_err(|e| e.to_string())?;
            if let Some(path) = write_ca {
                std::fs::write(path, &s.ca_pem)
                    .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
            }
            tls::CertResolver::from_pem(s.cert_pem.as_bytes(), s.key_pem.as_bytes())
                .map_err(|e| e.to_string())?
        }
    };
    let tls_config = tls::server_config(resolver).map_err(|e| e.to_string())?;
    let state = AppState::new(configured.decider, namespaces, opts.limits);
    if let Some(sink) = sink {
        state.set_audit(sink);
    }
    let bind = |port: u16| async move {
        tokio::net::TcpListener::bind(SocketAddr::new(opts.address, port))
            .await
            .map_err(|e| format!("cannot listen on {}: {e}", SocketAddr::new(opts.address, port)))
    };
    let listener = bind(opts.port).await?;
    let health_listener = bind(opts.health_port).await?;
    let webhook_addr = listener.local_addr().map_err(|e| e.to_string())?;
    let health_addr = health_listener.local_addr().map_err(|e| e.to_string())?;
    tracing::info!(
        webhook = %format!("https://{webhook_addr}"),
        health = %format!("http://{health_addr}"),
        "serving"
    );

    // Shutdown: every task watches this.
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let health_task = {
        let mut stop = stop_rx.clone();
        let app = health(state.clone());
        tokio::spawn(async move {
            let _ = axum::serve(health_listener, app)
                .with_graceful_shutdown(async move {
                    let _ = stop.wait_for(|s| *s).await;
                })
                .await;
        })
    };
    let reload_task = tokio::spawn(reload_loop(
        state.clone(),
        configure,
        opts.reload_every,
        configured.files,
    ));

    let signal_state = state.clone();
    let delay = opts.shutdown_delay;
    let shutdown = async move {
        wait_for_termination().await;
        signal_state.set_ready(false);
        tracing::info!(delay = ?delay, "shutting down: not ready, then no new connections");
        tokio::time::sleep(delay).await;
    };
    let served = tls::serve_tls(listener, tls_config, webhook(state), shutdown).await;
    let _ = stop_tx.send(true);
    reload_task.abort();
    let _ = health_task.await;
    tracing::info!("stopped");
    served.map_err(|e| format!("serving: {e}"))
}

#[cfg(unix)]
async fn wait_for_termination() {
    use tokio::signal::unix::{signal, SignalKind};
    let (Ok(mut term), Ok(mut int)) = (signal(SignalKind::terminate()), signal(SignalKind::interrupt()))
    else {
        // No signal handling: serve until killed.
        std::future::pending::<()>().await;
        return;
    };
    tokio::select! {
        _ = term.recv() => {}
        _ = int.recv() => {}
    }
}

#[cfg(not(unix))]
async fn wait_for_termination() {
    let _ = tokio::signal::ctrl_c().await;
}

/// Reloads the configuration on SIGHUP and when one of its files changes. A configuration
/// that does not load is logged and the one in force stays.
async fn reload_loop(
    state: Arc<AppState>,
    configure: Arc<dyn Configure>,
    every: Duration,
    mut files: Vec<PathBuf>,
) {
    #[cfg(unix)]
    let mut hup = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup()).ok();
    let mut seen = mtimes(&files);
    let mut tick = tokio::time::interval(every.max(Duration::from_millis(10)));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        #[cfg(unix)]
        let why = tokio::select! {
            Some(()) = async { match hup.as_mut() { Some(h) => h.recv().await, None => std::future::pending().await } } => "SIGHUP",
            _ = tick.tick() => "",
        };
        #[cfg(not(unix))]
        let why = {
            tick.tick().await;
            ""
        };
        let now = mtimes(&files);
        let why = if !why.is_empty() {
            why
        } else if now != seen {
            "a configuration file changed"
        } else {
            continue;
        };
        seen = now;
        let c = configure.clone();
        match tokio::task::spawn_blocking(move || c.build()).await {
            Ok(Ok(c)) => {
                state.replace_decider(c.decider);
                files = c.files;
                seen = mtimes(&files);
                tracing::info!(reason = why, "configuration reloaded");
            }
            Ok(Err(e)) => {
                tracing::error!(reason = why, error = %e, "configuration not reloaded; the previous one stays in force")
            }
            Err(e) => tracing::error!(error = %e, "configuration reload failed"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decide::StaticNamespaces;
    use palisade_engine::config::AdmissionConfig;

    /// A configuration file holding the enforce default; a file that says `broken` does not
    /// load.
    struct OneLine(PathBuf);

    impl Configure for OneLine {
        fn build(&self) -> Result<Configured, String> {
            let text = std::fs::read_to_string(&self.0).map_err(|e| e.to_string())?;
            let mut cfg = AdmissionConfig::default();
            cfg.defaults.enforce = Some(text.trim().to_owned());
            let base = palisade_engine::ScanOptions::new(
                palisade_engine::PssMode::Fixed(palisade_pss::Policy::DEFAULT),
                Vec::new(),
                palisade_core::Severity::Low,
            );
            Ok(Configured {
                decider: Decider::new(cfg, base, Vec::new())?,
                files: vec![self.0.clone()],
            })
        }
    }

    fn enforce(state: &AppState) -> Option<String> {
        state.decider().config().defaults.enforce.clone()
    }

    async fn until(state: &AppState, want: &str) -> bool {
        for _ in 0..200 {
            if enforce(state).as_deref() == Some(want) {
                return true;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        false
    }

    /// A configuration file saying `baseline` in a fresh directory, a server state built
    /// from it, and the reload loop checking the file every `every`.
    fn reloading(
        name: &str,
        every: Duration,
    ) -> (PathBuf, PathBuf, Arc<AppState>, tokio::task::JoinHandle<()>) {
        let dir = std::env::temp_dir().join(format!("palisade-{name}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("config");
        std::fs::write(&file, "baseline").unwrap();
        let configure: Arc<dyn Configure> = Arc::new(OneLine(file.clone()));
        let configured = configure.build().unwrap();
        let state = AppState::new(
            configured.decider,
            Arc::new(StaticNamespaces::default()),
            crate::router::Limits::default(),
        );
        let task = tokio::spawn(reload_loop(state.clone(), configure, every, configured.files));
        (dir, file, state, task)
    }

    #[tokio::test]
    async fn a_changed_configuration_file_is_reloaded_and_a_broken_one_is_not() {
        let (dir, file, state, task) = reloading("reload", Duration::from_millis(20));
        assert_eq!(enforce(&state).as_deref(), Some("baseline"));
        // Modification times have a coarse resolution on some file systems: wait past it.
        tokio::time::sleep(Duration::from_millis(1100)).await;
        std::fs::write(&file, "restricted").unwrap();
        assert!(until(&state, "restricted").await, "not reloaded");
        tokio::time::sleep(Duration::from_millis(1100)).await;
        std::fs::write(&file, "broken").unwrap();
        tokio::time::sleep(Duration::from_millis(300)).await;
        assert_eq!(
            enforce(&state).as_deref(),
            Some("restricted"),
            "a broken file replaced the configuration"
        );
        tokio::time::sleep(Duration::from_millis(1100)).await;
        std::fs::write(&file, "all").unwrap();
        assert!(until(&state, "all").await, "not reloaded after a broken version");
        task.abort();
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[cfg(unix)]
    #[tokio::test]
    async fn sighup_reloads_the_configuration() {
        // Files are polled once an hour here: only the signal can cause the reload.
        let (dir, file, state, task) = reloading("sighup", Duration::from_secs(3600));
        tokio::time::sleep(Duration::from_millis(200)).await;
        std::fs::write(&file, "restricted").unwrap();
        let sent = std::process::Command::new("kill")
            .args(["-HUP", &std::process::id().to_string()])
            .status()
            .unwrap();
        assert!(sent.success());
        assert!(until(&state, "restricted").await, "SIGHUP did not reload");
        task.abort();
        let _ = std::fs::remove_dir_all(&dir);
    }
}
