//! A small hand-built report shared by the format tests: three findings on two objects (one
//! without a source location), two suppressed findings (a configuration exception on a third
//! object, an annotation on the first), an input error and a warning, one admission verdict,
//! one namespace policy.

use palisade_core::psa::CheckInfo;
use palisade_core::{
    AdmissionAction, AdmissionVerdict, Check, DiagLevel, Diagnostic, FieldPath, Finding, Location,
    NamespacePolicy, ObjectRef, PssContext, PssMode, Reference, Report, RuleMeta, Severity, Stats,
    Suppression, SuppressionKind,
};
use palisade_report::RenderOptions;
use std::collections::BTreeMap;
use std::sync::Arc;

pub static PRIVILEGED: RuleMeta = RuleMeta {
    code: "PSS007",
    name: "pss-privileged",
    severity: Severity::High,
    group: "pss",
    summary: "Privileged containers",
    remediation: "Remove securityContext.privileged or set it to false.",
    docs: " ## What it does\n Flags containers that run privileged.\n\n ## Why is this bad?\n A privileged container is root on the node.\n\n ## Example\n ```yaml\n securityContext:\n   privileged: true\n ```\n",
    references: &[Reference::Pss("Privileged Containers"), Reference::Cis("5.2.1"), Reference::Url("https://kubernetes.io/docs/concepts/security/pod-security-standards/")],
    requires_option: None,
    scope: palisade_core::Scope::Object,
    check: Check::Pss(&PRIVILEGED_CHECK),
};

static PRIVILEGED_CHECK: CheckInfo = CheckInfo {
    id: "privileged",
    level: palisade_core::psa::Level::Baseline,
    reason: "privileged",
    title: "Privileged Containers",
};

static HOST_NAMESPACES_CHECK: CheckInfo = CheckInfo {
    id: "hostNamespaces",
    level: palisade_core::psa::Level::Baseline,
    reason: "host namespaces",
    title: "Host Namespaces",
};

pub static READ_ONLY: RuleMeta = RuleMeta {
    code: "HRD003",
    name: "read-only-root-filesystem",
    severity: Severity::Low,
    group: "hardening",
    summary: "Writable root filesystem",
    remediation: "Set securityContext.readOnlyRootFilesystem to true.",
    docs: "## What it does\nFlags containers whose root filesystem is writable.\n",
    references: &[Reference::Nsa("Immutable container file systems")],
    requires_option: None,
    scope: palisade_core::Scope::Object,
    check: Check::Engine,
};

pub static HOST_NETWORK: RuleMeta = RuleMeta {
    code: "PSS002",
    name: "pss-host-namespaces",
    severity: Severity::Critical,
    group: "pss",
    summary: "Host namespaces",
    remediation: "Remove hostNetwork, hostPID and hostIPC.",
    docs: "",
    references: &[Reference::Mitre("T1611")],
    requires_option: None,
    scope: palisade_core::Scope::Object,
    check: Check::Pss(&HOST_NAMESPACES_CHECK),
};

pub const FRONTEND_FILE: &str = "examples/guestbook/frontend.yaml";

pub fn frontend() -> ObjectRef {
    ObjectRef {
        api_version: "apps/v1".into(),
        kind: "Deployment".into(),
        namespace: Some("guestbook".into()),
        name: "frontend".into(),
        uid: None,
    }
}

pub fn debug_pod() -> ObjectRef {
    ObjectRef {
        api_version: "v1".into(),
        kind: "Pod".into(),
        namespace: Some("default".into()),
        name: "debug".into(),
        uid: None,
    }
}

pub const REDIS_FILE: &str = "examples/guestbook/redis.yaml";
pub const CONFIG_FILE: &str = ".palisade.yaml";

pub fn redis() -> ObjectRef {
    ObjectRef {
        api_version: "apps/v1".into(),
        kind: "Deployment".into(),
        namespace: Some("guestbook".into()),
        name: "redis".into(),
        uid: None,
    }
}

/// The fixture's suppressed findings: one accepted by a configuration exception (with owner
/// and expiry), one by a `palisade.dev/ignore` annotation.
pub fn suppressed() -> Vec<Finding> {
    vec![
        Finding {
            rule: &READ_ONLY,
            severity: Severity::Low,
            object: redis().into(),
            object_location: None,
            container: Some("redis".into()),
            message: "container \"redis\" has a writable root filesystem".into(),
            path: FieldPath::parse("spec.template.spec.containers[0].securityContext.readOnlyRootFilesystem")
                .unwrap(),
            location: Some(loc(REDIS_FILE, 14, 9)),
            exact: false,
            pss: None,
            suppressed: Some(Arc::new(Suppression {
                kind: SuppressionKind::Exception,
                reason: "redis writes its dump to /data".into(),
                owner: Some("team-storage".into()),
                expires: Some("2026-06-30".into()),
                source: Some(loc(CONFIG_FILE, 12, 5)),
                exception: Some(0),
            })),
            also: Vec::new(),
        },
        Finding {
            rule: &PRIVILEGED,
            severity: Severity::High,
            object: frontend().into(),
            object_location: Some(loc(FRONTEND_FILE, 3, 1)),
            container: Some("vpn".into()),
            message: "container \"vpn\" must not set securityContext.privileged=true".into(),
            path: FieldPath::parse("spec.template.spec.containers[1].securityContext.privileged").unwrap(),
            location: Some(loc(FRONTEND_FILE, 40, 13)),
            exact: true,
            pss: None,
            suppressed: Some(Arc::new(Suppression {
                kind: SuppressionKind::Annotation,
                reason: "the VPN sidecar needs NET_ADMIN".into(),
                owner: None,
                expires: None,
                source: Some(loc(FRONTEND_FILE, 7, 5)),
                exception: None,
            })),
            also: Vec::new(),
        },
    ]
}

pub fn loc(file: &str, line: u32, column: u32) -> Location {
    Location {
        file: Arc::from(file),
        line,
        column,
    }
}

pub fn report() -> Report {
    let findings = vec![
        Finding {
            rule: &PRIVILEGED,
            severity: Severity::High,
            object: frontend().into(),
            object_location: Some(loc(FRONTEND_FILE, 3, 1)),
            container: Some("php-redis".into()),
            message: "container \"php-redis\" must not set securityContext.privileged=true".into(),
            path: FieldPath::parse("spec.template.spec.containers[0].securityContext.privileged").unwrap(),
            location: Some(loc(FRONTEND_FILE, 22, 13)),
            exact: true,
            pss: Some(Arc::new(PssContext {
                level: "restricted".into(),
                version: "latest".into(),
                mode: PssMode::Enforce,
                action: AdmissionAction::RejectPods,
                check: "privileged",
                reason: "privileged".into(),
                detail: "container \"php-redis\" must not set securityContext.privileged=true".into(),
            })),
            suppressed: None,
            also: Vec::new(),
        },
        Finding {
            rule: &READ_ONLY,
            severity: Severity::Low,
            object: frontend().into(),
            object_location: Some(loc(FRONTEND_FILE, 3, 1)),
            container: Some("php-redis".into()),
            message: "container \"php-redis\" has a writable root filesystem".into(),
            path: FieldPath::parse("spec.template.spec.containers[0].securityContext.readOnlyRootFilesystem")
                .unwrap(),
            location: Some(loc(FRONTEND_FILE, 20, 11)),
            exact: false,
            pss: None,
            suppressed: None,
            also: Vec::new(),
        },
        Finding {
            rule: &HOST_NETWORK,
            severity: Severity::Critical,
            object: debug_pod().into(),
            object_location: None,
            container: None,
            // Hostile text from a manifest: markup, quotes and a terminal escape.
            message: "hostNetwork=true <b>&\"x\" \u{1b}[2J".into(),
            path: FieldPath::parse("spec.hostNetwork").unwrap(),
            location: None,
            exact: true,
            pss: None,
            suppressed: None,
            also: Vec::new(),
        },
    ];
    let errors = vec![
        Diagnostic {
            level: DiagLevel::Error,
            file: Some(Arc::from("examples/broken.yaml")),
            line: Some(4),
            column: Some(7),
            message: "mapping values are not allowed in this context".into(),
            object: None,
        },
        Diagnostic {
            level: DiagLevel::Warning,
            file: Some(Arc::from("examples/guestbook/redis.yaml")),
            line: Some(9),
            column: None,
            message: "unknown field \"spec.replica\"".into(),
            object: None,
        },
    ];
    let admission = vec![AdmissionVerdict {
        object: frontend().into(),
        location: Some(loc(FRONTEND_FILE, 3, 1)),
        mode: PssMode::Enforce,
        policy: "restricted:latest".into(),
        action: AdmissionAction::RejectPods,
        message: "Warning: would violate PodSecurity \"restricted:latest\": privileged (container \"php-redis\" must not set securityContext.privileged=true)".into(),
    }];
    let namespaces = vec![NamespacePolicy {
        namespace: "guestbook".into(),
        enforce: "restricted:latest".into(),
        audit: String::new(),
        warn: "baseline:v1.30".into(),
        errors: vec![],
    }];
    let stats = Stats {
        files: 3,
        bytes: 2048,
        documents: 5,
        objects: 4,
        workloads: 2,
        skipped_documents: 1,
        custom_template_kinds: BTreeMap::from([("Rollout".to_owned(), 1)]),
        findings_by_severity: BTreeMap::from([
            (Severity::Critical, 1),
            (Severity::High, 1),
            (Severity::Low, 1),
        ]),
        duration_ms: 42,
    };
    Report {
        findings,
        suppressed: suppressed(),
        rules: vec![&HOST_NETWORK, &PRIVILEGED, &READ_ONLY],
        errors,
        admission,
        namespaces,
        stats,
        fail_on: Some(Severity::High),
        ..Report::default()
    }
}

pub fn opts() -> RenderOptions {
    RenderOptions {
        color: false,
        tool_version: "1.2.3",
        target: "examples/guestbook".into(),
        verbose: false,
        show_suppressed: false,
        // 2026-01-02T03:04:05.000000006Z: PolicyReport results carry it.
        timestamp: Some(std::time::UNIX_EPOCH + std::time::Duration::new(1_767_323_045, 6)),
    }
}

pub fn render(report: &Report, format: palisade_report::Format, opts: &RenderOptions) -> String {
    let mut out = Vec::new();
    palisade_report::render(report, format, opts, &mut out).expect("render");
    String::from_utf8(out).expect("utf-8 output")
}

/// Reads a JSON file relative to the crate directory.
pub fn read_json(relative: &str) -> serde_json::Value {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(relative);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Validates `doc` against `schema` (with format checks) and returns the errors as text.
pub fn schema_errors(
    schema: &serde_json::Value,
    draft: jsonschema::Draft,
    doc: &serde_json::Value,
) -> Vec<String> {
    jsonschema::meta::validate(schema).expect("the schema is itself valid");
    let validator = jsonschema::options()
        .with_draft(draft)
        .should_validate_formats(true)
        .build(schema)
        .expect("schema compiles");
    validator
        .iter_errors(doc)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect()
}
