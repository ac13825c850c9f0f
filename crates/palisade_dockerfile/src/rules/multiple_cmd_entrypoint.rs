//! DKR021: several CMD or ENTRYPOINT instructions in one stage (only the last one counts).

use super::{Ctx, RuleHit};
use crate::model::Keyword;
use palisade_core::Reference;

declare_dockerfile_rule! {
    /// ## What it does
    /// Flags every `CMD` and every `ENTRYPOINT` of a stage that is followed by another of the
    /// same kind in that stage: the earlier ones are ignored by Docker. (hadolint DL4003,
    /// DL4004.)
    ///
    /// ## Why is this bad?
    /// The author probably expected the earlier instruction to run; it never does. The
    /// Dockerfile says something the image does not do.
    ///
    /// ## Example
    /// ```dockerfile
    /// CMD ["nginx"]
    /// CMD ["nginx", "-g", "daemon off;"]
    /// ```
    ///
    /// ## Fix
    /// ```dockerfile
    /// CMD ["nginx", "-g", "daemon off;"]
    /// ```
    pub static MULTIPLE_CMD_ENTRYPOINT = {
        code: "DKR021",
        name: "dockerfile-multiple-cmd-entrypoint",
        severity: Low,
        summary: "Several CMD or ENTRYPOINT instructions in one stage",
        remediation: "Keep one CMD and one ENTRYPOINT per stage; delete the earlier ones.",
        references: [Reference::Url("https://github.com/hadolint/hadolint/wiki/DL4003")],
        check: check,
    }
}

fn check(ctx: &Ctx<'_>, hits: &mut Vec<RuleHit>) {
    for st in &ctx.file.stages {
        for kw in [Keyword::Cmd, Keyword::Entrypoint] {
            let all: Vec<_> = st
                .instructions(ctx.file)
                .iter()
                .filter(|i| i.is(kw.clone()))
                .collect();
            if let Some((last, earlier)) = all.split_last() {
                for ins in earlier {
                    hits.push(RuleHit::new(
                        ins.keyword_span,
                        format!(
                            "this {kw} is ignored: the {kw} at line {} replaces it",
                            last.keyword_span.start.line
                        ),
                    ));
                }
            }
        }
    }
}
