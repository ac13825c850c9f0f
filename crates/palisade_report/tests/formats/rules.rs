use crate::fixture::*;
use palisade_report::{render_explain, render_rules, Format, UnknownFormat};
use serde_json::json;

fn rules_text(json: bool) -> String {
    let mut out = Vec::new();
    render_rules(&[&HOST_NETWORK, &PRIVILEGED, &READ_ONLY], json, &mut out).unwrap();
    String::from_utf8(out).unwrap()
}

#[test]
fn rules_table() {
    assert_eq!(
        rules_text(false),
        "CODE    NAME                       SEVERITY  GROUP      SUMMARY\n\
         PSS002  pss-host-namespaces        critical  pss        Host namespaces\n\
         PSS007  pss-privileged             high      pss        Privileged containers\n\
         HRD003  read-only-root-filesystem  low       hardening  Writable root filesystem\n\
         \n\
         3 rules\n"
    );
}

#[test]
fn rules_json() {
    let v: serde_json::Value = serde_json::from_str(&rules_text(true)).unwrap();
    let arr = v.as_array().unwrap();
    assert_eq!(arr.len(), 3);
    assert_eq!(
        arr[2],
        json!({
            "code": "HRD003",
            "name": "read-only-root-filesystem",
            "severity": "low",
            "group": "hardening",
            "summary": "Writable root filesystem",
            "remediation": "Set securityContext.readOnlyRootFilesystem to true.",
            "references": [{"kind": "nsa", "id": "Immutable container file systems", "label": "NSA/CISA Kubernetes Hardening Guidance: Immutable container file systems"}],
        })
    );
}

#[test]
fn explain_page() {
    let mut out = Vec::new();
    render_explain(&PRIVILEGED, &mut out).unwrap();
    let text = String::from_utf8(out).unwrap();
    assert_eq!(
        text,
        "PSS007 pss-privileged\n\
         severity: high  group: pss\n\
         Privileged containers\n\
         \n\
         ## What it does\n\
         Flags containers that run privileged.\n\
         \n\
         ## Why is this bad?\n\
         A privileged container is root on the node.\n\
         \n\
         ## Example\n\
         ```yaml\n\
         securityContext:\n  privileged: true\n\
         ```\n\
         \n\
         Remediation:\n  Remove securityContext.privileged or set it to false.\n\
         \n\
         References:\n\
         \x20 - Pod Security Standards: Privileged Containers\n\
         \x20 - CIS Kubernetes Benchmark 5.2.1\n\
         \x20 - https://kubernetes.io/docs/concepts/security/pod-security-standards/\n"
    );
}

#[test]
fn format_names() {
    for f in Format::ALL {
        assert_eq!(f.to_string().parse::<Format>(), Ok(f));
    }
    assert_eq!("SARIF".parse::<Format>(), Ok(Format::Sarif));
    assert_eq!("junit".parse::<Format>(), Ok(Format::Junit));
    let err = "xml".parse::<Format>().unwrap_err();
    assert_eq!(err, UnknownFormat("xml".into()));
    assert!(err.to_string().contains("human, json, sarif, junit"));
}
