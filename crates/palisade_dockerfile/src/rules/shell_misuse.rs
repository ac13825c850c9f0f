//! DKR029: SHELL misuse — SHELL not in JSON form, or RUN replacing /bin/sh instead of SHELL.

use super::{Ctx, RuleHit};
use crate::model::{Args, Keyword};
use palisade_core::Reference;

declare_dockerfile_rule! {
    /// ## What it does
    /// Flags:
    /// - a `SHELL` instruction not written in JSON form (`SHELL /bin/bash -c`), which Docker
    ///   rejects, or with an empty list;
    /// - RUN commands that replace the default shell by linking or moving over `/bin/sh`
    ///   (`ln -sf /bin/bash /bin/sh`) instead of using SHELL (hadolint DL4005).
    ///
    /// ## Why is this bad?
    /// A non-JSON SHELL fails the build. Replacing `/bin/sh` changes the shell for every
    /// program in the image that runs `sh` — scripts written for POSIX sh start running
    /// under bash or fail — while SHELL only changes the shell of the Dockerfile's own
    /// shell-form instructions.
    ///
    /// ## Example
    /// ```dockerfile
    /// RUN ln -sf /bin/bash /bin/sh
    /// ```
    ///
    /// ## Fix
    /// ```dockerfile
    /// SHELL ["/bin/bash", "-o", "pipefail", "-c"]
    /// ```
    pub static SHELL_MISUSE = {
        code: "DKR029",
        name: "dockerfile-shell-misuse",
        severity: Medium,
        summary: "SHELL not in JSON form, or /bin/sh replaced in a RUN",
        remediation: "Write SHELL [\"/bin/bash\", \"-c\"] in JSON form and use it instead of replacing /bin/sh.",
        references: [Reference::Url("https://github.com/hadolint/hadolint/wiki/DL4005")],
        check: check,
    }
}

fn check(ctx: &Ctx<'_>, hits: &mut Vec<RuleHit>) {
    for ins in &ctx.file.instructions {
        if !ins.is(Keyword::Shell) {
            continue;
        }
        match &ins.args {
            Args::Exec(w) if !w.is_empty() => {}
            Args::Exec(_) => hits.push(RuleHit::new(
                ins.keyword_span,
                "SHELL with an empty list: name the shell and its options",
            )),
            _ => hits.push(RuleHit::new(
                ins.keyword_span,
                "SHELL must be in JSON form, e.g. SHELL [\"/bin/bash\", \"-c\"]: Docker rejects this one",
            )),
        }
    }
    for c in &ctx.scripts.cmds {
        if !matches!(c.program(), Some("ln" | "mv" | "cp")) {
            continue;
        }
        let args: Vec<_> = c.args().iter().filter(|a| !a.value.starts_with('-')).collect();
        if let Some(target) = args.last().filter(|t| t.value == "/bin/sh" && args.len() >= 2) {
            hits.push(RuleHit::new(
                target.span,
                format!(
                    "`{}` replaces /bin/sh for every program in the image; use SHELL to change the Dockerfile's shell",
                    c.program().unwrap_or("ln")
                ),
            ));
        }
    }
}
