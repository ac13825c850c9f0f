//! Owner folding for `--ipblock-matches-pods` on a live cluster: the IPs of the pods a
//! controller owns (directly or through ReplicaSets, Jobs, …) become the controller's
//! `status.podIPs`, so that NetworkPolicy `ipBlock`s can match a workload by its pods' IPs,
//! and the owned objects are dropped. Works on the objects' trees directly; no I/O.

use palisade_core::{edit_vec, Entry, Node, Object, Pos, Value};
use std::collections::HashMap;

/// How deep ownership chains are followed (Pod → ReplicaSet → Deployment is 2).
const MAX_DEPTH: usize = 8;

/// Moves the IPs of pods owned by a controller that is among `objects` into that
/// controller's `status.podIPs` (`status.podIP` when a pod has no `podIPs`), and drops the
/// owned objects. Of the rest, objects `keep` rejects (read only to know who owns what,
/// e.g. ReplicaSets) are dropped too.
pub fn fold_pod_ips(objects: Vec<Object>, keep: impl Fn(&Object) -> bool) -> Vec<Object> {
    let by_uid: HashMap<&str, usize> = objects
        .iter()
        .enumerate()
        .filter_map(|(i, o)| o.uid().map(|u| (u, i)))
        .collect();
    // The topmost owner among `objects` of each object (itself when it has none).
    let top = |mut i: usize| {
        for _ in 0..MAX_DEPTH {
            match objects[i].controller_uid().and_then(|u| by_uid.get(u).copied()) {
                Some(j) if j != i => i = j,
                _ => break,
            }
        }
        i
    };
    let mut ips: HashMap<usize, Vec<Node>> = HashMap::new();
    let mut owned = vec![false; objects.len()];
    for (i, o) in objects.iter().enumerate() {
        let t = top(i);
        if t == i {
            continue;
        }
        owned[i] = true;
        if o.kind == "Pod" {
            let entry = ips.entry(t).or_default();
            entry.extend(pod_ips(&o.root));
        }
    }
    drop(by_uid);
    let mut out = Vec::with_capacity(objects.len());
    for (i, mut o) in objects.into_iter().enumerate() {
        if owned[i] || !keep(&o) {
            continue;
        }
        if let Some(list) = ips.remove(&i) {
            if o.kind != "Pod" {
                set_status_pod_ips(&mut o.root, list);
            }
        }
        out.push(o);
    }
    out
}

/// A pod's IPs as `podIPs` entries: `status.podIPs` when it is a non-empty list, else
/// `{ip: status.podIP}`.
fn pod_ips(pod: &Node) -> Vec<Node> {
    let status = pod.get("status");
    match status.and_then(|s| s.get("podIPs")).and_then(Node::as_seq) {
        Some(list) if !list.is_empty() => list.to_vec(),
        _ => status
            .and_then(|s| s.get("podIP"))
            .map(|ip| vec![map(vec![entry("ip", ip.clone())])])
            .unwrap_or_default(),
    }
}

/// Sets `status.podIPs`, creating `status` when it is absent (or not a mapping).
fn set_status_pod_ips(root: &mut Node, list: Vec<Node>) {
    let Value::Map(entries) = &mut root.value else {
        return;
    };
    let status = match entries.iter().rposition(|e| &*e.key == "status") {
        Some(i) => &mut entries[i].value,
        None => {
            edit_vec(entries, |v| v.push(entry("status", map(Vec::new()))));
            &mut entries.last_mut().expect("just pushed").value
        }
    };
    if !matches!(status.value, Value::Map(_)) {
        *status = map(Vec::new());
    }
    let Value::Map(fields) = &mut status.value else {
        return;
    };
    let value = Node::new(Value::Seq(list.into_boxed_slice()), Pos::NONE);
    match fields.iter().rposition(|e| &*e.key == "podIPs") {
        Some(i) => fields[i].value = value,
        None => edit_vec(fields, |v| v.push(entry("podIPs", value))),
    }
}

fn map(entries: Vec<Entry>) -> Node {
    Node::new(Value::Map(entries.into_boxed_slice()), Pos::NONE)
}

fn entry(key: &str, value: Node) -> Entry {
    Entry {
        key: key.into(),
        key_pos: Pos::NONE,
        value,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use palisade_core::Origin;
    use std::sync::Arc;

    fn obj(v: serde_json::Value) -> Object {
        Object::from_node(
            Node::from_json(&v),
            Origin::Cluster {
                context: Arc::from("test"),
            },
        )
        .unwrap()
    }

    fn owner(uid: &str) -> serde_json::Value {
        serde_json::json!([{"apiVersion": "apps/v1", "kind": "X", "name": "x", "uid": uid, "controller": true}])
    }

    #[test]
    fn pod_ips_are_folded_into_the_topmost_controller() {
        let objects = vec![
            obj(serde_json::json!({"apiVersion": "apps/v1", "kind": "Deployment",
                "metadata": {"name": "web", "namespace": "a", "uid": "d1"}, "status": {"replicas": 2}})),
            obj(serde_json::json!({"apiVersion": "apps/v1", "kind": "ReplicaSet",
                "metadata": {"name": "web-1", "namespace": "a", "uid": "r1", "ownerReferences": owner("d1")}})),
            obj(serde_json::json!({"apiVersion": "v1", "kind": "Pod",
                "metadata": {"name": "web-1-a", "namespace": "a", "uid": "p1", "ownerReferences": owner("r1")},
                "status": {"podIP": "10.0.0.1", "podIPs": [{"ip": "10.0.0.1"}, {"ip": "fd00::1"}]}})),
            obj(serde_json::json!({"apiVersion": "v1", "kind": "Pod",
                "metadata": {"name": "web-1-b", "namespace": "a", "uid": "p2", "ownerReferences": owner("r1")},
                "status": {"podIP": "10.0.0.2"}})),
            // An unowned ReplicaSet read only for ownership: dropped by `keep`.
            obj(serde_json::json!({"apiVersion": "apps/v1", "kind": "ReplicaSet",
                "metadata": {"name": "lone", "namespace": "a", "uid": "r2"}})),
            // A bare pod keeps its own status.
            obj(serde_json::json!({"apiVersion": "v1", "kind": "Pod",
                "metadata": {"name": "bare", "namespace": "a", "uid": "p3"}, "status": {"podIP": "10.0.0.3"}})),
            // A StatefulSet whose pod has no IP yet, and no status of its own.
            obj(serde_json::json!({"apiVersion": "apps/v1", "kind": "StatefulSet",
                "metadata": {"name": "db", "namespace": "a", "uid": "s1"}})),
            obj(serde_json::json!({"apiVersion": "v1", "kind": "Pod",
                "metadata": {"name": "db-0", "namespace": "a", "uid": "p4", "ownerReferences": owner("s1")},
                "status": {"phase": "Pending"}})),
        ];
        let out = fold_pod_ips(objects, |o| o.kind != "ReplicaSet");
        let names: Vec<&str> = out.iter().map(|o| o.name.as_str()).collect();
        assert_eq!(names, ["web", "bare", "db"]);
        assert_eq!(
            out[0].root.to_json()["status"],
            serde_json::json!({"replicas": 2, "podIPs": [{"ip": "10.0.0.1"}, {"ip": "fd00::1"}, {"ip": "10.0.0.2"}]})
        );
        assert_eq!(
            out[1].root.to_json()["status"],
            serde_json::json!({"podIP": "10.0.0.3"})
        );
        assert_eq!(out[2].root.to_json()["status"], serde_json::json!({"podIPs": []}));
    }

    #[test]
    fn ownership_cycles_and_odd_statuses_do_not_panic() {
        let objects = vec![
            obj(serde_json::json!({"apiVersion": "apps/v1", "kind": "ReplicaSet",
                "metadata": {"name": "a", "uid": "a", "ownerReferences": owner("b")}, "status": "odd"})),
            obj(serde_json::json!({"apiVersion": "apps/v1", "kind": "ReplicaSet",
                "metadata": {"name": "b", "uid": "b", "ownerReferences": owner("a")}})),
            obj(serde_json::json!({"apiVersion": "v1", "kind": "Pod",
                "metadata": {"name": "p", "uid": "p", "ownerReferences": owner("a")}, "status": {"podIP": "10.0.0.9"}})),
        ];
        // In a cycle every object has an owner: all of them are folded away or kept
        // deterministically, and nothing panics.
        let out = fold_pod_ips(objects, |_| true);
        assert!(out.len() <= 3);
        let mut ctl = obj(serde_json::json!({"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": "d", "uid": "d"}, "status": "odd"}));
        set_status_pod_ips(&mut ctl.root, vec![]);
        assert_eq!(ctl.root.to_json()["status"], serde_json::json!({"podIPs": []}));
    }
}
