//! Small helpers shared by hardening rules: reading a container's effective security
//! context (container value over pod value), parsing image references.

use palisade_core::check::ContainerRef;
use palisade_core::{Node, PodCtx};

/// The container's `securityContext.<key>`, else the pod's `securityContext.<key>` (the
/// precedence Kubernetes applies for fields present at both levels).
pub fn effective<'a>(ctx: &PodCtx<'a>, c: &ContainerRef<'a>, key: &str) -> Option<&'a Node> {
    c.node
        .at(&["securityContext", key])
        .filter(|n| !n.is_null())
        .or_else(|| ctx.spec().at(&["securityContext", key]).filter(|n| !n.is_null()))
}

/// A parsed container image reference.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageRef<'a> {
    /// Registry host, when the reference names one (`ghcr.io`, `registry:5000`).
    pub registry: Option<&'a str>,
    /// Repository path without registry, tag or digest.
    pub repository: &'a str,
    pub tag: Option<&'a str>,
    pub digest: Option<&'a str>,
}

/// Parses `[registry/]repo[:tag][@digest]` like the container runtimes do: the first path
/// component is a registry when it contains `.` or `:` or is `localhost`.
pub fn parse_image(image: &str) -> ImageRef<'_> {
    let (rest, digest) = match image.split_once('@') {
        Some((r, d)) => (r, Some(d)),
        None => (image, None),
    };
    let last_slash = rest.rfind('/').map_or(0, |i| i + 1);
    let (name, tag) = match rest[last_slash..].rfind(':') {
        Some(i) => (&rest[..last_slash + i], Some(&rest[last_slash + i + 1..])),
        None => (rest, None),
    };
    let (registry, repository) = match name.split_once('/') {
        Some((first, path)) if first.contains(['.', ':']) || first == "localhost" => (Some(first), path),
        _ => (None, name),
    };
    ImageRef {
        registry,
        repository,
        tag,
        digest,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn image_references() {
        let r = parse_image("registry.example.com:5000/team/app:1.2@sha256:abc");
        assert_eq!(r.registry, Some("registry.example.com:5000"));
        assert_eq!(r.repository, "team/app");
        assert_eq!(r.tag, Some("1.2"));
        assert_eq!(r.digest, Some("sha256:abc"));
        let r = parse_image("nginx");
        assert_eq!(
            (r.registry, r.repository, r.tag, r.digest),
            (None, "nginx", None, None)
        );
        let r = parse_image("localhost:5000/app");
        assert_eq!(
            (r.registry, r.repository, r.tag),
            (Some("localhost:5000"), "app", None)
        );
        let r = parse_image("library/redis:7");
        assert_eq!(
            (r.registry, r.repository, r.tag),
            (None, "library/redis", Some("7"))
        );
    }
}
