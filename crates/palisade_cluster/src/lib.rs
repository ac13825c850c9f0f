//! palisade's live-cluster source. Connects like kubectl (`--kubeconfig`, `KUBECONFIG`,
//! `~/.kube/config`, `--context`, in-cluster service account; client certificates, tokens,
//! exec plugins and custom CAs through kube-rs), then reads — with GET only — the objects
//! palisade analyses, as paged LISTs (`limit` + `continue`) handed to the caller one page at
//! a time so memory stays bounded. Secrets are read as metadata only. Objects owned by a
//! controller that is read too (Pods of ReplicaSets, ReplicaSets of Deployments, Jobs of
//! CronJobs) are skipped and counted. 429/5xx and timeouts are retried with backoff; a
//! resource the credentials may not list is skipped and reported. Owns all network I/O.

use palisade_core::{DiagLevel, Diagnostic, Node, Object, Origin};
use std::sync::Arc;
use std::time::Duration;

/// How to connect and what to read.
#[derive(Clone, Debug, Default)]
pub struct ClusterOptions {
    pub kubeconfig: Option<std::path::PathBuf>,
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
    /// Show progress on stderr.
    pub progress: bool,
    /// Only these kinds (e.g. `Namespace`, `Pod`); empty: every type palisade reads,
    /// including custom resources with pod templates.
    pub kinds: Vec<String>,
    /// Keep objects owned by a controller that was read (Pods of ReplicaSets, …) instead of
    /// reporting them through their owner.
    pub keep_owned: bool,
}

/// One resource type palisade reads.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ResourceType {
    pub group: String,
    pub version: String,
    pub plural: String,
    pub kind: String,
    pub namespaced: bool,
    /// Read metadata only (Secrets).
    pub metadata_only: bool,
    /// `fieldSelector` of the list, and the `type` every object it returns has (metadata-only
    /// lists carry no `type`; the selector tells it).
    pub field_selector: Option<(&'static str, Option<&'static str>)>,
}

impl ResourceType {
    fn new(group: &str, version: &str, plural: &str, kind: &str, namespaced: bool) -> ResourceType {
        ResourceType {
            group: group.into(),
            version: version.into(),
            plural: plural.into(),
            kind: kind.into(),
            namespaced,
            metadata_only: false,
            field_selector: None,
        }
    }
    pub fn api_version(&self) -> String {
        if self.group.is_empty() {
            self.version.clone()
        } else {
            format!("{}/{}", self.group, self.version)
        }
    }
    /// The collection path, in a namespace or across all of them.
    pub fn path(&self, namespace: Option<&str>) -> String {
        let base = if self.group.is_empty() {
            format!("/api/{}", self.version)
        } else {
            format!("/apis/{}/{}", self.group, self.version)
        };
        match namespace.filter(|_| self.namespaced) {
            Some(ns) => format!("{base}/namespaces/{ns}/{}", self.plural),
            None => format!("{base}/{}", self.plural),
        }
    }
    /// `deployments.apps` / `pods`.
    pub fn display(&self) -> String {
        if self.group.is_empty() {
            self.plural.clone()
        } else {
            format!("{}.{}", self.plural, self.group)
        }
    }
}

/// The built-in resource types palisade reads, in reading order (owners before what they own).
pub fn builtin_types() -> Vec<ResourceType> {
    // Secrets: metadata only, never data. Token Secrets are listed apart so that they carry
    // their `type` (kubernetes.io/service-account-token), which the metadata does not hold.
    let mut secrets = ResourceType::new("", "v1", "secrets", "Secret", true);
    secrets.metadata_only = true;
    let mut token_secrets = secrets.clone();
    secrets.field_selector = Some(("type!=kubernetes.io/service-account-token", None));
    token_secrets.field_selector = Some((
        "type=kubernetes.io/service-account-token",
        Some("kubernetes.io/service-account-token"),
    ));
    vec![
        ResourceType::new("", "v1", "namespaces", "Namespace", false),
        ResourceType::new("apps", "v1", "deployments", "Deployment", true),
        ResourceType::new("apps", "v1", "statefulsets", "StatefulSet", true),
        ResourceType::new("apps", "v1", "daemonsets", "DaemonSet", true),
        ResourceType::new("apps", "v1", "replicasets", "ReplicaSet", true),
        ResourceType::new("batch", "v1", "cronjobs", "CronJob", true),
        ResourceType::new("batch", "v1", "jobs", "Job", true),
        ResourceType::new("", "v1", "replicationcontrollers", "ReplicationController", true),
        ResourceType::new("", "v1", "pods", "Pod", true),
        ResourceType::new("", "v1", "serviceaccounts", "ServiceAccount", true),
        secrets,
        token_secrets,
        ResourceType::new("", "v1", "configmaps", "ConfigMap", true),
        ResourceType::new("", "v1", "services", "Service", true),
        ResourceType::new("networking.k8s.io", "v1", "ingresses", "Ingress", true),
        ResourceType::new(
            "networking.k8s.io",
            "v1",
            "networkpolicies",
            "NetworkPolicy",
            true,
        ),
        ResourceType::new("rbac.authorization.k8s.io", "v1", "roles", "Role", true),
        ResourceType::new(
            "rbac.authorization.k8s.io",
            "v1",
            "rolebindings",
            "RoleBinding",
            true,
        ),
        ResourceType::new(
            "rbac.authorization.k8s.io",
            "v1",
            "clusterroles",
            "ClusterRole",
            false,
        ),
        ResourceType::new(
            "rbac.authorization.k8s.io",
            "v1",
            "clusterrolebindings",
            "ClusterRoleBinding",
            false,
        ),
        ResourceType::new(
            "admissionregistration.k8s.io",
            "v1",
            "validatingwebhookconfigurations",
            "ValidatingWebhookConfiguration",
            false,
        ),
        ResourceType::new(
            "admissionregistration.k8s.io",
            "v1",
            "mutatingwebhookconfigurations",
            "MutatingWebhookConfiguration",
            false,
        ),
    ]
}

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
}

/// A failure to connect at all.
#[derive(Debug)]
pub struct ConnectError(pub String);

impl std::fmt::Display for ConnectError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// A connected client.
pub struct Cluster {
    client: kube::Client,
    rt: tokio::runtime::Runtime,
    pub context: String,
    pub server: String,
    /// The namespace read when neither `-n` nor `-A` is given.
    pub default_namespace: String,
    opts: ClusterOptions,
}

impl Cluster {
    /// Connects like kubectl: `--kubeconfig` or `KUBECONFIG`/`~/.kube/config`, `--context`;
    /// without a kubeconfig, the in-cluster service account.
    pub fn connect(opts: &ClusterOptions) -> Result<Cluster, ConnectError> {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| ConnectError(format!("cannot start the I/O runtime: {e}")))?;
        let kopts = kube::config::KubeConfigOptions {
            context: opts.context.clone(),
            ..Default::default()
        };
        let (mut config, context) = rt.block_on(async {
            match &opts.kubeconfig {
                Some(path) => {
                    let kc = kube::config::Kubeconfig::read_from(path)
                        .map_err(|e| ConnectError(format!("{}: {e}", path.display())))?;
                    let ctx = opts
                        .context
                        .clone()
                        .or(kc.current_context.clone())
                        .unwrap_or_default();
                    let c = kube::Config::from_custom_kubeconfig(kc, &kopts)
                        .await
                        .map_err(|e| ConnectError(format!("{}: {e}", path.display())))?;
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
                    Err(kerr) => match kube::Config::incluster() {
                        Ok(c) => Ok((c, "in-cluster".to_owned())),
                        Err(ierr) => Err(ConnectError(format!(
                            "no cluster configuration: kubeconfig: {kerr}; in-cluster: {ierr}"
                        ))),
                    },
                },
            }
        })?;
        if opts.insecure_skip_tls_verify {
            config.accept_invalid_certs = true;
        }
        config.read_timeout = Some(opts.timeout.unwrap_or(Duration::from_secs(30)));
        config.connect_timeout = Some(opts.timeout.unwrap_or(Duration::from_secs(30)));
        let server = config.cluster_url.to_string();
        let default_namespace = config.default_namespace.clone();
        let client = rt
            .block_on(async { kube::Client::try_from(config) })
            .map_err(|e| ConnectError(format!("cannot build a client for {server}: {e}")))?;
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

    /// GET with retries on 429, 5xx and transport errors (timeouts), with backoff.
    fn get(&self, path: &str, accept: Option<&str>) -> Result<String, (u16, String)> {
        let mut delay = Duration::from_millis(200);
        let mut last = (0u16, String::new());
        for attempt in 0..4 {
            if attempt > 0 {
                std::thread::sleep(delay);
                delay *= 2;
            }
            let mut req = http::Request::get(path);
            if let Some(a) = accept {
                req = req.header(http::header::ACCEPT, a);
            }
            let req = match req.body(Vec::new()) {
                Ok(r) => r,
                Err(e) => return Err((0, e.to_string())),
            };
            match self.rt.block_on(self.client.request_text(req)) {
                Ok(body) => return Ok(body),
                Err(kube::Error::Api(status)) => {
                    let code = status.code;
                    let msg = status.message.clone();
                    if code == 429 || code >= 500 {
                        last = (code, msg);
                        continue;
                    }
                    return Err((code, msg));
                }
                Err(e) => {
                    last = (0, e.to_string());
                }
            }
        }
        Err(last)
    }

    /// Reads every resource type, handing each page of objects to `page` as it arrives.
    /// Problems (forbidden types, malformed responses, retries exhausted) are diagnostics;
    /// reading goes on with the next type.
    pub fn read(&self, page: &mut dyn FnMut(Vec<Object>)) -> (ReadStats, Vec<Diagnostic>) {
        let mut stats = ReadStats {
            target: format!("cluster {} ({})", self.context, self.server),
            ..ReadStats::default()
        };
        let mut diags = Vec::new();
        // Reach the server once before listing anything: an unreachable server is one clear
        // error, not a timeout per resource type. (/version is public; 401/403 go on.)
        stats.requests += 1;
        if let Err((0, msg)) = self.get("/version", None) {
            diags.push(Diagnostic::unlocated(
                DiagLevel::Error,
                format!("cannot reach the API server {}: {msg}", self.server),
            ));
            return (stats, diags);
        }
        let ns = self.namespace();
        let mut types = builtin_types();
        if self.opts.kinds.is_empty() {
            types.extend(self.custom_types(&mut stats, &mut diags));
        } else {
            types.retain(|t| self.opts.kinds.contains(&t.kind));
        }
        let origin = Origin::Cluster {
            context: Arc::from(self.context.as_str()),
        };
        let limit = self.opts.page_size.unwrap_or(500);
        // Controllers read, by uid, to skip what they own.
        let mut controllers: std::collections::HashSet<String> = std::collections::HashSet::new();
        let progress = self.opts.progress;
        for (i, t) in types.iter().enumerate() {
            let mut listed = 0usize;
            let path = match (&ns, t.kind.as_str()) {
                // With one namespace, read that Namespace object only.
                (Some(n), "Namespace") => format!("/api/v1/namespaces/{n}"),
                (n, _) => t.path(n.as_deref()),
            };
            let single = ns.is_some() && t.kind == "Namespace";
            let accept = t.metadata_only.then_some(
                "application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1,application/json",
            );
            let mut token: Option<String> = None;
            let mut count = 0usize;
            // uids handed over for this type: when a continue token expires (410) the list
            // restarts from the beginning and what was already handed over is skipped.
            let mut seen: std::collections::HashSet<String> = std::collections::HashSet::new();
            let mut restarted = false;
            loop {
                let url = if single {
                    path.clone()
                } else {
                    let mut u = format!("{path}?limit={limit}");
                    if let Some((sel, _)) = t.field_selector {
                        u.push_str("&fieldSelector=");
                        u.push_str(&encode(sel));
                    }
                    if let Some(c) = &token {
                        u.push_str("&continue=");
                        u.push_str(&encode(c));
                    }
                    u
                };
                stats.requests += 1;
                let body = match self.get(&url, accept) {
                    Ok(b) => b,
                    Err((410, _)) if token.is_some() && !restarted => {
                        // The continue token expired (the list took longer than the server
                        // keeps its snapshot): list again from the start, like client-go's pager.
                        restarted = true;
                        token = None;
                        diags.push(warn(format!(
                            "listing {} took longer than the server keeps a consistent snapshot (410 Expired): listed again from the start, objects changed in between may be missed",
                            t.display()
                        )));
                        continue;
                    }
                    Err((code, msg)) => {
                        let what = t.display();
                        if code == 403 || code == 401 {
                            // Token Secrets are a second list of the same resource: say it once.
                            if !stats.forbidden.contains(&what) {
                                stats.forbidden.push(what.clone());
                                diags.push(warn(format!(
                                    "cannot list {what}: {msg} — skipped; findings that need it are missing"
                                )));
                            }
                        } else if code == 404 {
                            // The API is not served by this cluster (e.g. an older version).
                        } else {
                            stats.failed.push(what.clone());
                            diags.push(warn(format!(
                                "reading {what} failed{}: {msg} — skipped",
                                if code > 0 {
                                    format!(" (HTTP {code})")
                                } else {
                                    String::new()
                                }
                            )));
                        }
                        break;
                    }
                };
                stats.bytes += body.len() as u64;
                // Items are decoded one at a time from the body and turned into objects at
                // once: a page is never held as one JSON tree (about 9× its size).
                let mut objects = Vec::new();
                let mut owned_skipped = 0usize;
                let mut handle = |mut item: serde_json::Value| {
                    if let Some(m) = item.as_object_mut() {
                        if t.metadata_only {
                            // PartialObjectMetadata: name it as the real kind (its
                            // last-applied annotation, which holds the data, is dropped below).
                            m.insert("apiVersion".into(), t.api_version().into());
                            m.insert("kind".into(), t.kind.clone().into());
                            if let Some((_, Some(ty))) = t.field_selector {
                                m.insert("type".into(), ty.into());
                            }
                        } else {
                            // List items carry no apiVersion/kind.
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
                        return;
                    }
                    // Record controllers first: a skipped ReplicaSet still owns its Pods.
                    if is_controller(&t.kind) && !uid.is_empty() {
                        controllers.insert(uid);
                    }
                    strip_server_fields(&mut item);
                    if !self.opts.keep_owned && owned_by_read_controller(&item, &controllers) {
                        owned_skipped += 1;
                        return;
                    }
                    if let Ok(o) = Object::from_node(Node::from_json(&item), origin.clone()) {
                        objects.push(o);
                    }
                };
                let parsed = if single {
                    serde_json::from_str::<serde_json::Value>(&body).map(|v| {
                        handle(v);
                        (None, None)
                    })
                } else {
                    parse_list(&body, &mut handle)
                };
                drop(body);
                stats.owned_skipped += owned_skipped;
                let (next, remaining) = match parsed {
                    Ok(p) => p,
                    Err(e) => {
                        stats.failed.push(t.display());
                        diags.push(warn(format!(
                            "{url}: malformed response: {e} — the rest of {} skipped",
                            t.display()
                        )));
                        stats.objects += objects.len();
                        page(objects);
                        break;
                    }
                };
                count += objects.len();
                listed += objects.len() + owned_skipped;
                stats.objects += objects.len();
                if progress {
                    eprint!(
                        "\r\x1b[2K{}",
                        progress_line(i, types.len(), &t.display(), listed, remaining)
                    );
                }
                page(objects);
                if single {
                    break;
                }
                match next {
                    Some(n) if token.as_deref() == Some(n.as_str()) => {
                        stats.failed.push(t.display());
                        diags.push(warn(format!(
                            "{}: the server returned the same continue token twice — stopped listing it after {count} objects",
                            t.display()
                        )));
                        break;
                    }
                    Some(n) => token = Some(n),
                    None => break,
                }
            }
            let d = t.display();
            if !stats.forbidden.contains(&d) && !stats.failed.contains(&d) {
                stats.read.push(d);
            }
        }
        if progress {
            eprint!("\r\x1b[2K");
        }
        (stats, diags)
    }

    /// Custom resources whose schema embeds containers (pod templates), from the CRDs.
    fn custom_types(&self, stats: &mut ReadStats, diags: &mut Vec<Diagnostic>) -> Vec<ResourceType> {
        stats.requests += 1;
        let body = match self.get("/apis/apiextensions.k8s.io/v1/customresourcedefinitions", None) {
            Ok(b) => b,
            Err((code, msg)) => {
                if code == 403 || code == 401 {
                    stats
                        .forbidden
                        .push("customresourcedefinitions.apiextensions.k8s.io".into());
                    diags.push(warn(format!(
                        "cannot list customresourcedefinitions: {msg} — custom resources with pod templates are not read"
                    )));
                }
                return Vec::new();
            }
        };
        let Ok(v) = serde_json::from_str::<serde_json::Value>(&body) else {
            diags.push(warn(
                "customresourcedefinitions: malformed response — custom resources not read".into(),
            ));
            return Vec::new();
        };
        let mut out = Vec::new();
        for crd in v
            .get("items")
            .and_then(serde_json::Value::as_array)
            .into_iter()
            .flatten()
        {
            let spec = &crd["spec"];
            let group = spec["group"].as_str().unwrap_or("");
            let plural = spec["names"]["plural"].as_str().unwrap_or("");
            let kind = spec["names"]["kind"].as_str().unwrap_or("");
            let namespaced = spec["scope"].as_str() != Some("Cluster");
            let versions = spec["versions"].as_array().cloned().unwrap_or_default();
            let Some(ver) = versions
                .iter()
                .find(|v| v["storage"].as_bool() == Some(true))
                .or_else(|| versions.iter().find(|v| v["served"].as_bool() == Some(true)))
            else {
                continue;
            };
            let known = KNOWN_POD_TEMPLATE_KINDS.contains(&(group, kind));
            if group.is_empty() || plural.is_empty() || !(known || mentions_containers(&ver["schema"])) {
                continue;
            }
            out.push(ResourceType::new(
                group,
                ver["name"].as_str().unwrap_or("v1"),
                plural,
                kind,
                namespaced,
            ));
        }
        out
    }
}

/// Custom resources known to carry pod templates whose CRDs may not spell them out in their
/// schema (`x-kubernetes-preserve-unknown-fields`).
const KNOWN_POD_TEMPLATE_KINDS: &[(&str, &str)] = &[
    ("argoproj.io", "Rollout"),
    ("argoproj.io", "Workflow"),
    ("argoproj.io", "CronWorkflow"),
    ("argoproj.io", "WorkflowTemplate"),
    ("serving.knative.dev", "Service"),
    ("serving.knative.dev", "Configuration"),
    ("keda.sh", "ScaledJob"),
    ("kubeflow.org", "TFJob"),
    ("kubeflow.org", "PyTorchJob"),
    ("ray.io", "RayCluster"),
    ("apps.kruise.io", "CloneSet"),
];

/// Whether a CRD version's schema declares a `containers` property (a PodSpec inside).
fn mentions_containers(v: &serde_json::Value) -> bool {
    match v {
        serde_json::Value::Object(m) => m
            .iter()
            .any(|(k, x)| (k == "containers" && x.is_object()) || mentions_containers(x)),
        serde_json::Value::Array(a) => a.iter().any(mentions_containers),
        _ => false,
    }
}

fn is_controller(kind: &str) -> bool {
    matches!(
        kind,
        "Deployment"
            | "StatefulSet"
            | "DaemonSet"
            | "ReplicaSet"
            | "CronJob"
            | "Job"
            | "ReplicationController"
    )
}

/// Whether an object's controller owner (ownerReferences with `controller: true`) is one of
/// the controllers already read.
fn owned_by_read_controller(
    item: &serde_json::Value,
    controllers: &std::collections::HashSet<String>,
) -> bool {
    item.pointer("/metadata/ownerReferences")
        .and_then(serde_json::Value::as_array)
        .is_some_and(|refs| {
            refs.iter().any(|r| {
                r["controller"].as_bool() == Some(true)
                    && r["uid"].as_str().is_some_and(|u| controllers.contains(u))
            })
        })
}

/// `palisade: [3/22] deployments.apps  1500/4200 [#######.............]`: the resource type
/// being listed, and how far, from the server's `remainingItemCount` when it sends one.
fn progress_line(i: usize, n: usize, what: &str, listed: usize, remaining: Option<u64>) -> String {
    let mut line = format!("palisade: [{}/{n}] {what}  {listed}", i + 1);
    if let Some(r) = remaining {
        let total = listed as u64 + r;
        let width = 20u64;
        let done = (listed as u64 * width)
            .checked_div(total)
            .unwrap_or(width)
            .min(width) as usize;
        line.push_str(&format!(
            "/{total} [{}{}]",
            "#".repeat(done),
            ".".repeat(width as usize - done)
        ));
    }
    line
}

/// Decodes a Kubernetes list response, handing each item of `items` to `on_item` as soon as
/// it is decoded; returns `metadata.continue` (when not empty) and
/// `metadata.remainingItemCount`.
fn parse_list(
    body: &str,
    on_item: &mut dyn FnMut(serde_json::Value),
) -> Result<(Option<String>, Option<u64>), serde_json::Error> {
    use serde::de::{DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
    use std::fmt;

    struct List<'a>(&'a mut dyn FnMut(serde_json::Value));
    impl<'de> Visitor<'de> for List<'_> {
        type Value = (Option<String>, Option<u64>);
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a Kubernetes list object")
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
            let List(on_item) = self;
            let mut token = None;
            let mut remaining = None;
            while let Some(key) = map.next_key::<String>()? {
                match key.as_str() {
                    "items" => map.next_value_seed(Items(&mut *on_item))?,
                    "metadata" => {
                        let m: serde_json::Value = map.next_value()?;
                        token = m
                            .get("continue")
                            .and_then(serde_json::Value::as_str)
                            .filter(|s| !s.is_empty())
                            .map(str::to_owned);
                        remaining = m.get("remainingItemCount").and_then(serde_json::Value::as_u64);
                    }
                    _ => {
                        map.next_value::<IgnoredAny>()?;
                    }
                }
            }
            Ok((token, remaining))
        }
    }

    struct Items<'a>(&'a mut dyn FnMut(serde_json::Value));
    impl<'de> DeserializeSeed<'de> for Items<'_> {
        type Value = ();
        fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
            d.deserialize_any(self)
        }
    }
    impl<'de> Visitor<'de> for Items<'_> {
        type Value = ();
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a list of objects")
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
            while let Some(item) = seq.next_element::<serde_json::Value>()? {
                (self.0)(item);
            }
            Ok(())
        }
        /// `"items": null` (an empty list from some servers).
        fn visit_unit<E>(self) -> Result<(), E> {
            Ok(())
        }
    }

    let mut de = serde_json::Deserializer::from_str(body);
    let token = (&mut de).deserialize_map(List(on_item))?;
    de.end()?;
    Ok(token)
}

/// Drops what no rule reads and what makes objects large: `metadata.managedFields` and the
/// `kubectl.kubernetes.io/last-applied-configuration` annotation (a second copy of the
/// object — for a Secret, its data).
fn strip_server_fields(item: &mut serde_json::Value) {
    if let Some(md) = item
        .get_mut("metadata")
        .and_then(serde_json::Value::as_object_mut)
    {
        md.remove("managedFields");
        if let Some(a) = md
            .get_mut("annotations")
            .and_then(serde_json::Value::as_object_mut)
        {
            a.remove("kubectl.kubernetes.io/last-applied-configuration");
        }
    }
}

fn warn(message: String) -> Diagnostic {
    Diagnostic::unlocated(DiagLevel::Warning, message)
}

/// Percent-encodes a query value.
fn encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn items(body: &str) -> Result<(Vec<serde_json::Value>, Option<String>), serde_json::Error> {
        let mut out = Vec::new();
        let (token, _) = parse_list(body, &mut |v| out.push(v))?;
        Ok((out, token))
    }

    const LIST: &str = r#"{"kind":"PodList","apiVersion":"v1","metadata":{"resourceVersion":"9","continue":"abc","remainingItemCount":3},
        "items":[{"metadata":{"name":"a","uid":"1"},"spec":{"containers":[{"name":"c","image":"i"}]}},
                 {"metadata":{"name":"b","uid":"2","annotations":{"x":"\u00e9\n"}}}]}"#;

    #[test]
    fn lists_are_decoded_item_by_item_with_the_continue_token() {
        let (v, token) = items(LIST).unwrap();
        assert_eq!(v.len(), 2);
        assert_eq!(v[1]["metadata"]["annotations"]["x"], "é\n");
        assert_eq!(token.as_deref(), Some("abc"));
        // Field order does not matter; an empty token is no token; null items is empty.
        let (v, token) = items(r#"{"items":[{"a":1}],"metadata":{"continue":""},"kind":"X"}"#).unwrap();
        assert_eq!((v.len(), token), (1, None));
        assert_eq!(items(r#"{"items":null,"metadata":{}}"#).unwrap().0.len(), 0);
        assert_eq!(items(r#"{"kind":"List"}"#).unwrap().0.len(), 0);
    }

    #[test]
    fn malformed_lists_are_errors_not_panics() {
        for bad in [
            "",
            "[]",
            "null",
            "{",
            r#"{"items":{}}"#,
            r#"{"items":[1,}"#,
            r#"{"items":[]} x"#,
        ] {
            assert!(items(bad).is_err(), "{bad:?}");
        }
        // Every truncation of a valid list, and every single-byte change, decodes or fails
        // cleanly; what was decoded before the error is a prefix of the items.
        let bytes = LIST.as_bytes();
        for cut in 0..bytes.len() {
            let _ = std::str::from_utf8(&bytes[..cut]).map(items);
        }
        let mut seed = 0x9e37_79b9_7f4a_7c15_u64;
        for _ in 0..20_000 {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            let mut b = bytes.to_vec();
            let i = (seed as usize) % b.len();
            let alphabet = b"{}[]\",:0a\\ \x00\xff";
            b[i] = alphabet[(seed >> 32) as usize % alphabet.len()];
            if let Ok(s) = std::str::from_utf8(&b) {
                let _ = items(s);
            }
        }
    }

    #[test]
    fn owned_objects_and_server_fields() {
        let controllers: std::collections::HashSet<String> = ["rs-1".to_owned()].into();
        let owned = serde_json::json!({"metadata": {"ownerReferences": [
            {"kind": "ReplicaSet", "uid": "rs-1", "controller": true}]}});
        let not_controller = serde_json::json!({"metadata": {"ownerReferences": [
            {"kind": "ReplicaSet", "uid": "rs-1"}]}});
        let other = serde_json::json!({"metadata": {"ownerReferences": [
            {"kind": "ReplicaSet", "uid": "rs-2", "controller": true}]}});
        assert!(owned_by_read_controller(&owned, &controllers));
        assert!(!owned_by_read_controller(&not_controller, &controllers));
        assert!(!owned_by_read_controller(&other, &controllers));
        let mut v = serde_json::json!({"metadata": {"managedFields": [{}], "annotations": {
            "kubectl.kubernetes.io/last-applied-configuration": "{\"data\":{\"password\":\"x\"}}", "keep": "y"}}});
        strip_server_fields(&mut v);
        assert_eq!(v, serde_json::json!({"metadata": {"annotations": {"keep": "y"}}}));
        assert_eq!(encode("a b/c=d~"), "a%20b%2Fc%3Dd~");
    }

    #[test]
    fn progress_lines() {
        assert_eq!(
            progress_line(0, 22, "pods", 500, Some(1500)),
            "palisade: [1/22] pods  500/2000 [#####...............]"
        );
        assert_eq!(
            progress_line(2, 22, "services", 13, None),
            "palisade: [3/22] services  13"
        );
        assert_eq!(
            progress_line(2, 22, "services", 0, Some(0)),
            "palisade: [3/22] services  0/0 [####################]"
        );
        let (_, remaining) = parse_list(LIST, &mut |_| {}).unwrap();
        assert_eq!(remaining, Some(3));
    }

    #[test]
    fn resource_paths() {
        let t = builtin_types();
        let d = t.iter().find(|t| t.kind == "Deployment").unwrap();
        assert_eq!(d.path(Some("shop")), "/apis/apps/v1/namespaces/shop/deployments");
        assert_eq!(d.path(None), "/apis/apps/v1/deployments");
        let cr = t.iter().find(|t| t.kind == "ClusterRole").unwrap();
        assert_eq!(
            cr.path(Some("shop")),
            "/apis/rbac.authorization.k8s.io/v1/clusterroles"
        );
        assert_eq!(t.iter().filter(|t| t.kind == "Secret").count(), 2);
        assert!(t.iter().filter(|t| t.kind == "Secret").all(|t| t.metadata_only));
        // Owners come before what they own, so owned objects can be recognised.
        let pos = |k: &str| t.iter().position(|t| t.kind == k).unwrap();
        assert!(pos("Deployment") < pos("ReplicaSet") && pos("ReplicaSet") < pos("Pod"));
        assert!(pos("CronJob") < pos("Job") && pos("Job") < pos("Pod"));
    }
}
