//! The read itself: reach the server once, find the custom resources with pod templates
//! (when wanted), then list each wanted resource type page by page, turning items into
//! objects as they are decoded and handing each page to the caller. Forbidden types,
//! malformed responses, expired continue tokens and exhausted retries become diagnostics;
//! reading goes on with the next type. Progress is reported as events, never drawn.

use crate::config::Cluster;
use crate::list::{parse_list, strip_server_fields, ListMeta};
use crate::owners::{is_controller, owned_by_read_controller};
use crate::progress::{PageProgress, Progress};
use crate::resources::{custom_type, ResourceType};
use crate::retry::RequestError;
use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition;
use kube::api::{Api, GetParams, ListParams};
use kube::core::Request;
use palisade_core::{DiagLevel, Diagnostic, Node, Object, Origin};
use std::collections::HashSet;
use std::sync::Arc;

/// What was read, for the report.
#[derive(Clone, Debug, Default)]
pub struct ReadStats {
    /// `context (server)`.
    pub target: String,
    pub requests: usize,
    pub objects: usize,
    /// Objects skipped because a controller that is read owns them.
    pub owned_skipped: usize,
    /// Resource types read, and those the credentials may not list.
    pub read: Vec<String>,
    pub forbidden: Vec<String>,
    /// Resource types whose reading failed (retries exhausted, malformed responses).
    pub failed: Vec<String>,
    pub bytes: u64,
    /// The API server could not be reached (the error, with its causes): nothing was read,
    /// and nothing the caller answers can rest on this read.
    pub unreachable: Option<String>,
    /// The server's version from `/version` (`None` when it did not say).
    pub version: Option<ServerVersion>,
}

impl ReadStats {
    /// Resource types that could not be read (forbidden, or failed): what an answer that
    /// depends on them is missing.
    pub fn missing(&self) -> Vec<String> {
        let mut m = self.forbidden.clone();
        m.extend(self.failed.iter().cloned());
        m
    }

    /// Whether nothing at all was read (the server unreachable, or every list refused).
    pub fn nothing_read(&self) -> bool {
        self.unreachable.is_some() || (self.objects == 0 && self.owned_skipped == 0)
    }
}

/// The version an API server reports at `/version`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServerVersion {
    pub major: u32,
    /// The minor release (`36` of v1.36; providers' `36+` is read as 36).
    pub minor: u32,
    /// `v1.36.2`.
    pub git_version: String,
}

impl ServerVersion {
    /// From the fields of `/version`; `None` when major or minor is not a number.
    pub fn parse(major: &str, minor: &str, git_version: &str) -> Option<ServerVersion> {
        let num = |s: &str| {
            let digits: String = s.chars().take_while(char::is_ascii_digit).collect();
            digits.parse::<u32>().ok()
        };
        Some(ServerVersion {
            major: num(major)?,
            minor: num(minor)?,
            git_version: git_version.to_owned(),
        })
    }
}

const CRDS: &str = "customresourcedefinitions.apiextensions.k8s.io";

impl Cluster {
    /// Reads every wanted resource type, handing each page of objects to `page` as it
    /// arrives and reporting progress to `progress`. Problems (forbidden types, malformed
    /// responses, retries exhausted) are diagnostics; reading goes on with the next type.
    pub fn read(
        &self,
        page: &mut dyn FnMut(Vec<Object>),
        progress: &mut dyn Progress,
    ) -> (ReadStats, Vec<Diagnostic>) {
        let mut stats = ReadStats {
            target: format!("cluster {} ({})", self.context, self.server),
            ..ReadStats::default()
        };
        let mut diags = Vec::new();
        // Reach the server once before listing anything: an unreachable server is one clear
        // error, not a timeout per resource type. (/version is public; 401/403 go on.)
        stats.requests += 1;
        match self.retry("/version", |c| async move { c.apiserver_version().await }) {
            Ok(v) => {
                tracing::info!(server = %self.server, version = %v.git_version, "API server");
                stats.version = ServerVersion::parse(&v.major, &v.minor, &v.git_version);
            }
            Err(RequestError::Transport(msg)) => {
                diags.push(Diagnostic::unlocated(
                    DiagLevel::Error,
                    format!("cannot reach the API server {}: {msg}", self.server),
                ));
                stats.unreachable = Some(msg);
                progress.finish();
                return (stats, diags);
            }
            Err(e) => tracing::debug!(error = %e, "/version"),
        }
        let mut types = self.opts.wanted.builtin_types();
        let mut groups: Vec<&str> = self
            .opts
            .wanted
            .discovered_kinds()
            .iter()
            .map(|(g, _)| g.as_str())
            .collect();
        groups.sort_unstable();
        groups.dedup();
        for group in groups {
            types.extend(self.discover_group(group, &mut stats, &mut diags));
        }
        // Custom resources are read for their pod templates: all of them when templates are
        // wanted, whatever the predicate says about built-in kinds.
        if self.opts.wanted.custom_pod_templates() {
            let custom = self.custom_types(&mut stats, &mut diags);
            types.extend(custom);
        }
        let mut reader = Reader {
            cluster: self,
            origin: Origin::Cluster {
                context: Arc::from(self.context.as_str()),
            },
            ns: self.namespace(),
            controllers: HashSet::new(),
            stats,
            diags,
        };
        for (i, t) in types.iter().enumerate() {
            reader.list_type(t, i, types.len(), page, progress);
        }
        progress.finish();
        (reader.stats, reader.diags)
    }

    /// Custom resources whose schema embeds containers (pod templates), from the CRDs.
    /// Finds the wanted kinds of `group` that the built-in table does not know through API
    /// discovery (one query per group): the group's preferred version, each kind's resource
    /// name and scope. A kind the server does not serve holds no objects (logged); a discovery
    /// that fails is a warning naming the kinds.
    fn discover_group(
        &self,
        group: &str,
        stats: &mut ReadStats,
        diags: &mut Vec<Diagnostic>,
    ) -> Vec<ResourceType> {
        let kinds: Vec<&str> = self
            .opts
            .wanted
            .discovered_kinds()
            .iter()
            .filter(|(g, _)| g == group)
            .map(|(_, k)| k.as_str())
            .collect();
        let name = |kind: &str| {
            if group.is_empty() {
                kind.to_owned()
            } else {
                format!("{kind}.{group}")
            }
        };
        stats.requests += 1;
        let found = self.retry(&format!("discovery of group {group:?}"), |c| {
            let g = group.to_owned();
            async move {
                match kube::discovery::group(&c, &g).await {
                    Ok(api_group) => Ok(Some(api_group)),
                    // The server does not serve the group: it holds no such objects.
                    Err(kube::Error::Discovery(_)) => Ok(None),
                    Err(e) => Err(e),
                }
            }
        });
        let api_group = match found {
            Ok(Some(g)) => g,
            Ok(None) => {
                tracing::info!(group, "group not served by the API server (none to read)");
                return Vec::new();
            }
            Err(e) => {
                let names: Vec<String> = kinds.iter().map(|k| name(k)).collect();
                diags.push(warn(format!(
                    "{}: API discovery failed ({e}) — rules that read it see none",
                    names.join(", ")
                )));
                return Vec::new();
            }
        };
        kinds
            .into_iter()
            .filter_map(|kind| match api_group.recommended_kind(kind) {
                Some((ar, caps)) => {
                    tracing::debug!(kind = %name(kind), version = %ar.version, plural = %ar.plural, "discovered");
                    Some(ResourceType::new(
                        group,
                        &ar.version,
                        &ar.plural,
                        kind,
                        caps.scope == kube::discovery::Scope::Namespaced,
                    ))
                }
                None => {
                    tracing::info!(kind = %name(kind), "not served by the API server (none to read)");
                    None
                }
            })
            .collect()
    }

    fn custom_types(&self, stats: &mut ReadStats, diags: &mut Vec<Diagnostic>) -> Vec<ResourceType> {
        stats.requests += 1;
        let listed = self.retry(CRDS, |c| async move {
            Api::<CustomResourceDefinition>::all(c)
                .list(&ListParams::default())
                .await
        });
        let crds = match listed {
            Ok(l) => l,
            Err(e @ RequestError::Api { code: 401 | 403, .. }) => {
                stats.forbidden.push(CRDS.into());
                diags.push(warn(format!(
                    "cannot list customresourcedefinitions: {e} — custom resources with pod templates are not read"
                )));
                return Vec::new();
            }
            Err(RequestError::Decode(e)) => {
                tracing::debug!(error = %e, "customresourcedefinitions");
                diags.push(warn(
                    "customresourcedefinitions: malformed response — custom resources not read".into(),
                ));
                return Vec::new();
            }
            Err(e) => {
                tracing::debug!(error = %e, "customresourcedefinitions not read");
                return Vec::new();
            }
        };
        let out: Vec<ResourceType> = crds.items.iter().filter_map(custom_type).collect();
        tracing::debug!(
            crds = crds.items.len(),
            with_pod_templates = out.len(),
            "custom resources"
        );
        out
    }
}

/// The state of one read across resource types.
struct Reader<'a> {
    cluster: &'a Cluster,
    origin: Origin,
    /// The namespace namespaced lists are limited to (`None`: all).
    ns: Option<String>,
    /// Controllers read, by uid, to skip what they own.
    controllers: HashSet<String>,
    stats: ReadStats,
    diags: Vec<Diagnostic>,
}

impl Reader<'_> {
    /// The request for one page of `t` (or, with one namespace, the Namespace object itself).
    fn request(&self, t: &ResourceType, token: Option<&str>) -> Result<http::Request<Vec<u8>>, String> {
        let opts = &self.cluster.opts;
        let built = match (&self.ns, t.kind.as_str()) {
            // With one namespace, read that Namespace object only.
            (Some(n), "Namespace") if t.group.is_empty() => {
                Request::new(t.path(None)).get(n, &GetParams::default())
            }
            (n, _) => {
                let mut lp = ListParams::default().limit(opts.page_size.unwrap_or(500));
                if let Some((sel, _)) = t.field_selector {
                    lp = lp.fields(sel);
                }
                if let Some(c) = token {
                    lp = lp.continue_token(c);
                }
                let r = Request::new(t.path(n.as_deref()));
                if t.metadata_only {
                    r.list_metadata(&lp)
                } else {
                    r.list(&lp)
                }
            }
        };
        built.map_err(|e| e.to_string())
    }

    /// Lists one resource type page by page.
    fn list_type(
        &mut self,
        t: &ResourceType,
        index: usize,
        types: usize,
        page: &mut dyn FnMut(Vec<Object>),
        progress: &mut dyn Progress,
    ) {
        let what = t.display();
        let single = self.ns.is_some() && t.group.is_empty() && t.kind == "Namespace";
        let mut token: Option<String> = None;
        let mut count = 0usize;
        let mut listed = 0usize;
        // uids handed over for this type: when a continue token expires (410) the list
        // restarts from the beginning and what was already handed over is skipped.
        let mut seen: HashSet<String> = HashSet::new();
        let mut restarted = false;
        loop {
            let req = match self.request(t, token.as_deref()) {
                Ok(r) => r,
                Err(e) => {
                    self.stats.failed.push(what.clone());
                    self.diags
                        .push(warn(format!("reading {what} failed: {e} — skipped")));
                    break;
                }
            };
            let url = shown(req.uri());
            tracing::debug!(%url, "GET");
            self.stats.requests += 1;
            let body = match self.cluster.get_text(&url, &req) {
                Ok(b) => b,
                Err(RequestError::Api { code: 410, .. }) if token.is_some() && !restarted => {
                    // The continue token expired (the list took longer than the server keeps
                    // its snapshot): list again from the start, like client-go's pager.
                    restarted = true;
                    token = None;
                    tracing::info!(resource = %what, "continue token expired: listing again");
                    self.diags.push(warn(format!(
                        "listing {what} took longer than the server keeps a consistent snapshot (410 Expired): listed again from the start, objects changed in between may be missed"
                    )));
                    continue;
                }
                Err(e) => {
                    self.failed(&what, &e);
                    break;
                }
            };
            self.stats.bytes += body.len() as u64;
            // Items are decoded one at a time from the body and turned into objects at once:
            // a page is never held as one JSON tree (about 9× its size).
            let mut objects = Vec::new();
            let mut owned_skipped = 0usize;
            let keep_owned = self.cluster.opts.keep_owned;
            let (controllers, origin) = (&mut self.controllers, &self.origin);
            let mut handle = |item: serde_json::Value| match to_object(
                t,
                item,
                &mut seen,
                controllers,
                keep_owned,
                origin,
            ) {
                Item::Object(o) => objects.push(*o),
                Item::Owned => owned_skipped += 1,
                Item::Skipped => {}
            };
            let parsed = if single {
                serde_json::from_str::<serde_json::Value>(&body).map(|v| {
                    handle(v);
                    ListMeta::default()
                })
            } else {
                parse_list(&body, &mut handle)
            };
            drop(body);
            self.stats.owned_skipped += owned_skipped;
            let meta = match parsed {
                Ok(m) => m,
                Err(e) => {
                    self.stats.failed.push(what.clone());
                    self.diags.push(warn(format!(
                        "{url}: malformed response: {e} — the rest of {what} skipped"
                    )));
                    self.stats.objects += objects.len();
                    page(objects);
                    break;
                }
            };
            count += objects.len();
            listed += objects.len() + owned_skipped;
            self.stats.objects += objects.len();
            tracing::debug!(resource = %what, objects = objects.len(), owned_skipped, remaining = ?meta.remaining, "page");
            progress.page(&PageProgress {
                index,
                types,
                resource: &what,
                listed,
                total: meta.remaining.map(|r| listed as u64 + r),
            });
            page(objects);
            if single {
                break;
            }
            match meta.next {
                Some(n) if token.as_deref() == Some(n.as_str()) => {
                    self.stats.failed.push(what.clone());
                    self.diags.push(warn(format!(
                        "{what}: the server returned the same continue token twice — stopped listing it after {count} objects"
                    )));
                    break;
                }
                Some(n) => token = Some(n),
                None => break,
            }
        }
        if !self.stats.forbidden.contains(&what) && !self.stats.failed.contains(&what) {
            self.stats.read.push(what);
        }
    }

    fn failed(&mut self, what: &str, e: &RequestError) {
        let code = e.code();
        if code == 403 || code == 401 {
            // Token Secrets are a second list of the same resource: say it once.
            if !self.stats.forbidden.iter().any(|f| f == what) {
                self.stats.forbidden.push(what.to_owned());
                self.diags.push(warn(format!(
                    "cannot list {what}: {e} — skipped; findings that need it are missing"
                )));
            }
        } else if code == 404 {
            // The API is not served by this cluster (e.g. an older version).
            tracing::debug!(resource = what, "not served (404)");
        } else {
            self.stats.failed.push(what.to_owned());
            self.diags.push(warn(format!(
                "reading {what} failed{}: {e} — skipped",
                if code > 0 {
                    format!(" (HTTP {code})")
                } else {
                    String::new()
                }
            )));
        }
    }
}

/// What became of one list item.
enum Item {
    Object(Box<Object>),
    /// Owned by a controller that was read: reported through its owner.
    Owned,
    /// Already handed over (a list restarted after 410), or not an object.
    Skipped,
}

/// Names a list item by its type (list items carry no apiVersion/kind; metadata-only ones
/// are `PartialObjectMetadata`), drops server fields, and skips what was handed over
/// already or is owned by a controller that was read.
fn to_object(
    t: &ResourceType,
    mut item: serde_json::Value,
    seen: &mut HashSet<String>,
    controllers: &mut HashSet<String>,
    keep_owned: bool,
    origin: &Origin,
) -> Item {
    if let Some(m) = item.as_object_mut() {
        if t.metadata_only {
            // PartialObjectMetadata: name it as the real kind (its last-applied annotation,
            // which holds the data, is dropped below).
            m.insert("apiVersion".into(), t.api_version().into());
            m.insert("kind".into(), t.kind.clone().into());
            if let Some((_, Some(ty))) = t.field_selector {
                m.insert("type".into(), ty.into());
            }
        } else {
            m.entry("apiVersion").or_insert_with(|| t.api_version().into());
            m.entry("kind").or_insert_with(|| t.kind.clone().into());
        }
    }
    let uid = item
        .pointer("/metadata/uid")
        .and_then(serde_json::Value::as_str)
        .unwrap_or("")
        .to_owned();
    if !uid.is_empty() && !seen.insert(uid.clone()) {
        return Item::Skipped;
    }
    // Record controllers first: a skipped ReplicaSet still owns its Pods.
    if is_controller(&t.kind) && !uid.is_empty() {
        controllers.insert(uid);
    }
    strip_server_fields(&mut item);
    if !keep_owned && owned_by_read_controller(&item, controllers) {
        return Item::Owned;
    }
    match Object::from_node(Node::from_json(&item), origin.clone()) {
        Ok(o) => Item::Object(Box::new(o)),
        Err(_) => Item::Skipped,
    }
}

/// A request's path and query as messages show it (kube-rs's query builder starts the query
/// with a `&`, which the server ignores).
fn shown(uri: &http::Uri) -> String {
    match uri.query() {
        Some(q) => format!("{}?{}", uri.path(), q.trim_start_matches('&')),
        None => uri.path().to_owned(),
    }
}

fn warn(message: String) -> Diagnostic {
    Diagnostic::unlocated(DiagLevel::Warning, message)
}

#[cfg(test)]
mod tests {
    use super::ServerVersion;

    #[test]
    fn server_versions_parse_like_providers_write_them() {
        let v = ServerVersion::parse("1", "36", "v1.36.2").unwrap();
        assert_eq!((v.major, v.minor, v.git_version.as_str()), (1, 36, "v1.36.2"));
        // GKE and EKS write "36+".
        assert_eq!(
            ServerVersion::parse("1", "36+", "v1.36.2-gke.1").unwrap().minor,
            36
        );
        assert_eq!(ServerVersion::parse("1", "", "v1.36.2"), None);
        assert_eq!(ServerVersion::parse("x", "36", ""), None);
    }
}
