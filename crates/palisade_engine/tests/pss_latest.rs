//! What Pod Security `latest` means is the release of `ScanOptions::pss_latest` (a v1.36 API
//! server forbids two sysctls at baseline that v1.37 allows), for findings and admission
//! verdicts alike, in a file scan and in a paged (cluster) scan; the report says which.

mod common;

use common::{options_for, rule};
use palisade_core::{AdmissionAction, AnalysisSettings, PssLatest, Report};
use palisade_engine::{scan_bytes, ClusterSettings, PagedScan, PssMode, ScanOptions};
use palisade_pss::{Level, Policy, Version};

const INPUT: &str = "apiVersion: v1
kind: Namespace
metadata:
  name: shop
  labels:
    pod-security.kubernetes.io/enforce: baseline
---
apiVersion: v1
kind: Pod
metadata:
  name: tuned
  namespace: shop
spec:
  securityContext:
    sysctls:
      - {name: net.ipv4.tcp_notsent_lowat, value: '16384'}
  containers:
    - {name: c, image: nginx}
";

fn options(latest: Option<u32>) -> ScanOptions {
    let mut opts = options_for(vec![rule("PSS011")], Level::Restricted);
    opts.pss = PssMode::Namespaces {
        default: Policy {
            level: Level::Restricted,
            version: Version::Latest,
        },
    };
    if let Some(minor) = latest {
        opts.pss_latest = PssLatest {
            minor,
            from: "given".into(),
        };
    }
    opts
}

fn scan(latest: Option<u32>) -> Report {
    scan_bytes(&[("in.yaml", INPUT.as_bytes())], &options(latest))
}

#[test]
fn latest_is_the_release_of_the_options() {
    // By default the newest release palisade knows, which allows the sysctl.
    let r = scan(None);
    assert!(r.findings.is_empty(), "{:?}", r.findings);
    assert!(r.admission.is_empty(), "{:?}", r.admission);
    assert_eq!(
        r.pss_latest.as_ref().map(|l| l.minor),
        Some(palisade_pss::MAX_VERSION)
    );
    // As v1.36: the pod is rejected, and the finding says why.
    let r = scan(Some(36));
    assert_eq!(r.findings.len(), 1, "{:?}", r.findings);
    assert_eq!(r.findings[0].rule.code, "PSS011");
    assert!(r.findings[0].message.contains("net.ipv4.tcp_notsent_lowat"));
    assert_eq!(r.admission.len(), 1);
    assert_eq!(r.admission[0].action, AdmissionAction::Reject);
    assert_eq!(r.admission[0].policy, "baseline:latest");
    assert_eq!(
        r.pss_latest,
        Some(PssLatest {
            minor: 36,
            from: "given".into()
        })
    );
    // As v1.37 explicitly: allowed again.
    assert!(scan(Some(37)).findings.is_empty());
}

#[test]
fn a_paged_scan_takes_latest_from_the_cluster_at_finish() {
    let opts = options(None);
    let source = palisade_source::Bytes {
        inputs: vec![("in.yaml", INPUT.as_bytes())],
    };
    let finish = |minor: u32| {
        let mut paged = PagedScan::new(&opts);
        // One page per object, as a cluster read gives them.
        for o in palisade_engine::collect(&source, &opts.keeps()).objects {
            paged.add(vec![o]);
        }
        paged.finish(
            Vec::new(),
            ClusterSettings {
                analysis: AnalysisSettings::default(),
                pss_latest: PssLatest {
                    minor,
                    from: "the API server's version".into(),
                },
            },
        )
    };
    let r = finish(36);
    assert_eq!(r.findings.len(), 1, "{:?}", r.findings);
    assert_eq!(
        r.pss_latest.as_ref().map(PssLatest::release),
        Some("v1.36".into())
    );
    assert!(finish(37).findings.is_empty());
}

#[test]
fn without_pod_security_rules_latest_meant_nothing() {
    let mut opts = options(Some(36));
    opts.rules = vec![rule("HRD001")];
    let r = scan_bytes(&[("in.yaml", INPUT.as_bytes())], &opts);
    assert_eq!(r.pss_latest, None);
}
