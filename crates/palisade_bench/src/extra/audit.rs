//! The audit checks (`NODE401`, `NODE402`): the API server's `--audit-policy-file` exists and
//! is used (a log or webhook backend), and the policy logs Secrets, ConfigMaps and TokenReviews
//! at `Metadata` — never their bodies — evaluated as the API server does: rules in order, the
//! first match sets the level, no match is `None`, empty lists match anything, `omitStages`
//! of the policy and the rule combined (shared/spec/rbac-netpol-audit.md §3.4).

use super::{key_at, read_kind, verdict_of, Ctx, ExtraDef, Item, Verdict};
use crate::argv::Where;
use crate::components::Kind;
use crate::eval::Status;
use crate::facts::Problem;
use palisade_core::Node;

const KINDS: [&str; 1] = ["Policy"];

/// Audit levels, in order of detail.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    None,
    Metadata,
    Request,
    RequestResponse,
}

impl Level {
    fn parse(s: &str) -> Option<Level> {
        Some(match s {
            "None" => Level::None,
            "Metadata" => Level::Metadata,
            "Request" => Level::Request,
            "RequestResponse" => Level::RequestResponse,
            _ => return None,
        })
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Level::None => "None",
            Level::Metadata => "Metadata",
            Level::Request => "Request",
            Level::RequestResponse => "RequestResponse",
        }
    }
}

/// One `resources` entry of a rule.
#[derive(Clone, Debug, Default)]
pub struct GroupResources {
    pub group: String,
    pub resources: Vec<String>,
    pub resource_names: Vec<String>,
}

/// One rule of a policy.
#[derive(Clone, Debug)]
pub struct Rule {
    pub level: Level,
    pub users: Vec<String>,
    pub user_groups: Vec<String>,
    pub verbs: Vec<String>,
    pub resources: Vec<GroupResources>,
    pub namespaces: Vec<String>,
    pub non_resource_urls: Vec<String>,
    pub omit_stages: Vec<String>,
    /// Where the rule is (its `level` key).
    pub at: Where,
}

/// An audit policy.
#[derive(Clone, Debug)]
pub struct Policy {
    pub rules: Vec<Rule>,
    pub omit_stages: Vec<String>,
    pub at: Where,
}

/// A resource request, as the policy sees it.
#[derive(Clone, Debug)]
pub struct Request<'a> {
    pub user: &'a str,
    pub groups: &'a [&'a str],
    pub verb: &'a str,
    pub namespace: &'a str,
    pub api_group: &'a str,
    pub resource: &'a str,
    pub subresource: &'a str,
    pub name: &'a str,
}

fn strings(n: Option<&Node>) -> Vec<String> {
    n.and_then(Node::as_seq)
        .unwrap_or(&[])
        .iter()
        .filter_map(Node::as_str)
        .map(str::to_owned)
        .collect()
}

impl Policy {
    /// The policy of a decoded `Policy` document; problems for rules without a valid level.
    pub fn from_node(file: &str, doc: &Node, problems: &mut Vec<Problem>) -> Policy {
        let mut rules = Vec::new();
        for r in doc.get("rules").and_then(Node::as_seq).unwrap_or(&[]) {
            let at = key_at(file, r, "level");
            let level = match r.get("level").and_then(Node::as_str).and_then(Level::parse) {
                Some(l) => l,
                None => {
                    let (line, col) = match &at {
                        Where::File { line, column, .. } => (Some(*line), Some(*column)),
                        _ => (None, None),
                    };
                    problems.push(Problem::error(
                        file,
                        line,
                        col,
                        "audit rule without a valid level (None, Metadata, Request, RequestResponse): the API server refuses the policy",
                    ));
                    continue;
                }
            };
            rules.push(Rule {
                level,
                users: strings(r.get("users")),
                user_groups: strings(r.get("userGroups")),
                verbs: strings(r.get("verbs")),
                resources: r
                    .get("resources")
                    .and_then(Node::as_seq)
                    .unwrap_or(&[])
                    .iter()
                    .map(|g| GroupResources {
                        group: g.get("group").and_then(Node::as_str).unwrap_or("").to_owned(),
                        resources: strings(g.get("resources")),
                        resource_names: strings(g.get("resourceNames")),
                    })
                    .collect(),
                namespaces: strings(r.get("namespaces")),
                non_resource_urls: strings(r.get("nonResourceURLs")),
                omit_stages: strings(r.get("omitStages")),
                at,
            });
        }
        Policy {
            rules,
            omit_stages: strings(doc.get("omitStages")),
            at: key_at(file, doc, "rules"),
        }
    }

    /// The level of a request and the rule that set it (`None` when no rule matches). A rule
    /// whose omitted stages (with the policy's) include both RequestReceived and
    /// ResponseComplete writes no event for a completed request: `Level::None`.
    pub fn level(&self, r: &Request) -> (Level, Option<&Rule>) {
        match self.rules.iter().find(|rule| rule.matches(r)) {
            None => (Level::None, None),
            Some(rule) => {
                let omitted = |s: &str| {
                    self.omit_stages.iter().any(|o| o == s) || rule.omit_stages.iter().any(|o| o == s)
                };
                if omitted("RequestReceived") && omitted("ResponseComplete") {
                    (Level::None, Some(rule))
                } else {
                    (rule.level, Some(rule))
                }
            }
        }
    }
}

impl Rule {
    /// `ruleMatches` of the API server's policy checker, for a resource request.
    pub fn matches(&self, r: &Request) -> bool {
        if !self.users.is_empty() && !self.users.iter().any(|u| u == r.user) {
            return false;
        }
        if !self.user_groups.is_empty() && !r.groups.iter().any(|g| self.user_groups.iter().any(|x| x == g)) {
            return false;
        }
        if !self.verbs.is_empty() && !self.verbs.iter().any(|v| v == r.verb) {
            return false;
        }
        if !self.namespaces.is_empty() || !self.resources.is_empty() {
            return self.matches_resource(r);
        }
        if !self.non_resource_urls.is_empty() {
            // a rule for non-resource URLs never matches a resource request
            return false;
        }
        true
    }

    /// Whether some request for `resource` in `api_group` (no subresource) can match the
    /// rule, whoever makes it: the rules whose users, groups, verbs, namespaces and names
    /// tell such requests apart.
    fn could_match(&self, api_group: &str, resource: &str) -> bool {
        if self.namespaces.is_empty() && self.resources.is_empty() {
            return self.non_resource_urls.is_empty();
        }
        if self.resources.is_empty() {
            return true;
        }
        self.resources.iter().any(|gr| {
            gr.group == api_group
                && (gr.resources.is_empty()
                    || gr
                        .resources
                        .iter()
                        .any(|res| res == resource || res == "*" || res.strip_suffix("/*") == Some(resource)))
        })
    }

    fn matches_resource(&self, r: &Request) -> bool {
        if !self.namespaces.is_empty() && !self.namespaces.iter().any(|n| n == r.namespace) {
            return false;
        }
        if self.resources.is_empty() {
            return true;
        }
        let combined = if r.subresource.is_empty() {
            r.resource.to_owned()
        } else {
            format!("{}/{}", r.resource, r.subresource)
        };
        for gr in &self.resources {
            if gr.group != r.api_group {
                continue;
            }
            if gr.resources.is_empty() {
                return true;
            }
            for res in &gr.resources {
                if !gr.resource_names.is_empty() && !gr.resource_names.iter().any(|n| n == r.name) {
                    continue;
                }
                if *res == combined
                    || res == "*"
                    || (!r.subresource.is_empty() && *res == format!("*/{}", r.subresource))
                    || res.strip_suffix("/*").is_some_and(|base| base == r.resource)
                {
                    return true;
                }
            }
        }
        false
    }
}

/// Every level a policy gives requests on one resource, with a witness request for each:
/// requests built from every value the policy names (users, groups, verbs, namespaces,
/// resource names) plus one it does not, so that each class of requests the rules tell apart
/// is tried.
pub fn levels_for(p: &Policy, api_group: &str, resource: &str) -> Vec<(Level, String, Option<Where>)> {
    let mut verbs: Vec<String> = [
        "get",
        "list",
        "watch",
        "create",
        "update",
        "patch",
        "delete",
        "deletecollection",
    ]
    .iter()
    .map(|s| (*s).to_owned())
    .collect();
    let mut users = vec!["palisade:any-user".to_owned()];
    let mut groups: Vec<Option<String>> = vec![None];
    let mut namespaces = vec!["palisade-any-namespace".to_owned(), String::new()];
    let mut names = vec![String::new(), "palisade-any-name".to_owned()];
    // Only the rules a request for this resource can match divide such requests into
    // classes (the others never decide their level): their values are the ones to try.
    for r in p.rules.iter().filter(|r| r.could_match(api_group, resource)) {
        verbs.extend(r.verbs.iter().cloned());
        users.extend(r.users.iter().cloned());
        groups.extend(r.user_groups.iter().cloned().map(Some));
        namespaces.extend(r.namespaces.iter().cloned());
        for g in &r.resources {
            names.extend(g.resource_names.iter().cloned());
        }
    }
    for v in [&mut verbs, &mut users, &mut namespaces, &mut names] {
        v.sort();
        v.dedup();
    }
    groups.sort();
    groups.dedup();
    let mut out: Vec<(Level, String, Option<Where>)> = Vec::new();
    for verb in &verbs {
        for user in &users {
            for g in &groups {
                let gs: Vec<&str> = g.iter().map(String::as_str).collect();
                for ns in &namespaces {
                    for name in &names {
                        let req = Request {
                            user,
                            groups: &gs,
                            verb,
                            namespace: ns,
                            api_group,
                            resource,
                            subresource: "",
                            name,
                        };
                        let (level, rule) = p.level(&req);
                        if out.iter().any(|(l, _, _)| *l == level) {
                            continue;
                        }
                        let mut who = format!("{verb} by ");
                        who.push_str(if user == "palisade:any-user" {
                            "any user"
                        } else {
                            user
                        });
                        if let Some(g) = g {
                            who.push_str(&format!(" in group {g}"));
                        }
                        match ns.as_str() {
                            "" => who.push_str(" across all namespaces"),
                            "palisade-any-namespace" => who.push_str(" in any namespace"),
                            n => who.push_str(&format!(" in namespace {n}")),
                        }
                        if !name.is_empty() && name != "palisade-any-name" {
                            who.push_str(&format!(" named {name}"));
                        }
                        out.push((level, who, rule.map(|r| r.at.clone())));
                    }
                }
            }
        }
    }
    out.sort_by_key(|a| std::cmp::Reverse(a.0));
    out
}

/// The policy file: `Err(verdict)` when there is nothing to evaluate.
fn policy(ctx: &Ctx) -> Result<(String, Policy), Box<Verdict>> {
    if !ctx.apiserver().present() {
        return Err(Box::new(Verdict::not_applicable(
            "kube-apiserver is not on this node",
        )));
    }
    let Some((path, flag_at)) = ctx.path_flag(Kind::Apiserver, "audit-policy-file") else {
        return Err(Box::new(Verdict {
            status: Some(Status::Fail),
            reason: Some("without --audit-policy-file the API server writes no audit events".into()),
            actual: "--audit-policy-file not set".into(),
            location: ctx.anchor(Kind::Apiserver),
            remediation: REMEDIATION.into(),
            ..Verdict::default()
        }));
    };
    match read_kind(ctx.facts, &path, &KINDS) {
        Ok(Some(doc)) => {
            let mut ignored = Vec::new();
            Ok((path.clone(), Policy::from_node(&path, &doc, &mut ignored)))
        }
        Ok(None) => Err(Box::new(Verdict {
            status: Some(Status::Fail),
            reason: Some("the API server does not start with a missing audit policy".into()),
            actual: format!("{path} does not exist on the node"),
            location: Some(flag_at),
            remediation: REMEDIATION.into(),
            ..Verdict::default()
        })),
        Err(_) => Err(Box::new(Verdict {
            status: Some(Status::Fail),
            reason: Some("the API server does not start with an invalid audit policy".into()),
            actual: format!("{path} is not a usable audit Policy (see the input errors)"),
            location: Some(Where::Path { file: path }),
            remediation: REMEDIATION.into(),
            ..Verdict::default()
        })),
    }
}

const REMEDIATION: &str = "Give the API server --audit-policy-file with a Policy whose first rules log secrets, configmaps and tokenreviews at Metadata, and --audit-log-path (with --audit-log-maxage/-maxbackup/-maxsize) or --audit-webhook-config-file.";

// ---- NODE401 ----

fn in_use(ctx: &Ctx) -> Verdict {
    let (path, _) = match policy(ctx) {
        Ok(x) => x,
        Err(v) => return *v,
    };
    let api = ctx.apiserver();
    let backend = api
        .flag("audit-log-path")
        .filter(|(v, _)| !v.is_empty())
        .map(|(v, w)| (format!("--audit-log-path={v}"), w))
        .or_else(|| {
            api.flag("audit-webhook-config-file")
                .filter(|(v, _)| !v.is_empty())
                .map(|(v, w)| (format!("--audit-webhook-config-file={v}"), w))
        });
    let items = vec![match backend {
        Some((b, w)) => Item::new(Status::Pass, path, Some(format!("used, {b}")), Some(w)),
        None => Item::new(
            Status::Fail,
            path,
            Some("no --audit-log-path or --audit-webhook-config-file".into()),
            ctx.anchor(Kind::Apiserver),
        )
        .note("the policy is loaded but no backend writes the events"),
    }];
    verdict_of(items, "", REMEDIATION.into())
}

// ---- NODE402 ----

/// (API group, resource, what a body-level entry means, fail on Request+, fail when never logged)
const SENSITIVE: [(&str, &str, &str, bool, bool); 3] = [
    (
        "",
        "secrets",
        "Secret values would be written to the audit log",
        true,
        true,
    ),
    (
        "authentication.k8s.io",
        "tokenreviews",
        "the bearer tokens under review would be written to the audit log",
        true,
        false,
    ),
    (
        "",
        "configmaps",
        "ConfigMap contents (often credentials) would be written to the audit log",
        false,
        false,
    ),
];

fn sensitive(ctx: &Ctx) -> Verdict {
    let (_, p) = match policy(ctx) {
        Ok(x) => x,
        Err(v) => {
            if v.status == Some(Status::NotApplicable) {
                return *v;
            }
            return Verdict::not_applicable(format!("{} (NODE401 reports it)", v.actual));
        }
    };
    let mut items = Vec::new();
    for (group, resource, why, fail_body, fail_unlogged) in SENSITIVE {
        let label = if group.is_empty() {
            resource.to_owned()
        } else {
            format!("{resource}.{group}")
        };
        let levels = levels_for(&p, group, resource);
        let worst = &levels[0];
        let all_none = levels.iter().all(|(l, _, _)| *l == Level::None);
        let some_none = levels.iter().find(|(l, _, _)| *l == Level::None);
        let found: Vec<&str> = levels.iter().map(|(l, _, _)| l.as_str()).collect();
        let value = format!("levels {}", found.join(", "));
        let fallback = Some(p.at.clone());
        let item = if worst.0 >= Level::Request {
            let s = if fail_body { Status::Fail } else { Status::Warn };
            Item::new(
                s,
                label,
                Some(format!("{value}; {} for {}", worst.0.as_str(), worst.1)),
                worst.2.clone().or(fallback),
            )
            .note(format!("logged at {}: {why}", worst.0.as_str()))
        } else if all_none {
            let s = if fail_unlogged { Status::Fail } else { Status::Warn };
            Item::new(
                s,
                label,
                Some("never logged".into()),
                worst.2.clone().or(fallback),
            )
            .note(format!("no rule logs {resource}: access to them leaves no trace"))
        } else if let Some((_, who, at)) = some_none {
            Item::new(
                Status::Warn,
                label,
                Some(format!("{value}; None for {who}")),
                at.clone().or(fallback),
            )
            .note(format!("some requests on {resource} are not logged"))
        } else {
            Item::new(Status::Pass, label, Some(value), worst.2.clone().or(fallback))
        };
        items.push(item);
    }
    verdict_of(items, "", "Put a rule `level: Metadata` for secrets, configmaps (group \"\") and tokenreviews (group authentication.k8s.io) before any rule that logs them at Request or RequestResponse (the first matching rule wins).".into())
}

/// The problems of the policy file (not YAML, wrong kind, a rule without a level).
pub fn problems(ctx: &Ctx) -> Vec<Problem> {
    if !ctx.apiserver().present() {
        return Vec::new();
    }
    let Some((p, _)) = ctx.path_flag(Kind::Apiserver, "audit-policy-file") else {
        return Vec::new();
    };
    match read_kind(ctx.facts, &p, &KINDS) {
        Err(e) => e,
        Ok(Some(doc)) => {
            let mut v = Vec::new();
            Policy::from_node(&p, &doc, &mut v);
            v
        }
        Ok(None) => Vec::new(),
    }
}

pub static CHECKS: [ExtraDef; 2] = [
    ExtraDef {
        code: "NODE401",
        name: "audit-policy-in-use",
        group: "N.4",
        title: "An audit policy is loaded and its events are written somewhere",
        scored: true,
        pass_condition: "--audit-policy-file names an existing Policy, and --audit-log-path or --audit-webhook-config-file is set",
        cis: &["3.2.1", "1.2.16"],
        doc: "Reads: the API server's --audit-policy-file, the file, --audit-log-path and --audit-webhook-config-file.\n\nWhy: without a policy the API server audits nothing; a policy without a backend audits into the void. CIS 3.2.1 checks only that the flag is present.\n\nDecided: the flag absent fails (at the API server's command); the file missing fails (at the flag); a file that is not YAML or not `kind: Policy`, or a rule without a valid level, is a located error and fails; no log or webhook backend fails.\n\nFix: --audit-policy-file with a Policy, and --audit-log-path (CIS 1.2.16–1.2.19) or a webhook backend.",
        run: in_use,
    },
    ExtraDef {
        code: "NODE402",
        name: "audit-sensitive-resources-metadata",
        group: "N.4",
        title: "Secrets, TokenReviews and ConfigMaps are audited at Metadata, never with their bodies",
        scored: true,
        pass_condition: "every request on secrets, tokenreviews and configmaps is logged at Metadata",
        cis: &["3.2.2"],
        doc: "Reads: the rules of the audit Policy.\n\nWhy: at Request or RequestResponse level the audit log contains the request and response bodies — the values of Secrets, the tokens of TokenReviews — so the log becomes a copy of every credential. At None the access leaves no trace. CIS 3.2.2 (manual) asks for Metadata on these resources.\n\nDecided: the policy is evaluated as the API server does — rules in order, the first match sets the level, no match is None; users, userGroups, verbs, namespaces and resources combine with AND, an empty list matches anything, `resources` entries match within the exact group (`*`, `*/sub`, `res/*` also matching `res`), resourceNames restrict names, nonResourceURLs rules never match a resource request; omitStages of the policy and the rule together omitting RequestReceived and ResponseComplete means nothing is written. Requests are tried for every verb, user, group, namespace and resource name named by the rules that can match the resource, plus ones no rule names. Secrets or tokenreviews at Request/RequestResponse fail; secrets never logged fail; configmaps at Request+ and partial None warn. Located at the level of the deciding rule.\n\nFix: a `level: Metadata` rule for these resources before any broader Request/RequestResponse rule.",
        run: sensitive,
    },
];

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(yaml: &str) -> Policy {
        let d = palisade_source::yaml::decode(yaml, 0).unwrap();
        let mut problems = Vec::new();
        let p = Policy::from_node("/p.yaml", &d.docs[0], &mut problems);
        assert!(problems.is_empty(), "{problems:?}");
        p
    }

    fn req<'a>(resource: &'a str, sub: &'a str, name: &'a str, groups: &'a [&'a str]) -> Request<'a> {
        Request {
            user: "alice",
            groups,
            verb: "get",
            namespace: "default",
            api_group: "",
            resource,
            subresource: sub,
            name,
        }
    }

    #[test]
    fn rule_matching_follows_the_api_server() {
        let p = policy(
            "rules:\n- level: None\n  nonResourceURLs: ['/healthz']\n- level: Request\n  resources:\n  - group: ''\n    resources: ['*/log']\n- level: RequestResponse\n  resources:\n  - group: ''\n    resources: [secrets]\n    resourceNames: [db]\n- level: Metadata\n  userGroups: [devs]\n  namespaces: [default]\n- level: None\n  resources:\n  - group: apps\n",
        );
        let l = |r: &Request| p.level(r).0;
        // a nonResourceURLs rule never matches a resource request
        assert_eq!(l(&req("pods", "", "", &[])), Level::None);
        // `*/log` matches any resource's log subresource, not the resource
        assert_eq!(l(&req("pods", "log", "x", &[])), Level::Request);
        // resourceNames restrict the names
        assert_eq!(l(&req("secrets", "", "db", &[])), Level::RequestResponse);
        assert_eq!(l(&req("secrets", "", "other", &["devs"])), Level::Metadata);
        // a request without the group does not match userGroups
        assert_eq!(l(&req("secrets", "", "other", &["ops"])), Level::None);
        // resources match within the exact group
        let mut r = req("deployments", "", "", &["devs"]);
        r.api_group = "apps";
        r.namespace = "prod";
        assert_eq!(l(&r), Level::None);
        // `res/*` matches the resource itself too (the API server's TrimSuffix)
        let q =
            policy("rules:\n- level: Request\n  resources:\n  - group: ''\n    resources: ['secrets/*']\n");
        assert_eq!(q.level(&req("secrets", "", "", &[])).0, Level::Request);
        assert_eq!(q.level(&req("configmaps", "", "", &[])).0, Level::None);
    }
}
