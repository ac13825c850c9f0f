//! The Pod Security Standards rules: one rule per Pod Security Admission check, all evaluated
//! together by `palisade_pss` (the engine maps each failed check to its rule here). Codes follow
//! the global PSA execution order: the baseline checks PSS001–PSS012, then the restricted checks
//! PSS013–PSS019.

pub mod allow_privilege_escalation;
pub mod apparmor_profile;
pub mod capabilities_baseline;
pub mod capabilities_restricted;
pub mod host_namespaces;
pub mod host_path_volumes;
pub mod host_ports;
pub mod host_probes_lifecycle;
pub mod privileged;
pub mod proc_mount;
pub mod proc_mount_restricted;
pub mod restricted_volumes;
pub mod run_as_non_root;
pub mod run_as_user;
pub mod seccomp_baseline;
pub mod seccomp_restricted;
pub mod selinux_options;
pub mod sysctls;
pub mod windows_host_process;
