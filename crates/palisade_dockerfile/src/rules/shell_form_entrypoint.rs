//! DKR022: ENTRYPOINT or CMD in shell form (the process does not get signals).

use super::{Ctx, RuleHit};
use crate::model::{Args, Keyword};
use palisade_core::Reference;

declare_dockerfile_rule! {
    /// ## What it does
    /// Flags `ENTRYPOINT` and `CMD` written in shell form (`CMD node server.js`) in the final
    /// stage. A shell-form CMD after an exec-form ENTRYPOINT is flagged too: it is passed to
    /// the entrypoint as `/bin/sh -c "…"` arguments. A shell-form command that starts with
    /// `exec` is accepted (the shell replaces itself). (hadolint DL3025.)
    ///
    /// ## Why is this bad?
    /// The shell form runs `/bin/sh -c "…"`: the shell is PID 1 and does not forward SIGTERM,
    /// so `docker stop` and Kubernetes wait for the grace period and then kill the process —
    /// no graceful shutdown, lost requests. A shell-form ENTRYPOINT also ignores CMD and
    /// `docker run` arguments.
    ///
    /// ## Example
    /// ```dockerfile
    /// ENTRYPOINT node server.js
    /// ```
    ///
    /// ## Fix
    /// ```dockerfile
    /// ENTRYPOINT ["node", "server.js"]
    /// ```
    pub static SHELL_FORM_ENTRYPOINT = {
        code: "DKR022",
        name: "dockerfile-shell-form-entrypoint",
        severity: Low,
        summary: "ENTRYPOINT or CMD in shell form",
        remediation: "Use the JSON (exec) form: ENTRYPOINT [\"prog\", \"arg\"], or start the shell form with exec.",
        references: [Reference::Url("https://github.com/hadolint/hadolint/wiki/DL3025")],
        check: check,
    }
}

fn check(ctx: &Ctx<'_>, hits: &mut Vec<RuleHit>) {
    let Some(last) = ctx.file.final_stage() else {
        return;
    };
    for ins in last.instructions(ctx.file) {
        if !(ins.is(Keyword::Entrypoint) || ins.is(Keyword::Cmd)) {
            continue;
        }
        let Args::Shell(text) = &ins.args else { continue };
        let t = text.text.trim_start();
        if t.is_empty() || t.starts_with("exec ") {
            continue;
        }
        hits.push(RuleHit::new(
            ins.keyword_span,
            format!(
                "{} in shell form runs under /bin/sh -c: the process does not receive SIGTERM; use the JSON form",
                ins.keyword
            ),
        ));
    }
}
