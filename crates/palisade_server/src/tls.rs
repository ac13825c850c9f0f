//! TLS for the webhook port: loading a PEM certificate chain and private key, a certificate
//! resolver that reloads a rotated pair without a restart (Kubernetes Secret volumes, which
//! swap files through symlinks), throwaway self-signed certificates for `--self-signed` and
//! `palisade certs`, and the HTTPS accept loop (rustls on ring, HTTP/1.1 through hyper) with
//! a handshake timeout and graceful shutdown.

use axum::Router;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use rustls::crypto::CryptoProvider;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::server::{ClientHello, ResolvesServerCert};
use rustls::sign::CertifiedKey;
use rustls::ServerConfig;
use std::fmt;
use std::future::Future;
use std::io;
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, SystemTime};
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

/// How long a client may take to complete the TLS handshake before its connection is
/// dropped, so that slow or idle clients cannot hold connection slots.
pub const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);
/// How long a client may take to send a request's headers (hyper's header read timeout).
pub const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(10);
/// After shutdown is requested: how long connections in flight may take to finish their
/// requests. Below the 30 s default `terminationGracePeriodSeconds` of a pod.
pub const SHUTDOWN_GRACE: Duration = Duration::from_secs(25);
/// Validity of the throwaway CA of [`self_signed`].
pub const CA_VALIDITY: Duration = Duration::from_secs(10 * 365 * 24 * 3600);
/// Validity of the serving certificate of [`self_signed`].
pub const SERVING_VALIDITY: Duration = Duration::from_secs(365 * 24 * 3600);

/// Why a certificate or key could not be loaded or made. Every variant names the file.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    #[error("{path}: cannot read: {source}")]
    Read { path: String, source: io::Error },
    #[error("{path}: not valid PEM: {message}")]
    Pem { path: String, message: String },
    #[error("{path}: no certificate in it (expected PEM blocks \"-----BEGIN CERTIFICATE-----\")")]
    NoCertificate { path: String },
    #[error(
        "{path}: no private key in it (expected a PEM block \"-----BEGIN PRIVATE KEY-----\" (PKCS#8), \
         \"-----BEGIN RSA PRIVATE KEY-----\" or \"-----BEGIN EC PRIVATE KEY-----\")"
    )]
    NoKey { path: String },
    #[error("{path}: unusable private key: {message}")]
    Key { path: String, message: String },
    #[error("{cert} and {key}: {message}")]
    Pair {
        cert: String,
        key: String,
        message: String,
    },
    #[error("cannot generate a certificate: {0}")]
    Generate(String),
    #[error("TLS configuration: {0}")]
    Config(String),
}

/// The crypto provider of every TLS object here: ring (never aws-lc-rs), whatever provider
/// the process may have installed as its default.
pub fn provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// Parses a PEM certificate chain (end-entity first) and private key (PKCS#8, PKCS#1 RSA or
/// SEC1 EC) and checks that the key belongs to the first certificate. `cert_name` and
/// `key_name` name the sources in errors (file paths).
pub fn certified_key_from_pem(
    cert_pem: &[u8],
    key_pem: &[u8],
    cert_name: &str,
    key_name: &str,
) -> Result<CertifiedKey, TlsError> {
    let chain = CertificateDer::pem_slice_iter(cert_pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| TlsError::Pem {
            path: cert_name.to_owned(),
            message: e.to_string(),
        })?;
    if chain.is_empty() {
        return Err(TlsError::NoCertificate {
            path: cert_name.to_owned(),
        });
    }
    let key = match PrivateKeyDer::from_pem_slice(key_pem) {
        Ok(k) => k,
        Err(rustls::pki_types::pem::Error::NoItemsFound) => {
            return Err(TlsError::NoKey {
                path: key_name.to_owned(),
            })
        }
        Err(e) => {
            return Err(TlsError::Pem {
                path: key_name.to_owned(),
                message: e.to_string(),
            })
        }
    };
    let signing_key = provider()
        .key_provider
        .load_private_key(key)
        .map_err(|e| TlsError::Key {
            path: key_name.to_owned(),
            message: e.to_string(),
        })?;
    let certified = CertifiedKey::new(chain, signing_key);
    certified.keys_match().map_err(|e| TlsError::Pair {
        cert: cert_name.to_owned(),
        key: key_name.to_owned(),
        message: match e {
            rustls::Error::InconsistentKeys(rustls::InconsistentKeys::KeyMismatch) => {
                "the private key does not belong to the first certificate".to_owned()
            }
            other => format!("the first certificate cannot be used: {other}"),
        },
    })?;
    Ok(certified)
}

/// Reads a certificate chain file and a private key file into a [`CertifiedKey`].
pub fn load_certified_key(cert: &Path, key: &Path) -> Result<CertifiedKey, TlsError> {
    let cert_pem = read(cert)?;
    let key_pem = read(key)?;
    certified_key_from_pem(
        &cert_pem,
        &key_pem,
        &cert.display().to_string(),
        &key.display().to_string(),
    )
}

fn read(path: &Path) -> Result<Vec<u8>, TlsError> {
    std::fs::read(path).map_err(|source| TlsError::Read {
        path: path.display().to_string(),
        source,
    })
}

/// What [`CertResolver::reload_if_changed`] last read from the files.
#[derive(Clone, PartialEq, Eq)]
struct Seen {
    cert_mtime: Option<SystemTime>,
    key_mtime: Option<SystemTime>,
    /// SHA-256 over both files' contents (with the certificate's length, so that bytes
    /// moving between the files change it too).
    digest: [u8; 32],
}

fn digest(cert: &[u8], key: &[u8]) -> [u8; 32] {
    let mut ctx = ring::digest::Context::new(&ring::digest::SHA256);
    ctx.update(&(cert.len() as u64).to_be_bytes());
    ctx.update(cert);
    ctx.update(key);
    let mut out = [0u8; 32];
    out.copy_from_slice(ctx.finish().as_ref());
    out
}

fn mtime(path: &Path) -> Option<SystemTime> {
    // `metadata` follows symlinks: a Secret volume's `tls.crt` → `..data/tls.crt` →
    // `..2026_01_01_…/tls.crt` reports the file the link currently points at.
    std::fs::metadata(path).and_then(|m| m.modified()).ok()
}

/// The server certificate, shared by every handshake and replaceable while the server runs:
/// each handshake takes the pair in force when it starts; connections already established
/// keep theirs.
pub struct CertResolver {
    files: Option<(PathBuf, PathBuf)>,
    current: RwLock<Arc<CertifiedKey>>,
    seen: Mutex<Option<Seen>>,
}

impl fmt::Debug for CertResolver {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CertResolver")
            .field("files", &self.files)
            .finish_non_exhaustive()
    }
}

impl CertResolver {
    /// Loads the pair from these files; [`reload_if_changed`](Self::reload_if_changed) reads
    /// them again.
    pub fn from_files(
        cert: impl Into<PathBuf>,
        key: impl Into<PathBuf>,
    ) -> Result<Arc<CertResolver>, TlsError> {
        let (cert, key) = (cert.into(), key.into());
        let cert_pem = read(&cert)?;
        let key_pem = read(&key)?;
        let ck = certified_key_from_pem(
            &cert_pem,
            &key_pem,
            &cert.display().to_string(),
            &key.display().to_string(),
        )?;
        let seen = Seen {
            cert_mtime: mtime(&cert),
            key_mtime: mtime(&key),
            digest: digest(&cert_pem, &key_pem),
        };
        Ok(Arc::new(CertResolver {
            files: Some((cert, key)),
            current: RwLock::new(Arc::new(ck)),
            seen: Mutex::new(Some(seen)),
        }))
    }

    /// A fixed pair held in memory (`--self-signed`): nothing to reload.
    pub fn from_pem(cert_pem: &[u8], key_pem: &[u8]) -> Result<Arc<CertResolver>, TlsError> {
        let ck = certified_key_from_pem(cert_pem, key_pem, "certificate", "private key")?;
        Ok(Arc::new(CertResolver {
            files: None,
            current: RwLock::new(Arc::new(ck)),
            seen: Mutex::new(None),
        }))
    }

    /// The pair new handshakes get.
    pub fn current(&self) -> Arc<CertifiedKey> {
        self.current.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Reads the files again and, if their modification time or content changed and the new
    /// pair is valid, swaps it in: `Ok(true)`. `Ok(false)`: nothing changed (or no files).
    /// A new pair that does not load (half-written, mismatched, not PEM) is an `Err`, and the
    /// pair in use stays in use; the next call tries again.
    ///
    /// Content decides: a changed mtime with the same bytes (a Secret volume re-synced) does
    /// not reload, and changed bytes reload even under an unchanged mtime (an atomic symlink
    /// swap to files written in the same second, or copied with their times preserved).
    pub fn reload_if_changed(&self) -> Result<bool, TlsError> {
        let Some((cert, key)) = &self.files else {
            return Ok(false);
        };
        let (cert_mtime, key_mtime) = (mtime(cert), mtime(key));
        let cert_pem = read(cert)?;
        let key_pem = read(key)?;
        let now = Seen {
            cert_mtime,
            key_mtime,
            digest: digest(&cert_pem, &key_pem),
        };
        let mut seen = self.seen.lock().unwrap_or_else(|e| e.into_inner());
        if seen.as_ref().is_some_and(|s| s.digest == now.digest) {
            // Same content: remember the new times, keep the key.
            *seen = Some(now);
            return Ok(false);
        }
        let ck = certified_key_from_pem(
            &cert_pem,
            &key_pem,
            &cert.display().to_string(),
            &key.display().to_string(),
        )?;
        *self.current.write().unwrap_or_else(|e| e.into_inner()) = Arc::new(ck);
        *seen = Some(now);
        Ok(true)
    }
}

impl ResolvesServerCert for CertResolver {
    fn resolve(&self, _client_hello: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        Some(self.current())
    }
}

/// Polls the resolver's files every `every` and reloads a changed pair (logged at info); a
/// pair that does not load is logged as an error once per distinct problem while the old
/// pair stays in use. Abort the returned task to stop.
pub fn spawn_reloader(resolver: Arc<CertResolver>, every: Duration) -> JoinHandle<()> {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(every.max(Duration::from_millis(10)));
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        tick.tick().await; // the first tick is immediate; the pair was just loaded
        let mut last_error: Option<String> = None;
        loop {
            tick.tick().await;
            let r = resolver.clone();
            let result = match tokio::task::spawn_blocking(move || r.reload_if_changed()).await {
                Ok(result) => result,
                Err(e) => {
                    tracing::error!(error = %e, "certificate reload task failed");
                    continue;
                }
            };
            match result {
                Ok(true) => {
                    tracing::info!(files = ?resolver.files, "serving certificate reloaded");
                    last_error = None;
                }
                Ok(false) => last_error = None,
                Err(e) => {
                    let message = e.to_string();
                    if last_error.as_deref() != Some(message.as_str()) {
                        tracing::error!(error = %message, "new serving certificate not loaded; the previous one stays in use");
                        last_error = Some(message);
                    }
                }
            }
        }
    })
}

/// The rustls server configuration: TLS 1.2 and 1.3 on ring, no client certificates, the
/// certificate from `resolver`, ALPN `http/1.1`.
pub fn server_config(resolver: Arc<dyn ResolvesServerCert>) -> Result<Arc<ServerConfig>, TlsError> {
    let mut config = ServerConfig::builder_with_provider(provider())
        .with_protocol_versions(&[&rustls::version::TLS13, &rustls::version::TLS12])
        .map_err(|e| TlsError::Config(e.to_string()))?
        .with_no_client_auth()
        .with_cert_resolver(resolver);
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}

/// A throwaway CA and a serving certificate it signed, PEM-encoded. The CA's private key is
/// not kept: nothing else can ever be signed by it.
#[derive(Debug, Clone)]
pub struct SelfSigned {
    /// The CA certificate: what goes in the webhook configurations' `caBundle`.
    pub ca_pem: String,
    /// The serving certificate (`tls.crt`).
    pub cert_pem: String,
    /// Its private key, PKCS#8 (`tls.key`).
    pub key_pem: String,
}

/// Makes a CA (valid [`CA_VALIDITY`]) and a serving certificate signed by it (valid
/// [`SERVING_VALIDITY`], ECDSA P-256, extended key usage serverAuth) whose subject alternative
/// names are `dns_names` and `ip_addresses`; the first DNS name (else the first address) is
/// also its common name. At least one name is needed.
pub fn self_signed(dns_names: &[String], ip_addresses: &[IpAddr]) -> Result<SelfSigned, TlsError> {
    use rcgen::{
        BasicConstraints, CertificateParams, DistinguishedName, DnType, ExtendedKeyUsagePurpose, IsCa,
        Issuer, KeyPair, KeyUsagePurpose, SanType,
    };
    let err = |e: rcgen::Error| TlsError::Generate(e.to_string());
    if dns_names.is_empty() && ip_addresses.is_empty() {
        return Err(TlsError::Generate(
            "no DNS name or IP address for the certificate".into(),
        ));
    }
    let now = time::OffsetDateTime::now_utc();
    // An hour of slack for clocks behind ours.
    let not_before = now - time::Duration::hours(1);
    let serial = |n: u8| {
        let mut s = [0u8; 16];
        s[..15].copy_from_slice(&digest(&now.unix_timestamp_nanos().to_be_bytes(), &[n])[..15]);
        s[0] &= 0x7f;
        rcgen::SerialNumber::from_slice(&s)
    };

    let mut ca = CertificateParams::default();
    ca.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
    ca.distinguished_name = DistinguishedName::new();
    ca.distinguished_name.push(DnType::OrganizationName, "palisade");
    ca.distinguished_name
        .push(DnType::CommonName, "palisade webhook CA");
    ca.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    ca.not_before = not_before;
    ca.not_after = now + CA_VALIDITY;
    ca.serial_number = Some(serial(0));
    ca.use_authority_key_identifier_extension = false;
    let ca_key = KeyPair::generate().map_err(err)?;
    let ca_cert = ca.self_signed(&ca_key).map_err(err)?;
    let issuer = Issuer::new(ca, ca_key);

    let mut leaf = CertificateParams::default();
    leaf.subject_alt_names = dns_names
        .iter()
        .map(|n| {
            rustls::pki_types::DnsName::try_from(n.as_str())
                .map_err(|_| TlsError::Generate(format!("{n:?} is not a valid DNS name")))?;
            n.clone()
                .try_into()
                .map(SanType::DnsName)
                .map_err(|_| TlsError::Generate(format!("{n:?} is not a valid DNS name")))
        })
        .collect::<Result<Vec<_>, _>>()?;
    leaf.subject_alt_names
        .extend(ip_addresses.iter().map(|ip| SanType::IpAddress(*ip)));
    leaf.distinguished_name = DistinguishedName::new();
    leaf.distinguished_name.push(DnType::OrganizationName, "palisade");
    let cn = dns_names
        .first()
        .cloned()
        .unwrap_or_else(|| ip_addresses[0].to_string());
    leaf.distinguished_name.push(DnType::CommonName, cn);
    leaf.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    leaf.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    leaf.not_before = not_before;
    leaf.not_after = now + SERVING_VALIDITY;
    leaf.serial_number = Some(serial(1));
    leaf.use_authority_key_identifier_extension = true;
    let leaf_key = KeyPair::generate().map_err(err)?;
    let leaf_cert = leaf.signed_by(&leaf_key, &issuer).map_err(err)?;

    Ok(SelfSigned {
        ca_pem: ca_cert.pem(),
        cert_pem: leaf_cert.pem(),
        key_pem: leaf_key.serialize_pem(),
    })
}

/// Serves `app` over HTTPS (HTTP/1.1) on `listener` until `shutdown` resolves.
///
/// Each connection gets [`HANDSHAKE_TIMEOUT`] to complete the TLS handshake and
/// [`HEADER_READ_TIMEOUT`] per request's headers. When `shutdown` resolves, the listener is
/// closed (no new connections), idle keep-alive connections are closed, and requests in
/// flight are answered; after [`SHUTDOWN_GRACE`] the remaining connections are dropped.
/// Accept errors (out of file descriptors, a connection reset before it was accepted) are
/// logged and the loop goes on.
pub async fn serve_tls(
    listener: TcpListener,
    tls: Arc<ServerConfig>,
    app: Router,
    shutdown: impl Future<Output = ()>,
) -> io::Result<()> {
    serve_tls_with(listener, tls, app, shutdown, ServeLimits::default()).await
}

/// The time limits of [`serve_tls_with`].
#[derive(Debug, Clone, Copy)]
pub struct ServeLimits {
    pub handshake_timeout: Duration,
    pub header_read_timeout: Duration,
    pub shutdown_grace: Duration,
}

impl Default for ServeLimits {
    fn default() -> ServeLimits {
        ServeLimits {
            handshake_timeout: HANDSHAKE_TIMEOUT,
            header_read_timeout: HEADER_READ_TIMEOUT,
            shutdown_grace: SHUTDOWN_GRACE,
        }
    }
}

/// [`serve_tls`] with other time limits.
pub async fn serve_tls_with(
    listener: TcpListener,
    tls: Arc<ServerConfig>,
    app: Router,
    shutdown: impl Future<Output = ()>,
    limits: ServeLimits,
) -> io::Result<()> {
    let acceptor = tokio_rustls::TlsAcceptor::from(tls);
    let graceful = GracefulShutdown::new();
    // Dropped when the grace period is over: the connections still open then are closed.
    let (kill, killed) = tokio::sync::watch::channel(());
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let (tcp, peer) = tokio::select! {
            () = &mut shutdown => break,
            accepted = listener.accept() => match accepted {
                Ok(a) => a,
                Err(e) => {
                    tracing::warn!(error = %e, "accept failed");
                    // Out of file descriptors and the like: do not spin.
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
        };
        let _ = tcp.set_nodelay(true);
        let acceptor = acceptor.clone();
        let service = TowerToHyperService::new(app.clone());
        // Taken before the handshake, so that shutdown also waits for (at most
        // HANDSHAKE_TIMEOUT of) connections still shaking hands.
        let watcher = graceful.watcher();
        let mut killed = killed.clone();
        tokio::spawn(async move {
            let handshake = tokio::time::timeout(limits.handshake_timeout, acceptor.accept(tcp));
            let stream = match handshake.await {
                Ok(Ok(s)) => s,
                Ok(Err(e)) => {
                    tracing::debug!(%peer, error = %e, "TLS handshake failed");
                    return;
                }
                Err(_) => {
                    tracing::debug!(%peer, "TLS handshake timed out");
                    return;
                }
            };
            let mut http = hyper::server::conn::http1::Builder::new();
            http.timer(TokioTimer::new())
                .header_read_timeout(limits.header_read_timeout);
            let conn = http.serve_connection(TokioIo::new(stream), service);
            tokio::select! {
                result = watcher.watch(conn) => {
                    if let Err(e) = result {
                        tracing::debug!(%peer, error = %e, "connection ended with an error");
                    }
                }
                // The grace period is over: dropping the connection closes it.
                _ = killed.changed() => {}
            }
        });
    }
    drop(listener);
    let open = graceful.count();
    if open > 0 {
        tracing::info!(connections = open, "shutting down: finishing requests in flight");
    }
    let grace = limits.shutdown_grace;
    if tokio::time::timeout(grace, graceful.shutdown()).await.is_err() {
        tracing::warn!(grace = ?grace, "connections still open after the shutdown grace period; closing them");
    }
    drop(kill);
    Ok(())
}
