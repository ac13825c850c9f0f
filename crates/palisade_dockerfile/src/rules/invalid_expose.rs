//! DKR027: EXPOSE with an invalid port, range or protocol.

use super::{Ctx, RuleHit};
use crate::model::Keyword;
use palisade_core::Reference;

declare_dockerfile_rule! {
    /// ## What it does
    /// Flags `EXPOSE` arguments that Docker rejects or misreads: a port outside 1–65535, a
    /// range whose start is above its end (`8080-8000`), a protocol other than `tcp`, `udp`
    /// or `sctp`, and host mappings (`8080:80`, which belong to `docker run -p`). Arguments
    /// with variables are checked after substituting the ARG/ENV defaults in scope, and
    /// skipped when they still hold a variable. (hadolint DL3011.)
    ///
    /// ## Why is this bad?
    /// The build fails, or the image's metadata documents ports that do not exist; tools
    /// that read it (scanners, orchestrators) get it wrong.
    ///
    /// ## Example
    /// ```dockerfile
    /// EXPOSE 80000 8080:80 53/icmp
    /// ```
    ///
    /// ## Fix
    /// ```dockerfile
    /// EXPOSE 8000 80 53/udp
    /// ```
    pub static INVALID_EXPOSE = {
        code: "DKR027",
        name: "dockerfile-invalid-expose",
        severity: Medium,
        summary: "EXPOSE with an invalid port, range or protocol",
        remediation: "Expose container ports 1-65535 with /tcp, /udp or /sctp; map host ports at run time.",
        references: [Reference::Url("https://github.com/hadolint/hadolint/wiki/DL3011")],
        check: check,
    }
}

/// Why an EXPOSE argument is invalid, if it is.
pub fn invalid(arg: &str) -> Option<String> {
    let (ports, proto) = match arg.split_once('/') {
        Some((p, proto)) => (p, Some(proto)),
        None => (arg, None),
    };
    if let Some(proto) = proto {
        if !matches!(proto.to_ascii_lowercase().as_str(), "tcp" | "udp" | "sctp") {
            return Some(format!("protocol {proto:?} is not tcp, udp or sctp"));
        }
    }
    if ports.contains(':') {
        return Some("host port mappings belong to `docker run -p`, not EXPOSE".into());
    }
    let port = |s: &str| -> Result<u32, String> {
        match s.parse::<u32>() {
            Ok(n) if (1..=65535).contains(&n) => Ok(n),
            Ok(n) => Err(format!("port {n} is outside 1-65535")),
            Err(_) => Err(format!("{s:?} is not a port number")),
        }
    };
    let r = match ports.split_once('-') {
        Some((a, b)) => port(a).and_then(|a| {
            port(b).and_then(|b| {
                if a <= b {
                    Ok(())
                } else {
                    Err(format!("range {a}-{b} ends before it starts"))
                }
            })
        }),
        None => port(ports).map(|_| ()),
    };
    r.err()
}

fn check(ctx: &Ctx<'_>, hits: &mut Vec<RuleHit>) {
    let file = ctx.file;
    for (i, ins) in file.instructions.iter().enumerate() {
        if !ins.is(Keyword::Expose) {
            continue;
        }
        for w in ins.words() {
            let value = if w.raw.contains('$') {
                let vars = file.vars_in_scope(ins.stage, i);
                let v = crate::expand::expand_with_escape(&w.raw, file.escape, &vars);
                if v.is_empty() || v.contains('$') {
                    continue;
                }
                v
            } else {
                w.value.clone()
            };
            for part in value.split_whitespace() {
                if let Some(why) = invalid(part) {
                    hits.push(RuleHit::new(w.span, format!("EXPOSE {part}: {why}")));
                }
            }
        }
    }
}
