//! Workload hardening rules: what runs in each container of a pod template (images,
//! resources, security contexts, probes, host access).

use palisade_core::RuleMeta;

pub mod allow_privilege_escalation;
pub mod allowed_registries;
pub mod apparmor_unconfined;
pub mod capabilities_drop_all;
pub mod capability_all;
pub mod capability_bpf;
pub mod capability_net_admin;
pub mod capability_net_raw;
pub mod capability_perfmon;
pub mod capability_sys_admin;
pub mod capability_sys_module;
pub mod capability_sys_ptrace;
pub mod common;
pub mod deprecated_security_annotations;
pub mod fs_group_root;
pub mod host_aliases;
pub mod host_path_runtime_socket;
pub mod host_path_sensitive;
pub mod host_path_writable;
pub mod image_latest_tag;
pub mod image_not_pinned_by_digest;
pub mod image_pull_policy_not_always;
pub mod image_without_tag;
pub mod missing_cpu_limit;
pub mod missing_cpu_request;
pub mod missing_liveness_probe;
pub mod missing_memory_limit;
pub mod missing_memory_request;
pub mod missing_readiness_probe;
pub mod missing_security_context;
pub mod read_only_root_filesystem;
pub mod required_labels;
pub mod run_as_root_group;
pub mod run_as_root_user;
pub mod seccomp_unconfined;
pub mod share_process_namespace;

/// This group's rules, in code order (HRD001–HRD039).
pub static RULES: &[&RuleMeta] = &[
    &image_without_tag::IMAGE_WITHOUT_TAG,
    &image_not_pinned_by_digest::IMAGE_NOT_PINNED_BY_DIGEST,
    &read_only_root_filesystem::READ_ONLY_ROOT_FILESYSTEM,
    &image_pull_policy_not_always::IMAGE_PULL_POLICY_NOT_ALWAYS,
    &image_latest_tag::IMAGE_LATEST_TAG,
    &allowed_registries::ALLOWED_REGISTRIES,
    &missing_cpu_limit::MISSING_CPU_LIMIT,
    &missing_memory_limit::MISSING_MEMORY_LIMIT,
    &missing_cpu_request::MISSING_CPU_REQUEST,
    &missing_memory_request::MISSING_MEMORY_REQUEST,
    &run_as_root_user::RUN_AS_ROOT_USER,
    &run_as_root_group::RUN_AS_ROOT_GROUP,
    &fs_group_root::FS_GROUP_ROOT,
    &allow_privilege_escalation::ALLOW_PRIVILEGE_ESCALATION,
    &capability_sys_admin::CAPABILITY_SYS_ADMIN,
    &capability_net_admin::CAPABILITY_NET_ADMIN,
    &capability_net_raw::CAPABILITY_NET_RAW,
    &capability_sys_ptrace::CAPABILITY_SYS_PTRACE,
    &capability_sys_module::CAPABILITY_SYS_MODULE,
    &capability_bpf::CAPABILITY_BPF,
    &capability_perfmon::CAPABILITY_PERFMON,
    &capability_all::CAPABILITY_ALL,
    &capabilities_drop_all::CAPABILITIES_DROP_ALL,
    &share_process_namespace::SHARE_PROCESS_NAMESPACE,
    &host_path_runtime_socket::HOST_PATH_RUNTIME_SOCKET,
    &host_path_sensitive::HOST_PATH_SENSITIVE,
    &host_path_writable::HOST_PATH_WRITABLE,
    &seccomp_unconfined::SECCOMP_UNCONFINED,
    &apparmor_unconfined::APPARMOR_UNCONFINED,
    &deprecated_security_annotations::DEPRECATED_SECURITY_ANNOTATIONS,
    &missing_liveness_probe::MISSING_LIVENESS_PROBE,
    &missing_readiness_probe::MISSING_READINESS_PROBE,
    &host_aliases::HOST_ALIASES,
    &missing_security_context::MISSING_SECURITY_CONTEXT,
    &required_labels::REQUIRED_LABELS,
];
