//! DKR026: the deprecated MAINTAINER instruction.

use super::{Ctx, RuleHit};
use crate::model::Keyword;
use palisade_core::Reference;

declare_dockerfile_rule! {
    /// ## What it does
    /// Flags `MAINTAINER`, deprecated since Docker 1.13. (hadolint DL4000.)
    ///
    /// ## Why is this bad?
    /// Tools read the `org.opencontainers.image.authors` label, not the deprecated field;
    /// builders may drop MAINTAINER support.
    ///
    /// ## Example
    /// ```dockerfile
    /// MAINTAINER Jane Doe <jane@example.com>
    /// ```
    ///
    /// ## Fix
    /// ```dockerfile
    /// LABEL org.opencontainers.image.authors="Jane Doe <jane@example.com>"
    /// ```
    pub static MAINTAINER = {
        code: "DKR026",
        name: "dockerfile-maintainer",
        severity: Info,
        summary: "Deprecated MAINTAINER instruction",
        remediation: "Replace MAINTAINER with LABEL org.opencontainers.image.authors=\"…\".",
        references: [Reference::Url("https://github.com/hadolint/hadolint/wiki/DL4000")],
        check: check,
    }
}

fn check(ctx: &Ctx<'_>, hits: &mut Vec<RuleHit>) {
    for ins in &ctx.file.instructions {
        if ins.is(Keyword::Maintainer) {
            hits.push(RuleHit::new(
                ins.keyword_span,
                "MAINTAINER is deprecated: use LABEL org.opencontainers.image.authors",
            ));
        }
    }
}
