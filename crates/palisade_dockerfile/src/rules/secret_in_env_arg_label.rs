//! DKR012: secrets written as ENV, ARG or LABEL values (detected by the manifest rules'
//! secret detector).

use super::{Ctx, RuleHit};
use crate::model::{Instruction, Keyword};
use palisade_core::Reference;
use palisade_rules::hardening::identity::env_literal_secret::classify;

declare_dockerfile_rule! {
    /// ## What it does
    /// Flags `ENV`, `ARG` defaults and `LABEL` values (also in `ONBUILD`) that hold a secret,
    /// decided by the same detector as the manifest rule `env-literal-secret` (HRD044):
    /// - the value is a recognisable credential whatever the name: a PEM private key, an AWS
    ///   access key id, a GitHub or Slack token, a JSON Web Token, a Google Cloud key, registry
    ///   credentials, a URL with a password; or
    /// - the name says it holds a secret (`DB_PASSWORD`, `NPM_TOKEN`, `API_KEY`, `SECRET_KEY`,
    ///   `PGPASSWORD`) and the value is a literal.
    ///
    /// Not flagged: names about a secret rather than the secret (`PASSWORD_FILE`, `TOKEN_URL`,
    /// `AUTH_TYPE`), values that are empty, booleans, numbers, paths, URLs without
    /// credentials, variable references (`$NPM_TOKEN`) and placeholders (`changeme`,
    /// `<token>`, `REPLACE_ME`). Messages show a masked value only. A secret-named ARG or ENV
    /// without a literal value is `dockerfile-secret-build-arg` (DKR033).
    ///
    /// ## Why is this bad?
    /// ENV, ARG and LABEL values are stored in the image configuration and history
    /// (`docker history`, `docker inspect`): everyone who can pull the image reads them, and
    /// the Dockerfile itself is in Git. CIS Docker Benchmark 4.10: do not store secrets in
    /// Dockerfiles.
    ///
    /// ## Example
    /// ```dockerfile
    /// ENV DB_PASSWORD=s3cr3t-but-longer
    /// ```
    ///
    /// ## Fix
    /// ```dockerfile
    /// RUN --mount=type=secret,id=db_password ./configure-db
    /// ```
    /// Rotate the exposed secret; pass secrets at run time (a Kubernetes Secret) or at build
    /// time with `RUN --mount=type=secret`.
    pub static SECRET_IN_ENV_ARG_LABEL = {
        code: "DKR012",
        name: "dockerfile-secret-in-env-arg-label",
        severity: High,
        summary: "Secret in an ENV, ARG or LABEL value",
        remediation: "Rotate the secret, remove it from the Dockerfile and pass it at run time or with RUN --mount=type=secret.",
        references: [Reference::CisDocker("4.10"), Reference::Mitre("T1552.001")],
        check: check,
    }
}

fn check_ins(ins: &Instruction, hits: &mut Vec<RuleHit>) {
    if let Some(inner) = &ins.onbuild {
        check_ins(inner, hits);
    }
    let what = match ins.keyword {
        Keyword::Env => "ENV",
        Keyword::Arg => "ARG default",
        Keyword::Label => "LABEL",
        _ => return,
    };
    for kv in ins.key_values() {
        let Some(v) = &kv.value else { continue };
        let literal = !v.raw.contains('$');
        let verdict = if literal {
            classify(&kv.key.value, &v.value)
        } else {
            // A variable reference is no secret by its name; the text may still be one.
            palisade_rules::hardening::identity::secret_detector::detect_credential(&v.value)
                .map(|c| (format!("holds a credential ({})", c.kind), c.hint))
        };
        if let Some((why, shown)) = verdict {
            hits.push(RuleHit::new(
                v.span,
                format!(
                    "{what} {:?} {why}: {shown}; it is stored in the image history",
                    kv.key.value
                ),
            ));
        }
    }
}

fn check(ctx: &Ctx<'_>, hits: &mut Vec<RuleHit>) {
    for ins in &ctx.file.instructions {
        check_ins(ins, hits);
    }
}
