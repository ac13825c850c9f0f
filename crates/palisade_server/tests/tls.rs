//! The TLS server over real sockets: serving, certificate rotation while requests run,
//! broken pairs, Secret-volume symlink swaps, the handshake timeout and graceful shutdown.

use axum::routing::get;
use axum::Router;
use http_body_util::{BodyExt, Empty};
use hyper::body::Bytes;
use hyper_util::rt::TokioIo;
use palisade_server::tls::{self, CertResolver, SelfSigned, ServeLimits, TlsError};
use rustls::client::danger::ServerCertVerifier;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName};
use rustls::{ClientConfig, RootCertStore};
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::io::AsyncReadExt;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

fn pair() -> SelfSigned {
    tls::self_signed(&["localhost".to_owned()], &[IpAddr::V4(Ipv4Addr::LOCALHOST)]).unwrap()
}

/// A scratch directory, removed when the test ends.
fn temp_dir(name: &str) -> tempfile::TempDir {
    tempfile::Builder::new()
        .prefix(&format!("palisade-tls-{name}-"))
        .tempdir()
        .unwrap()
}

fn write_pair(dir: &Path, p: &SelfSigned) -> (PathBuf, PathBuf) {
    let (cert, key) = (dir.join("tls.crt"), dir.join("tls.key"));
    std::fs::write(&cert, &p.cert_pem).unwrap();
    std::fs::write(&key, &p.key_pem).unwrap();
    (cert, key)
}

fn app() -> Router {
    Router::new().route("/", get(|| async { "ok" })).route(
        "/slow",
        get(|| async {
            tokio::time::sleep(Duration::from_millis(1500)).await;
            "slow"
        }),
    )
}

struct Server {
    addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    task: JoinHandle<std::io::Result<()>>,
}

async fn start(resolver: Arc<CertResolver>, limits: ServeLimits) -> Server {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = oneshot::channel::<()>();
    let config = tls::server_config(resolver).unwrap();
    let task = tokio::spawn(tls::serve_tls_with(
        listener,
        config,
        app(),
        async {
            let _ = stopped.await;
        },
        limits,
    ));
    Server {
        addr,
        stop: Some(stop),
        task,
    }
}

fn client(cas: &[&str]) -> Arc<ClientConfig> {
    let mut roots = RootCertStore::empty();
    for ca in cas {
        for c in CertificateDer::pem_slice_iter(ca.as_bytes()) {
            roots.add(c.unwrap()).unwrap();
        }
    }
    Arc::new(
        ClientConfig::builder_with_provider(tls::provider())
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_root_certificates(roots)
            .with_no_client_auth(),
    )
}

type Sender = hyper::client::conn::http1::SendRequest<Empty<Bytes>>;

/// A new TLS connection (verified against `config`'s roots, as `localhost`) and the
/// certificate the server presented.
async fn connect(
    addr: SocketAddr,
    config: Arc<ClientConfig>,
) -> Result<(Sender, CertificateDer<'static>), String> {
    let tcp = TcpStream::connect(addr).await.map_err(|e| e.to_string())?;
    let connector = tokio_rustls::TlsConnector::from(config);
    let stream = connector
        .connect(ServerName::try_from("localhost").unwrap(), tcp)
        .await
        .map_err(|e| format!("handshake: {e}"))?;
    let presented = stream.get_ref().1.peer_certificates().unwrap()[0]
        .clone()
        .into_owned();
    let (sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .map_err(|e| e.to_string())?;
    tokio::spawn(conn);
    Ok((sender, presented))
}

async fn send(sender: &mut Sender, path: &str) -> Result<(u16, String), String> {
    let req = hyper::Request::get(path)
        .header("host", "localhost")
        .body(Empty::<Bytes>::new())
        .unwrap();
    let resp = sender.send_request(req).await.map_err(|e| e.to_string())?;
    let status = resp.status().as_u16();
    let body = resp
        .into_body()
        .collect()
        .await
        .map_err(|e| e.to_string())?
        .to_bytes();
    Ok((status, String::from_utf8_lossy(&body).into_owned()))
}

async fn get_once(addr: SocketAddr, config: Arc<ClientConfig>, path: &str) -> Result<(u16, String), String> {
    let (mut s, _) = connect(addr, config).await?;
    send(&mut s, path).await
}

fn der(pem: &str) -> CertificateDer<'static> {
    CertificateDer::from_pem_slice(pem.as_bytes()).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serves_and_rotates_the_certificate_while_requests_run() {
    let tmp = temp_dir("rotate");
    let dir = tmp.path();
    let (one, two) = (pair(), pair());
    let (cert, key) = write_pair(dir, &one);
    let resolver = CertResolver::from_files(&cert, &key).unwrap();
    let server = start(resolver.clone(), ServeLimits::default()).await;

    assert_eq!(
        get_once(server.addr, client(&[&one.ca_pem]), "/").await.unwrap(),
        (200, "ok".into())
    );
    // A CA that did not sign the certificate is refused: the client really verifies.
    assert!(get_once(server.addr, client(&[&two.ca_pem]), "/").await.is_err());

    // Requests on new connections all along, trusting either CA.
    let (done_tx, mut done_rx) = tokio::sync::watch::channel(false);
    let ok = Arc::new(AtomicUsize::new(0));
    let addr = server.addr;
    let both = client(&[&one.ca_pem, &two.ca_pem]);
    let hammer = {
        let ok = ok.clone();
        tokio::spawn(async move {
            let mut failures = Vec::new();
            loop {
                match get_once(addr, both.clone(), "/").await {
                    Ok((200, _)) => {
                        ok.fetch_add(1, Ordering::Relaxed);
                    }
                    other => failures.push(format!("{other:?}")),
                }
                if *done_rx.borrow_and_update() {
                    return failures;
                }
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
        })
    };
    // A keep-alive connection made with the first certificate, and a slow request in flight
    // on another one.
    let (mut kept, presented) = connect(server.addr, client(&[&one.ca_pem])).await.unwrap();
    assert_eq!(presented, der(&one.cert_pem));
    assert_eq!(send(&mut kept, "/").await.unwrap().0, 200);
    let (mut slow_conn, _) = connect(server.addr, client(&[&one.ca_pem])).await.unwrap();
    let slow = tokio::spawn(async move { send(&mut slow_conn, "/slow").await });
    tokio::time::sleep(Duration::from_millis(100)).await;

    // Rotate: the second CA's pair on disk, then reload.
    let before = ok.load(Ordering::Relaxed);
    write_pair(dir, &two);
    assert!(resolver.reload_if_changed().unwrap());
    assert!(!resolver.reload_if_changed().unwrap(), "nothing changed since");

    // New connections present the new certificate, verified with the second CA alone.
    let (mut fresh, presented) = connect(server.addr, client(&[&two.ca_pem])).await.unwrap();
    assert_eq!(presented, der(&two.cert_pem));
    assert_eq!(send(&mut fresh, "/").await.unwrap(), (200, "ok".into()));
    let err = get_once(server.addr, client(&[&one.ca_pem]), "/")
        .await
        .unwrap_err();
    assert!(err.starts_with("handshake"), "{err}");

    // Connections made before keep working; the request in flight finishes.
    assert_eq!(send(&mut kept, "/").await.unwrap(), (200, "ok".into()));
    assert_eq!(slow.await.unwrap().unwrap(), (200, "slow".into()));

    tokio::time::sleep(Duration::from_millis(100)).await;
    done_tx.send(true).unwrap();
    let failures = hammer.await.unwrap();
    assert!(
        failures.is_empty(),
        "requests failed during the rotation: {failures:?}"
    );
    let after = ok.load(Ordering::Relaxed);
    assert!(
        before > 0 && after > before,
        "requests before ({before}) and after ({after}) the rotation"
    );
    stop(server).await;
}

async fn stop(mut server: Server) {
    server.stop.take().unwrap().send(()).unwrap();
    tokio::time::timeout(Duration::from_secs(30), server.task)
        .await
        .expect("serve_tls returns after shutdown")
        .unwrap()
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_broken_pair_on_disk_keeps_the_old_key_and_is_reported() {
    let tmp = temp_dir("broken");
    let dir = tmp.path();
    let (one, two) = (pair(), pair());
    let (cert, key) = write_pair(dir, &one);
    let resolver = CertResolver::from_files(&cert, &key).unwrap();
    let server = start(resolver.clone(), ServeLimits::default()).await;
    let original = resolver.current();

    // A half-finished rotation: the new certificate with the old key.
    std::fs::write(&cert, &two.cert_pem).unwrap();
    let err = resolver.reload_if_changed().unwrap_err();
    assert!(matches!(err, TlsError::Pair { .. }), "{err}");
    assert!(
        err.to_string().contains("tls.crt") && err.to_string().contains("tls.key"),
        "{err}"
    );
    assert!(Arc::ptr_eq(&original, &resolver.current()));
    let (_, presented) = connect(server.addr, client(&[&one.ca_pem])).await.unwrap();
    assert_eq!(presented, der(&one.cert_pem));

    // Not a key at all: reported again, naming the key file.
    std::fs::write(&key, "garbage\n").unwrap();
    let err = resolver.reload_if_changed().unwrap_err();
    assert!(matches!(err, TlsError::NoKey { .. }), "{err}");
    assert!(err.to_string().contains(&key.display().to_string()), "{err}");
    assert!(Arc::ptr_eq(&original, &resolver.current()));

    // A missing file.
    std::fs::remove_file(&key).unwrap();
    let err = resolver.reload_if_changed().unwrap_err();
    assert!(matches!(err, TlsError::Read { .. }), "{err}");
    assert_eq!(
        get_once(server.addr, client(&[&one.ca_pem]), "/")
            .await
            .unwrap()
            .0,
        200
    );

    // The rotation completed: the new pair is taken.
    std::fs::write(&key, &two.key_pem).unwrap();
    assert!(resolver.reload_if_changed().unwrap());
    let (_, presented) = connect(server.addr, client(&[&two.ca_pem])).await.unwrap();
    assert_eq!(presented, der(&two.cert_pem));
    stop(server).await;
}

#[test]
fn load_errors_name_the_file() {
    let tmp = temp_dir("errors");
    let dir = tmp.path();
    let one = pair();
    let (cert, key) = write_pair(dir, &one);
    let missing = dir.join("nope.crt");
    let e = CertResolver::from_files(&missing, &key).unwrap_err();
    assert!(e.to_string().contains("nope.crt"), "{e}");
    // A certificate file holding only a key.
    let e = CertResolver::from_files(&key, &key).unwrap_err();
    assert!(matches!(e, TlsError::NoCertificate { .. }), "{e}");
    assert!(e.to_string().contains("tls.key"), "{e}");
    // Broken PEM.
    let bad = dir.join("bad.crt");
    std::fs::write(&bad, "-----BEGIN CERTIFICATE-----\nAAAA\n").unwrap();
    let e = CertResolver::from_files(&bad, &key).unwrap_err();
    assert!(
        matches!(e, TlsError::Pem { .. }) && e.to_string().contains("bad.crt"),
        "{e}"
    );
    // Swapped arguments: no key in the certificate file.
    let e = CertResolver::from_files(&cert, &cert).unwrap_err();
    assert!(
        matches!(e, TlsError::NoKey { .. }) && e.to_string().contains("tls.crt"),
        "{e}"
    );
    // A chain (leaf + CA) loads; the leaf is presented.
    let chain = dir.join("chain.crt");
    std::fs::write(&chain, format!("{}{}", one.cert_pem, one.ca_pem)).unwrap();
    let r = CertResolver::from_files(&chain, &key).unwrap();
    assert_eq!(r.current().cert.len(), 2);
    assert_eq!(r.current().cert[0], der(&one.cert_pem));
}

#[test]
fn self_signed_certificates() {
    let p = tls::self_signed(
        &["palisade.palisade.svc".to_owned()],
        &[IpAddr::V4(Ipv4Addr::LOCALHOST)],
    )
    .unwrap();
    // The serving certificate verifies against the CA, for the name and the address.
    let mut roots = RootCertStore::empty();
    roots.add(der(&p.ca_pem)).unwrap();
    let verifier =
        rustls::client::WebPkiServerVerifier::builder_with_provider(Arc::new(roots), tls::provider())
            .build()
            .unwrap();
    let now = rustls::pki_types::UnixTime::now();
    for name in ["palisade.palisade.svc", "127.0.0.1"] {
        verifier
            .verify_server_cert(
                &der(&p.cert_pem),
                &[],
                &ServerName::try_from(name).unwrap(),
                &[],
                now,
            )
            .unwrap_or_else(|e| panic!("{name}: {e}"));
    }
    assert!(verifier
        .verify_server_cert(
            &der(&p.cert_pem),
            &[],
            &ServerName::try_from("other.palisade.svc").unwrap(),
            &[],
            now
        )
        .is_err());
    // Still valid in 364 days, not in 366.
    let day = 24 * 3600;
    let at = |days: u64| {
        rustls::pki_types::UnixTime::since_unix_epoch(Duration::from_secs(now.as_secs() + days * day))
    };
    let name = ServerName::try_from("palisade.palisade.svc").unwrap();
    assert!(verifier
        .verify_server_cert(&der(&p.cert_pem), &[], &name, &[], at(364))
        .is_ok());
    assert!(verifier
        .verify_server_cert(&der(&p.cert_pem), &[], &name, &[], at(366))
        .is_err());
    // The key is PKCS#8 and belongs to the certificate.
    assert!(p.key_pem.starts_with("-----BEGIN PRIVATE KEY-----"));
    tls::certified_key_from_pem(p.cert_pem.as_bytes(), p.key_pem.as_bytes(), "c", "k").unwrap();
    // Two calls make two different CAs.
    assert_ne!(p.ca_pem, pair().ca_pem);
    assert!(tls::self_signed(&[], &[]).is_err());
    assert!(tls::self_signed(&["not a name!".to_owned()], &[]).is_err());
}

#[cfg(unix)]
#[test]
fn secret_volume_symlink_swap_is_reloaded_by_content() {
    use std::os::unix::fs::symlink;
    // The layout the kubelet's atomic writer makes: tls.crt → ..data/tls.crt, ..data → ..<ts>.
    let tmp = temp_dir("symlinks");
    let dir = tmp.path();
    let (one, two) = (pair(), pair());
    let v1 = dir.join("..2026_01_01_00_00_00.000000001");
    let v2 = dir.join("..2026_01_01_00_00_00.000000002");
    std::fs::create_dir(&v1).unwrap();
    std::fs::create_dir(&v2).unwrap();
    write_pair(&v1, &one);
    write_pair(&v2, &two);
    // The new files carry the old files' modification times: only the content differs.
    for f in ["tls.crt", "tls.key"] {
        let t = std::fs::metadata(v1.join(f)).unwrap().modified().unwrap();
        std::fs::File::options()
            .write(true)
            .open(v2.join(f))
            .unwrap()
            .set_modified(t)
            .unwrap();
    }
    symlink(v1.file_name().unwrap(), dir.join("..data")).unwrap();
    symlink("..data/tls.crt", dir.join("tls.crt")).unwrap();
    symlink("..data/tls.key", dir.join("tls.key")).unwrap();
    let resolver = CertResolver::from_files(dir.join("tls.crt"), dir.join("tls.key")).unwrap();
    assert_eq!(resolver.current().cert[0], der(&one.cert_pem));
    assert!(!resolver.reload_if_changed().unwrap());

    // The swap: a new ..data link renamed over the old one.
    symlink(v2.file_name().unwrap(), dir.join("..data_tmp")).unwrap();
    std::fs::rename(dir.join("..data_tmp"), dir.join("..data")).unwrap();
    assert!(resolver.reload_if_changed().unwrap());
    assert_eq!(resolver.current().cert[0], der(&two.cert_pem));

    // A new modification time with the same content does not reload.
    let later = std::time::SystemTime::now() + Duration::from_secs(60);
    std::fs::File::options()
        .write(true)
        .open(v2.join("tls.crt"))
        .unwrap()
        .set_modified(later)
        .unwrap();
    let current = resolver.current();
    assert!(!resolver.reload_if_changed().unwrap());
    assert!(Arc::ptr_eq(&current, &resolver.current()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_reloader_task_picks_up_a_new_pair() {
    let tmp = temp_dir("poll");
    let dir = tmp.path();
    let (one, two) = (pair(), pair());
    let (cert, key) = write_pair(dir, &one);
    let resolver = CertResolver::from_files(&cert, &key).unwrap();
    let task = tls::spawn_reloader(resolver.clone(), Duration::from_millis(50));
    // A broken intermediate state first: the old pair stays.
    std::fs::write(&cert, &two.cert_pem).unwrap();
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(resolver.current().cert[0], der(&one.cert_pem));
    std::fs::write(&key, &two.key_pem).unwrap();
    let deadline = Instant::now() + Duration::from_secs(5);
    while resolver.current().cert[0] != der(&two.cert_pem) {
        assert!(
            Instant::now() < deadline,
            "the reloader did not take the new pair"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    task.abort();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn graceful_shutdown_finishes_the_request_in_flight() {
    let one = pair();
    let resolver = CertResolver::from_pem(one.cert_pem.as_bytes(), one.key_pem.as_bytes()).unwrap();
    let mut server = start(resolver, ServeLimits::default()).await;
    let addr = server.addr;
    let config = client(&[&one.ca_pem]);
    let (mut conn, _) = connect(addr, config.clone()).await.unwrap();
    let slow = tokio::spawn(async move { send(&mut conn, "/slow").await });
    tokio::time::sleep(Duration::from_millis(200)).await;
    let started = Instant::now();
    server.stop.take().unwrap().send(()).unwrap();
    tokio::time::sleep(Duration::from_millis(100)).await;
    // No new connections once shutdown began.
    assert!(TcpStream::connect(addr).await.is_err());
    assert!(
        !server.task.is_finished(),
        "serve_tls waits for the request in flight"
    );
    assert_eq!(slow.await.unwrap().unwrap(), (200, "slow".into()));
    tokio::time::timeout(Duration::from_secs(5), server.task)
        .await
        .expect("serve_tls returns once the request is answered")
        .unwrap()
        .unwrap();
    assert!(started.elapsed() < Duration::from_secs(5));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_is_bounded_and_slow_handshakes_are_dropped() {
    let one = pair();
    let resolver = CertResolver::from_pem(one.cert_pem.as_bytes(), one.key_pem.as_bytes()).unwrap();
    let limits = ServeLimits {
        handshake_timeout: Duration::from_millis(300),
        shutdown_grace: Duration::from_millis(300),
        ..ServeLimits::default()
    };
    let mut server = start(resolver, limits).await;

    // A client that connects and never starts the handshake is disconnected.
    let mut idle = TcpStream::connect(server.addr).await.unwrap();
    let mut buf = [0u8; 16];
    let read = tokio::time::timeout(Duration::from_secs(3), idle.read(&mut buf))
        .await
        .expect("the server closes a connection that does not shake hands");
    assert!(matches!(read, Ok(0) | Err(_)), "{read:?}");

    // A request longer than the grace period is cut off, and shutdown does not wait for it.
    let (mut conn, _) = connect(server.addr, client(&[&one.ca_pem])).await.unwrap();
    let slow = tokio::spawn(async move { send(&mut conn, "/slow").await });
    tokio::time::sleep(Duration::from_millis(100)).await;
    let started = Instant::now();
    server.stop.take().unwrap().send(()).unwrap();
    tokio::time::timeout(Duration::from_secs(3), server.task)
        .await
        .expect("serve_tls returns after the grace period")
        .unwrap()
        .unwrap();
    assert!(
        started.elapsed() < Duration::from_millis(1200),
        "{:?}",
        started.elapsed()
    );
    assert!(slow.await.unwrap().is_err(), "the connection was closed");
}
