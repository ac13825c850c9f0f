//! An object defined more than once in the input is what applying the objects in order
//! leaves: its last definition. Every rule that looks an object up by name answers from the
//! same definition (the RBAC and NetworkPolicy models, and the lookups of the pod rules).

mod common;

use common::{options_for, rule};
use palisade_engine::scan_bytes;
use palisade_pss::Level;

/// ServiceAccount `shop/web` is defined twice (`FIRST`, `LAST`: whether its token is
/// mounted). A Deployment runs as it, and a RoleBinding (`SECRET_READER`) lets it read Secrets.
const TWICE: &str = r#"apiVersion: v1
kind: ServiceAccount
metadata: {name: web, namespace: shop}
automountServiceAccountToken: FIRST
---
apiVersion: v1
kind: ServiceAccount
metadata: {name: web, namespace: shop}
automountServiceAccountToken: LAST
---
SECRET_READER---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      serviceAccountName: web
      containers: [{name: web, image: registry.example.com/web:1.0.0}]
"#;

fn codes(first: bool, last: bool) -> Vec<&'static str> {
    let yaml = TWICE
        .replace("FIRST", &first.to_string())
        .replace("LAST", &last.to_string())
        .replace("SECRET_READER", &common::secret_reader_for("web"));
    let rules = ["HRD040", "RBAC015"].iter().map(|c| rule(c)).collect();
    let r = scan_bytes(
        &[("sa.yaml", yaml.as_bytes())],
        &options_for(rules, Level::Restricted),
    );
    let mut codes: Vec<&str> = r
        .findings
        .iter()
        .flat_map(|f| f.rules().map(|r| r.code))
        .collect();
    codes.sort();
    codes
}

#[test]
fn the_last_definition_of_a_service_account_decides_its_token() {
    // The token is mounted (the last definition): the automount rule and the RBAC rule both
    // say so.
    assert_eq!(codes(false, true), ["HRD040", "RBAC015"]);
    // It is not mounted: neither does.
    assert_eq!(codes(true, false), Vec::<&str>::new());
}
