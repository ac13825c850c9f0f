//! The kubeconfig checks (`NODE201`–`NODE203`): admin.conf, super-admin.conf, kubelet.conf,
//! scheduler.conf, controller-manager.conf and kube-proxy's kubeconfig (paths from the
//! components' `--kubeconfig` flags, else the layout) — embedded credentials, users whose
//! client certificate is in `system:masters`, and `insecure-skip-tls-verify`. Modes and owners
//! of these files are the catalogue's (1.1.13–1.1.18, 4.1.3–4.1.6).

use super::{base, key_at, pem, read_kind, verdict_of, Ctx, ExtraDef, Item, Verdict};
use crate::argv::Where;
use crate::components::Kind;
use crate::eval::Status;
use crate::facts::{normalize, Problem};
use base64::Engine;
use palisade_core::Node;
use x509_parser::prelude::*;

/// What a kubeconfig is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    Admin,
    SuperAdmin,
    Kubelet,
    Scheduler,
    ControllerManager,
    Proxy,
}

impl Role {
    fn name(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::SuperAdmin => "super-admin",
            Role::Kubelet => "kubelet",
            Role::Scheduler => "kube-scheduler",
            Role::ControllerManager => "kube-controller-manager",
            Role::Proxy => "kube-proxy",
        }
    }
}

/// The kubeconfig files of the node that exist, with their role.
pub fn files(ctx: &Ctx) -> Vec<(String, Role)> {
    let l = &ctx.model.layout;
    let flag = |k: Kind, default: &str| {
        ctx.path_flag(k, "kubeconfig")
            .map(|(p, _)| p)
            .unwrap_or_else(|| default.to_owned())
    };
    let mut v: Vec<(String, Role)> = l
        .admin_kubeconfigs
        .iter()
        .map(|p| {
            let r = if base(p) == "super-admin.conf" {
                Role::SuperAdmin
            } else {
                Role::Admin
            };
            (p.clone(), r)
        })
        .collect();
    v.push((flag(Kind::Kubelet, &l.kubelet_kubeconfig), Role::Kubelet));
    v.push((flag(Kind::Scheduler, &l.scheduler_kubeconfig), Role::Scheduler));
    v.push((
        flag(Kind::ControllerManager, &l.controller_manager_kubeconfig),
        Role::ControllerManager,
    ));
    v.push((flag(Kind::Proxy, &l.proxy_kubeconfig), Role::Proxy));
    let mut seen = Vec::new();
    v.retain(|(p, _)| {
        let keep = ctx.facts.get(p).is_some() && !seen.contains(p);
        seen.push(p.clone());
        keep
    });
    v
}

/// One user of a kubeconfig.
struct User<'a> {
    name: String,
    node: &'a Node,
}

fn users(doc: &Node) -> Vec<User<'_>> {
    doc.get("users")
        .and_then(Node::as_seq)
        .unwrap_or(&[])
        .iter()
        .filter_map(|u| {
            let name = u.get("name").and_then(Node::as_str).unwrap_or("").to_owned();
            Some(User {
                name,
                node: u.get("user").filter(|n| n.as_map().is_some())?,
            })
        })
        .collect()
}

/// The organisations of a user's client certificate, and where they were read; `Err`: a
/// certificate that does not parse (a located problem).
fn client_orgs(ctx: &Ctx, file: &str, u: &User) -> Option<Result<(Vec<String>, Where), Problem>> {
    let (pem_text, at, line_base) = if let Some(n) = u.node.get("client-certificate-data") {
        let at = key_at(file, u.node, "client-certificate-data");
        let raw = n.as_str().unwrap_or("");
        let bytes = match base64::engine::general_purpose::STANDARD.decode(raw.trim()) {
            Ok(b) => b,
            Err(e) => {
                return Some(Err(problem_at(
                    &at,
                    format!("client-certificate-data: base64: {e}"),
                )));
            }
        };
        (String::from_utf8_lossy(&bytes).into_owned(), at, None)
    } else if let Some(p) = u.node.get("client-certificate").and_then(Node::as_str) {
        let p = if p.starts_with('/') {
            normalize(p)
        } else {
            let dir = file.rsplit_once('/').map_or("", |(d, _)| d);
            normalize(&format!("{dir}/{p}"))
        };
        let text = ctx.facts.get(&p)?.text()?.to_owned();
        (text, Where::Path { file: p.clone() }, Some(p))
    } else {
        return None;
    };
    let blocks = pem::blocks(&pem_text);
    let Some(b) = blocks.iter().find(|b| b.label == "CERTIFICATE") else {
        return Some(Err(problem_at(
            &at,
            "client certificate: no PEM CERTIFICATE block",
        )));
    };
    let at = match &line_base {
        Some(p) => Where::file(p, b.line, 1),
        None => at,
    };
    let parsed = b.der.as_ref().map_err(Clone::clone).and_then(|d| {
        X509Certificate::from_der(d)
            .map_err(|e| format!("X.509: {e}"))
            .map(|(_, c)| {
                c.subject()
                    .iter_organization()
                    .filter_map(|a| a.as_str().ok())
                    .map(str::to_owned)
                    .collect::<Vec<_>>()
            })
    });
    Some(match parsed {
        Ok(orgs) => Ok((orgs, at)),
        Err(e) => Err(problem_at(&at, format!("client certificate does not parse: {e}"))),
    })
}

fn problem_at(w: &Where, msg: impl Into<String>) -> Problem {
    match w {
        Where::File { file, line, column } => Problem::error(file.as_str(), Some(*line), Some(*column), msg),
        other => Problem::error(other.to_string(), None, None, msg),
    }
}

/// The problems of the kubeconfig files: not YAML, not a `Config`, certificates that do not parse.
pub fn problems(ctx: &Ctx) -> Vec<Problem> {
    let mut out = Vec::new();
    for (p, _) in files(ctx) {
        match read_kind(ctx.facts, &p, &["Config"]) {
            Err(e) => out.extend(e),
            Ok(Some(doc)) => {
                for u in users(&doc) {
                    if let Some(Err(e)) = client_orgs(ctx, &p, &u) {
                        out.push(e);
                    }
                }
            }
            Ok(None) => {}
        }
    }
    out
}

fn each_user(ctx: &Ctx, mut f: impl FnMut(&str, Role, &Node, &User, &mut Vec<Item>)) -> Vec<Item> {
    let mut items = Vec::new();
    for (p, role) in files(ctx) {
        if let Ok(Some(doc)) = read_kind(ctx.facts, &p, &["Config"]) {
            for u in users(&doc) {
                f(&p, role, &doc, &u, &mut items);
            }
        }
    }
    items
}

fn none_found(ctx: &Ctx) -> String {
    if files(ctx).is_empty() {
        "no kubeconfig file on this node".into()
    } else {
        "no user in the kubeconfig files (or none readable)".into()
    }
}

// ---- NODE201 ----

fn credentials(ctx: &Ctx) -> Verdict {
    let items = each_user(ctx, |p, role, _, u, items| {
        let label = format!("{p} user {:?} ({})", u.name, role.name());
        let at = |k: &str| Some(key_at(p, u.node, k));
        if u.node.get("token").is_some_and(|t| !t.is_null()) {
            items.push(
                Item::new(
                    Status::Fail,
                    label.clone(),
                    Some("static bearer token inline".into()),
                    at("token"),
                )
                .note("a bearer token in a file never expires and cannot be rotated"),
            );
        }
        if u.node.get("password").is_some_and(|t| !t.is_null()) {
            items.push(
                Item::new(
                    Status::Fail,
                    label.clone(),
                    Some("basic-auth password inline".into()),
                    at("password"),
                )
                .note("basic authentication was removed in Kubernetes 1.19"),
            );
        }
        if u.node.get("client-key-data").is_some() {
            if role == Role::Kubelet {
                items.push(
                    Item::new(Status::Warn, label.clone(), Some("client-key-data embedded".into()), at("client-key-data"))
                        .note("the kubelet rotates its client certificate in /var/lib/kubelet/pki: an embedded key is never rotated"),
                );
            } else {
                items.push(Item::new(
                    Status::Pass,
                    label.clone(),
                    Some("client-key-data embedded (the file is a credential: keep it 600)".into()),
                    at("client-key-data"),
                ));
            }
        } else if u.node.get("client-key").is_some() {
            items.push(Item::new(
                Status::Pass,
                label.clone(),
                Some("client-key file reference".into()),
                at("client-key"),
            ));
        } else if u.node.get("tokenFile").is_some() {
            items.push(Item::new(
                Status::Pass,
                label.clone(),
                Some("tokenFile reference".into()),
                at("tokenFile"),
            ));
        } else if u.node.get("exec").is_some() || u.node.get("auth-provider").is_some() {
            items.push(Item::new(
                Status::Pass,
                label,
                Some("credential plugin".into()),
                Some(super::at(p, u.node)),
            ));
        }
    });
    verdict_of(
        items,
        &none_found(ctx),
        "Replace inline tokens and passwords with client certificates or a credential plugin; let the kubelet reference its rotated certificate (`client-certificate`/`client-key: /var/lib/kubelet/pki/kubelet-client-current.pem`).".into(),
    )
}

// ---- NODE202 ----

fn masters(ctx: &Ctx) -> Verdict {
    let items = each_user(ctx, |p, role, _, u, items| {
        let Some(Ok((orgs, at))) = client_orgs(ctx, p, u) else {
            return;
        };
        let label = format!("{p} user {:?} ({})", u.name, role.name());
        let value = Some(format!("O={}", orgs.join(",")));
        let in_masters = orgs.iter().any(|o| o == "system:masters");
        items.push(match (in_masters, role) {
            (false, _) => Item::new(Status::Pass, label, value, Some(at)),
            (true, Role::SuperAdmin) => Item::new(Status::Pass, label, value, Some(at))
                .note("super-admin.conf is the break-glass identity in system:masters: keep it off the node"),
            (true, Role::Admin) => Item::new(Status::Warn, label, value, Some(at)).note(
                "admin.conf in system:masters cannot be revoked; kubeadm 1.29+ issues it in kubeadm:cluster-admins (renew it)",
            ),
            (true, _) => Item::new(Status::Fail, label, value, Some(at)).note(format!(
                "the {} identity must not be in system:masters (it bypasses RBAC and Node authorization)",
                role.name()
            )),
        });
    });
    verdict_of(
        items,
        &none_found(ctx),
        "Re-issue the client certificate without O=system:masters (kubeadm: `kubeadm certs renew` gives admin.conf kubeadm:cluster-admins; kubelet.conf must be system:nodes).".into(),
    )
}

// ---- NODE203 ----

fn skip_verify(ctx: &Ctx) -> Verdict {
    let mut items = Vec::new();
    for (p, role) in files(ctx) {
        let Ok(Some(doc)) = read_kind(ctx.facts, &p, &["Config"]) else {
            continue;
        };
        for c in doc.get("clusters").and_then(Node::as_seq).unwrap_or(&[]) {
            let Some(cl) = c.get("cluster") else {
                continue;
            };
            let name = c.get("name").and_then(Node::as_str).unwrap_or("");
            let label = format!("{p} cluster {name:?} ({})", role.name());
            let skip = cl.get("insecure-skip-tls-verify").and_then(Node::as_bool) == Some(true);
            if skip {
                items.push(
                    Item::new(
                        Status::Fail,
                        label,
                        Some("insecure-skip-tls-verify: true".into()),
                        Some(key_at(&p, cl, "insecure-skip-tls-verify")),
                    )
                    .note(
                        "the API server's certificate is not verified: anyone on the path can impersonate it",
                    ),
                );
            } else {
                let ca = if cl.get("certificate-authority-data").is_some() {
                    "certificate-authority-data"
                } else if cl.get("certificate-authority").is_some() {
                    "certificate-authority"
                } else {
                    "system roots"
                };
                items.push(Item::new(
                    Status::Pass,
                    label,
                    Some(format!("verified ({ca})")),
                    Some(super::at(&p, cl)),
                ));
            }
        }
    }
    verdict_of(
        items,
        "no cluster entry in the kubeconfig files of this node",
        "Remove insecure-skip-tls-verify and set certificate-authority(-data) to the cluster CA.".into(),
    )
}

pub static CHECKS: [ExtraDef; 3] = [
    ExtraDef {
        code: "NODE201",
        name: "kubeconfig-embedded-credentials",
        group: "N.2",
        title: "Kubeconfig files hold no static tokens or passwords; the kubelet's key is not embedded",
        scored: true,
        pass_condition: "no inline token or password; kubelet.conf references its rotated key instead of client-key-data",
        cis: &["3.1.1", "3.1.2"],
        doc: "Reads: the users of admin.conf, super-admin.conf, kubelet.conf, scheduler.conf, controller-manager.conf and kube-proxy's kubeconfig (the components' --kubeconfig, else the layout's paths; k3s/RKE2 *.kubeconfig).\n\nWhy: a bearer token written in a file never expires and cannot be rotated; basic-auth passwords were removed in 1.19; a kubelet whose key is embedded in kubelet.conf never gets the rotated certificate.\n\nDecided: `token` or `password` inline fails; `client-key-data` in kubelet.conf warns; embedded keys elsewhere (what kubeadm writes) and file references pass, and are listed. A file that is not YAML or not `kind: Config` is a located error.\n\nFix: certificates or a credential plugin instead of tokens; for the kubelet, `client-certificate`/`client-key: /var/lib/kubelet/pki/kubelet-client-current.pem`. Modes of these files: CIS 1.1.13–1.1.18, 4.1.5, 4.1.6.",
        run: credentials,
    },
    ExtraDef {
        code: "NODE202",
        name: "kubeconfig-system-masters",
        group: "N.2",
        title: "Only the break-glass super-admin.conf authenticates in system:masters",
        scored: true,
        pass_condition: "kubelet, scheduler, controller-manager and kube-proxy users not in system:masters; admin.conf not in it (warn)",
        cis: &["5.1.7", "3.1.1"],
        doc: "Reads: the subject organisations of every user's client certificate (client-certificate-data, or the client-certificate file, relative to the kubeconfig's directory).\n\nWhy: system:masters bypasses RBAC, Node authorization and every webhook, and a certificate cannot be revoked. kubeadm 1.29+ puts admin.conf in kubeadm:cluster-admins (revocable through RBAC) and only super-admin.conf in system:masters.\n\nDecided: super-admin.conf in system:masters passes (reported: keep it off the node); admin.conf in system:masters warns; any other kubeconfig in system:masters fails. An embedded certificate that does not parse is a located error at its key.\n\nFix: `kubeadm certs renew admin.conf` on 1.29+; re-issue component certificates in their own groups (system:nodes for kubelets).",
        run: masters,
    },
    ExtraDef {
        code: "NODE203",
        name: "kubeconfig-insecure-skip-tls-verify",
        group: "N.2",
        title: "Kubeconfig files verify the API server's certificate",
        scored: true,
        pass_condition: "no cluster with insecure-skip-tls-verify: true",
        cis: &[],
        doc: "Reads: the clusters of the kubeconfig files of NODE201.\n\nWhy: with insecure-skip-tls-verify the client sends its credentials to whoever answers — a man in the middle gets the node's or the admin's identity.\n\nDecided: `insecure-skip-tls-verify: true` fails, located at the key; clusters with a CA (or the system roots) pass.\n\nFix: remove the setting and give certificate-authority-data (the cluster CA).",
        run: skip_verify,
    },
];
