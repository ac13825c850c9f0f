//! The filters every question takes: time range, user, group, service account, impersonator,
//! verb, resource and subresource, namespace, name, source IP, user agent, response code,
//! authorization decision and reason, stage and level. Every criterion given must match (AND);
//! the values of one criterion are alternatives (OR).
//!
//! Identities match the real user *or* the user it impersonated, so `--user alice` finds what
//! alice did and what was done as alice; `--impersonator` matches only the real user of an
//! impersonated request.

use crate::event::{service_account, Event, Level, Stage};
use std::net::IpAddr;

/// A `*` glob over a string (`system:serviceaccount:kube-system:*`, `*-sa`); without `*` an
/// exact match.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Glob(String);

impl Glob {
    pub fn new(s: &str) -> Glob {
        Glob(s.to_owned())
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
    /// Whether the pattern is a plain string (no `*`).
    pub fn literal(&self) -> Option<&str> {
        (!self.0.contains('*')).then_some(self.0.as_str())
    }
    pub fn matches(&self, s: &str) -> bool {
        glob(self.0.as_bytes(), s.as_bytes())
    }
}

fn glob(p: &[u8], s: &[u8]) -> bool {
    // Iterative `*` matching with backtracking to the last star.
    let (mut pi, mut si) = (0, 0);
    let (mut star, mut mark) = (None, 0);
    while si < s.len() {
        if pi < p.len() && p[pi] != b'*' && p[pi] == s[si] {
            pi += 1;
            si += 1;
        } else if pi < p.len() && p[pi] == b'*' {
            star = Some(pi);
            mark = si;
            pi += 1;
        } else if let Some(st) = star {
            pi = st + 1;
            mark += 1;
            si = mark;
        } else {
            return false;
        }
    }
    while pi < p.len() && p[pi] == b'*' {
        pi += 1;
    }
    pi == p.len()
}

/// A resource as kubectl names it: `pods`, `pods/exec`, `deployments.apps`,
/// `deployments.apps/scale`, `*/exec`; the group is matched only when given.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ResourceSpec {
    pub resource: Glob,
    pub group: Option<String>,
    pub subresource: Option<Glob>,
}

impl ResourceSpec {
    pub fn parse(s: &str) -> Result<ResourceSpec, String> {
        let (res, sub) = match s.split_once('/') {
            Some((r, sub)) if !sub.is_empty() && !sub.contains('/') => (r, Some(Glob::new(sub))),
            Some(_) => {
                return Err(format!(
                    "invalid resource {s:?}: expected RESOURCE[.GROUP][/SUBRESOURCE]"
                ))
            }
            None => (s, None),
        };
        if res.is_empty() {
            return Err(format!("invalid resource {s:?}: empty resource"));
        }
        let (resource, group) = match res.split_once('.') {
            Some((r, g)) => (r, Some(if g == "core" { String::new() } else { g.to_owned() })),
            None => (res, None),
        };
        Ok(ResourceSpec {
            resource: Glob::new(&resource.to_ascii_lowercase()),
            group,
            subresource: sub,
        })
    }
}

/// An inclusive range of response codes: `403`, `4xx`, `200-299`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CodeRange(pub i32, pub i32);

impl CodeRange {
    pub fn parse(s: &str) -> Result<CodeRange, String> {
        let bad = || format!("invalid response code {s:?}: expected 403, 4xx or 400-499");
        if let Some(d) = s.strip_suffix("xx").or_else(|| s.strip_suffix("XX")) {
            let d: i32 = d.parse().map_err(|_| bad())?;
            if !(1..=5).contains(&d) {
                return Err(bad());
            }
            return Ok(CodeRange(d * 100, d * 100 + 99));
        }
        if let Some((a, b)) = s.split_once('-') {
            let (a, b) = (a.parse().map_err(|_| bad())?, b.parse().map_err(|_| bad())?);
            return if a <= b { Ok(CodeRange(a, b)) } else { Err(bad()) };
        }
        let c = s.parse().map_err(|_| bad())?;
        Ok(CodeRange(c, c))
    }
    pub fn contains(&self, c: i32) -> bool {
        (self.0..=self.1).contains(&c)
    }
}

/// An IP network (`10.0.0.0/8`, `2001:db8::/32`) or one address.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Cidr {
    pub addr: IpAddr,
    pub prefix: u8,
}

impl Cidr {
    pub fn parse(s: &str) -> Result<Cidr, String> {
        let (a, p) = s.split_once('/').unwrap_or((s, ""));
        let addr: IpAddr = a.parse().map_err(|_| format!("invalid IP or CIDR {s:?}"))?;
        let max = if addr.is_ipv4() { 32 } else { 128 };
        let prefix = if p.is_empty() {
            max
        } else {
            p.parse::<u8>()
                .ok()
                .filter(|&n| n <= max)
                .ok_or_else(|| format!("invalid prefix length in {s:?}"))?
        };
        Ok(Cidr { addr, prefix })
    }
    pub fn contains(&self, ip: &IpAddr) -> bool {
        match (self.addr, ip) {
            (IpAddr::V4(n), IpAddr::V4(a)) => {
                let mask = u32::MAX.checked_shl(32 - u32::from(self.prefix)).unwrap_or(0);
                u32::from(n) & mask == u32::from(*a) & mask
            }
            (IpAddr::V6(n), IpAddr::V6(a)) => {
                let mask = u128::MAX.checked_shl(128 - u32::from(self.prefix)).unwrap_or(0);
                u128::from(n) & mask == u128::from(*a) & mask
            }
            // An IPv4-mapped IPv6 address is in an IPv4 network.
            (IpAddr::V4(_), IpAddr::V6(a)) => a
                .to_ipv4_mapped()
                .is_some_and(|v4| self.contains(&IpAddr::V4(v4))),
            (IpAddr::V6(_), IpAddr::V4(_)) => false,
        }
    }
}

/// The filters of a question. Empty lists match everything.
#[derive(Clone, Debug, Default)]
pub struct Filter {
    pub since: Option<jiff::Timestamp>,
    pub until: Option<jiff::Timestamp>,
    /// The real user or the impersonated user.
    pub users: Vec<Glob>,
    /// A group of the real or the impersonated user.
    pub groups: Vec<Glob>,
    /// `NS/NAME` globs: the user `system:serviceaccount:NS:NAME` (real or impersonated).
    pub service_accounts: Vec<(Glob, Glob)>,
    /// The real user of an impersonated request.
    pub impersonators: Vec<Glob>,
    pub verbs: Vec<String>,
    pub resources: Vec<ResourceSpec>,
    pub subresources: Vec<Glob>,
    /// `objectRef.namespace`; `""` matches cluster-scoped and non-resource requests.
    pub namespaces: Vec<Glob>,
    pub names: Vec<Glob>,
    /// Matches when any entry of `sourceIPs` is in one of the networks.
    pub source_ips: Vec<Cidr>,
    /// Case-insensitive substrings of the user agent.
    pub user_agents: Vec<String>,
    pub codes: Vec<CodeRange>,
    /// `allow` or `forbid`.
    pub decisions: Vec<String>,
    /// Case-insensitive substrings of `authorization.k8s.io/reason`.
    pub reasons: Vec<String>,
    pub stages: Vec<Stage>,
    pub levels: Vec<Level>,
    /// Requests only to these non-resource paths (`/healthz`, `/api*`).
    pub paths: Vec<Glob>,
    /// Only impersonated requests.
    pub impersonated: bool,
    /// Only requests refused by authorization (403 or decision `forbid`).
    pub denied: bool,
}

impl Filter {
    /// Whether the filter has any criterion.
    pub fn is_empty(&self) -> bool {
        self.since.is_none()
            && self.until.is_none()
            && self.users.is_empty()
            && self.groups.is_empty()
            && self.service_accounts.is_empty()
            && self.impersonators.is_empty()
            && self.verbs.is_empty()
            && self.resources.is_empty()
            && self.subresources.is_empty()
            && self.namespaces.is_empty()
            && self.names.is_empty()
            && self.source_ips.is_empty()
            && self.user_agents.is_empty()
            && self.codes.is_empty()
            && self.decisions.is_empty()
            && self.reasons.is_empty()
            && self.stages.is_empty()
            && self.levels.is_empty()
            && self.paths.is_empty()
            && !self.impersonated
            && !self.denied
    }

    /// Whether `ev` passes every criterion.
    pub fn matches(&self, ev: &Event<'_>) -> bool {
        if self.since.is_some() || self.until.is_some() {
            let Some(t) = ev.time() else { return false };
            if self.since.is_some_and(|s| t < s) || self.until.is_some_and(|u| t > u) {
                return false;
            }
        }
        if !self.verbs.is_empty() && !self.verbs.iter().any(|v| v == &ev.verb) {
            return false;
        }
        if !self.stages.is_empty() && !self.stages.contains(&ev.stage) {
            return false;
        }
        if !self.levels.is_empty() && !self.levels.contains(&ev.level) {
            return false;
        }
        if self.impersonated && ev.impersonated_user.is_none() {
            return false;
        }
        if self.denied && !ev.denied() {
            return false;
        }
        let users = || std::iter::once(&ev.user).chain(ev.impersonated_user.as_ref());
        if !self.users.is_empty() && !users().any(|u| self.users.iter().any(|g| g.matches(&u.username))) {
            return false;
        }
        if !self.groups.is_empty()
            && !users().any(|u| {
                u.groups
                    .iter()
                    .any(|ug| self.groups.iter().any(|g| g.matches(ug)))
            })
        {
            return false;
        }
        if !self.service_accounts.is_empty()
            && !users().any(|u| {
                service_account(&u.username).is_some_and(|(ns, n)| {
                    self.service_accounts
                        .iter()
                        .any(|(gn, gname)| gn.matches(ns) && gname.matches(n))
                })
            })
        {
            return false;
        }
        if !self.impersonators.is_empty()
            && (ev.impersonated_user.is_none() && ev.verb != "impersonate"
                || !self.impersonators.iter().any(|g| g.matches(&ev.user.username)))
        {
            return false;
        }
        let obj = ev.object_ref.as_ref();
        if !self.resources.is_empty() {
            let Some(o) = obj else { return false };
            if !self.resources.iter().any(|r| {
                r.resource.matches(&o.resource)
                    && r.group.as_ref().is_none_or(|g| g == &o.api_group)
                    && match &r.subresource {
                        Some(s) => s.matches(&o.subresource),
                        None => true,
                    }
            }) {
                return false;
            }
        }
        if !self.subresources.is_empty() {
            let sub = obj.map_or("", |o| &o.subresource);
            if !self.subresources.iter().any(|g| g.matches(sub)) {
                return false;
            }
        }
        if !self.namespaces.is_empty() {
            let ns = obj.map_or("", |o| &o.namespace);
            // A namespace's own requests (`namespaces/shop`) are in that namespace too.
            let own = obj
                .filter(|o| o.resource == "namespaces" && o.api_group.is_empty())
                .map(|o| o.name.as_ref());
            if !self
                .namespaces
                .iter()
                .any(|g| g.matches(ns) || own.is_some_and(|n| !n.is_empty() && g.matches(n)))
            {
                return false;
            }
        }
        if !self.names.is_empty() {
            let name = obj.map_or("", |o| &o.name);
            if !self.names.iter().any(|g| g.matches(name)) {
                return false;
            }
        }
        if !self.paths.is_empty() && (obj.is_some() || !self.paths.iter().any(|g| g.matches(ev.path()))) {
            return false;
        }
        if !self.source_ips.is_empty()
            && !ev.source_ips.iter().any(|s| {
                s.parse::<IpAddr>()
                    .is_ok_and(|ip| self.source_ips.iter().any(|c| c.contains(&ip)))
            })
        {
            return false;
        }
        if !self.user_agents.is_empty() {
            let ua = ev.user_agent.to_ascii_lowercase();
            if !self
                .user_agents
                .iter()
                .any(|s| ua.contains(&s.to_ascii_lowercase()))
            {
                return false;
            }
        }
        if !self.codes.is_empty() {
            let Some(c) = ev.code() else { return false };
            if !self.codes.iter().any(|r| r.contains(c)) {
                return false;
            }
        }
        if !self.decisions.is_empty() {
            let d = ev.decision().unwrap_or("");
            if !self.decisions.iter().any(|x| x.eq_ignore_ascii_case(d)) {
                return false;
            }
        }
        if !self.reasons.is_empty() {
            let r = ev.authz_reason().unwrap_or("").to_ascii_lowercase();
            if !self.reasons.iter().any(|s| r.contains(&s.to_ascii_lowercase())) {
                return false;
            }
        }
        true
    }

    /// Literal strings one of which must appear verbatim in the text of any event that
    /// matches (a pre-filter that skips decoding lines that cannot match). Only strings that
    /// an encoder never escapes are used.
    pub fn needles(&self) -> Vec<Vec<String>> {
        let plain = |s: &str| {
            !s.is_empty()
                && s.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"-._:@".contains(&b))
        };
        let mut out = Vec::new();
        let mut lit = |globs: &[&str]| {
            if !globs.is_empty() && globs.iter().all(|g| !g.contains('*') && plain(g)) {
                out.push(globs.iter().map(|g| format!("\"{g}\"")).collect());
            }
        };
        let verbs: Vec<&str> = self.verbs.iter().map(String::as_str).collect();
        lit(&verbs);
        let names: Vec<&str> = self.names.iter().map(Glob::as_str).collect();
        lit(&names);
        let users: Vec<&str> = self.users.iter().map(Glob::as_str).collect();
        lit(&users);
        let res: Vec<&str> = self.resources.iter().map(|r| r.resource.as_str()).collect();
        lit(&res);
        out
    }
}

/// Parse a time bound: RFC 3339 (`2026-11-22T13:00:00Z`), a date (`2026-11-22`, UTC
/// midnight), or a duration before `now` (`90s`, `15m`, `2h`, `7d`).
pub fn parse_time_bound(s: &str, now: jiff::Timestamp) -> Result<jiff::Timestamp, String> {
    if let Ok(t) = s.parse::<jiff::Timestamp>() {
        return Ok(t);
    }
    if let Ok(d) = s.parse::<jiff::civil::Date>() {
        return d
            .to_zoned(jiff::tz::TimeZone::UTC)
            .map(|z| z.timestamp())
            .map_err(|e| format!("invalid date {s:?}: {e}"));
    }
    let bad = || {
        format!("invalid time {s:?}: expected RFC 3339 (2026-11-22T13:00:00Z), a date (2026-11-22) or a duration ago (90s, 15m, 2h, 7d)")
    };
    let (num, unit) = s.split_at(s.find(|c: char| !c.is_ascii_digit()).ok_or_else(bad)?);
    let n: i64 = num.parse().map_err(|_| bad())?;
    let secs = match unit {
        "s" => n,
        "m" => n * 60,
        "h" => n * 3600,
        "d" => n * 86400,
        "w" => n * 7 * 86400,
        _ => return Err(bad()),
    };
    now.checked_sub(jiff::SignedDuration::from_secs(secs))
        .map_err(|_| bad())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decode::decode;

    fn ev(text: &str) -> Event<'static> {
        let mut out = None;
        decode(text, &mut |_, e| out = Some(e.into_owned())).unwrap();
        out.unwrap()
    }

    const DEL: &str = r#"{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Metadata","auditID":"a1","stage":"ResponseComplete","requestURI":"/api/v1/namespaces/scratch-ns","verb":"delete","user":{"username":"admin","groups":["system:masters","system:authenticated"]},"impersonatedUser":{"username":"alice","groups":["dev"]},"sourceIPs":["10.1.2.3","127.0.0.1"],"userAgent":"kubectl/v1.32.0 (linux/amd64)","objectRef":{"resource":"namespaces","name":"scratch-ns","apiVersion":"v1"},"responseStatus":{"code":200},"stageTimestamp":"2026-11-22T13:05:00.000001Z","annotations":{"authorization.k8s.io/decision":"allow","authorization.k8s.io/reason":"RBAC: allowed by ClusterRoleBinding \"alice-admin\""}}"#;

    fn f(build: impl FnOnce(&mut Filter)) -> bool {
        let mut filter = Filter::default();
        build(&mut filter);
        filter.matches(&ev(DEL))
    }

    #[test]
    fn criteria() {
        assert!(f(|_| {}));
        assert!(f(|x| x.users = vec![Glob::new("alice")]));
        assert!(f(|x| x.users = vec![Glob::new("admin")]));
        assert!(!f(|x| x.users = vec![Glob::new("bob")]));
        assert!(f(|x| x.impersonators = vec![Glob::new("adm*")]));
        assert!(!f(|x| x.impersonators = vec![Glob::new("alice")]));
        assert!(f(|x| x.groups = vec![Glob::new("dev")]));
        assert!(f(|x| x.verbs = vec!["delete".into(), "create".into()]));
        assert!(!f(|x| x.verbs = vec!["get".into()]));
        assert!(f(
            |x| x.resources = vec![ResourceSpec::parse("namespaces").unwrap()]
        ));
        assert!(f(
            |x| x.resources = vec![ResourceSpec::parse("namespaces.core").unwrap()]
        ));
        assert!(!f(
            |x| x.resources = vec![ResourceSpec::parse("namespaces.apps").unwrap()]
        ));
        assert!(!f(
            |x| x.resources = vec![ResourceSpec::parse("namespaces/status").unwrap()]
        ));
        assert!(f(|x| x.names = vec![Glob::new("scratch-*")]));
        assert!(f(|x| x.namespaces = vec![Glob::new("scratch-ns")]));
        assert!(f(|x| x.source_ips = vec![Cidr::parse("10.0.0.0/8").unwrap()]));
        assert!(!f(|x| x.source_ips = vec![Cidr::parse("192.168.0.0/16").unwrap()]));
        assert!(f(|x| x.user_agents = vec!["KUBECTL".into()]));
        assert!(f(|x| x.codes = vec![CodeRange::parse("2xx").unwrap()]));
        assert!(!f(|x| x.codes = vec![CodeRange::parse("403").unwrap()]));
        assert!(f(|x| x.decisions = vec!["allow".into()]));
        assert!(f(|x| x.reasons = vec!["alice-admin".into()]));
        assert!(f(|x| x.stages = vec![Stage::ResponseComplete]));
        assert!(f(|x| x.impersonated = true));
        let t = |s: &str| s.parse::<jiff::Timestamp>().unwrap();
        assert!(f(|x| x.since = Some(t("2026-11-22T13:05:00Z"))));
        assert!(!f(|x| x.until = Some(t("2026-11-22T13:05:00Z"))));
        assert!(!f(|x| x.paths = vec![Glob::new("/healthz")]));
    }

    #[test]
    fn globs_codes_cidrs_times() {
        assert!(
            Glob::new("system:serviceaccount:*:default").matches("system:serviceaccount:kube-system:default")
        );
        assert!(Glob::new("*").matches(""));
        assert!(!Glob::new("a*b").matches("a-c"));
        assert!(Glob::new("a*b*c").matches("axxbyyc"));
        assert_eq!(CodeRange::parse("4xx").unwrap(), CodeRange(400, 499));
        assert_eq!(CodeRange::parse("200-204").unwrap(), CodeRange(200, 204));
        assert!(CodeRange::parse("9xx").is_err());
        assert!(Cidr::parse("10.0.0.0/33").is_err());
        assert!(Cidr::parse("::ffff:0:0/96").is_ok());
        assert!(Cidr::parse("10.0.0.0/8")
            .unwrap()
            .contains(&"::ffff:10.1.1.1".parse().unwrap()));
        assert!(Cidr::parse("0.0.0.0/0")
            .unwrap()
            .contains(&"1.2.3.4".parse().unwrap()));
        let now: jiff::Timestamp = "2026-12-07T00:00:00Z".parse().unwrap();
        assert_eq!(
            parse_time_bound("2h", now).unwrap().to_string(),
            "2026-12-06T22:00:00Z"
        );
        assert_eq!(
            parse_time_bound("2026-11-22", now).unwrap().to_string(),
            "2026-11-22T00:00:00Z"
        );
        assert!(parse_time_bound("yesterday", now).is_err());
        let r = ResourceSpec::parse("deployments.apps/scale").unwrap();
        assert_eq!(r.group.as_deref(), Some("apps"));
        assert!(ResourceSpec::parse("a/b/c").is_err());
    }
}
