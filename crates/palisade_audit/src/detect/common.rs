//! What several detection rules share: the outcome of a request (allowed, denied, took
//! effect), who is a control-plane identity, name globs, CIDRs, and the pod templates inside
//! a written object. No rule logic.

use crate::event::Event;
use palisade_core::RuleOptions;
use std::net::IpAddr;

/// The control-plane identities whose own requests are not detections: the API server
/// (bootstrap roles, bindings, namespaces), the controller manager and scheduler, and the
/// controllers running as `kube-system` ServiceAccounts. A rule's `trustedUsers` option adds
/// names (globs with `*`). Only an authenticated user is trusted, never an impersonated one.
pub const DEFAULT_TRUSTED_USERS: &[&str] = &[
    "system:apiserver",
    "system:kube-controller-manager",
    "system:kube-scheduler",
    "system:serviceaccount:kube-system:*",
];

/// Whether the request's authenticated user is trusted (see [`DEFAULT_TRUSTED_USERS`]), and
/// it impersonated nobody.
pub fn trusted_actor(ev: &Event<'_>, opts: &RuleOptions) -> bool {
    if ev.impersonated_user.is_some() {
        return false;
    }
    let u = ev.user.username.as_ref();
    DEFAULT_TRUSTED_USERS.iter().any(|p| glob(p, u))
        || opts
            .strings("trustedUsers")
            .is_some_and(|l| l.iter().any(|p| glob(p, u)))
}

/// `*` matches any run of characters; everything else is literal.
pub fn glob(pattern: &str, s: &str) -> bool {
    let parts: Vec<&str> = pattern.split('*').collect();
    if parts.len() == 1 {
        return pattern == s;
    }
    let (first, last) = (parts[0], parts[parts.len() - 1]);
    if !s.starts_with(first) || s.len() < first.len() + last.len() || !s.ends_with(last) {
        return false;
    }
    let mut rest = &s[first.len()..s.len() - last.len()];
    for p in &parts[1..parts.len() - 1] {
        match rest.find(p) {
            Some(i) => rest = &rest[i + p.len()..],
            None => return false,
        }
    }
    true
}

/// Whether authorization refused the request: decision `forbid`, or a 403 when the log has
/// no decision annotation (a 403 with decision `allow` is an admission rejection).
pub fn authz_denied(ev: &Event<'_>) -> bool {
    match ev.decision() {
        Some(d) => d == "forbid",
        None => ev.code() == Some(403),
    }
}

/// Whether the request took effect: a 2xx (or 101, an upgraded exec/attach stream); when the
/// stage has no status, whether authorization allowed it.
pub fn took_effect(ev: &Event<'_>) -> bool {
    match ev.code() {
        Some(c) => (200..300).contains(&c) || c == 101,
        None => !authz_denied(ev),
    }
}

/// `resource[.group][/subresource] [namespace/]name`, or the path of a non-resource request.
pub fn target(ev: &Event<'_>) -> String {
    match &ev.object_ref {
        Some(o) => o.to_string(),
        None => ev.path().to_owned(),
    }
}

/// The objectRef's resource, subresource and group (`""` when absent).
pub fn resource<'e>(ev: &'e Event<'_>) -> (&'e str, &'e str, &'e str) {
    match &ev.object_ref {
        Some(o) => (&o.resource, &o.subresource, &o.api_group),
        None => ("", "", ""),
    }
}

/// A user name for messages: `kubernetes-admin` or `kubernetes-admin (as alice)`.
pub fn actor(ev: &Event<'_>) -> String {
    match &ev.impersonated_user {
        Some(i) => format!("{} (as {})", ev.user.username, i.username),
        None => ev.user.username.to_string(),
    }
}

/// Why a request did not take effect, for an attempt's message: `denied by RBAC`, `rejected
/// (403): <message>`, `failed (400)`.
pub fn failure(ev: &Event<'_>) -> String {
    if authz_denied(ev) {
        return "denied by authorization".into();
    }
    let code = ev.code().map_or_else(|| "?".to_owned(), |c| c.to_string());
    match ev.response_status.as_ref().map(|s| s.message.trim()) {
        Some(m) if !m.is_empty() => format!("rejected ({code}): {}", truncate(m, 200)),
        _ => format!("failed ({code})"),
    }
}

pub fn truncate(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_owned()
    } else {
        let t: String = s.chars().take(n).collect();
        format!("{t}…")
    }
}

/// An IP network: `10.0.0.0/8`, `2001:db8::/32`, or one address.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Cidr {
    addr: IpAddr,
    prefix: u8,
}

impl Cidr {
    pub fn parse(s: &str) -> Option<Cidr> {
        let (a, p) = match s.split_once('/') {
            Some((a, p)) => (a, Some(p)),
            None => (s, None),
        };
        let addr: IpAddr = a.trim().parse().ok()?;
        let max = if addr.is_ipv4() { 32 } else { 128 };
        let prefix = match p {
            Some(p) => p.trim().parse::<u8>().ok().filter(|p| *p <= max)?,
            None => max,
        };
        Some(Cidr { addr, prefix })
    }
    pub fn contains(&self, ip: IpAddr) -> bool {
        // An IPv4-mapped IPv6 address (`::ffff:10.0.0.1`) is its IPv4 address.
        let ip = match ip {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
            v4 => v4,
        };
        match (self.addr, ip) {
            (IpAddr::V4(n), IpAddr::V4(a)) => {
                let mask = u32::MAX.checked_shl(32 - u32::from(self.prefix)).unwrap_or(0);
                u32::from(n) & mask == u32::from(a) & mask
            }
            (IpAddr::V6(n), IpAddr::V6(a)) => {
                let mask = u128::MAX.checked_shl(128 - u32::from(self.prefix)).unwrap_or(0);
                u128::from(n) & mask == u128::from(a) & mask
            }
            _ => false,
        }
    }
}

/// Where the pod template is in an object of a built-in workload resource: the path to the
/// template (its `metadata` and `spec`), and whether it is a bare Pod.
pub fn template_base(group: &str, resource: &str) -> Option<(&'static [&'static str], bool)> {
    Some(match (group, resource) {
        ("", "pods") => (&[], true),
        ("", "podtemplates") => (&["template"], false),
        ("", "replicationcontrollers") => (&["spec", "template"], false),
        ("apps" | "extensions", "deployments" | "replicasets" | "daemonsets") => {
            (&["spec", "template"], false)
        }
        ("apps", "statefulsets") => (&["spec", "template"], false),
        ("batch", "jobs") => (&["spec", "template"], false),
        ("batch", "cronjobs") => (&["spec", "jobTemplate", "spec", "template"], false),
        _ => return None,
    })
}

/// The pod template (metadata, spec) of a written workload object, as JSON.
pub fn pod_template<'v>(
    obj: &'v serde_json::Value,
    base: &[&str],
) -> Option<(Option<&'v serde_json::Value>, &'v serde_json::Value)> {
    let mut t = obj;
    for k in base {
        t = t.get(k)?;
    }
    let spec = t.get("spec").filter(|s| s.is_object())?;
    Some((t.get("metadata"), spec))
}

/// The container images of a pod spec (containers, initContainers, ephemeralContainers).
pub fn images(spec: &serde_json::Value) -> Vec<&str> {
    ["containers", "initContainers", "ephemeralContainers"]
        .iter()
        .filter_map(|k| spec.get(k)?.as_array())
        .flatten()
        .filter_map(|c| c.get("image")?.as_str())
        .collect()
}

/// `name` of the written object, else the objectRef's name.
pub fn object_name<'v>(ev: &'v Event<'_>, obj: Option<&'v serde_json::Value>) -> &'v str {
    let from_obj = obj
        .and_then(|o| o.pointer("/metadata/name"))
        .and_then(serde_json::Value::as_str)
        .filter(|n| !n.is_empty());
    from_obj.unwrap_or_else(|| ev.object_ref.as_ref().map_or("", |o| o.name.as_ref()))
}

/// `windowSeconds` of a rule's options (a positive number), else `default` seconds.
pub fn window_option(opts: &RuleOptions, default: u64) -> jiff::SignedDuration {
    let secs = opts
        .0
        .get("windowSeconds")
        .and_then(serde_json::Value::as_u64)
        .filter(|n| *n > 0)
        .unwrap_or(default);
    jiff::SignedDuration::from_secs(i64::try_from(secs).unwrap_or(i64::MAX))
}

/// Reports a key at most once per window: the first time it is seen, then again once the
/// window has passed since it was last reported. Memory is bounded (at 100,000 keys it
/// starts over).
pub struct Throttle<K> {
    window: jiff::SignedDuration,
    last: std::collections::HashMap<K, Option<jiff::Timestamp>>,
}

impl<K: std::hash::Hash + Eq> Throttle<K> {
    pub fn new(window: jiff::SignedDuration) -> Throttle<K> {
        Throttle {
            window,
            last: std::collections::HashMap::new(),
        }
    }

    /// Whether `key`, seen at `t`, is reported now.
    pub fn due(&mut self, key: K, t: Option<jiff::Timestamp>) -> bool {
        let due = match self.last.get(&key) {
            None => true,
            Some(prev) => {
                matches!((prev, t), (Some(p), Some(t)) if t.duration_since(*p) >= self.window)
            }
        };
        if due {
            if self.last.len() >= 100_000 {
                self.last.clear();
            }
            self.last.insert(key, t);
        }
        due
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs() {
        assert!(glob(
            "system:serviceaccount:kube-system:*",
            "system:serviceaccount:kube-system:x"
        ));
        assert!(!glob(
            "system:serviceaccount:kube-system:*",
            "system:serviceaccount:shop:x"
        ));
        assert!(glob("a*b*c", "aXbYc"));
        assert!(!glob("a*b*c", "aXc"));
        assert!(glob("abc", "abc"));
        assert!(!glob("ab*ab", "ab"));
    }

    #[test]
    fn cidrs() {
        let c = Cidr::parse("10.0.0.0/8").unwrap();
        assert!(c.contains("10.2.3.4".parse().unwrap()));
        assert!(!c.contains("11.0.0.1".parse().unwrap()));
        assert!(c.contains("::ffff:10.0.0.1".parse().unwrap()));
        let all = Cidr::parse("0.0.0.0/0").unwrap();
        assert!(all.contains("8.8.8.8".parse().unwrap()));
        let one = Cidr::parse("127.0.0.1").unwrap();
        assert!(one.contains("127.0.0.1".parse().unwrap()));
        assert!(!one.contains("127.0.0.2".parse().unwrap()));
        let v6 = Cidr::parse("2001:db8::/32").unwrap();
        assert!(v6.contains("2001:db8:1::1".parse().unwrap()));
        assert!(!v6.contains("10.0.0.1".parse().unwrap()));
        assert_eq!(Cidr::parse("10.0.0.0/33"), None);
        assert_eq!(Cidr::parse("nope"), None);
    }
}
