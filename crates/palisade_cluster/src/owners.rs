//! Ownership while reading: which kinds are controllers, and whether an object's controller
//! (its `ownerReferences` entry with `controller: true`) is one that was read, so the object
//! is reported through its owner. Pure functions of the decoded items.

use std::collections::HashSet;

/// Kinds that own pods (and each other) through `ownerReferences`.
pub fn is_controller(kind: &str) -> bool {
    matches!(
        kind,
        "Deployment"
            | "StatefulSet"
            | "DaemonSet"
            | "ReplicaSet"
            | "CronJob"
            | "Job"
            | "ReplicationController"
    )
}

/// Whether an object's controller owner is one of the controllers already read.
pub fn owned_by_read_controller(item: &serde_json::Value, controllers: &HashSet<String>) -> bool {
    item.pointer("/metadata/ownerReferences")
        .and_then(serde_json::Value::as_array)
        .is_some_and(|refs| {
            refs.iter().any(|r| {
                r["controller"].as_bool() == Some(true)
                    && r["uid"].as_str().is_some_and(|u| controllers.contains(u))
            })
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn owned_objects() {
        let controllers: HashSet<String> = ["rs-1".to_owned()].into();
        let owned = serde_json::json!({"metadata": {"ownerReferences": [
            {"kind": "ReplicaSet", "uid": "rs-1", "controller": true}]}});
        let not_controller = serde_json::json!({"metadata": {"ownerReferences": [
            {"kind": "ReplicaSet", "uid": "rs-1"}]}});
        let other = serde_json::json!({"metadata": {"ownerReferences": [
            {"kind": "ReplicaSet", "uid": "rs-2", "controller": true}]}});
        assert!(owned_by_read_controller(&owned, &controllers));
        assert!(!owned_by_read_controller(&not_controller, &controllers));
        assert!(!owned_by_read_controller(&other, &controllers));
        assert!(!owned_by_read_controller(&serde_json::json!(null), &controllers));
        assert!(is_controller("ReplicaSet") && !is_controller("Pod"));
    }
}
