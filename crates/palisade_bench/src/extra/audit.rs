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
use palisade_audit::policy::probe::{self, Probe};
use palisade_audit::policy::{load, Decision, DiagnosticLevel, Policy};
use palisade_audit::{Level, Stage};
use palisade_core::Node;

const KINDS: [&str; 1] = ["Policy"];

/// The policy of a decoded `Policy` document, evaluated by palisade_audit's evaluator (the
/// one of `palisade audit policy`); its validation errors become problems of the file.
pub fn policy_of(file: &str, doc: &Node, problems: &mut Vec<Problem>) -> Option<Policy> {
    let (p, diags) = load::from_node(file, doc);
    for d in diags.into_iter().filter(|d| d.level == DiagnosticLevel::Error) {
        let known = d.pos.is_known();
        problems.push(Problem::error(
            file,
            known.then_some(d.pos.line),
            known.then_some(d.pos.col),
            d.message,
        ));
    }
    p
}

fn rule_at(p: &Policy, i: usize) -> Where {
    let pos = p.rules[i].level_pos;
    Where::file(&p.file, pos.line, pos.col)
}

/// Every level a policy gives requests on one resource, with a witness request for each and
/// the place of the deciding rule. A decision that omits both RequestReceived and
/// ResponseComplete writes no event for a completed request: it counts as `None`.
pub fn levels_for(p: &Policy, api_group: &str, resource: &str) -> Vec<(Level, String, Option<Where>)> {
    let effective = |d: &Decision| {
        if d.omit_stages.contains(&Stage::RequestReceived) && d.omit_stages.contains(&Stage::ResponseComplete)
        {
            Level::None
        } else {
            d.level
        }
    };
    let q = Probe {
        api_group,
        resource,
        subresource: "",
        verbs: &[],
    };
    probe::levels_by(p, &q, &effective)
        .into_iter()
        .map(|w| (w.level, w.request, w.decision.rule.map(|i| rule_at(p, i))))
        .collect()
}

/// The policy file: `Err(verdict)` when there is nothing to evaluate.
fn policy(ctx: &Ctx) -> Result<(String, Where, Policy), Box<Verdict>> {
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
            match policy_of(&path, &doc, &mut ignored) {
                Some(p) => Ok((path.clone(), key_at(&path, &doc, "rules"), p)),
                None => Err(Box::new(Verdict {
                    status: Some(Status::Fail),
                    reason: Some("the API server does not start with an invalid audit policy".into()),
                    actual: format!("{path} is not a usable audit Policy (see the input errors)"),
                    location: Some(Where::Path { file: path }),
                    remediation: REMEDIATION.into(),
                    ..Verdict::default()
                })),
            }
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
    let (path, _, _) = match policy(ctx) {
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
    let (_, policy_at, p) = match policy(ctx) {
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
        let fallback = Some(policy_at.clone());
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
            policy_of(&p, &doc, &mut v);
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

    #[test]
    fn levels_come_from_the_shared_evaluator_with_the_rule_places() {
        let text = "apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n- level: Request\n  userGroups: [devs]\n  resources:\n  - group: ''\n    resources: ['secrets/*']\n- level: Metadata\n  omitStages: [RequestReceived, ResponseComplete]\n  users: [bob]\n- level: Metadata\n";
        let d = palisade_source::yaml::decode(text, 0).unwrap();
        let mut problems = Vec::new();
        let p = policy_of("/p.yaml", &d.docs[0], &mut problems).unwrap();
        assert!(problems.is_empty(), "{problems:?}");
        let l = levels_for(&p, "", "secrets");
        let got: Vec<(Level, Option<Where>)> = l.iter().map(|(l, _, w)| (*l, w.clone())).collect();
        assert_eq!(
            got,
            [
                (Level::Request, Some(Where::file("/p.yaml", 4, 3))),
                (Level::Metadata, Some(Where::file("/p.yaml", 12, 3))),
                (Level::None, Some(Where::file("/p.yaml", 9, 3))),
            ]
        );
        // an invalid level is a located problem of the file
        let d = palisade_source::yaml::decode(
            "apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n- level: Loud\n",
            0,
        )
        .unwrap();
        let mut problems = Vec::new();
        policy_of("/p.yaml", &d.docs[0], &mut problems);
        assert_eq!((problems[0].line, problems[0].column), (Some(4), Some(10)));
    }
}
