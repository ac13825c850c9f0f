//! `palisade audit policy lint`: what is wrong with an Audit Policy, each finding located at
//! the rule (file:line:column) that decides it, with a stable code (`APOL001`…) whose
//! documentation `palisade explain` prints. Every check evaluates the policy with the one
//! evaluator ([`super::Policy::evaluate`]) on witness requests ([`super::probe`]), so a
//! finding is a request the API server would really log that way. Pure: no I/O.

use super::probe::{levels, Probe, Witness};
use super::{path_matches, resource_matches, GroupResources, Policy, Rule};
use crate::event::{Level, Stage};
use palisade_core::{Check, Pos, Reference, RuleMeta, Scope, Severity};

/// One lint finding.
#[derive(Clone, Debug)]
pub struct LintFinding {
    pub rule: &'static RuleMeta,
    pub pos: Pos,
    /// The policy rule (0-based) the finding is about, if one.
    pub policy_rule: Option<usize>,
    pub message: String,
}

macro_rules! lint_rule {
    ($id:ident, $code:literal, $name:literal, $sev:ident, $summary:literal, $fix:literal, [$($r:expr),*], $docs:literal) => {
        pub static $id: RuleMeta = RuleMeta {
            code: $code,
            name: $name,
            severity: Severity::$sev,
            group: "audit-policy",
            summary: $summary,
            remediation: $fix,
            docs: $docs,
            references: &[$($r),*],
            requires_option: None,
            scope: Scope::Object,
            check: Check::Engine,
        };
    };
}

lint_rule!(
    SENSITIVE_BODIES,
    "APOL001",
    "audit-sensitive-bodies",
    High,
    "Secrets, ConfigMaps, TokenReviews or TokenRequests are logged with their bodies",
    "Put a `level: Metadata` rule for secrets, configmaps, serviceaccounts/token (group \"\") and tokenreviews (authentication.k8s.io) before any rule that logs them at Request or RequestResponse.",
    [Reference::Cis("3.2.2"), Reference::Url("https://kubernetes.io/docs/tasks/debug/debug-cluster/audit/")],
    "## What it does\nFlags a policy under which some request on `secrets`, `configmaps`, `serviceaccounts/token` (TokenRequest) or `tokenreviews.authentication.k8s.io` is logged at `Request` or `RequestResponse`. Requests are tried for every verb, user, group, namespace and name the rules tell apart; the finding is at the rule that decides.\n\n## Why is this bad?\nAt `Request` the audit event carries the request body, at `RequestResponse` the response too: Secret values, the bearer token under review, a freshly issued ServiceAccount token. The audit log becomes a copy of every credential, readable by whoever reads the logs.\n\n## Example\n```yaml\nrules:\n- level: RequestResponse   # logs Secret values\n```\n\n## Fix\n```yaml\nrules:\n- level: Metadata\n  resources:\n  - group: \"\"\n    resources: [secrets, configmaps, serviceaccounts/token]\n  - group: authentication.k8s.io\n    resources: [tokenreviews]\n- level: RequestResponse\n```"
);

lint_rule!(
    EXEC_UNRECORDED,
    "APOL002",
    "audit-exec-unrecorded",
    High,
    "Some pods/exec, pods/attach or pods/portforward requests are not logged",
    "Log pods/exec, pods/attach and pods/portforward (verbs create and get) at Metadata or higher, in a rule before any `level: None` rule that matches them.",
    [Reference::Cis("3.2.2"), Reference::Mitre("T1609")],
    "## What it does\nFlags a policy under which some `create` or `get` (WebSocket) request on `pods/exec`, `pods/attach` or `pods/portforward` gets level `None`.\n\n## Why is this bad?\nA shell in a running container is the most common step after stolen credentials (MITRE ATT&CK T1609). Without an event nobody can say who ran what where; the command is only in the `requestURI` of that event.\n\n## Example\n```yaml\nrules:\n- level: None\n  verbs: [get, create]\n```\n\n## Fix\nA rule `level: Metadata` (or Request) for `pods/exec`, `pods/attach`, `pods/portforward` before the rules that drop requests."
);

lint_rule!(
    RBAC_UNRECORDED,
    "APOL003",
    "audit-rbac-unrecorded",
    High,
    "Some changes to Roles, ClusterRoles or their bindings are not logged",
    "Log writes (create, update, patch, delete, deletecollection) to rbac.authorization.k8s.io at Metadata or higher, before any `level: None` rule that matches them.",
    [Reference::Cis("3.2.2"), Reference::Mitre("T1098")],
    "## What it does\nFlags a policy under which some create, update, patch, delete or deletecollection of `roles`, `clusterroles`, `rolebindings` or `clusterrolebindings` (`rbac.authorization.k8s.io`) gets level `None`.\n\n## Why is this bad?\nGranting oneself permissions is how an intruder persists and escalates (MITRE ATT&CK T1098). A change to RBAC that leaves no audit event cannot be attributed or reverted with confidence.\n\n## Example\n```yaml\nrules:\n- level: None\n  users: [\"system:serviceaccount:ci:deployer\"]\n```\n\n## Fix\nA rule `level: RequestResponse` for group `rbac.authorization.k8s.io` near the top of the policy."
);

lint_rule!(
    SHADOWED_RULE,
    "APOL004",
    "audit-shadowed-rule",
    Medium,
    "A rule can never match: an earlier rule matches every request it would",
    "Move the rule before the rule that shadows it, or delete it.",
    [Reference::Url("https://kubernetes.io/docs/tasks/debug/debug-cluster/audit/#audit-policy")],
    "## What it does\nFlags a rule that no request can reach: an earlier rule matches every request it matches (its users, groups, verbs, namespaces, resources and non-resource URLs each include the later rule's), and the first matching rule wins.\n\n## Why is this bad?\nThe author meant the rule to apply; it never does. Typically a `level: Metadata` rule for Secrets placed after a broad `level: RequestResponse` rule, so Secret bodies are logged after all.\n\n## Example\n```yaml\nrules:\n- level: RequestResponse\n  resources: [{group: \"\"}]\n- level: Metadata          # never reached\n  resources: [{group: \"\", resources: [secrets]}]\n```\n\n## Fix\nOrder rules from the most specific to the most general."
);

lint_rule!(
    NO_CATCH_ALL,
    "APOL005",
    "audit-no-catch-all",
    Low,
    "No catch-all rule: requests no rule names are not logged",
    "End the policy with a rule that sets only a level (`- level: Metadata`).",
    [Reference::Url("https://kubernetes.io/docs/tasks/debug/debug-cluster/audit/#audit-policy")],
    "## What it does\nFlags a policy with no rule that matches every request (one that sets none of users, userGroups, verbs, namespaces, resources and nonResourceURLs).\n\n## Why is this bad?\nA request no rule matches gets level `None` and leaves no trace. New resources (CRDs, new API groups) and unforeseen verbs fall through silently.\n\n## Example\n```yaml\nrules:\n- level: Metadata\n  resources: [{group: \"\", resources: [secrets]}]\n```\n\n## Fix\n```yaml\n- level: Metadata   # last: everything else\n```"
);

lint_rule!(
    REQUEST_RECEIVED_KEPT,
    "APOL006",
    "audit-request-received-kept",
    Low,
    "RequestReceived is not omitted: most requests are logged twice",
    "Add `omitStages: [RequestReceived]` at the top of the policy.",
    [Reference::Url("https://kubernetes.io/docs/tasks/debug/debug-cluster/audit/#audit-policy")],
    "## What it does\nFlags a policy that neither omits the `RequestReceived` stage for the whole policy nor in every rule that logs.\n\n## Why is this bad?\nEvery logged request then writes an event when it arrives and another when it completes: about twice the log volume, and the second event has everything the first has plus the response status.\n\n## Example\n```yaml\napiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n- level: Metadata\n```\n\n## Fix\n```yaml\nomitStages: [RequestReceived]\n```"
);

lint_rule!(
    MINIMAL_POLICY,
    "APOL007",
    "audit-policy-logs-nothing",
    High,
    "The policy logs nothing (CIS 3.2.1: a minimal audit policy)",
    "Add rules that log requests at Metadata or higher; at least a final `- level: Metadata`.",
    [Reference::Cis("3.2.1")],
    "## What it does\nFlags a policy whose rules all have level `None` (or omit both the RequestReceived and ResponseComplete stages), so no request is ever written. CIS 3.2.1 asks for a minimal audit policy; a policy that records nothing does not meet it.\n\n## Why is this bad?\nWith nothing logged there is no record of who did what in the cluster.\n\n## Example\n```yaml\nrules:\n- level: None\n```\n\n## Fix\nThe upstream example policy, or at least `- level: Metadata` as the last rule."
);

lint_rule!(
    KEY_CONCERNS,
    "APOL008",
    "audit-key-concerns-uncovered",
    Medium,
    "The policy misses a key security concern of CIS 3.2.2",
    "Log Secret access, pod and deployment changes and pods/proxy, services/proxy at Metadata or higher.",
    [Reference::Cis("3.2.2")],
    "## What it does\nCIS 3.2.2 asks that the policy covers: access to Secrets, modification of pods and deployments, and the use of pods/exec, pods/portforward, pods/proxy and services/proxy. Flags each of Secret access (any verb), pod or deployment changes (create, update, patch, delete) and pods/proxy or services/proxy that some request reaches at level `None` (exec and portforward are APOL002).\n\n## Why is this bad?\nThese are the requests an incident review needs first: who read credentials, who changed what runs, who opened a tunnel into the cluster.\n\n## Example\n```yaml\nrules:\n- level: None\n  resources: [{group: \"\", resources: [secrets]}]\n- level: Metadata\n```\n\n## Fix\nLog them at Metadata (Secrets: Metadata only, see APOL001)."
);

/// Every lint rule, in code order.
pub static RULES: [&RuleMeta; 8] = [
    &SENSITIVE_BODIES,
    &EXEC_UNRECORDED,
    &RBAC_UNRECORDED,
    &SHADOWED_RULE,
    &NO_CATCH_ALL,
    &REQUEST_RECEIVED_KEPT,
    &MINIMAL_POLICY,
    &KEY_CONCERNS,
];

/// The lint rule with this code or name (case-insensitive).
pub fn find(id: &str) -> Option<&'static RuleMeta> {
    RULES
        .iter()
        .copied()
        .find(|r| r.code.eq_ignore_ascii_case(id) || r.name.eq_ignore_ascii_case(id))
}

/// Every finding of the policy, in file order.
pub fn lint(p: &Policy) -> Vec<LintFinding> {
    let mut out = Vec::new();
    sensitive(p, &mut out);
    unrecorded(
        p,
        &EXEC_UNRECORDED,
        &[
            ("", "pods", "exec"),
            ("", "pods", "attach"),
            ("", "pods", "portforward"),
        ],
        &["create", "get"],
        &mut out,
    );
    let rbac = "rbac.authorization.k8s.io";
    unrecorded(
        p,
        &RBAC_UNRECORDED,
        &[
            (rbac, "roles", ""),
            (rbac, "clusterroles", ""),
            (rbac, "rolebindings", ""),
            (rbac, "clusterrolebindings", ""),
        ],
        &["create", "update", "patch", "delete", "deletecollection"],
        &mut out,
    );
    shadowed(p, &mut out);
    if !p.rules.is_empty() && !p.rules.iter().any(Rule::is_catch_all) {
        out.push(LintFinding {
            rule: &NO_CATCH_ALL,
            pos: known(p.rules_pos, p.pos),
            policy_rule: None,
            message:
                "no rule matches every request: requests no rule names get level None and are not logged"
                    .into(),
        });
    }
    let writes = |r: &Rule| r.level != Level::None && !writes_nothing(p, r);
    if !p.omit_stages.contains(&Stage::RequestReceived) {
        let keep: Vec<usize> = p
            .rules
            .iter()
            .enumerate()
            .filter(|(_, r)| writes(r) && !r.omit_stages.contains(&Stage::RequestReceived))
            .map(|(i, _)| i + 1)
            .collect();
        if !keep.is_empty() {
            out.push(LintFinding {
                rule: &REQUEST_RECEIVED_KEPT,
                pos: known(p.omit_stages_pos, p.pos),
                policy_rule: None,
                message: format!(
                    "RequestReceived is not omitted (rules {}): each request they log is written twice",
                    list(&keep)
                ),
            });
        }
    }
    if !p.rules.iter().any(writes) {
        out.push(LintFinding {
            rule: &MINIMAL_POLICY,
            pos: known(p.rules_pos, p.pos),
            policy_rule: None,
            message: "no rule writes an event: every rule has level None or omits both RequestReceived and ResponseComplete".into(),
        });
    }
    concerns(p, &mut out);
    out.sort_by_key(|f| (f.pos, f.rule.code));
    out
}

fn known(a: Pos, b: Pos) -> Pos {
    if a.is_known() {
        a
    } else {
        b
    }
}

fn list(v: &[usize]) -> String {
    v.iter().map(|i| format!("#{i}")).collect::<Vec<_>>().join(", ")
}

/// A rule that omits both first and last stage writes no event for a completed request.
fn writes_nothing(p: &Policy, r: &Rule) -> bool {
    let om = |s: Stage| p.omit_stages.contains(&s) || r.omit_stages.contains(&s);
    om(Stage::RequestReceived) && om(Stage::ResponseComplete)
}

/// Where a witness's level was decided: its rule, or the `rules` key when none matched.
fn at(p: &Policy, w: &Witness) -> (Pos, Option<usize>) {
    match w.decision.rule {
        Some(i) => (p.rules[i].pos, Some(i)),
        None => (known(p.rules_pos, p.pos), None),
    }
}

fn label(group: &str, resource: &str, sub: &str) -> String {
    let mut s = resource.to_owned();
    if !sub.is_empty() {
        s.push('/');
        s.push_str(sub);
    }
    if !group.is_empty() {
        s.push('.');
        s.push_str(group);
    }
    s
}

fn rule_name(i: Option<usize>) -> String {
    match i {
        Some(i) => format!("rule #{}", i + 1),
        None => "no rule matches, so".into(),
    }
}

fn sensitive(p: &Policy, out: &mut Vec<LintFinding>) {
    const WHAT: [(&str, &str, &str, &str); 4] = [
        ("", "secrets", "", "Secret values"),
        ("", "configmaps", "", "ConfigMap contents (often credentials)"),
        ("", "serviceaccounts", "token", "issued ServiceAccount tokens"),
        (
            "authentication.k8s.io",
            "tokenreviews",
            "",
            "the bearer tokens under review",
        ),
    ];
    for (g, r, s, why) in WHAT {
        let ws = levels(
            p,
            &Probe {
                api_group: g,
                resource: r,
                subresource: s,
                verbs: &[],
            },
        );
        if let Some(w) = ws.first().filter(|w| w.level >= Level::Request) {
            let (pos, i) = at(p, w);
            out.push(LintFinding {
                rule: &SENSITIVE_BODIES,
                pos,
                policy_rule: i,
                message: format!(
                    "{} logs {} at {} ({}): {why} would be written to the audit log",
                    rule_name(i),
                    label(g, r, s),
                    w.level,
                    w.request
                ),
            });
        }
    }
}

fn unrecorded(
    p: &Policy,
    meta: &'static RuleMeta,
    what: &[(&str, &str, &str)],
    verbs: &[&str],
    out: &mut Vec<LintFinding>,
) {
    for (g, r, s) in what {
        let ws = levels(
            p,
            &Probe {
                api_group: g,
                resource: r,
                subresource: s,
                verbs,
            },
        );
        if let Some(w) = ws.iter().find(|w| w.level == Level::None) {
            let (pos, i) = at(p, w);
            out.push(LintFinding {
                rule: meta,
                pos,
                policy_rule: i,
                message: format!(
                    "{} gives {} level None ({}): such requests leave no trace",
                    rule_name(i),
                    label(g, r, s),
                    w.request
                ),
            });
        }
    }
}

fn concerns(p: &Policy, out: &mut Vec<LintFinding>) {
    let modify: &[&str] = &["create", "update", "patch", "delete"];
    let checks: [(&str, &str, &str, &[&str], &str); 5] = [
        ("", "secrets", "", &[], "access to Secrets"),
        ("", "pods", "", modify, "changes to pods"),
        ("apps", "deployments", "", modify, "changes to deployments"),
        ("", "pods", "proxy", &["get", "create"], "pods/proxy"),
        ("", "services", "proxy", &["get", "create"], "services/proxy"),
    ];
    for (g, r, s, verbs, what) in checks {
        let ws = levels(
            p,
            &Probe {
                api_group: g,
                resource: r,
                subresource: s,
                verbs,
            },
        );
        if let Some(w) = ws.iter().find(|w| w.level == Level::None) {
            let (pos, i) = at(p, w);
            out.push(LintFinding {
                rule: &KEY_CONCERNS,
                pos,
                policy_rule: i,
                message: format!(
                    "{what} ({}) is not logged: {} gives it level None ({})",
                    label(g, r, s),
                    rule_name(i),
                    w.request
                ),
            });
        }
    }
}

fn shadowed(p: &Policy, out: &mut Vec<LintFinding>) {
    for (j, later) in p.rules.iter().enumerate() {
        if let Some(i) = (0..j).find(|&i| covers(&p.rules[i], later)) {
            out.push(LintFinding {
                rule: &SHADOWED_RULE,
                pos: later.pos,
                policy_rule: Some(j),
                message: format!(
                    "rule #{} (level {}) can never match: rule #{} at line {} (level {}) matches every request it would",
                    j + 1,
                    later.level,
                    i + 1,
                    p.rules[i].pos.line,
                    p.rules[i].level
                ),
            });
        }
    }
}

/// `a` (any list) includes `b` (any list): `a` is empty, or `b` is non-empty and a subset.
fn includes(a: &[String], b: &[String]) -> bool {
    a.is_empty() || (!b.is_empty() && b.iter().all(|x| a.contains(x)))
}

/// Whether every request `b` matches is matched by `a` (a sufficient test: each field of `a`
/// includes `b`'s).
pub fn covers(a: &Rule, b: &Rule) -> bool {
    if !includes(&a.users, &b.users)
        || !includes(&a.user_groups, &b.user_groups)
        || !includes(&a.verbs, &b.verbs)
    {
        return false;
    }
    if a.is_resource_rule() {
        b.is_resource_rule()
            && includes(&a.namespaces, &b.namespaces)
            && (a.resources.is_empty()
                || (!b.resources.is_empty()
                    && b.resources
                        .iter()
                        .all(|bg| a.resources.iter().any(|ag| group_covers(ag, bg)))))
    } else if a.is_non_resource_rule() {
        b.is_non_resource_rule()
            && b.non_resource_urls
                .iter()
                .all(|u| a.non_resource_urls.iter().any(|s| url_covers(s, u)))
    } else {
        true
    }
}

fn group_covers(a: &GroupResources, b: &GroupResources) -> bool {
    if a.group != b.group {
        return false;
    }
    if a.resources.is_empty() {
        return true;
    }
    if b.resources.is_empty() {
        return a.resource_names.is_empty() && a.resources.iter().any(|r| r == "*");
    }
    includes(&a.resource_names, &b.resource_names)
        && b.resources
            .iter()
            .all(|br| a.resources.iter().any(|ar| pattern_covers(ar, br)))
}

/// Whether resources entry `a` matches every request entry `b` matches.
fn pattern_covers(a: &str, b: &str) -> bool {
    if a == "*" || a == b {
        return true;
    }
    if b == "*" {
        return false;
    }
    match b.split_once('/') {
        // `b` is a plain resource: `a` = `b/*` matches it too.
        None => resource_matches(a, b, ""),
        Some((res, sub)) => {
            if res == "*" {
                // `*/sub`: only `*/sub` or `*` cover it.
                false
            } else if sub == "*" {
                // `res/*`: `res` and all its subresources.
                a == b
            } else {
                resource_matches(a, res, sub)
            }
        }
    }
}

/// Whether non-resource entry `a` matches every path entry `b` matches.
fn url_covers(a: &str, b: &str) -> bool {
    if a == "*" {
        return true;
    }
    if b == "*" {
        return false;
    }
    if b.ends_with('*') {
        a.ends_with('*') && b.trim_end_matches('*').starts_with(a.trim_end_matches('*'))
    } else {
        path_matches(b, a)
    }
}
