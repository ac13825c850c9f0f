//! Detections over audit events: the rule pack (`AUD001`…, one file per rule under
//! [`rules`]) and the [`Engine`] that runs the selected rules on events one at a time, keeping
//! the memory some rules need (the roles created earlier in the stream, recent 403s per
//! identity). Pure: no I/O, no output formats; the CLI (`palisade audit detect`) and the audit
//! sink of `palisade serve` feed it events and render what it hands back.

#[macro_use]
mod macros;
pub mod common;
pub mod roles;
pub mod rules;

use crate::event::{Event, Loc};
use palisade_core::{RuleMeta, RuleOptions, Severity};
use serde::Serialize;
use std::cell::OnceCell;
use std::collections::HashMap;

pub use rules::{all_rules, find_rule};

/// A detection rule: its metadata (code, name, docs, …) and how it is evaluated.
pub struct AuditRule {
    pub meta: &'static RuleMeta,
    pub check: AuditCheck,
}

/// How a rule decides.
pub enum AuditCheck {
    /// A pure function of one event (and the engine's shared memory of RBAC roles).
    Event(fn(&Ctx<'_, '_>, &mut Vec<Hit>)),
    /// A rule that remembers earlier events: one state per engine, made from the rule's options.
    Stateful(fn(&RuleOptions) -> Box<dyn StatefulCheck>),
}

/// The state of a stateful rule.
pub trait StatefulCheck: Send {
    fn event(&mut self, ctx: &Ctx<'_, '_>, hits: &mut Vec<Hit>);
}

/// What a rule found on one event.
#[derive(Clone, Debug, PartialEq)]
pub struct Hit {
    pub message: String,
    /// Overrides the rule's severity (a rejected attempt is reported lower).
    pub severity: Option<Severity>,
    /// The request did not take effect (denied, rejected by admission, failed): an attempt.
    pub attempt: bool,
}

impl Hit {
    pub fn new(message: impl Into<String>) -> Hit {
        Hit {
            message: message.into(),
            severity: None,
            attempt: false,
        }
    }
    /// An attempt that did not take effect, reported at `severity`.
    #[must_use]
    pub fn attempt(mut self, severity: Severity) -> Hit {
        self.attempt = true;
        self.severity = Some(severity);
        self
    }
    #[must_use]
    pub fn severity(mut self, severity: Severity) -> Hit {
        self.severity = Some(severity);
        self
    }
}

/// What a rule sees of one event.
pub struct Ctx<'c, 'a> {
    pub loc: &'c Loc,
    pub ev: &'c Event<'a>,
    /// The rule's options (`rules: {<name>: {...}}` in the configuration file).
    pub opts: &'c RuleOptions,
    /// The roles known at this point of the stream (defaults, then created/updated ones).
    pub roles: &'c roles::RoleStore,
    request: &'c OnceCell<Option<serde_json::Value>>,
    response: &'c OnceCell<Option<serde_json::Value>>,
}

impl Ctx<'_, '_> {
    /// `requestObject`, parsed once per event for all rules; `None` when absent or invalid.
    pub fn request(&self) -> Option<&serde_json::Value> {
        self.request.get_or_init(|| self.ev.request_value()).as_ref()
    }
    /// `responseObject`, parsed once per event.
    pub fn response(&self) -> Option<&serde_json::Value> {
        self.response.get_or_init(|| self.ev.response_value()).as_ref()
    }
    /// The object the request wrote: the request body of a create or update, the response
    /// body of a patch (the request body of a patch is the patch, not the object).
    pub fn written_object(&self) -> Option<&serde_json::Value> {
        let v = match self.ev.verb.as_ref() {
            "create" | "update" => self.request().or_else(|| self.response()),
            "patch" | "apply" => self.response(),
            _ => None,
        }?;
        v.is_object().then_some(v)
    }
    /// Whether the authenticated (not impersonated) user is a control-plane identity the
    /// rule trusts: [`common::DEFAULT_TRUSTED_USERS`] and the rule's `trustedUsers` option.
    pub fn trusted_actor(&self) -> bool {
        common::trusted_actor(self.ev, self.opts)
    }
}

/// One detection: the rule, where the event is, who did what to which object, and why.
#[derive(Clone, Debug, Serialize)]
pub struct Detection {
    #[serde(serialize_with = "ser_rule")]
    pub rule: &'static RuleMeta,
    pub severity: Severity,
    pub file: String,
    pub line: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub item: Option<u32>,
    #[serde(rename = "auditID")]
    pub audit_id: String,
    /// RFC 3339, when the event has a time.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub time: Option<String>,
    /// The authenticated user.
    pub user: String,
    /// The user it acted as, when it impersonated one.
    #[serde(rename = "impersonatedUser", skip_serializing_if = "Option::is_none")]
    pub impersonated_user: Option<String>,
    pub verb: String,
    /// `resource[.group][/subresource] [namespace/]name`, or the path of a non-resource request.
    pub target: String,
    #[serde(rename = "sourceIP", skip_serializing_if = "Option::is_none")]
    pub source_ip: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<i32>,
    /// The request did not take effect.
    pub attempt: bool,
    pub message: String,
}

fn ser_rule<S: serde::Serializer>(r: &&'static RuleMeta, s: S) -> Result<S::Ok, S::Error> {
    use serde::ser::SerializeStruct;
    let mut st = s.serialize_struct("rule", 2)?;
    st.serialize_field("code", r.code)?;
    st.serialize_field("name", r.name)?;
    st.end()
}

impl Detection {
    fn new(rule: &'static RuleMeta, loc: &Loc, ev: &Event<'_>, hit: Hit) -> Detection {
        Detection {
            rule,
            severity: hit.severity.unwrap_or(rule.severity),
            file: loc.file.to_string(),
            line: loc.line,
            item: loc.item,
            audit_id: ev.audit_id.to_string(),
            time: ev.time().map(|t| t.to_string()),
            user: ev.user.username.to_string(),
            impersonated_user: ev.impersonated_user.as_ref().map(|u| u.username.to_string()),
            verb: ev.verb.to_string(),
            target: common::target(ev),
            source_ip: ev.peer_ip().map(str::to_owned),
            code: ev.code(),
            attempt: hit.attempt,
            message: hit.message,
        }
    }
    /// `alice` or `kubernetes-admin as alice`.
    pub fn actor(&self) -> String {
        match &self.impersonated_user {
            Some(i) => format!("{} as {}", self.user, i),
            None => self.user.clone(),
        }
    }
}

/// The engine's configuration: per-rule options, by rule code.
#[derive(Clone, Debug, Default)]
pub struct Config {
    pub options: HashMap<&'static str, RuleOptions>,
}

impl Config {
    /// Options from the configuration file's `rules:` map (keys are codes or names). Keys that
    /// name no audit rule are returned (they may be the scan rules' options).
    pub fn from_rules_map<'k>(
        map: impl IntoIterator<Item = (&'k String, &'k serde_json::Map<String, serde_json::Value>)>,
    ) -> Result<(Config, Vec<String>), String> {
        let mut cfg = Config::default();
        let mut others = Vec::new();
        for (k, v) in map {
            match find_rule(k) {
                Some(r) => {
                    check_options(r.meta, v)?;
                    cfg.options.insert(r.meta.code, RuleOptions(v.clone()));
                }
                None => others.push(k.clone()),
            }
        }
        Ok((cfg, others))
    }
}

/// Rejects options of the wrong type (so that a typo is an error, not a silent default).
fn check_options(meta: &RuleMeta, o: &serde_json::Map<String, serde_json::Value>) -> Result<(), String> {
    for (k, v) in o {
        let ok = match k.as_str() {
            "trustedUsers"
            | "allowedServiceAccounts"
            | "trustedCidrs"
            | "trustedImages"
            | "allowedUsers"
            | "allowedImages"
            | "allowedNamespaces"
            | "allowedAdmins"
            | "allowedNodes" => v
                .as_array()
                .is_some_and(|a| a.iter().all(serde_json::Value::is_string)),
            "threshold" | "windowSeconds" => v.as_u64().is_some_and(|n| n > 0),
            _ => return Err(format!("rules: {}: unknown option {k:?}", meta.name)),
        };
        if !ok {
            return Err(format!("rules: {}: option {k:?} has the wrong type", meta.name));
        }
    }
    if meta.code == "AUD019" {
        if let Some(cidrs) = o.get("trustedCidrs").and_then(|v| v.as_array()) {
            for c in cidrs.iter().filter_map(|c| c.as_str()) {
                common::Cidr::parse(c).ok_or_else(|| format!("rules: {}: invalid CIDR {c:?}", meta.name))?;
            }
        }
    }
    Ok(())
}

/// The rules matching `select` (all when empty) and not matching `ignore`: codes, code
/// prefixes (`AUD00`), names, or the group `audit`, as `palisade scan --select` takes them.
pub fn select_rules(select: &[String], ignore: &[String]) -> Result<Vec<&'static AuditRule>, String> {
    palisade_core::rule::select_from(all_rules(), |r| r.meta, select, ignore, "audit")
}

enum Running {
    Event(fn(&Ctx<'_, '_>, &mut Vec<Hit>)),
    Stateful(Box<dyn StatefulCheck>),
}

/// Runs rules on events as they arrive. Hand it one event per request (after
/// [`crate::dedup::Dedup`]); it keeps only what its rules need to remember.
pub struct Engine {
    rules: Vec<(&'static AuditRule, RuleOptions, Running)>,
    roles: roles::RoleStore,
    hits: Vec<Hit>,
}

impl Engine {
    /// An engine running every rule.
    pub fn new(cfg: &Config) -> Engine {
        Engine::with_rules(all_rules(), cfg)
    }

    pub fn with_rules(rules: &[&'static AuditRule], cfg: &Config) -> Engine {
        let rules = rules
            .iter()
            .map(|r| {
                let opts = cfg.options.get(r.meta.code).cloned().unwrap_or_default();
                let running = match r.check {
                    AuditCheck::Event(f) => Running::Event(f),
                    AuditCheck::Stateful(make) => Running::Stateful(make(&opts)),
                };
                (*r, opts, running)
            })
            .collect();
        Engine {
            rules,
            roles: roles::RoleStore::with_defaults(),
            hits: Vec::new(),
        }
    }

    /// Runs the rules on one event; detections are appended to `out`.
    pub fn event(&mut self, loc: &Loc, ev: &Event<'_>, out: &mut Vec<Detection>) {
        let request = OnceCell::new();
        let response = OnceCell::new();
        for (rule, opts, running) in &mut self.rules {
            let ctx = Ctx {
                loc,
                ev,
                opts,
                roles: &self.roles,
                request: &request,
                response: &response,
            };
            self.hits.clear();
            match running {
                Running::Event(f) => f(&ctx, &mut self.hits),
                Running::Stateful(s) => s.event(&ctx, &mut self.hits),
            }
            for h in self.hits.drain(..) {
                out.push(Detection::new(rule.meta, loc, ev, h));
            }
        }
        // Remember the roles this event wrote, for the bindings that come after it.
        self.roles.observe(ev, &request, &response);
    }

    /// The end of the stream. No rule holds detections back today; the sink calls it when a
    /// stream closes so that a rule that does (a burst still open) can report.
    pub fn finish(self, _out: &mut Vec<Detection>) {}
}

#[cfg(test)]
mod tests;
