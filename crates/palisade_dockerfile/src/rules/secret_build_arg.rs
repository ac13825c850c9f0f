//! DKR033: a secret passed by ARG (or copied into ENV) instead of a secret mount.

use super::{Ctx, RuleHit};
use crate::model::Keyword;
use palisade_core::Reference;
use palisade_rules::hardening::identity::secret_detector::secret_name_word;

declare_dockerfile_rule! {
    /// ## What it does
    /// Flags `ARG` declarations whose name says they carry a secret (`NPM_TOKEN`,
    /// `GITHUB_TOKEN`, `DB_PASSWORD`, `AWS_SECRET_ACCESS_KEY`, … — the manifest rules' secret
    /// detector decides) and that have no literal default, and `ENV NAME=$VAR` that copies
    /// such a variable into the image environment. A literal secret value is
    /// `dockerfile-secret-in-env-arg-label` (DKR012) instead. Names about a secret
    /// (`TOKEN_URL`, `PASSWORD_FILE`) are not flagged.
    ///
    /// ## Why is this bad?
    /// Build arguments are recorded in the image history (`docker history --no-trunc` shows
    /// `NPM_TOKEN=…` for every RUN that follows the ARG) and in the build cache; ENV values
    /// ship in the image config. BuildKit secret mounts expose the value to one RUN, in a
    /// tmpfs file, and store it nowhere. CIS Docker Benchmark 4.10.
    ///
    /// ## Example
    /// ```dockerfile
    /// ARG NPM_TOKEN
    /// RUN echo "//registry.npmjs.org/:_authToken=${NPM_TOKEN}" > .npmrc && npm ci
    /// ```
    ///
    /// ## Fix
    /// ```dockerfile
    /// RUN --mount=type=secret,id=npm_token \
    ///     NPM_TOKEN="$(cat /run/secrets/npm_token)" npm ci
    /// ```
    /// and build with `docker build --secret id=npm_token,env=NPM_TOKEN .`.
    pub static SECRET_BUILD_ARG = {
        code: "DKR033",
        name: "dockerfile-secret-build-arg",
        severity: Medium,
        summary: "Secret passed as a build argument or environment variable instead of a secret mount",
        remediation: "Pass the secret with RUN --mount=type=secret (docker build --secret) and remove the ARG/ENV.",
        references: [Reference::CisDocker("4.10"), Reference::Mitre("T1552.001")],
        check: check,
    }
}

fn check(ctx: &Ctx<'_>, hits: &mut Vec<RuleHit>) {
    for ins in &ctx.file.instructions {
        let is_arg = ins.is(Keyword::Arg);
        if !is_arg && !ins.is(Keyword::Env) {
            continue;
        }
        for kv in ins.key_values() {
            let Some(word) = secret_name_word(&kv.key.value) else {
                continue;
            };
            let flagged = match &kv.value {
                None => is_arg,
                Some(v) => v.raw.trim().starts_with('$'),
            };
            if flagged {
                hits.push(RuleHit::new(
                    kv.key.span,
                    format!(
                        "{} {} is named like a secret ({word}): its value is recorded in the image {}; use RUN --mount=type=secret",
                        ins.keyword,
                        kv.key.value,
                        if is_arg { "history" } else { "configuration" }
                    ),
                ));
            }
        }
    }
}
