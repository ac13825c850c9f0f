//! Identity and secrets rules: service-account tokens in pods, the default ServiceAccount,
//! legacy token Secrets, secret values in manifests and environment variables.

use palisade_core::RuleMeta;

pub mod common;
pub mod configmap_contains_credential;
pub mod default_service_account;
pub mod env_high_entropy_value;
pub mod env_literal_secret;
pub mod legacy_service_account_token_secret;
pub mod secret_as_env_var;
pub mod secret_contains_credential;
pub mod secret_data_committed;
pub mod secret_detector;
pub mod service_account_automount_enabled;
pub mod service_account_token_automount;

/// This group's rules, in code order (HRD040–HRD059).
pub static RULES: &[&RuleMeta] = &[
    &service_account_token_automount::SERVICE_ACCOUNT_TOKEN_AUTOMOUNT,
    &service_account_automount_enabled::SERVICE_ACCOUNT_AUTOMOUNT_ENABLED,
    &default_service_account::DEFAULT_SERVICE_ACCOUNT,
    &legacy_service_account_token_secret::LEGACY_SERVICE_ACCOUNT_TOKEN_SECRET,
    &env_literal_secret::ENV_LITERAL_SECRET,
    &env_high_entropy_value::ENV_HIGH_ENTROPY_VALUE,
    &secret_as_env_var::SECRET_AS_ENV_VAR,
    &secret_contains_credential::SECRET_CONTAINS_CREDENTIAL,
    &secret_data_committed::SECRET_DATA_COMMITTED,
    &configmap_contains_credential::CONFIGMAP_CONTAINS_CREDENTIAL,
];
