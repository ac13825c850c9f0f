//! DKR007: no HEALTHCHECK in the final stage.

use super::{Ctx, RuleHit};
use crate::model::Keyword;
use palisade_core::Reference;

declare_dockerfile_rule! {
    /// ## What it does
    /// Flags a Dockerfile whose final stage has no `HEALTHCHECK` instruction (a HEALTHCHECK in
    /// a stage the final stage is built `FROM` is inherited and counts; one in an unrelated
    /// builder stage does not). `HEALTHCHECK NONE` counts as a decision and is not flagged.
    ///
    /// Decided for images meant to have none: the option `healthcheck: optional` turns the
    /// rule off for a project whose images only run under Kubernetes (the kubelet ignores
    /// HEALTHCHECK and uses probes), and `exemptImages` lists final base images for which a
    /// health check is not expected (prefixes, e.g. `gcr.io/distroless`). `FROM scratch`
    /// finals are still flagged: an exec-form `HEALTHCHECK CMD ["/app", "-healthcheck"]`
    /// works without a shell.
    ///
    /// ## Why is this bad?
    /// Without a health check, Docker (and Swarm, Compose, ECS) only knows whether the process
    /// runs, not whether it serves: a hung service stays "up". CIS Docker Benchmark 4.6.
    ///
    /// ## Example
    /// ```dockerfile
    /// FROM nginx:1.25
    /// COPY site /usr/share/nginx/html
    /// ```
    ///
    /// ## Fix
    /// ```dockerfile
    /// FROM nginx:1.25
    /// COPY site /usr/share/nginx/html
    /// HEALTHCHECK --interval=30s --timeout=3s CMD curl -fsS http://localhost/ || exit 1
    /// ```
    pub static HEALTHCHECK_MISSING = {
        code: "DKR007",
        name: "dockerfile-healthcheck-missing",
        severity: Low,
        summary: "No HEALTHCHECK in the final stage",
        remediation: "Add a HEALTHCHECK to the final stage (or HEALTHCHECK NONE to say it has none on purpose).",
        references: [Reference::CisDocker("4.6")],
        check: check,
    }
}

fn check(ctx: &Ctx<'_>, hits: &mut Vec<RuleHit>) {
    if ctx.opts.string("healthcheck") == Some("optional") {
        return;
    }
    let file = ctx.file;
    let Some(last) = file.final_stage() else { return };
    let shipped = super::common::shipped_stages(file);
    let has = shipped.iter().any(|&s| {
        file.stages[s]
            .instructions(file)
            .iter()
            .any(|i| i.is(Keyword::Healthcheck))
    });
    if has {
        return;
    }
    let exempt = ctx.opts.strings("exemptImages").unwrap_or_default();
    // The image the final stage ultimately stands on.
    let root = shipped.iter().next().map_or(last, |&s| &file.stages[s]);
    if !root.base.is_stage_ref && exempt.iter().any(|e| root.base.raw.starts_with(e.as_str())) {
        return;
    }
    hits.push(RuleHit::new(
        file.instructions[last.from].keyword_span,
        "the final stage has no HEALTHCHECK: only whether the process runs is known, not whether it serves",
    ));
}
