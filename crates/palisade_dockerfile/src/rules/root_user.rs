//! DKR001: the final stage runs as root (no USER, or USER root / 0 / root:root / 0:0, also
//! through an ARG default).

use super::{Ctx, RuleHit};
use crate::model::Keyword;
use palisade_core::Reference;

declare_dockerfile_rule! {
    /// ## What it does
    /// Flags a Dockerfile whose final stage (the image `docker build` produces) runs as root:
    /// it has no `USER` instruction (the user of its base image — root for nearly every
    /// base — stays in effect; a `USER` in an earlier stage does not count), or its last
    /// `USER` is `root`, `0`, `root:root`, `0:0`, `root:<group>` or `0:<group>`, also when the
    /// value comes from an ARG or ENV default (`ARG UID=0` … `USER $UID`). A final stage
    /// built `FROM` an earlier stage inherits that stage's last USER. Base images documented
    /// to run as non-root without a USER (distroless `:nonroot` tags, `cgr.dev/chainguard`
    /// images other than `-dev` variants, Windows Nano Server) are accepted. The option
    /// `allowedUsers` lists further user names to accept as non-root.
    ///
    /// ## Why is this bad?
    /// A process running as root in a container is root in the kernel's eyes: any escape
    /// (a kernel bug, a mounted socket, a privileged setting in the pod) starts with full
    /// privileges. CIS Docker Benchmark 4.1 asks that images create and switch to an
    /// unprivileged user.
    ///
    /// ## Example
    /// ```dockerfile
    /// FROM debian:12
    /// RUN useradd -r app
    /// USER root
    /// ```
    ///
    /// ## Fix
    /// ```dockerfile
    /// FROM debian:12
    /// RUN useradd -r -u 10001 app
    /// USER 10001
    /// ```
    pub static ROOT_USER = {
        code: "DKR001",
        name: "dockerfile-root-user",
        severity: High,
        summary: "The final stage runs as root",
        remediation: "Create an unprivileged user and end the final stage with USER <uid> (numeric, non-zero).",
        references: [Reference::CisDocker("4.1"), Reference::Mitre("T1611")],
        check: check,
    }
}

/// Base images documented to run as a non-root user: the distroless `:nonroot` and
/// `:debug-nonroot` tags (uid 65532) and Chainguard's images (`cgr.dev/chainguard/…`, uid
/// 65532 unless a `-dev`/`:latest-dev` variant), and Windows Nano Server (ContainerUser).
fn nonroot_base(base: &crate::model::ImageRef) -> bool {
    let tag = base.tag.as_deref().unwrap_or("");
    if tag.contains("nonroot") {
        return true;
    }
    if base.registry.as_deref() == Some("mcr.microsoft.com")
        && base.repository.ends_with("windows/nanoserver")
    {
        // Nano Server runs as ContainerUser, not ContainerAdministrator.
        return true;
    }
    base.registry.as_deref() == Some("cgr.dev") && !tag.contains("dev")
}

/// Whether a USER value (after substitution) names root.
pub fn is_root(user: &str) -> bool {
    let name = user.split(':').next().unwrap_or("").trim();
    name == "root" || (!name.is_empty() && name.bytes().all(|b| b == b'0'))
}

fn check(ctx: &Ctx<'_>, hits: &mut Vec<RuleHit>) {
    let file = ctx.file;
    let Some(last) = file.final_stage() else { return };
    let allowed = ctx.opts.strings("allowedUsers").unwrap_or_default();
    // The last USER of the final stage or, through `FROM <stage>`, of the stages below it.
    let mut stage = Some(last);
    let mut depth = 0;
    let mut deepest = last;
    while let Some(st) = stage {
        deepest = st;
        let users: Vec<usize> = st
            .instructions
            .clone()
            .filter(|&i| file.instructions[i].is(Keyword::User))
            .collect();
        if let Some(&i) = users.last() {
            let ins = &file.instructions[i];
            let Some(word) = ins.words().first() else { return };
            let vars = file.vars_in_scope(ins.stage, i);
            let value = crate::expand::expand_with_escape(&word.raw, file.escape, &vars);
            let name = value.split(':').next().unwrap_or("").trim();
            if is_root(&value) && !allowed.iter().any(|a| a == name) {
                let via = if value != word.value {
                    format!(" ({:?} after substitution)", value)
                } else {
                    String::new()
                };
                hits.push(RuleHit::new(
                    word.span,
                    format!(
                        "the final stage runs as root: USER {}{via}; switch to a non-root numeric user",
                        word.value
                    ),
                ));
            }
            return;
        }
        if !st.base.is_stage_ref || depth > 64 {
            break;
        }
        depth += 1;
        stage = file.stage_by_ref(&st.base.raw).filter(|b| b.index < st.index);
    }
    let from = &file.instructions[last.from];
    if nonroot_base(&deepest.base) {
        return;
    }
    let base = if deepest.base.is_scratch {
        "scratch (root: uid 0)".to_owned()
    } else {
        format!("base image {:?}, root unless it sets a USER", deepest.base.raw)
    };
    hits.push(RuleHit::new(
        from.keyword_span,
        format!("the final stage has no USER instruction: it runs as the user of its {base}"),
    ));
}

#[cfg(test)]
mod tests {
    use crate::lint::{lint_with, Config};

    fn hits(text: &str) -> Vec<String> {
        let df = crate::parse("Dockerfile", text);
        lint_with(&df, &[&super::ROOT_USER], &Config::default())
            .into_iter()
            .map(|h| format!("{}:{} {}", h.span.start.line, h.span.start.column, h.message))
            .collect()
    }

    #[test]
    fn bases_that_run_as_non_root_and_those_that_do_not() {
        assert!(hits("FROM gcr.io/distroless/static:nonroot\nCOPY app /app\n").is_empty());
        assert!(hits("FROM cgr.dev/chainguard/static:latest\n").is_empty());
        assert!(hits("FROM mcr.microsoft.com/windows/nanoserver:ltsc2022\n").is_empty());
        let h = hits("FROM debian:12 AS base\nFROM base\nCOPY app /app\n");
        assert_eq!(h.len(), 1, "{h:?}");
        assert!(
            h[0].starts_with("2:1 ") && h[0].contains("\"debian:12\""),
            "{h:?}"
        );
        let h = hits("FROM gcr.io/distroless/static\n");
        assert_eq!(h.len(), 1, "{h:?}");
        let h = hits("FROM scratch\nCOPY app /app\n");
        assert!(h[0].contains("scratch"), "{h:?}");
        assert!(
            super::is_root("0:0")
                && super::is_root("root")
                && super::is_root("000")
                && !super::is_root("10001")
        );
    }
}
