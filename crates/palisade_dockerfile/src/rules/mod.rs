//! The Dockerfile rules, one file per rule (`DKR001`…, group `dockerfile`), the shared
//! command and package-manager helpers ([`common`]), and the one registry list. Rules are pure
//! functions of the parsed file and their options; [`crate::lint`] runs them.

#[macro_use]
mod macros;
pub mod common;

pub mod add_instead_of_copy;
pub mod add_remote_without_checksum;
pub mod apk_without_no_cache;
pub mod apt_install_recommends;
pub mod arg_used_before_declared;
pub mod base_image_digest;
pub mod base_image_latest;
pub mod base_image_registry;
pub mod cd_instead_of_workdir;
pub mod copy_from_undefined_stage;
pub mod copy_key_file;
pub mod copy_multiple_to_file;
pub mod duplicate_stage_name;
pub mod healthcheck_missing;
pub mod invalid_expose;
pub mod maintainer;
pub mod multiple_cmd_entrypoint;
pub mod package_cache_kept;
pub mod package_unpinned;
pub mod package_upgrade;
pub mod package_verification_disabled;
pub mod pip_without_no_cache_dir;
pub mod relative_workdir;
pub mod remote_script_executed;
pub mod root_user;
pub mod secret_build_arg;
pub mod secret_in_env_arg_label;
pub mod setuid_not_removed;
pub mod shell_form_entrypoint;
pub mod shell_misuse;
pub mod sudo;
pub mod tls_verification_disabled;
pub mod update_alone;

use crate::model::{Dockerfile, Span};
use palisade_core::{RuleMeta, RuleOptions, Severity};

/// A Dockerfile rule: its metadata (code, name, docs, …) and its check.
pub struct DockerfileRule {
    pub meta: &'static RuleMeta,
    pub check: fn(&Ctx<'_>, &mut Vec<RuleHit>),
}

/// What a rule sees: the file, its options, and the shell commands of every RUN.
pub struct Ctx<'a> {
    pub file: &'a Dockerfile,
    pub opts: &'a RuleOptions,
    pub scripts: &'a common::Scripts,
}

/// What a check reports: where, what, and (rarely) a severity of its own.
#[derive(Clone, Debug, PartialEq)]
pub struct RuleHit {
    pub span: Span,
    pub message: String,
    pub severity: Option<Severity>,
}

impl RuleHit {
    pub fn new(span: Span, message: impl Into<String>) -> RuleHit {
        RuleHit {
            span,
            message: message.into(),
            severity: None,
        }
    }
    #[must_use]
    pub fn severity(mut self, s: Severity) -> RuleHit {
        self.severity = Some(s);
        self
    }
}

/// Every rule, in code order. Adding a rule adds one line here.
static RULES: &[&DockerfileRule] = &[
    &root_user::ROOT_USER,
    &base_image_registry::BASE_IMAGE_REGISTRY,
    &base_image_digest::BASE_IMAGE_DIGEST,
    &apt_install_recommends::APT_INSTALL_RECOMMENDS,
    &package_cache_kept::PACKAGE_CACHE_KEPT,
    &package_upgrade::PACKAGE_UPGRADE,
    &healthcheck_missing::HEALTHCHECK_MISSING,
    &update_alone::UPDATE_ALONE,
    &setuid_not_removed::SETUID_NOT_REMOVED,
    &add_instead_of_copy::ADD_INSTEAD_OF_COPY,
    &add_remote_without_checksum::ADD_REMOTE_WITHOUT_CHECKSUM,
    &secret_in_env_arg_label::SECRET_IN_ENV_ARG_LABEL,
    &copy_key_file::COPY_KEY_FILE,
    &remote_script_executed::REMOTE_SCRIPT_EXECUTED,
    &package_verification_disabled::PACKAGE_VERIFICATION_DISABLED,
    &tls_verification_disabled::TLS_VERIFICATION_DISABLED,
    &base_image_latest::BASE_IMAGE_LATEST,
    &sudo::SUDO,
    &cd_instead_of_workdir::CD_INSTEAD_OF_WORKDIR,
    &relative_workdir::RELATIVE_WORKDIR,
    &multiple_cmd_entrypoint::MULTIPLE_CMD_ENTRYPOINT,
    &shell_form_entrypoint::SHELL_FORM_ENTRYPOINT,
    &package_unpinned::PACKAGE_UNPINNED,
    &apk_without_no_cache::APK_WITHOUT_NO_CACHE,
    &pip_without_no_cache_dir::PIP_WITHOUT_NO_CACHE_DIR,
    &maintainer::MAINTAINER,
    &invalid_expose::INVALID_EXPOSE,
    &copy_multiple_to_file::COPY_MULTIPLE_TO_FILE,
    &shell_misuse::SHELL_MISUSE,
    &duplicate_stage_name::DUPLICATE_STAGE_NAME,
    &copy_from_undefined_stage::COPY_FROM_UNDEFINED_STAGE,
    &arg_used_before_declared::ARG_USED_BEFORE_DECLARED,
    &secret_build_arg::SECRET_BUILD_ARG,
];

/// Every Dockerfile rule, in code order.
pub fn all_rules() -> &'static [&'static DockerfileRule] {
    RULES
}

/// The rules' metadata, in code order (for `palisade rules` and `palisade explain`).
pub fn metas() -> Vec<&'static RuleMeta> {
    RULES.iter().map(|r| r.meta).collect()
}

/// Finds a rule by code or name (case-insensitive).
pub fn find_rule(code_or_name: &str) -> Option<&'static DockerfileRule> {
    RULES.iter().copied().find(|r| {
        r.meta.code.eq_ignore_ascii_case(code_or_name) || r.meta.name.eq_ignore_ascii_case(code_or_name)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn codes_and_names_are_unique_and_well_formed() {
        let mut codes = HashSet::new();
        let mut names = HashSet::new();
        let mut last = "";
        for r in metas() {
            assert!(codes.insert(r.code), "duplicate code {}", r.code);
            assert!(names.insert(r.name), "duplicate name {}", r.name);
            assert!(r.code.starts_with("DKR") && r.code.len() == 6, "{}", r.code);
            assert!(r.code > last, "{} is out of code order", r.code);
            last = r.code;
            assert!(r.name.starts_with("dockerfile-"), "{}", r.name);
            assert_eq!(r.group, "dockerfile");
            for section in ["## What it does", "## Why is this bad?", "## Example", "## Fix"] {
                assert!(r.docs.contains(section), "{} docs lack {section}", r.code);
            }
        }
    }
}
