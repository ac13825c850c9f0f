//! Values the API server's validation rejects in a pod template although their type is right:
//! port numbers and user/group IDs out of range (`hostPort: 99999`, `runAsGroup: -1`).
//! Reported as located input errors, like wrong types; the object is still evaluated (Pod
//! Security Admission sees the values as written, so its verdicts do not change).

use palisade_core::check::CONTAINER_LISTS;
use palisade_core::{DiagLevel, Diagnostic, FieldPath, Node, Object};

/// Kubernetes' `IsValidPortNum`.
const PORT: (i64, i64) = (1, 65535);
/// Kubernetes' `IsValidUserID` / `IsValidGroupID`.
const ID: (i64, i64) = (0, 2_147_483_647);

/// Checks one value: the node, its path (made only for a value out of range), the valid
/// range, and whether 0 means unset.
type Check<'c> = dyn FnMut(Option<&Node>, &dyn Fn() -> FieldPath, (i64, i64), bool) + 'c;

/// The out-of-range values in the pod templates of `obj`.
pub fn pod_template_values(obj: &Object) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for t in obj.pod_templates() {
        let spec = t.spec_path;
        let mut check = |node: Option<&Node>,
                         path: &dyn Fn() -> FieldPath,
                         (lo, hi): (i64, i64),
                         zero_is_unset: bool| {
            let Some(v) = node.and_then(Node::as_i64) else {
                return;
            };
            if (zero_is_unset && v == 0) || (lo..=hi).contains(&v) {
                return;
            }
            let path = path();
            let (loc, _) = obj.locate(&path);
            out.push(Diagnostic {
                level: DiagLevel::Error,
                file: loc
                    .as_ref()
                    .map(|l| l.file.clone())
                    .or_else(|| obj.file().cloned()),
                line: loc.as_ref().map(|l| l.line),
                column: loc.as_ref().map(|l| l.column),
                message: format!("invalid value at {path}: {v}: must be between {lo} and {hi}, inclusive"),
                object: Some(obj.reference()),
            });
        };
        let ids = |sc: Option<&Node>, at: &dyn Fn() -> FieldPath, check: &mut Check<'_>| {
            for f in ["runAsUser", "runAsGroup"] {
                check(sc.and_then(|s| s.get(f)), &|| at().key(f), ID, false);
            }
        };
        let psc = t.spec.get("securityContext");
        let psc_path = || spec.clone().key("securityContext");
        ids(psc, &psc_path, &mut check);
        check(
            psc.and_then(|s| s.get("fsGroup")),
            &|| psc_path().key("fsGroup"),
            ID,
            false,
        );
        for (i, g) in psc
            .and_then(|s| s.get("supplementalGroups"))
            .and_then(Node::as_seq)
            .unwrap_or_default()
            .iter()
            .enumerate()
        {
            check(
                Some(g),
                &|| psc_path().key("supplementalGroups").idx(i),
                ID,
                false,
            );
        }
        for list in CONTAINER_LISTS {
            let Some(containers) = t.spec.get(list).and_then(Node::as_seq) else {
                continue;
            };
            for (ci, c) in containers.iter().enumerate() {
                let cpath = || spec.clone().key(list).idx(ci);
                ids(
                    c.get("securityContext"),
                    &|| cpath().key("securityContext"),
                    &mut check,
                );
                for (pi, p) in c
                    .get("ports")
                    .and_then(Node::as_seq)
                    .unwrap_or_default()
                    .iter()
                    .enumerate()
                {
                    let ppath = || cpath().key("ports").idx(pi);
                    check(
                        p.get("containerPort"),
                        &|| ppath().key("containerPort"),
                        PORT,
                        false,
                    );
                    // hostPort 0 means "no host port".
                    check(p.get("hostPort"), &|| ppath().key("hostPort"), PORT, true);
                }
            }
        }
    }
    out
}
