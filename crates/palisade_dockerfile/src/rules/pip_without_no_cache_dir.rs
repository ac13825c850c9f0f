//! DKR025: `pip install` without `--no-cache-dir`.

use super::common::{cache_mount, pkg_cmds, Manager};
use super::{Ctx, RuleHit};
use crate::model::Keyword;
use palisade_core::Reference;

declare_dockerfile_rule! {
    /// ## What it does
    /// Flags `pip install` (also `pip3`, `python -m pip`) without `--no-cache-dir`, unless the
    /// stage sets `PIP_NO_CACHE_DIR` (ENV or ARG, any value but `0`/`false`/`off`), the RUN
    /// mounts a BuildKit cache on `/root/.cache` (`--mount=type=cache,target=/root/.cache/pip`),
    /// or the same RUN removes `~/.cache/pip`. Only the stages that ship are checked (the
    /// final stage and the stages it is built `FROM`). (hadolint DL3042.)
    ///
    /// ## Why is this bad?
    /// pip keeps every downloaded wheel under `~/.cache/pip`: tens to hundreds of MB in the
    /// layer that nobody uses at run time.
    ///
    /// ## Example
    /// ```dockerfile
    /// RUN pip install flask==3.0.2
    /// ```
    ///
    /// ## Fix
    /// ```dockerfile
    /// RUN pip install --no-cache-dir flask==3.0.2
    /// ```
    pub static PIP_WITHOUT_NO_CACHE_DIR = {
        code: "DKR025",
        name: "dockerfile-pip-without-no-cache-dir",
        severity: Low,
        summary: "pip install without --no-cache-dir",
        remediation: "Add --no-cache-dir (or ENV PIP_NO_CACHE_DIR=1, or a cache mount).",
        references: [Reference::CisDocker("4.3"), Reference::Url("https://github.com/hadolint/hadolint/wiki/DL3042")],
        check: check,
    }
}

fn check(ctx: &Ctx<'_>, hits: &mut Vec<RuleHit>) {
    let shipped = super::common::shipped_stages(ctx.file);
    for p in pkg_cmds(ctx.scripts) {
        if p.manager != Manager::Pip || !p.is_install() || !p.cmd.stage.is_some_and(|s| shipped.contains(&s))
        {
            continue;
        }
        if p.cmd
            .args()
            .iter()
            .any(|a| a.value == "--no-cache-dir" || a.value == "--no-cache")
        {
            continue;
        }
        let ins = &ctx.file.instructions[p.cmd.ins];
        if cache_mount(ins, &["/root/.cache", "/home"]) {
            continue;
        }
        let env_set = ctx.file.instructions[..p.cmd.ins].iter().any(|i| {
            i.stage.is_none_or(|s| shipped.contains(&s))
                && (i.is(Keyword::Env) || i.is(Keyword::Arg))
                && i.key_values().iter().any(|kv| {
                    kv.key.value == "PIP_NO_CACHE_DIR"
                        && kv.value.as_ref().is_some_and(|v| {
                            !matches!(
                                v.value.to_ascii_lowercase().as_str(),
                                "0" | "false" | "off" | "no"
                            )
                        })
                })
        }) || p
            .cmd
            .assignments
            .iter()
            .any(|a| a.value.starts_with("PIP_NO_CACHE_DIR="));
        let removed = ctx.scripts.of_ins(p.cmd.ins).any(|c| {
            c.program() == Some("rm")
                && c.args()
                    .iter()
                    .any(|a| a.value.contains(".cache/pip") || a.value.ends_with(".cache"))
        });
        if !env_set && !removed {
            hits.push(RuleHit::new(
                p.sub.span,
                "pip install without --no-cache-dir keeps the wheel cache in the layer",
            ));
        }
    }
}
