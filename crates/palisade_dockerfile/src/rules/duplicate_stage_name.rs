//! DKR030: a FROM alias used by two stages.

use super::{Ctx, RuleHit};
use crate::model::Keyword;
use palisade_core::Reference;

declare_dockerfile_rule! {
    /// ## What it does
    /// Flags a `FROM … AS name` whose name (compared case-insensitively, as BuildKit does) an
    /// earlier stage already uses. (hadolint DL3024.)
    ///
    /// ## Why is this bad?
    /// BuildKit refuses the file ("duplicate stage name"); older builders silently made
    /// `COPY --from=name` and `FROM name` refer to one of them.
    ///
    /// ## Example
    /// ```dockerfile
    /// FROM golang:1.22 AS build
    /// FROM node:20 AS build
    /// ```
    ///
    /// ## Fix
    /// ```dockerfile
    /// FROM golang:1.22 AS build-go
    /// FROM node:20 AS build-web
    /// ```
    pub static DUPLICATE_STAGE_NAME = {
        code: "DKR030",
        name: "dockerfile-duplicate-stage-name",
        severity: Medium,
        summary: "FROM alias reused by another stage",
        remediation: "Give every stage a unique name.",
        references: [Reference::Url("https://github.com/hadolint/hadolint/wiki/DL3024")],
        check: check,
    }
}

fn check(ctx: &Ctx<'_>, hits: &mut Vec<RuleHit>) {
    let file = ctx.file;
    for (i, st) in file.stages.iter().enumerate() {
        let Some(name) = &st.name else { continue };
        let Some(first) = file.stages[..i]
            .iter()
            .find(|o| o.name.as_deref().is_some_and(|n| n.eq_ignore_ascii_case(name)))
        else {
            continue;
        };
        let from = &file.instructions[st.from];
        debug_assert!(from.is(Keyword::From));
        let span = from
            .words()
            .iter()
            .rev()
            .find(|w| w.value.eq_ignore_ascii_case(name))
            .map_or(from.keyword_span, |w| w.span);
        hits.push(RuleHit::new(
            span,
            format!(
                "stage name {name:?} is already used by the stage at line {}",
                file.instructions[first.from].keyword_span.start.line
            ),
        ));
    }
}
