//! Helpers shared by the workload rules: image references, capabilities, host paths,
//! resource quantities, effective security-context values with the path they come from.

use crate::hardening::util::{parse_image, ImageRef};
use palisade_core::check::ContainerRef;
use palisade_core::msg::quoted;
use palisade_core::{FieldPath, Hit, Msg, Node, PodCtx, RuleOptions, TemplateKind};

/// Whether the pod declares `spec.os.name: windows`: the Linux-only security-context fields
/// (users, groups, capabilities, seccomp, AppArmor, read-only root filesystem, privilege
/// escalation) are forbidden there by the API, so the rules about them stay silent.
pub fn is_windows(ctx: &PodCtx<'_>) -> bool {
    ctx.spec().at(&["os", "name"]).and_then(Node::as_str) == Some("windows")
}

/// A non-null value at `keys` below `n`.
pub fn get_set<'a>(n: &'a Node, keys: &[&str]) -> Option<&'a Node> {
    n.at(keys).filter(|v| !v.is_null())
}

/// The container's image, when it is a usable reference. Skipped: empty strings, unrendered
/// template placeholders (`$(IMAGE)`, `${IMAGE}`, `{{ .Values.image }}`), build-tool
/// references replaced before deployment (`ko://…` and other `scheme://` forms), and
/// Istio's `auto`, which the sidecar injector replaces with the proxy image.
pub fn image_of<'a>(c: &ContainerRef<'a>) -> Option<&'a str> {
    let image = c.node.get("image").and_then(Node::as_str)?.trim();
    if image.is_empty() || image == "auto" || is_placeholder(image) {
        return None;
    }
    Some(image)
}

/// Whether `image` contains `://`, `$(`, `${`, `{{` or white space: one pass over its bytes
/// (every container of every workload is asked).
fn is_placeholder(image: &str) -> bool {
    let b = image.as_bytes();
    b.iter().enumerate().any(|(i, &c)| {
        let next = b.get(i + 1).copied();
        match c {
            b':' => b[i + 1..].starts_with(b"//"),
            b'$' => matches!(next, Some(b'(' | b'{')),
            b'{' => next == Some(b'{'),
            // char::is_whitespace's ASCII members; other white space starts at a lead byte.
            b'\t' | b'\n' | b'\x0b' | b'\x0c' | b'\r' | b' ' => true,
            0xc0.. => image[i..].starts_with(char::is_whitespace),
            _ => false,
        }
    })
}

/// The container's `image` string as written, for the rules that look at every image.
pub fn raw_image<'a>(c: &ContainerRef<'a>) -> Option<&'a str> {
    c.node.get("image").and_then(Node::as_str)
}

/// The loop shared by the image rules: for every container whose image `image_fn` returns,
/// `f` gets the parsed reference and returns the rest of the message
/// (`container "x" uses image "y" <rest>`) when the image is flagged. The hit is on `image`.
pub fn flag_images(
    ctx: &PodCtx<'_>,
    hits: &mut Vec<Hit>,
    image_fn: for<'b> fn(&ContainerRef<'b>) -> Option<&'b str>,
    mut f: impl FnMut(&ImageRef<'_>) -> Option<&'static str>,
) {
    for &c in ctx.containers() {
        let Some(image) = image_fn(&c) else { continue };
        if let Some(rest) = f(&parse_image(image)) {
            let message = container_msg(&c).s(" uses image ").q(image).s(" ").s(rest).done();
            hits.push(container_hit(ctx, &c, &["image"], message));
        }
    }
}

/// Whether `c` is a fragment rather than a container: it has no (non-empty) `image`, like
/// the containers of kustomize patches and of operator resources that merge overrides into
/// the containers they generate (the Prometheus operator's `spec.containers`). Rules that
/// flag a *missing* setting skip fragments: the rest of the container is defined elsewhere.
pub fn is_fragment(c: &ContainerRef<'_>) -> bool {
    c.node
        .get("image")
        .and_then(Node::as_str)
        .is_none_or(|i| i.trim().is_empty())
}

/// Whether a reference resolves to a mutable tag: no digest, and no tag or `latest`.
pub fn is_mutable(r: &ImageRef<'_>) -> bool {
    r.digest.is_none() && matches!(r.tag, None | Some("latest"))
}

/// The image's registry host and repository as the runtimes resolve them: no registry is
/// Docker Hub (`docker.io`), and single-component Hub names live under `library/`.
pub fn canonical_image_name(image: &str) -> (String, String) {
    let r = parse_image(image);
    let registry = match r.registry.map(str::to_ascii_lowercase) {
        None => "docker.io".to_owned(),
        Some(h) if h == "index.docker.io" || h == "registry-1.docker.io" => "docker.io".to_owned(),
        Some(h) => h,
    };
    let repository = if registry == "docker.io" && !r.repository.contains('/') {
        format!("library/{}", r.repository)
    } else {
        r.repository.to_owned()
    };
    (registry, repository)
}

/// A capability name as the runtimes compare it: upper case, without a `CAP_` prefix.
pub fn normalize_capability(name: &str) -> String {
    let up = name.trim().to_ascii_uppercase();
    up.strip_prefix("CAP_").map_or(up.clone(), str::to_owned)
}

/// The container's `securityContext.capabilities.add` entries that are strings, with their
/// index.
pub fn added_capabilities<'a>(c: &ContainerRef<'a>) -> Vec<(usize, &'a str)> {
    c.node
        .at(&["securityContext", "capabilities", "add"])
        .and_then(Node::as_seq)
        .map(|items| {
            items
                .iter()
                .enumerate()
                .filter_map(|(i, n)| n.as_str().map(|s| (i, s)))
                .collect()
        })
        .unwrap_or_default()
}

/// The check shared by the one-capability rules: flags every container (init, regular,
/// ephemeral) whose `capabilities.add` names `cap` (any case, with or without `CAP_`).
pub fn check_added_capability(ctx: &PodCtx<'_>, hits: &mut Vec<Hit>, cap: &str, consequence: &str) {
    if is_windows(ctx) {
        return;
    }
    for &c in ctx.containers() {
        for (i, name) in added_capabilities(&c) {
            if normalize_capability(name) == cap {
                hits.push(
                    Hit::new(
                        ctx.container_path(&c, &["securityContext", "capabilities", "add"])
                            .idx(i),
                        container_msg(&c)
                            .s(" adds capability ")
                            .q(name)
                            .s(": ")
                            .s(consequence),
                    )
                    .container(c.name()),
                );
            }
        }
    }
}

/// `container "<name>"`: the start of the message of a rule about one container.
pub fn container_msg(c: &ContainerRef<'_>) -> Msg {
    Msg::new().s("container ").q(c.name())
}

/// `container "<name>"<rest>`: the message of a rule about one container.
pub fn container_says(c: &ContainerRef<'_>, rest: &str) -> String {
    container_msg(c).s(rest).done()
}

/// A hit on a field of container `c`, tagged with the container's name.
pub fn container_hit(ctx: &PodCtx<'_>, c: &ContainerRef<'_>, keys: &[&str], message: String) -> Hit {
    Hit::new(ctx.container_path(c, keys), message).container(c.name())
}

/// The loop shared by the per-container security-context rules: for every container of a
/// Linux pod that is not a fragment, `f` returns the message when the container is flagged;
/// the hit is located on the container's `keys`.
pub fn flag_linux_containers(
    ctx: &PodCtx<'_>,
    hits: &mut Vec<Hit>,
    keys: &[&str],
    mut f: impl FnMut(&ContainerRef<'_>) -> Option<String>,
) {
    if is_windows(ctx) {
        return;
    }
    for &c in ctx.containers() {
        if is_fragment(&c) {
            continue;
        }
        if let Some(msg) = f(&c) {
            hits.push(container_hit(ctx, &c, keys, msg));
        }
    }
}

/// Where a container's effective security-context value comes from.
pub struct Effective<'a> {
    pub value: &'a Node,
    pub path: FieldPath,
    /// True when inherited from the pod's `securityContext`.
    pub from_pod: bool,
}

/// The container's `securityContext.<key>`, else the pod's, with the path of the field that
/// supplies it.
pub fn effective_with_path<'a>(ctx: &PodCtx<'a>, c: &ContainerRef<'a>, key: &str) -> Option<Effective<'a>> {
    if let Some(v) = get_set(c.node, &["securityContext", key]) {
        return Some(Effective {
            value: v,
            path: ctx.container_path(c, &["securityContext", key]),
            from_pod: false,
        });
    }
    get_set(ctx.spec(), &["securityContext", key]).map(|v| Effective {
        value: v,
        path: ctx.spec_path(&["securityContext", key]),
        from_pod: true,
    })
}

/// Reports containers whose effective `securityContext.<key>` is the integer 0: one hit on
/// each container-level field, and one hit on the pod-level field naming every container
/// that inherits it.
pub fn check_effective_zero(ctx: &PodCtx<'_>, hits: &mut Vec<Hit>, key: &str, what: &str) {
    if is_windows(ctx) {
        return;
    }
    let mut inheriting = Vec::new();
    for &c in ctx.containers() {
        let Some(e) = effective_with_path(ctx, &c, key) else {
            continue;
        };
        if e.value.as_i64() != Some(0) {
            continue;
        }
        if e.from_pod {
            inheriting.push(quoted(c.name()));
        } else {
            hits.push(
                Hit::new(
                    e.path,
                    container_msg(&c).s(" sets ").s(key).s(": 0 (").s(what).s(")"),
                )
                .container(c.name()),
            );
        }
    }
    if !inheriting.is_empty() {
        hits.push(Hit::new(
            ctx.spec_path(&["securityContext", key]),
            format!(
                "pod securityContext sets {key}: 0 ({what}) for container{} {}",
                if inheriting.len() == 1 { "" } else { "s" },
                inheriting.join(", ")
            ),
        ));
    }
}

/// A profile (seccomp or AppArmor) setting that applies to a container, and where it is
/// written.
pub struct ProfileSource {
    /// The `type` field value (`RuntimeDefault`, `Unconfined`, ...) or the annotation value
    /// (`runtime/default`, `unconfined`, ...).
    pub value: String,
    pub path: FieldPath,
    /// True for pod-level settings (the pod field or pod annotation).
    pub from_pod: bool,
    /// How to name the setting in a message.
    pub label: String,
}

/// The `type` of a `securityContext.<field>` profile object of `n`, when it is a string.
fn profile_type<'a>(n: &'a Node, field: &str) -> Option<&'a str> {
    n.at(&["securityContext", field, "type"]).and_then(Node::as_str)
}

/// The profile that applies to container `c`, in the order the API server resolves it when
/// it creates the pod: the container's `securityContext.<field>`, else the container's
/// legacy annotation `<container_annotation_prefix><name>`, else the pod's
/// `securityContext.<field>`, else the pod annotation `pod_annotation` (when given).
pub fn effective_profile(
    ctx: &PodCtx<'_>,
    c: &ContainerRef<'_>,
    field: &str,
    container_annotation_prefix: &str,
    pod_annotation: Option<&str>,
) -> Option<ProfileSource> {
    if let Some(t) = profile_type(c.node, field) {
        return Some(ProfileSource {
            value: t.to_owned(),
            path: ctx.container_path(c, &["securityContext", field, "type"]),
            from_pod: false,
            label: Msg::new().s("securityContext.").s(field).s(".type: ").s(t).done(),
        });
    }
    let annotation = |key: &str| {
        ctx.annotations()
            .and_then(|a| a.get(key))
            .and_then(Node::as_str)
            .map(|v| ProfileSource {
                value: v.to_owned(),
                path: ctx.tpl.metadata_path.with_room(2).key("annotations").key(key),
                from_pod: false,
                label: Msg::new().s("annotation ").s(key).s(": ").s(v).done(),
            })
    };
    if let Some(src) = annotation(&[container_annotation_prefix, c.name()].concat()) {
        return Some(src);
    }
    if let Some(t) = profile_type(ctx.spec(), field) {
        return Some(ProfileSource {
            value: t.to_owned(),
            path: ctx.spec_path(&["securityContext", field, "type"]),
            from_pod: true,
            label: Msg::new()
                .s("pod securityContext.")
                .s(field)
                .s(".type: ")
                .s(t)
                .done(),
        });
    }
    pod_annotation.and_then(annotation).map(|mut src| {
        src.from_pod = true;
        src
    })
}

/// Reports containers whose effective profile is unconfined: one hit per container-level
/// setting, one per pod-level setting naming the containers that inherit it.
pub fn report_unconfined(
    hits: &mut Vec<Hit>,
    sources: &[(ContainerRef<'_>, Option<ProfileSource>)],
    what: &str,
) {
    let mut pod_level: Vec<(FieldPath, String, Vec<String>)> = Vec::new();
    for (c, src) in sources {
        let Some(src) = src else { continue };
        if !src.value.eq_ignore_ascii_case("unconfined") {
            continue;
        }
        if src.from_pod {
            match pod_level.iter_mut().find(|(p, _, _)| *p == src.path) {
                Some((_, _, names)) => names.push(quoted(c.name())),
                None => pod_level.push((src.path.clone(), src.label.clone(), vec![quoted(c.name())])),
            }
        } else {
            hits.push(
                Hit::new(
                    src.path.clone(),
                    container_msg(c)
                        .s(" runs without ")
                        .s(what)
                        .s(" (")
                        .s(&src.label)
                        .s(")"),
                )
                .container(c.name()),
            );
        }
    }
    for (path, label, names) in pod_level {
        hits.push(Hit::new(
            path,
            format!(
                "container{} {} run{} without {what} ({label})",
                if names.len() == 1 { "" } else { "s" },
                names.join(", "),
                if names.len() == 1 { "s" } else { "" },
            ),
        ));
    }
}

/// Normalizes an absolute host path: repeated slashes, `.` and `..` components and trailing
/// slashes are resolved (`/var/run/../lib//kubelet/` → `/var/lib/kubelet`). `None` for
/// relative paths (Windows paths, typos), which the rules leave alone.
pub fn normalize_path(p: &str) -> Option<String> {
    let p = p.trim();
    if !p.starts_with('/') {
        return None;
    }
    let mut parts: Vec<&str> = Vec::new();
    for seg in p.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            s => parts.push(s),
        }
    }
    Some(format!("/{}", parts.join("/")))
}

/// The same path with `/var/run` resolved to `/run` (a symlink on every current
/// distribution), for comparison with the lists of sensitive paths.
pub fn canonical_run(p: &str) -> String {
    if p == "/var/run" {
        "/run".to_owned()
    } else if let Some(rest) = p.strip_prefix("/var/run/") {
        format!("/run/{rest}")
    } else {
        p.to_owned()
    }
}

/// Whether normalized path `p` is `dir` or below it (component-wise: `/etcd` is not under
/// `/etc`).
pub fn is_under(p: &str, dir: &str) -> bool {
    dir == "/" || p == dir || (p.starts_with(dir) && p.as_bytes().get(dir.len()) == Some(&b'/'))
}

/// A hostPath volume of the pod spec.
pub struct HostPathVolume<'a> {
    pub index: usize,
    pub name: &'a str,
    /// The path as written.
    pub path: &'a str,
    /// Normalized with `/var/run` → `/run` (`None` for relative paths).
    pub canonical: Option<String>,
}

/// Every `spec.volumes[]` entry with a string `hostPath.path`.
pub fn host_path_volumes<'a>(ctx: &PodCtx<'a>) -> Vec<HostPathVolume<'a>> {
    let Some(vols) = ctx.spec().get("volumes").and_then(Node::as_seq) else {
        return Vec::new();
    };
    vols.iter()
        .enumerate()
        .filter_map(|(index, v)| {
            let path = v.at(&["hostPath", "path"]).and_then(Node::as_str)?;
            Some(HostPathVolume {
                index,
                name: v.get("name").and_then(Node::as_str).unwrap_or(""),
                path,
                canonical: normalize_path(path).map(|p| canonical_run(&p)),
            })
        })
        .collect()
}

/// Container runtime API sockets (canonical paths, `/var/run` written as `/run`) and the
/// runtime they control.
const RUNTIME_SOCKETS: &[(&str, &str)] = &[
    ("/run/docker.sock", "the Docker daemon socket"),
    ("/run/dockershim.sock", "the dockershim CRI socket"),
    ("/run/cri-dockerd.sock", "the cri-dockerd CRI socket"),
    ("/run/containerd/containerd.sock", "the containerd socket"),
    ("/run/crio/crio.sock", "the CRI-O socket"),
    ("/run/podman/podman.sock", "the Podman socket"),
    ("/run/k3s/containerd/containerd.sock", "the k3s containerd socket"),
    (
        "/var/snap/microk8s/common/run/containerd.sock",
        "the MicroK8s containerd socket",
    ),
];

/// Directories holding container runtime sockets: mounting them (or anything below) gives
/// the same access.
const RUNTIME_DIRS: &[(&str, &str)] = &[
    (
        "/run/docker",
        "the Docker daemon's runtime directory (containerd and plugin sockets)",
    ),
    (
        "/run/containerd",
        "the containerd runtime directory (its API socket)",
    ),
    ("/run/crio", "the CRI-O runtime directory (its API socket)"),
    ("/run/podman", "the Podman runtime directory (its API socket)"),
    (
        "/run/k3s/containerd",
        "the k3s containerd runtime directory (its API socket)",
    ),
    (
        "/var/snap/microk8s/common/run",
        "the MicroK8s runtime directory (its containerd socket)",
    ),
];

/// File names of runtime sockets, recognised in any directory (`/run/host-containerd/containerd.sock`).
const RUNTIME_SOCKET_NAMES: &[(&str, &str)] = &[
    ("docker.sock", "a Docker daemon socket"),
    ("containerd.sock", "a containerd socket"),
    ("crio.sock", "a CRI-O socket"),
    ("podman.sock", "a Podman socket"),
    ("cri-dockerd.sock", "a cri-dockerd CRI socket"),
    ("dockershim.sock", "a dockershim CRI socket"),
];

/// The runtime named pipe a Windows hostPath (`\\.\pipe\docker_engine`) exposes.
pub fn runtime_pipe(raw: &str) -> Option<&'static str> {
    let lower = raw.trim().to_ascii_lowercase().replace('/', "\\");
    let name = lower.strip_prefix("\\\\.\\pipe\\")?;
    match name {
        "docker_engine" => Some("the Docker daemon's named pipe"),
        "containerd-containerd" => Some("the containerd named pipe"),
        _ => None,
    }
}

/// What container runtime access canonical host path `p` gives: it is a runtime socket, lies
/// in a runtime socket directory, or is a directory (two components or deeper, so not `/`,
/// `/run` or `/var`, which `host-path-sensitive` reports) containing one.
pub fn runtime_socket(p: &str) -> Option<&'static str> {
    if let Some((_, what)) = RUNTIME_SOCKETS.iter().find(|(s, _)| p == *s) {
        return Some(what);
    }
    if let Some((_, what)) = RUNTIME_DIRS.iter().find(|(d, _)| is_under(p, d)) {
        return Some(what);
    }
    let file = p.rsplit('/').next().unwrap_or("");
    if let Some((_, what)) = RUNTIME_SOCKET_NAMES.iter().find(|(n, _)| file == *n) {
        return Some(what);
    }
    let depth = p.split('/').filter(|s| !s.is_empty()).count();
    if depth >= 2 {
        if let Some((_, what)) = RUNTIME_SOCKETS
            .iter()
            .chain(RUNTIME_DIRS)
            .find(|(s, _)| is_under(s, p))
        {
            return Some(what);
        }
    }
    None
}

/// Whether the rule's `allowedHostPaths` option (path prefixes, compared component-wise
/// after normalization) exempts canonical path `p`.
pub fn host_path_allowed(opts: &RuleOptions, p: &str) -> bool {
    opts.strings("allowedHostPaths").is_some_and(|allowed| {
        allowed
            .iter()
            .filter_map(|a| normalize_path(a).map(|a| canonical_run(&a)))
            .any(|a| is_under(p, &a))
    })
}

/// Whether a resource quantity is set to something other than zero. Kubernetes treats a
/// zero limit as no limit; wrong types count as unset.
pub fn quantity_set(n: Option<&Node>) -> bool {
    let Some(n) = n else { return false };
    if let Some(i) = n.as_i64() {
        return i != 0;
    }
    if let Some(f) = match n.value {
        palisade_core::Value::Float(f) => Some(f),
        _ => None,
    } {
        return f != 0.0;
    }
    let Some(s) = n.as_str().map(str::trim) else {
        return false;
    };
    if s.is_empty() {
        return false;
    }
    let numeric: String = s
        .chars()
        .take_while(|ch| ch.is_ascii_digit() || matches!(ch, '.' | '+' | '-'))
        .collect();
    // Unparseable strings are not ours to judge: the API server rejects them.
    numeric.parse::<f64>().ok().is_none_or(|v| v != 0.0)
}

/// Resources checked by the request/limit rules.
#[derive(Clone, Copy)]
pub enum Resource {
    Cpu,
    Memory,
}

impl Resource {
    fn key(self) -> &'static str {
        match self {
            Resource::Cpu => "cpu",
            Resource::Memory => "memory",
        }
    }
}

/// The check shared by the resource rules. Containers and init containers are checked
/// (ephemeral containers cannot carry resources). A limit is missing when
/// `resources.limits.<r>` is unset or zero and the pod has no pod-level
/// `spec.resources.limits.<r>`; a request is missing when neither `resources.requests.<r>`
/// nor `resources.limits.<r>` (requests default to limits) is set, at container or pod
/// level.
pub fn check_resource(ctx: &PodCtx<'_>, hits: &mut Vec<Hit>, r: Resource, limit: bool, consequence: &str) {
    let key = r.key();
    let pod = ctx.spec().get("resources");
    let pod_has = |section: &str| quantity_set(pod.and_then(|p| p.at(&[section, key])));
    if pod_has("limits") || (!limit && pod_has("requests")) {
        return;
    }
    for &c in ctx.containers() {
        if c.list == "ephemeralContainers" || is_fragment(&c) {
            continue;
        }
        let res = c.node.get("resources");
        let has = |section: &str| quantity_set(res.and_then(|p| p.at(&[section, key])));
        let (missing, section) = if limit {
            (!has("limits"), "limits")
        } else {
            (!has("requests") && !has("limits"), "requests")
        };
        if missing {
            let what = if limit { "limit" } else { "request" };
            hits.push(
                Hit::new(
                    ctx.container_path(&c, &["resources", section, key]),
                    container_msg(&c)
                        .s(" has no ")
                        .s(key)
                        .s(" ")
                        .s(what)
                        .s(": ")
                        .s(consequence),
                )
                .container(c.name()),
            );
        }
    }
}

/// Whether the pod template runs to completion (Jobs, CronJobs, Pods owned by a Job, and
/// any template with `restartPolicy: Never` or `OnFailure`), where probes have no purpose.
pub fn runs_to_completion(ctx: &PodCtx<'_>) -> bool {
    let group = ctx.obj.group();
    if group == "batch" && matches!(ctx.obj.kind.as_str(), "Job" | "CronJob") {
        return true;
    }
    if matches!(
        ctx.spec().get("restartPolicy").and_then(Node::as_str),
        Some("Never" | "OnFailure")
    ) {
        return true;
    }
    ctx.obj
        .root
        .at(&["metadata", "ownerReferences"])
        .and_then(Node::as_seq)
        .is_some_and(|refs| {
            refs.iter()
                .any(|r| r.get("kind").and_then(Node::as_str) == Some("Job"))
        })
}

/// Whether the template's owner is known to run its pods continuously: every built-in
/// kind, and the custom resources that are drop-in replacements for Deployments,
/// StatefulSets and DaemonSets. Other custom resources are skipped by the probe rules: many
/// run to completion (training jobs, KEDA ScaledJobs, experiments) or have their operator
/// (or Knative) add probes.
pub fn long_running_kind(ctx: &PodCtx<'_>) -> bool {
    if ctx.tpl.kind != TemplateKind::Custom {
        return true;
    }
    matches!(
        (ctx.obj.group(), ctx.obj.kind.as_str()),
        ("argoproj.io", "Rollout")
            | ("apps.openshift.io" | "", "DeploymentConfig")
            | ("apps.kruise.io", "CloneSet" | "StatefulSet" | "DaemonSet")
            | ("spot.io", "SpotDeployment")
    )
}

/// The check shared by the probe rules: every regular container (init and ephemeral
/// containers are skipped) of a long-running template without `<probe>` (a mapping).
pub fn check_probe(ctx: &PodCtx<'_>, hits: &mut Vec<Hit>, probe: &str, consequence: &str) {
    if runs_to_completion(ctx) || !long_running_kind(ctx) {
        return;
    }
    for &c in ctx.containers() {
        if c.list != "containers" || is_fragment(&c) {
            continue;
        }
        if c.node.get(probe).and_then(Node::as_map).is_none() {
            hits.push(
                Hit::new(
                    ctx.container_path(&c, &[probe]),
                    container_msg(&c).s(" has no ").s(probe).s(": ").s(consequence),
                )
                .container(c.name()),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_what_the_searches_find() {
        let old = |image: &str| {
            image.contains("://")
                || image.contains("$(")
                || image.contains("${")
                || image.contains("{{")
                || image.contains(char::is_whitespace)
        };
        for image in [
            "nginx:1.25",
            "ko://github.com/x/y",
            "a:/b",
            "a:",
            "$(IMAGE)",
            "${IMAGE}",
            "$IMAGE",
            "a$",
            "{{ .Values.image }}",
            "{x}",
            "a{",
            "a b",
            "a\tb",
            "a\u{b}b",
            "a\u{c}b",
            "a\rb",
            "a\nb",
            "a\u{85}b",
            "a\u{a0}b",
            "a\u{3000}b",
            "é\u{2028}",
            "日本:1",
            "registry.example/ü:1",
            "",
        ] {
            assert_eq!(is_placeholder(image), old(image), "{image:?}");
        }
    }

    #[test]
    fn paths_normalize() {
        assert_eq!(
            normalize_path("/var/run/../lib//kubelet/").as_deref(),
            Some("/var/lib/kubelet")
        );
        assert_eq!(normalize_path("/").as_deref(), Some("/"));
        assert_eq!(normalize_path("//").as_deref(), Some("/"));
        assert_eq!(normalize_path("/../..").as_deref(), Some("/"));
        assert_eq!(normalize_path("/etc/./").as_deref(), Some("/etc"));
        assert_eq!(normalize_path("C:\\var"), None);
        assert_eq!(canonical_run("/var/run/docker.sock"), "/run/docker.sock");
        assert_eq!(canonical_run("/var/runner"), "/var/runner");
        assert!(is_under("/etc/kubernetes", "/etc"));
        assert!(is_under("/etc", "/etc"));
        assert!(!is_under("/etcd", "/etc"));
        assert!(is_under("/anything", "/"));
        assert!(runtime_socket("/run/docker.sock").is_some());
        assert!(runtime_socket("/run/containerd").is_some());
        assert!(runtime_socket("/run/containerd/io.containerd.runtime.v2.task").is_some());
        assert!(runtime_socket("/run/k3s").is_some());
        assert!(runtime_socket("/run").is_none());
        assert!(runtime_socket("/var").is_none());
        assert!(runtime_socket("/run/docker.socket").is_none());
        assert!(runtime_socket("/run/xtables.lock").is_none());
        assert!(runtime_socket("/run/host-containerd/containerd.sock").is_some());
        assert!(runtime_pipe(r"\\.\pipe\docker_engine").is_some());
        assert!(runtime_pipe("//./pipe/containerd-containerd").is_some());
        assert!(runtime_pipe(r"\\.\pipe\other").is_none());
        assert!(runtime_pipe("/run/docker.sock").is_none());
    }

    #[test]
    fn capabilities_normalize() {
        assert_eq!(normalize_capability("cap_sys_admin"), "SYS_ADMIN");
        assert_eq!(normalize_capability("Sys_Admin"), "SYS_ADMIN");
        assert_eq!(normalize_capability("CAP_ALL"), "ALL");
    }

    #[test]
    fn images_canonicalize() {
        assert_eq!(
            canonical_image_name("nginx"),
            ("docker.io".into(), "library/nginx".into())
        );
        assert_eq!(
            canonical_image_name("bitnami/redis:7"),
            ("docker.io".into(), "bitnami/redis".into())
        );
        assert_eq!(
            canonical_image_name("index.docker.io/library/nginx"),
            ("docker.io".into(), "library/nginx".into())
        );
        assert_eq!(
            canonical_image_name("GHCR.io/x/y@sha256:abc"),
            ("ghcr.io".into(), "x/y".into())
        );
    }

    #[test]
    fn quantities() {
        use palisade_core::{Pos, Value};
        let s = |v: &str| Node::new(Value::Str(v.into()), Pos::NONE);
        assert!(quantity_set(Some(&s("500m"))));
        assert!(quantity_set(Some(&s("1Gi"))));
        assert!(!quantity_set(Some(&s("0"))));
        assert!(!quantity_set(Some(&s("0Mi"))));
        assert!(!quantity_set(Some(&s(""))));
        assert!(quantity_set(Some(&Node::new(Value::Int(2), Pos::NONE))));
        assert!(!quantity_set(Some(&Node::new(Value::Int(0), Pos::NONE))));
        assert!(quantity_set(Some(&Node::new(Value::Float(0.5), Pos::NONE))));
        assert!(!quantity_set(Some(&Node::null())));
        assert!(!quantity_set(None));
    }
}
