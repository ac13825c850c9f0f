//! The check set for every level and version (spec §1.1, §2.1), written out by hand from the
//! spec's tables rather than derived from the registry.

use palisade_pss::{checks_for, Level, Version, CHECKS, MAX_VERSION};

/// Spec §2.1, baseline table.
fn expected_baseline(n: u32) -> Vec<&'static str> {
    let mut out = vec![
        "appArmorProfile",
        "capabilities_baseline",
        "hostNamespaces",
        "hostPathVolumes",
        "hostPorts",
    ];
    if n >= 34 {
        out.push("hostProbesAndHostLifecycle");
    }
    out.extend([
        "privileged",
        "procMount",
        "seLinuxOptions",
        "seccompProfile_baseline",
        "sysctls",
        "windowsHostProcess",
    ]);
    out
}

/// Spec §2.1, restricted table.
fn expected_restricted(n: u32) -> Vec<&'static str> {
    let mut out = vec!["appArmorProfile"];
    if n < 22 {
        out.push("capabilities_baseline");
    }
    out.extend(["hostNamespaces", "hostPorts"]);
    if n >= 34 {
        out.push("hostProbesAndHostLifecycle");
    }
    out.push("privileged");
    if n < 35 {
        out.push("procMount");
    }
    out.push("seLinuxOptions");
    if n < 19 {
        out.push("seccompProfile_baseline");
    }
    out.extend(["sysctls", "windowsHostProcess"]);
    if n >= 8 {
        out.push("allowPrivilegeEscalation");
    }
    if n >= 22 {
        out.push("capabilities_restricted");
    }
    if n >= 35 {
        out.push("procMount_restricted");
    }
    out.extend(["restrictedVolumes", "runAsNonRoot"]);
    if n >= 23 {
        out.push("runAsUser");
    }
    if n >= 19 {
        out.push("seccompProfile_restricted");
    }
    out
}

#[test]
fn check_sets_for_every_version() {
    for n in 0..=MAX_VERSION {
        assert_eq!(
            checks_for(Level::Baseline, Version::V(n)),
            expected_baseline(n),
            "baseline v1.{n}"
        );
        assert_eq!(
            checks_for(Level::Restricted, Version::V(n)),
            expected_restricted(n),
            "restricted v1.{n}"
        );
        assert!(checks_for(Level::Privileged, Version::V(n)).is_empty());
    }
}

#[test]
fn check_set_sizes_from_the_spec() {
    let count = |l, n| checks_for(l, Version::V(n)).len();
    for n in 0..=18 {
        assert_eq!(count(Level::Baseline, n), 11, "v1.{n}");
    }
    assert_eq!(count(Level::Baseline, 33), 11);
    assert_eq!(count(Level::Baseline, 34), 12);
    assert_eq!(count(Level::Baseline, 37), 12);
    for (n, want) in [
        (0, 12),
        (7, 12),
        (8, 13),
        (18, 13),
        (19, 13),
        (21, 13),
        (22, 13),
        (23, 14),
        (33, 14),
        (34, 15),
        (35, 15),
        (37, 15),
    ] {
        assert_eq!(count(Level::Restricted, n), want, "restricted v1.{n}");
    }
}

#[test]
fn latest_and_future_versions_equal_max() {
    for level in [Level::Baseline, Level::Restricted] {
        let max = checks_for(level, Version::V(MAX_VERSION));
        assert_eq!(checks_for(level, Version::Latest), max);
        assert_eq!(checks_for(level, Version::V(38)), max);
        assert_eq!(checks_for(level, Version::V(99)), max);
        assert_eq!(checks_for(level, Version::V(u32::MAX)), max);
    }
    assert_eq!(MAX_VERSION, 37);
}

#[test]
fn catalogue_is_in_global_order() {
    let ids: Vec<&str> = CHECKS.iter().map(|c| c.id).collect();
    assert_eq!(
        ids,
        vec![
            "appArmorProfile",
            "capabilities_baseline",
            "hostNamespaces",
            "hostPathVolumes",
            "hostPorts",
            "hostProbesAndHostLifecycle",
            "privileged",
            "procMount",
            "seLinuxOptions",
            "seccompProfile_baseline",
            "sysctls",
            "windowsHostProcess",
            "allowPrivilegeEscalation",
            "capabilities_restricted",
            "procMount_restricted",
            "restrictedVolumes",
            "runAsNonRoot",
            "runAsUser",
            "seccompProfile_restricted",
        ]
    );
    let reasons: Vec<(&str, Level, &str)> = CHECKS.iter().map(|c| (c.id, c.level, c.reason)).collect();
    assert!(reasons.contains(&("appArmorProfile", Level::Baseline, "forbidden AppArmor profile")));
    assert!(reasons.contains(&("procMount_restricted", Level::Restricted, "procMount")));
    assert!(reasons.contains(&("hostPorts", Level::Baseline, "hostPort")));
    assert!(reasons.contains(&("runAsUser", Level::Restricted, "runAsUser=0")));
    assert!(CHECKS.iter().all(|c| !c.title.is_empty() && !c.reason.is_empty()));
    assert_eq!(
        CHECKS.iter().find(|c| c.id == "privileged").map(|c| c.title),
        Some("Privileged Containers")
    );
}
