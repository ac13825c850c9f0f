//! HRD006: images from registries outside the configured allow-list.

use super::common::{canonical_image_name, container_hit, image_of};
use palisade_core::{Check, Hit, PodCtx, Reference};

declare_rule! {
    /// ## What it does
    /// Flags containers (init and ephemeral included) whose image does not come from one of
    /// the registries listed in the rule's `allowedRegistries` option. The rule is silent
    /// when the option is not configured (or is not a list of strings).
    ///
    /// ```yaml
    /// rules:
    ///   allowed-registries:
    ///     allowedRegistries: [registry.example.com, ghcr.io/example, "*.dkr.ecr.eu-west-1.amazonaws.com"]
    /// ```
    ///
    /// Each entry is a registry host (`registry.example.com`, `registry.example.com:5000`),
    /// a host and repository prefix (`ghcr.io/example` allows `ghcr.io/example/app` but not
    /// `ghcr.io/examples/app`), or a host wildcard (`*.gcr.io` allows any subdomain of
    /// `gcr.io`). Images are resolved as the container runtimes do: a name without a
    /// registry (`nginx`, `bitnami/redis`) comes from Docker Hub, `docker.io` (as
    /// `docker.io/library/nginx` and `docker.io/bitnami/redis`; `index.docker.io` is the
    /// same registry). Hosts compare case-insensitively. Empty images and unrendered
    /// placeholders are skipped.
    ///
    /// ## Why is this bad?
    /// An image from an unvetted registry is code nobody in the organisation built,
    /// scanned or signed. Public registries host typo-squatted and backdoored images, and a
    /// registry outside your control can change what a tag serves at any time: MITRE ATT&CK
    /// T1204.003 "User Execution: Malicious Image" and T1195.002 "Compromise Software
    /// Supply Chain". An allow-list enforced at admission keeps images to the mirrors where
    /// scanning and signing happen.
    ///
    /// ## Example
    /// ```yaml
    /// # allowedRegistries: [registry.example.com]
    /// containers:
    ///   - name: app
    ///     image: docker.io/someone/app:1.0.0
    /// ```
    ///
    /// ## Fix
    /// ```yaml
    /// containers:
    ///   - name: app
    ///     image: registry.example.com/mirror/someone/app:1.0.0
    /// ```
    /// Mirror the image into an approved registry (after scanning it), or add the registry
    /// to `allowedRegistries` once it is vetted.
    pub static ALLOWED_REGISTRIES = {
        code: "HRD006",
        name: "allowed-registries",
        severity: Medium,
        group: "hardening",
        summary: "Container image comes from a registry outside allowedRegistries",
        remediation: "Pull the image from an approved registry (mirror it there), or extend the allowedRegistries option.",
        references: [
            Reference::Nsa("Container images: use trusted registries and image scanning"),
            Reference::Cis("5.5.1"),
            Reference::Mitre("T1204.003"),
            Reference::Mitre("T1195.002"),
        ],
        requires_option: "allowedRegistries",
        check: Check::Pod { reads: &[], check },
    }
}

fn check(ctx: &PodCtx<'_>, hits: &mut Vec<Hit>) {
    let Some(allowed) = ctx.opts.strings("allowedRegistries") else {
        return;
    };
    let allowed: Vec<String> = allowed
        .iter()
        .map(|a| a.trim().trim_end_matches('/').to_ascii_lowercase())
        .filter(|a| !a.is_empty())
        .collect();
    if allowed.is_empty() {
        return;
    }
    for &c in ctx.containers() {
        let Some(image) = image_of(&c) else { continue };
        let (registry, repository) = canonical_image_name(image);
        if allowed.iter().any(|a| matches(a, &registry, &repository)) {
            continue;
        }
        hits.push(container_hit(
            ctx,
            &c,
            &["image"],
            format!(
                "container {:?} uses image {image:?} from registry {registry:?}, which is not in allowedRegistries",
                c.name()
            ),
        ));
    }
}

/// Whether allow-list entry `a` (lower case, no trailing slash) admits the image.
pub fn matches(a: &str, registry: &str, repository: &str) -> bool {
    let (host, prefix) = match a.split_once('/') {
        Some((h, p)) => (h, Some(p)),
        None => (a, None),
    };
    let host = match host {
        "index.docker.io" | "registry-1.docker.io" => "docker.io",
        h => h,
    };
    let host_ok = match host.strip_prefix("*.") {
        Some(suffix) => registry.len() > suffix.len() + 1 && registry.ends_with(&format!(".{suffix}")),
        None => host == "*" || registry == host,
    };
    host_ok
        && prefix.is_none_or(|p| {
            let repository = repository.to_ascii_lowercase();
            repository == p || repository.starts_with(&format!("{p}/"))
        })
}

#[cfg(test)]
mod tests {
    use super::matches;

    #[test]
    fn allow_list_entries() {
        assert!(matches("docker.io", "docker.io", "library/nginx"));
        assert!(matches("docker.io/library", "docker.io", "library/nginx"));
        assert!(matches("index.docker.io", "docker.io", "library/nginx"));
        assert!(matches("ghcr.io/example", "ghcr.io", "example/app"));
        assert!(!matches("ghcr.io/example", "ghcr.io", "examples/app"));
        assert!(matches("ghcr.io/example", "ghcr.io", "example"));
        assert!(matches("ghcr.io/example/app", "ghcr.io", "example/app"));
        assert!(matches("*.gcr.io", "eu.gcr.io", "p/app"));
        assert!(!matches("*.gcr.io", "gcr.io", "p/app"));
        assert!(!matches("*.gcr.io", "evilgcr.io", "p/app"));
        assert!(!matches(
            "registry.example.com",
            "registry.example.com.evil.io",
            "app"
        ));
        assert!(matches(
            "registry.example.com:5000",
            "registry.example.com:5000",
            "app"
        ));
        assert!(!matches(
            "registry.example.com",
            "registry.example.com:5000",
            "app"
        ));
    }
}
