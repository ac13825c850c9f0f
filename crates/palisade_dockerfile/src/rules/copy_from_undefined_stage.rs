//! DKR031: `COPY --from` naming a stage that does not exist (as BuildKit resolves it).

use super::{Ctx, RuleHit};
use crate::model::{Instruction, Keyword};
use palisade_core::Reference;

declare_dockerfile_rule! {
    /// ## What it does
    /// Flags `COPY --from=X` (and `RUN --mount=…,from=X`) where BuildKit would not find the
    /// stage the author meant. BuildKit resolves `X` as: the name of a stage (case-insensitive)
    /// defined before the instruction; else a stage index, which must be lower than the
    /// current stage's; else an image reference, pulled from a registry. So the rule flags:
    /// - an index that is not lower than the current stage's (out of range, or the stage
    ///   itself: hadolint DL3022/DL3023);
    /// - the current stage's own name, or a stage defined later;
    /// - a bare name (no `/`, `:`, `@` or `.`) matching no stage in a Dockerfile that names
    ///   its stages: BuildKit would pull `docker.io/library/X:latest`, which is almost always
    ///   a typo of a stage name. Write the image with a tag (`--from=busybox:1.36`) to copy
    ///   from an image on purpose.
    ///
    /// Values with variables are not judged. Named build contexts
    /// (`docker buildx build --build-context NAME=…`) are resolved like stages; the option
    /// `buildContexts` lists the names a project supplies that way, and the message of a bare
    /// name mentions the possibility.
    ///
    /// ## Why is this bad?
    /// The build fails, or — worse — copies files out of an unrelated public image that
    /// happens to be called like the missing stage.
    ///
    /// ## Example
    /// ```dockerfile
    /// FROM golang:1.22 AS build
    /// FROM gcr.io/distroless/static-debian12:nonroot
    /// COPY --from=biuld /out/app /app
    /// ```
    ///
    /// ## Fix
    /// ```dockerfile
    /// COPY --from=build /out/app /app
    /// ```
    pub static COPY_FROM_UNDEFINED_STAGE = {
        code: "DKR031",
        name: "dockerfile-copy-from-undefined-stage",
        severity: Medium,
        summary: "COPY --from of a stage that is not defined before it",
        remediation: "Name a stage defined earlier (FROM … AS name), or write a full image reference with a tag.",
        references: [Reference::Url("https://github.com/hadolint/hadolint/wiki/DL3022")],
        check: check,
    }
}

/// The `from` of a COPY/ADD flag or of a RUN mount: `(value, span)`.
fn from_refs(ins: &Instruction) -> Vec<(String, crate::model::Span)> {
    let mut out = Vec::new();
    if ins.is(Keyword::Copy) || ins.is(Keyword::Add) {
        if let Some(f) = ins.flag("from") {
            if let Some(v) = &f.value {
                out.push((v.clone(), f.value_span));
            }
        }
    }
    if ins.is(Keyword::Run) {
        for f in ins.flags_named("mount") {
            let v = f.value.as_deref().unwrap_or("");
            for part in v.split(',') {
                if let Some(x) = part.strip_prefix("from=") {
                    out.push((x.to_owned(), f.value_span));
                }
            }
        }
    }
    out
}

fn check(ctx: &Ctx<'_>, hits: &mut Vec<RuleHit>) {
    let file = ctx.file;
    let named = file.stages.iter().any(|s| s.name.is_some());
    let contexts = ctx.opts.strings("buildContexts").unwrap_or_default();
    for ins in &file.instructions {
        let Some(cur) = ins.stage else { continue };
        for (x, span) in from_refs(ins) {
            if x.is_empty() || x.contains('$') || contexts.iter().any(|c| c.eq_ignore_ascii_case(&x)) {
                continue;
            }
            let by_name = file
                .stages
                .iter()
                .find(|s| s.name.as_deref().is_some_and(|n| n.eq_ignore_ascii_case(&x)));
            let why = match by_name {
                Some(s) if s.index < cur => None,
                Some(s) if s.index == cur => Some(format!("--from={x} names the current stage itself")),
                Some(s) => Some(format!(
                    "--from={x} names a stage defined later (line {}): only earlier stages can be copied from",
                    file.instructions[s.from].keyword_span.start.line
                )),
                None => match x.parse::<usize>() {
                    Ok(i) if i < cur => None,
                    Ok(i) if i == cur => Some(format!("--from={i} is the current stage itself")),
                    Ok(i) => Some(format!(
                        "--from={i}: stage index out of range (this is stage {cur}; indices of earlier stages are 0-{})",
                        cur.saturating_sub(1)
                    )),
                    Err(_) if named && !x.contains(['/', ':', '@', '.']) => Some(format!(
                        "--from={x}: no stage is named {x:?}; unless the build supplies a named context {x:?} (--build-context), BuildKit pulls the image docker.io/library/{x}:latest"
                    )),
                    Err(_) => None,
                },
            };
            if let Some(why) = why {
                hits.push(RuleHit::new(span, why));
            }
        }
    }
}
