//! AUD017: a ConfigMap holding credentials (or credential-named settings) was written.

use crate::detect::common::{actor, object_name, took_effect};
use crate::detect::{AuditCheck, Ctx, Hit};
use palisade_core::{Check, Hit as ObjHit, Node, ObjCtx, Object, Origin, Reference, RuleOptions};
use palisade_rules::hardening::identity::configmap_contains_credential::CONFIGMAP_CONTAINS_CREDENTIAL;
use palisade_rules::hardening::identity::secret_detector::{
    is_placeholder, is_trivial, mask, secret_name_word,
};

declare_audit_rule! {
    /// ## What it does
    /// Flags `create`, `update` and `patch` of ConfigMaps whose data holds a credential, as
    /// the manifest rule `configmap-contains-credential` (HRD) decides it — recognised keys and
    /// tokens (AWS, GitHub, Slack, GCP, private keys, JWTs, passwords in URLs) and keys named
    /// like secrets with a literal value — and also `name = value` or `name: value` lines
    /// inside a value (a properties or INI file) whose name is a secret's
    /// (`aws_secret_access_key`, `password`, `passphrase`, …). It needs the request body
    /// (audit level `Request` for configmaps). Values are never shown, only masked.
    ///
    /// ## Why is this bad?
    /// ConfigMaps are not Secrets: they are readable by roles that must not see credentials
    /// (`view`), are not encrypted at rest by `EncryptionConfiguration` for secrets, and end up
    /// in logs, dashboards and Git.
    ///
    /// ## Example
    /// ```yaml
    /// kind: ConfigMap
    /// data:
    ///   access.properties: |
    ///     aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY
    /// ```
    ///
    /// ## Fix
    /// Move the value to a Secret (or an external secret store) and rotate it.
    pub static CONFIGMAP_CREDENTIALS = {
        code: "AUD017",
        name: "audit-configmap-credentials",
        severity: Medium,
        summary: "A ConfigMap holding credentials was created or changed",
        remediation: "Move the value to a Secret or an external secret store, and rotate it.",
        references: [Reference::Mitre("T1552.007"), Reference::Cis("5.4.1")],
        check: AuditCheck::Event(check),
    }
}

fn check(ctx: &Ctx<'_, '_>, hits: &mut Vec<Hit>) {
    let ev = ctx.ev;
    let Some(o) = &ev.object_ref else { return };
    if o.resource != "configmaps" || !o.api_group.is_empty() || !o.subresource.is_empty() {
        return;
    }
    if !matches!(ev.verb.as_ref(), "create" | "update" | "patch") || !took_effect(ev) || ctx.trusted_actor() {
        return;
    }
    let Some(obj) = ctx.written_object() else { return };
    let mut found: Vec<String> = Vec::new();
    // The manifest rule's own check, on the object as written.
    let mut root = obj.clone();
    if let Some(m) = root.as_object_mut() {
        m.entry("apiVersion").or_insert_with(|| "v1".into());
        m.entry("kind").or_insert_with(|| "ConfigMap".into());
    }
    let origin = Origin::Cluster {
        context: std::sync::Arc::from("audit event"),
    };
    if let (Ok(object), Check::Object { check, .. }) = (
        Object::from_node(Node::from_json(&root), origin),
        CONFIGMAP_CONTAINS_CREDENTIAL.check,
    ) {
        let mut obj_hits: Vec<ObjHit> = Vec::new();
        check(
            &ObjCtx {
                obj: &object,
                opts: &RuleOptions::default(),
            },
            &mut obj_hits,
        );
        found.extend(obj_hits.into_iter().map(|h| h.message));
    }
    // Credential-named settings inside a value (properties, INI, .env files).
    if let Some(data) = obj.get("data").and_then(serde_json::Value::as_object) {
        for (key, v) in data {
            let Some(text) = v.as_str() else { continue };
            for line in text.lines() {
                let l = line.trim();
                if l.starts_with('#') || l.starts_with(';') {
                    continue;
                }
                let Some((k, val)) = l.split_once('=').or_else(|| l.split_once(':')) else {
                    continue;
                };
                let (k, val) = (
                    k.trim().trim_start_matches("export ").trim(),
                    val.trim().trim_matches(['"', '\'']),
                );
                if k.is_empty() || k.contains(' ') || val.is_empty() || is_placeholder(val) || is_trivial(val)
                {
                    continue;
                }
                let Some(word) = secret_name_word(k) else { continue };
                let already = found.iter().any(|f| f.contains(&format!("key {key:?}")));
                if !already {
                    found.push(format!(
                        "key {key:?} sets {k} (named like a secret: {word}) to a literal value: {}",
                        mask(val)
                    ));
                }
            }
        }
    }
    if found.is_empty() {
        return;
    }
    hits.push(Hit::new(format!(
        "{} {} ConfigMap {}/{} holding credentials: {}",
        actor(ev),
        if ev.verb == "create" { "created" } else { "changed" },
        o.namespace,
        object_name(ev, Some(obj)),
        found.join("; ")
    )));
}
