//! The labels of the cluster's namespaces for the admission webhook, kept current by a LIST
//! and WATCH of `namespaces` on the client's runtime (its own thread), as the Pod Security
//! admission plugin keeps an informer; a namespace the cache does not know yet (just created)
//! is fetched with a GET. Read-only: it never writes to the cluster.

use crate::config::Cluster;
use futures::{StreamExt, TryStreamExt};
use k8s_openapi::api::core::v1::Namespace;
use kube::api::{Api, ListParams, WatchEvent, WatchParams};
use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

type Labels = BTreeMap<String, String>;

#[derive(Default)]
struct Shared {
    labels: RwLock<HashMap<String, Labels>>,
    synced: AtomicBool,
    last_error: Mutex<Option<String>>,
}

/// A live view of the namespaces' labels.
pub struct NamespaceWatch {
    shared: Arc<Shared>,
    api: Api<Namespace>,
    handle: tokio::runtime::Handle,
    lookup_timeout: Duration,
}

fn labels_of(ns: &Namespace) -> Labels {
    ns.metadata.labels.clone().unwrap_or_default()
}

impl NamespaceWatch {
    /// Starts watching on the cluster's runtime, in a thread of its own that runs for the
    /// life of the process.
    pub fn start(cluster: Cluster) -> std::io::Result<NamespaceWatch> {
        let shared = Arc::new(Shared::default());
        let api: Api<Namespace> = Api::all(cluster.client.clone());
        let handle = cluster.rt.handle().clone();
        let lookup_timeout = cluster
            .opts
            .timeout
            .unwrap_or(Duration::from_secs(5))
            .min(Duration::from_secs(5));
        // The server ends each watch before the client's read timeout would (a quiet
        // cluster sends nothing), and the next one resumes from the same version.
        let read_timeout = cluster.opts.timeout.unwrap_or(Duration::from_secs(30));
        let watch_secs = (read_timeout.as_secs().saturating_sub(5)).clamp(1, 290) as u32;
        let (s, a) = (shared.clone(), api.clone());
        std::thread::Builder::new()
            .name("namespace-watch".into())
            .spawn(move || {
                let Cluster { rt, .. } = cluster;
                rt.block_on(watch_forever(a, s, watch_secs));
            })?;
        Ok(NamespaceWatch {
            shared,
            api,
            handle,
            lookup_timeout,
        })
    }

    /// The API server's version (`/version`), to know what Pod Security `latest` means there.
    pub fn server_version(&self) -> Result<crate::ServerVersion, String> {
        let (tx, rx) = std::sync::mpsc::channel();
        let client: kube::Client = self.api.clone().into_client();
        self.handle.spawn(async move {
            let _ = tx.send(client.apiserver_version().await.map_err(|e| e.to_string()));
        });
        match rx.recv_timeout(self.lookup_timeout) {
            Ok(Ok(v)) => crate::ServerVersion::parse(&v.major, &v.minor, &v.git_version).ok_or_else(|| {
                format!(
                    "GET /version: cannot read major {:?} minor {:?}",
                    v.major, v.minor
                )
            }),
            Ok(Err(e)) => Err(format!("GET /version: {e}")),
            Err(_) => Err(format!(
                "GET /version: no answer within {:?}",
                self.lookup_timeout
            )),
        }
    }

    /// Whether the first LIST has completed.
    pub fn synced(&self) -> bool {
        self.shared.synced.load(Ordering::Relaxed)
    }

    /// The last error of the watch, if it is failing.
    pub fn last_error(&self) -> Option<String> {
        self.shared
            .last_error
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// The labels of namespace `name` if the cache has them (never waits).
    pub fn cached(&self, name: &str) -> Option<Labels> {
        self.shared
            .labels
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .get(name)
            .cloned()
    }

    /// The labels of namespace `name`: from the cache, or with a GET when the cache does not
    /// have it. `Ok(None)`: no such namespace. Call from a thread that is not a runtime
    /// worker (the router evaluates in `spawn_blocking`).
    pub fn labels(&self, name: &str) -> Result<Option<Labels>, String> {
        if let Some(l) = self
            .shared
            .labels
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .get(name)
        {
            return Ok(Some(l.clone()));
        }
        let (tx, rx) = std::sync::mpsc::channel();
        let api = self.api.clone();
        let n = name.to_owned();
        self.handle.spawn(async move {
            let _ = tx.send(api.get_opt(&n).await.map_err(|e| e.to_string()));
        });
        match rx.recv_timeout(self.lookup_timeout) {
            Ok(Ok(Some(ns))) => {
                let l = labels_of(&ns);
                self.shared
                    .labels
                    .write()
                    .unwrap_or_else(|e| e.into_inner())
                    .insert(name.to_owned(), l.clone());
                Ok(Some(l))
            }
            Ok(Ok(None)) => Ok(None),
            Ok(Err(e)) => Err(format!("GET namespace {name}: {e}")),
            Err(_) => Err(format!(
                "GET namespace {name}: no answer within {:?}",
                self.lookup_timeout
            )),
        }
    }
}

async fn watch_forever(api: Api<Namespace>, shared: Arc<Shared>, watch_secs: u32) {
    let fail = |e: String| {
        tracing::warn!(error = %e, "namespace watch");
        *shared.last_error.lock().unwrap_or_else(|e| e.into_inner()) = Some(e);
    };
    loop {
        let list = match api.list(&ListParams::default()).await {
            Ok(l) => l,
            Err(e) => {
                fail(format!("LIST namespaces: {e}"));
                tokio::time::sleep(Duration::from_secs(2)).await;
                continue;
            }
        };
        let mut rv = list.metadata.resource_version.clone().unwrap_or_default();
        {
            let mut m = shared.labels.write().unwrap_or_else(|e| e.into_inner());
            m.clear();
            for ns in &list.items {
                if let Some(n) = &ns.metadata.name {
                    m.insert(n.clone(), labels_of(ns));
                }
            }
        }
        shared.synced.store(true, Ordering::Relaxed);
        *shared.last_error.lock().unwrap_or_else(|e| e.into_inner()) = None;
        tracing::info!(namespaces = list.items.len(), "namespace labels listed");
        // Watch until the server ends the stream or the resource version expires, then
        // list again.
        loop {
            let stream = match api.watch(&WatchParams::default().timeout(watch_secs), &rv).await {
                Ok(s) => s,
                Err(e) => {
                    fail(format!("WATCH namespaces: {e}"));
                    break;
                }
            };
            let mut stream = stream.boxed();
            let mut expired = false;
            loop {
                match stream.try_next().await {
                    Ok(Some(WatchEvent::Added(ns) | WatchEvent::Modified(ns))) => {
                        if let Some(n) = &ns.metadata.name {
                            shared
                                .labels
                                .write()
                                .unwrap_or_else(|e| e.into_inner())
                                .insert(n.clone(), labels_of(&ns));
                        }
                        if let Some(v) = ns.metadata.resource_version {
                            rv = v;
                        }
                    }
                    Ok(Some(WatchEvent::Deleted(ns))) => {
                        if let Some(n) = &ns.metadata.name {
                            shared.labels.write().unwrap_or_else(|e| e.into_inner()).remove(n);
                        }
                        if let Some(v) = ns.metadata.resource_version {
                            rv = v;
                        }
                    }
                    Ok(Some(WatchEvent::Bookmark(b))) => rv = b.metadata.resource_version,
                    Ok(Some(WatchEvent::Error(e))) => {
                        // 410 Gone: the version is too old; anything else: start over.
                        if e.code != 410 {
                            fail(format!("WATCH namespaces: {}", e.message));
                        }
                        expired = true;
                        break;
                    }
                    Ok(None) => break,
                    Err(e) => {
                        fail(format!("WATCH namespaces: {e}"));
                        expired = true;
                        break;
                    }
                }
            }
            if expired {
                break;
            }
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}
