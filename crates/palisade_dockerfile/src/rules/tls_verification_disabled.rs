//! DKR016: TLS certificate verification switched off for downloads (`curl -k`,
//! `--no-check-certificate`, `pip --trusted-host`, `strict-ssl false`, `http.sslVerify false`,
//! `GIT_SSL_NO_VERIFY`).

use super::common::Cmd;
use super::{Ctx, RuleHit};
use crate::model::Keyword;
use palisade_core::Reference;

declare_dockerfile_rule! {
    /// ## What it does
    /// Flags the places a Dockerfile turns off certificate checks for what it downloads:
    /// - `curl -k` / `--insecure` (also in option clusters such as `-fsSLk`);
    /// - `wget --no-check-certificate`;
    /// - `pip install --trusted-host …`, `pip config set global.trusted-host …`;
    /// - `npm`/`yarn`/`pnpm config set strict-ssl false` (also `npm set`, `--strict-ssl=false`);
    /// - `git config … http.sslVerify false`, `git -c http.sslVerify=false …`;
    /// - the variables `GIT_SSL_NO_VERIFY` (any non-empty value), `NODE_TLS_REJECT_UNAUTHORIZED=0`,
    ///   `PYTHONHTTPSVERIFY=0`, `PIP_TRUSTED_HOST`, `CURL_INSECURE`, set by `ENV`, `ARG`
    ///   default or a command prefix (`GIT_SSL_NO_VERIFY=1 git clone …`).
    ///
    /// ## Why is this bad?
    /// Without certificate verification anyone on the network path can answer in the
    /// server's place, and the build installs what they serve. CIS Docker Benchmark 4.11:
    /// install verified packages only.
    ///
    /// ## Example
    /// ```dockerfile
    /// RUN pip install --trusted-host pypi.org requests==2.31.0
    /// ```
    ///
    /// ## Fix
    /// ```dockerfile
    /// COPY corp-ca.crt /usr/local/share/ca-certificates/
    /// RUN update-ca-certificates && pip install requests==2.31.0
    /// ```
    pub static TLS_VERIFICATION_DISABLED = {
        code: "DKR016",
        name: "dockerfile-tls-verification-disabled",
        severity: High,
        summary: "TLS certificate verification disabled for a download",
        remediation: "Remove the option; if a private CA is the reason, install its certificate into the image's trust store.",
        references: [Reference::CisDocker("4.11"), Reference::Mitre("T1557")],
        check: check,
    }
}

/// Whether `NAME=value` turns verification off.
fn insecure_var(name: &str, value: &str) -> bool {
    let v = value.trim().to_ascii_lowercase();
    match name {
        "GIT_SSL_NO_VERIFY" => !v.is_empty() && v != "0" && v != "false",
        "NODE_TLS_REJECT_UNAUTHORIZED" | "PYTHONHTTPSVERIFY" => v == "0",
        "PIP_TRUSTED_HOST" | "CURL_INSECURE" => !v.is_empty(),
        "NPM_CONFIG_STRICT_SSL" | "npm_config_strict_ssl" | "YARN_STRICT_SSL" => v == "false",
        _ => false,
    }
}

fn cmd_hits(c: &Cmd) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    let prog = c.program().unwrap_or("");
    let args = c.args();
    for (i, w) in args.iter().enumerate() {
        let v = w.value.as_str();
        let next = args.get(i + 1).map_or("", |n| n.value.as_str());
        let next2 = args.get(i + 2).map_or("", |n| n.value.as_str());
        let why = match prog {
            "curl" => (v == "--insecure"
                || v == "-k"
                || (v.starts_with('-')
                    && !v.starts_with("--")
                    && v.len() > 2
                    && v[1..].chars().all(|c| c.is_ascii_alphabetic())
                    && v.contains('k')))
            .then(|| format!("`curl {v}` skips certificate verification")),
            "wget" => (v == "--no-check-certificate")
                .then(|| "`wget --no-check-certificate` skips certificate verification".to_owned()),
            "npm" | "yarn" | "pnpm" => (((v == "config" && next == "set")
                || (v == "set" && (i == 0 || args[i - 1].value != "config")))
                && args[i..].iter().any(|a| a.value.starts_with("strict-ssl"))
                && args[i..]
                    .iter()
                    .any(|a| a.value == "false" || a.value.ends_with("=false")))
            .then(|| format!("`{prog} config set strict-ssl false` skips certificate verification"))
            .or_else(|| {
                (v == "--strict-ssl=false").then(|| format!("`{prog} {v}` skips certificate verification"))
            }),
            "git" => ((v == "-c"
                && next.to_ascii_lowercase().starts_with("http.sslverify=")
                && next.to_ascii_lowercase().ends_with("false"))
                || (v == "config"
                    && args[i..]
                        .iter()
                        .any(|a| a.value.eq_ignore_ascii_case("http.sslVerify"))
                    && args[i..].iter().any(|a| a.value == "false")))
            .then(|| "git http.sslVerify false skips certificate verification".to_owned()),
            _ => None,
        };
        let why = why.or_else(|| {
            let is_pip = super::common::pkg_cmd(c).is_some_and(|p| p.manager == super::common::Manager::Pip)
                || prog.starts_with("pip");
            (is_pip
                && (v == "--trusted-host"
                    || v.starts_with("--trusted-host=")
                    || ((v == "set" || v == "config")
                        && (next.ends_with(".trusted-host") || next2.ends_with(".trusted-host")))))
            .then(|| "pip --trusted-host accepts the host without a valid certificate".to_owned())
        });
        if let Some(why) = why {
            out.push((i, why));
        }
    }
    out
}

fn check(ctx: &Ctx<'_>, hits: &mut Vec<RuleHit>) {
    for c in &ctx.scripts.cmds {
        for (i, why) in cmd_hits(c) {
            hits.push(RuleHit::new(c.args()[i].span, why));
        }
        for a in &c.assignments {
            if let Some((n, v)) = a.value.split_once('=') {
                if insecure_var(n, v) {
                    hits.push(RuleHit::new(
                        a.span,
                        format!("{n}={v} turns off certificate verification"),
                    ));
                }
            }
        }
        // `export GIT_SSL_NO_VERIFY=1`, `env GIT_SSL_NO_VERIFY=1 git …`
        if matches!(c.words.first().map(|w| w.value.as_str()), Some("export" | "env")) {
            for a in &c.words[1..] {
                if let Some((n, v)) = a.value.split_once('=') {
                    if insecure_var(n, v) {
                        hits.push(RuleHit::new(
                            a.span,
                            format!("{n}={v} turns off certificate verification"),
                        ));
                    }
                }
            }
        }
    }
    for ins in &ctx.file.instructions {
        if !(ins.is(Keyword::Env) || ins.is(Keyword::Arg)) {
            continue;
        }
        for kv in ins.key_values() {
            let Some(v) = &kv.value else { continue };
            if insecure_var(&kv.key.value, &v.value) {
                hits.push(RuleHit::new(
                    kv.key.span,
                    format!(
                        "{} {}={} turns off certificate verification",
                        ins.keyword, kv.key.value, v.value
                    ),
                ));
            }
        }
    }
}
