//! The mutating webhook's defaults (`seccompProfile: RuntimeDefault`,
//! `allowPrivilegeEscalation: false`, `capabilities.drop: [ALL]`, `runAsNonRoot: true`,
//! `automountServiceAccountToken: false`) as RFC 6902 JSONPatch `add` operations that only
//! fill members that are absent or null. Owns which default applies where; it never changes a
//! value the author wrote and never decides whether a namespace or operation is mutated (the
//! caller's job).

use palisade_core::{FieldPath, Node, Object, Origin, Seg};
use palisade_engine::config::MutationConfig;
use palisade_engine::suppress::glob;
use serde_json::{json, Map, Value};

/// The pod annotation that set the pod's seccomp profile before the field existed; the API
/// server rejects a pod whose `securityContext.seccompProfile` disagrees with it.
const SECCOMP_POD_ANNOTATION: &str = "seccomp.security.alpha.kubernetes.io/pod";
/// Prefix of the per-container seccomp annotations (`…/<container name>`).
const SECCOMP_CONTAINER_ANNOTATION_PREFIX: &str = "container.seccomp.security.alpha.kubernetes.io/";

/// One value palisade set.
#[derive(Debug, Clone, PartialEq)]
pub struct Defaulted {
    /// The field, from the object root (`spec.template.spec.securityContext.seccompProfile`).
    pub path: FieldPath,
    /// The value it was given.
    pub value: Value,
}

/// The defaults for one object: the JSONPatch operations and what they set.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Defaults {
    /// RFC 6902 operations, all `add`, in an order that applies cleanly.
    pub ops: Vec<Value>,
    /// Every field set, in the order of `ops`.
    pub set: Vec<Defaulted>,
}

impl Defaults {
    pub fn is_empty(&self) -> bool {
        self.ops.is_empty()
    }

    /// `palisade set <path>=<json>, …` for a log line or an admission warning; `None` when
    /// nothing was set.
    pub fn summary(&self) -> Option<String> {
        if self.set.is_empty() {
            return None;
        }
        let items: Vec<String> = self
            .set
            .iter()
            .map(|d| format!("{}={}", d.path, d.value))
            .collect();
        Some(format!("palisade set {}", items.join(", ")))
    }
}

/// The JSONPatch operations that add `cfg`'s defaults to every pod template of `object`.
pub fn defaults_patch(object: &Value, cfg: &MutationConfig) -> Vec<Value> {
    defaults(object, cfg).ops
}

/// The defaults `cfg` adds to every pod template of `object` (a Pod, a built-in controller, a
/// PodTemplate, or a custom resource embedding a pod template): empty when the object is not a
/// Kubernetes object or carries no pod template.
pub fn defaults(object: &Value, cfg: &MutationConfig) -> Defaults {
    let mut out = Defaults::default();
    let origin = Origin::Cluster {
        context: "admission".into(),
    };
    let Ok(obj) = Object::from_node(Node::from_json(object), origin) else {
        return out;
    };
    for t in obj.pod_templates() {
        let Some(spec) = object
            .pointer(&json_pointer(t.spec_path))
            .and_then(Value::as_object)
        else {
            continue;
        };
        let metadata = object.pointer(&json_pointer(t.metadata_path));
        template_defaults(spec, metadata, t.spec_path, cfg, &mut out);
    }
    out
}

/// The RFC 6901 JSON Pointer of `path` (`~` as `~0`, `/` as `~1`).
pub fn json_pointer(path: &FieldPath) -> String {
    let mut s = String::new();
    for seg in path.segs() {
        s.push('/');
        match seg {
            Seg::Key(k) => s.push_str(&k.replace('~', "~0").replace('/', "~1")),
            Seg::Index(i) => s.push_str(&i.to_string()),
        }
    }
    s
}

/// A default to merge into an existing object: a leaf is set only when its member is absent
/// (or null); an object is added whole when absent, or merged member by member into an
/// existing object. A member present with any other value is left alone.
enum Want {
    Leaf(Value),
    Obj(Vec<(&'static str, Want)>),
}

impl Want {
    fn to_value(&self) -> Value {
        match self {
            Want::Leaf(v) => v.clone(),
            Want::Obj(members) => Value::Object(
                members
                    .iter()
                    .map(|(k, w)| ((*k).to_owned(), w.to_value()))
                    .collect(),
            ),
        }
    }

    /// Records every leaf of this want, at `path`.
    fn record(&self, path: &FieldPath, out: &mut Vec<Defaulted>) {
        match self {
            Want::Leaf(v) => out.push(Defaulted {
                path: path.clone(),
                value: v.clone(),
            }),
            Want::Obj(members) => {
                for (k, w) in members {
                    w.record(&path.clone().key(k), out);
                }
            }
        }
    }
}

/// An object want without the members that want nothing; `None` when empty (an empty
/// object is never added).
fn obj(members: Vec<(&'static str, Option<Want>)>) -> Option<Want> {
    let members: Vec<_> = members.into_iter().filter_map(|(k, w)| Some((k, w?))).collect();
    (!members.is_empty()).then_some(Want::Obj(members))
}

/// Adds `want`'s members to the existing object `parent` (at `path`).
fn fill(parent: &Map<String, Value>, path: &FieldPath, members: &[(&'static str, Want)], out: &mut Defaults) {
    for (key, want) in members {
        let child_path = path.clone().key(key);
        match (parent.get(*key).filter(|v| !v.is_null()), want) {
            (None, want) => {
                out.ops.push(json!({
                    "op": "add",
                    "path": json_pointer(&child_path),
                    "value": want.to_value(),
                }));
                want.record(&child_path, &mut out.set);
            }
            (Some(Value::Object(existing)), Want::Obj(inner)) => fill(existing, &child_path, inner, out),
            // Present with a value (or the wrong type, which the API server rejects): the
            // author's.
            (Some(_), _) => {}
        }
    }
}

fn str_at<'a>(v: Option<&'a Value>, keys: &[&str]) -> Option<&'a str> {
    keys.iter().try_fold(v?, |v, k| v.get(k))?.as_str()
}

/// A member that is present and not null.
fn member<'a>(m: Option<&'a Map<String, Value>>, key: &str) -> Option<&'a Value> {
    m?.get(key).filter(|v| !v.is_null())
}

/// An integer as Kubernetes decodes one (`1000` or `1000.0`).
fn as_int(v: &Value) -> Option<i64> {
    v.as_i64().or_else(|| {
        v.as_f64()
            .filter(|f| f.fract() == 0.0 && f.abs() < 9.0e15)
            .map(|f| f as i64)
    })
}

/// A container of a pod spec, with its list and index.
struct Container<'a> {
    list: &'static str,
    index: usize,
    fields: &'a Map<String, Value>,
}

impl Container<'_> {
    fn security_context(&self) -> Option<&Map<String, Value>> {
        member(Some(self.fields), "securityContext").and_then(Value::as_object)
    }
    fn privileged(&self) -> bool {
        member(self.security_context(), "privileged").and_then(Value::as_bool) == Some(true)
    }
    /// The names in `capabilities.<which>`.
    fn capabilities(&self, which: &str) -> Vec<&str> {
        member(self.security_context(), "capabilities")
            .and_then(|c| c.get(which))
            .and_then(Value::as_array)
            .map(|a| a.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default()
    }
}

/// The containers of `spec`'s `lists` (items that are not objects are skipped; the API server
/// rejects them).
fn containers<'a>(spec: &'a Map<String, Value>, lists: &[&'static str]) -> Vec<Container<'a>> {
    lists
        .iter()
        .flat_map(|list| {
            spec.get(*list)
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .enumerate()
                .filter_map(move |(index, c)| {
                    Some(Container {
                        list,
                        index,
                        fields: c.as_object()?,
                    })
                })
        })
        .collect()
}

fn template_defaults(
    spec: &Map<String, Value>,
    metadata: Option<&Value>,
    spec_path: &FieldPath,
    cfg: &MutationConfig,
    out: &mut Defaults,
) {
    // The API server rejects seccomp, capabilities and allowPrivilegeEscalation on a pod
    // declared to run on Windows (spec.os.name: windows).
    let windows = str_at(spec.get("os"), &["name"]) == Some("windows");
    let pod_sc = member(Some(spec), "securityContext").and_then(Value::as_object);

    let seccomp = cfg.seccomp_profile && !windows && !has_seccomp_annotation(metadata);
    let run_as_non_root = cfg.run_as_non_root && run_as_non_root_allowed(spec, pod_sc, &cfg.non_root_images);
    let pod = obj(vec![
        (
            "securityContext",
            obj(vec![
                (
                    "seccompProfile",
                    seccomp.then(|| Want::Leaf(json!({"type": "RuntimeDefault"}))),
                ),
                ("runAsNonRoot", run_as_non_root.then(|| Want::Leaf(json!(true)))),
            ]),
        ),
        (
            "automountServiceAccountToken",
            cfg.automount_service_account_token
                .then(|| Want::Leaf(json!(false))),
        ),
    ]);
    if let Some(Want::Obj(members)) = &pod {
        fill(spec, spec_path, members, out);
    }

    if windows {
        return;
    }
    // Ephemeral containers are added through the pod's subresource by a debugging user; their
    // securityContext is that user's.
    for c in containers(spec, &["initContainers", "containers"]) {
        let privileged = c.privileged();
        let added = c.capabilities("add");
        // The API server rejects allowPrivilegeEscalation: false together with privileged or
        // CAP_SYS_ADMIN (runtimes also accept SYS_ADMIN, in any case).
        let adds_sys_admin = added.iter().any(|a| {
            let a = a.to_ascii_uppercase();
            a == "SYS_ADMIN" || a == "CAP_SYS_ADMIN"
        });
        let ape = cfg.allow_privilege_escalation && !privileged && !adds_sys_admin;
        // A privileged container gets every capability whatever `drop` says; with `add: [ALL]`
        // a runtime applies drop ALL after add ALL, taking away what the author granted.
        let drop_all =
            cfg.drop_all_capabilities && !privileged && !added.iter().any(|a| a.eq_ignore_ascii_case("ALL"));
        let want = obj(vec![(
            "securityContext",
            obj(vec![
                ("allowPrivilegeEscalation", ape.then(|| Want::Leaf(json!(false)))),
                (
                    "capabilities",
                    obj(vec![("drop", drop_all.then(|| Want::Leaf(json!(["ALL"]))))]),
                ),
            ]),
        )]);
        if let Some(Want::Obj(members)) = &want {
            fill(
                c.fields,
                &spec_path.clone().key(c.list).idx(c.index),
                members,
                out,
            );
        }
    }
}

/// Whether the pod (template) metadata carries a seccomp annotation: the author chose a
/// profile that way, and the API server rejects a pod-level field that disagrees with the pod
/// annotation.
fn has_seccomp_annotation(metadata: Option<&Value>) -> bool {
    metadata
        .and_then(|m| m.get("annotations"))
        .and_then(Value::as_object)
        .is_some_and(|a| {
            a.keys()
                .any(|k| k == SECCOMP_POD_ANNOTATION || k.starts_with(SECCOMP_CONTAINER_ANNOTATION_PREFIX))
        })
}

/// Whether pod-level `runAsNonRoot: true` is known not to stop a container from starting:
/// no container runs with an effective `runAsUser` of 0, and every container that inherits the
/// pod's setting (it sets no `runAsNonRoot` of its own) runs with a non-zero `runAsUser` (its
/// own or the pod's) or an image matching `non_root_images`. At least one container must
/// inherit it.
fn run_as_non_root_allowed(
    spec: &Map<String, Value>,
    pod_sc: Option<&Map<String, Value>>,
    non_root_images: &[String],
) -> bool {
    if member(pod_sc, "runAsNonRoot").is_some() {
        return false;
    }
    let pod_uid = member(pod_sc, "runAsUser");
    let all = containers(spec, &palisade_core::check::CONTAINER_LISTS);
    let mut inheritors = 0;
    for c in &all {
        let sc = c.security_context();
        // The container's runAsUser when set, else the pod's; a wrong type is unknown.
        let uid = member(sc, "runAsUser").or(pod_uid).map(as_int);
        if uid == Some(Some(0)) {
            return false;
        }
        if member(sc, "runAsNonRoot").is_some() {
            continue;
        }
        inheritors += 1;
        let non_zero_uid = matches!(uid, Some(Some(u)) if u != 0);
        let image = c.fields.get("image").and_then(Value::as_str);
        let non_root_image = image.is_some_and(|i| non_root_images.iter().any(|g| glob(g, i)));
        if !non_zero_uid && !non_root_image {
            return false;
        }
    }
    // A container list that is not a list, or an item that is not an object, is rejected by
    // the API server; there is nothing sound to default.
    let items = palisade_core::check::CONTAINER_LISTS
        .iter()
        .filter_map(|l| member(Some(spec), l))
        .map(|l| l.as_array().map_or(usize::MAX, Vec::len))
        .fold(0usize, usize::saturating_add);
    inheritors > 0 && items == all.len()
}

#[cfg(test)]
mod tests {
    use super::*;
    use palisade_pss::{evaluate, Level, PodInput, Version};

    fn cfg() -> MutationConfig {
        MutationConfig::default()
    }

    fn all_on() -> MutationConfig {
        MutationConfig {
            automount_service_account_token: true,
            non_root_images: vec!["registry.example.com/distroless/*".into()],
            ..MutationConfig::default()
        }
    }

    /// A minimal RFC 6902 `add` applier: the parent must exist (RFC 6902 §4.1), an object
    /// member is added or replaced, an array takes an index or `-`.
    fn apply(doc: &Value, ops: &[Value]) -> Value {
        let mut d = doc.clone();
        for op in ops {
            let o = op.as_object().expect("an operation is an object");
            assert_eq!(o.len(), 3, "{op}");
            assert_eq!(o["op"], "add", "{op}");
            let path = o["path"].as_str().expect("path is a string");
            let value = o["value"].clone();
            let (parent, last) = path.rsplit_once('/').expect("path starts with /");
            let key = last.replace("~1", "/").replace("~0", "~");
            match d.pointer_mut(parent) {
                Some(Value::Object(m)) => {
                    m.insert(key, value);
                }
                Some(Value::Array(a)) => {
                    let i = if key == "-" {
                        a.len()
                    } else {
                        key.parse().expect("index")
                    };
                    assert!(i <= a.len(), "{op}");
                    a.insert(i, value);
                }
                other => panic!("{op}: parent {parent:?} is {other:?}"),
            }
        }
        d
    }

    /// Every operation is an `add` of a member that was absent or null; undoing exactly those
    /// members gives back the original; every scalar present before is unchanged after.
    fn assert_only_fills(original: &Value, ops: &[Value], cfg: &MutationConfig) -> Value {
        let patched = apply(original, ops);
        for op in ops {
            let path = op["path"].as_str().unwrap();
            assert!(
                original.pointer(path).is_none_or(Value::is_null),
                "{path} was set by the author: {:?}",
                original.pointer(path)
            );
        }
        let mut undone = patched.clone();
        for op in ops.iter().rev() {
            let path = op["path"].as_str().unwrap();
            let (parent, last) = path.rsplit_once('/').unwrap();
            let key = last.replace("~1", "/").replace("~0", "~");
            let m = undone.pointer_mut(parent).and_then(Value::as_object_mut).unwrap();
            match original.pointer(path) {
                Some(v) => m.insert(key, v.clone()),
                None => m.remove(&key),
            };
        }
        assert_eq!(
            &undone, original,
            "the patch changed more than the members it added"
        );
        fn scalars(v: &Value, at: String, out: &mut Vec<(String, Value)>) {
            match v {
                Value::Object(m) => m.iter().for_each(|(k, v)| {
                    scalars(
                        v,
                        format!("{at}/{}", k.replace('~', "~0").replace('/', "~1")),
                        out,
                    )
                }),
                Value::Array(a) => {
                    out.push((format!("{at}#len"), json!(a.len())));
                    a.iter()
                        .enumerate()
                        .for_each(|(i, v)| scalars(v, format!("{at}/{i}"), out));
                }
                Value::Null => {}
                s => out.push((at, s.clone())),
            }
        }
        let mut before = Vec::new();
        scalars(original, String::new(), &mut before);
        for (at, v) in before {
            match at.strip_suffix("#len") {
                Some(p) => assert_eq!(
                    patched.pointer(p).and_then(Value::as_array).map(Vec::len),
                    v.as_u64().map(|n| n as usize),
                    "{p}"
                ),
                None => assert_eq!(patched.pointer(&at), Some(&v), "{at}"),
            }
        }
        // Idempotent: the patched object needs nothing more.
        assert_eq!(
            defaults_patch(&patched, cfg),
            Vec::<Value>::new(),
            "not idempotent"
        );
        patched
    }

    fn add(path: &str, value: Value) -> Value {
        json!({"op": "add", "path": path, "value": value})
    }

    fn pod(spec: Value) -> Value {
        json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p", "namespace": "ns"}, "spec": spec})
    }

    fn restricted(pod_json: &Value, spec_ptr: &str, meta_ptr: &str) -> palisade_pss::Evaluation {
        let spec = Node::from_json(pod_json.pointer(spec_ptr).unwrap());
        let meta = pod_json.pointer(meta_ptr).map(Node::from_json);
        evaluate(
            Level::Restricted,
            Version::Latest,
            &PodInput {
                metadata: meta.as_ref(),
                spec: &spec,
                is_pod: true,
            },
        )
    }

    #[test]
    fn json_pointers_escape_tilde_and_slash() {
        let p = FieldPath::root().key("spec").key("a/b~c").idx(3).key("x");
        assert_eq!(json_pointer(&p), "/spec/a~1b~0c/3/x");
        assert_eq!(json_pointer(&FieldPath::root()), "");
    }

    #[test]
    fn a_plain_pod_gets_every_default_in_whole_sub_objects() {
        let p = pod(
            json!({"containers": [{"name": "web", "image": "nginx"}], "initContainers": [{"name": "init", "image": "busybox"}]}),
        );
        let d = defaults(&p, &all_on());
        assert_eq!(
            d.ops,
            vec![
                add(
                    "/spec/securityContext",
                    json!({"seccompProfile": {"type": "RuntimeDefault"}})
                ),
                add("/spec/automountServiceAccountToken", json!(false)),
                add(
                    "/spec/initContainers/0/securityContext",
                    json!({"allowPrivilegeEscalation": false, "capabilities": {"drop": ["ALL"]}})
                ),
                add(
                    "/spec/containers/0/securityContext",
                    json!({"allowPrivilegeEscalation": false, "capabilities": {"drop": ["ALL"]}})
                ),
            ]
        );
        assert_eq!(
            d.summary().unwrap(),
            "palisade set spec.securityContext.seccompProfile={\"type\":\"RuntimeDefault\"}, \
             spec.automountServiceAccountToken=false, \
             spec.initContainers[0].securityContext.allowPrivilegeEscalation=false, \
             spec.initContainers[0].securityContext.capabilities.drop=[\"ALL\"], \
             spec.containers[0].securityContext.allowPrivilegeEscalation=false, \
             spec.containers[0].securityContext.capabilities.drop=[\"ALL\"]"
        );
        assert_only_fills(&p, &d.ops, &all_on());
        // automountServiceAccountToken only where configured.
        assert!(!defaults_patch(&p, &cfg())
            .iter()
            .any(|o| o["path"] == "/spec/automountServiceAccountToken"));
    }

    #[test]
    fn members_are_added_one_by_one_into_existing_objects() {
        let p = pod(json!({
            "securityContext": {"runAsUser": 1000},
            "containers": [
                {"name": "a", "image": "nginx", "securityContext": {"readOnlyRootFilesystem": true}},
                {"name": "b", "image": "nginx", "securityContext": {"capabilities": {"add": ["NET_BIND_SERVICE"]}}},
                {"name": "c", "image": "nginx", "securityContext": {"allowPrivilegeEscalation": true, "capabilities": {"drop": ["NET_RAW"]}}},
            ],
        }));
        let ops = defaults_patch(&p, &cfg());
        assert_eq!(
            ops,
            vec![
                add(
                    "/spec/securityContext/seccompProfile",
                    json!({"type": "RuntimeDefault"})
                ),
                add("/spec/securityContext/runAsNonRoot", json!(true)),
                add(
                    "/spec/containers/0/securityContext/allowPrivilegeEscalation",
                    json!(false)
                ),
                add(
                    "/spec/containers/0/securityContext/capabilities",
                    json!({"drop": ["ALL"]})
                ),
                add(
                    "/spec/containers/1/securityContext/allowPrivilegeEscalation",
                    json!(false)
                ),
                add(
                    "/spec/containers/1/securityContext/capabilities/drop",
                    json!(["ALL"])
                ),
            ]
        );
        assert_only_fills(&p, &ops, &cfg());
    }

    #[test]
    fn what_the_author_set_is_never_changed() {
        let p = pod(json!({
            "securityContext": {"seccompProfile": {"type": "Unconfined"}, "runAsNonRoot": false, "runAsUser": 1000},
            "automountServiceAccountToken": true,
            "containers": [
                {"name": "a", "image": "nginx", "securityContext": {"allowPrivilegeEscalation": true, "capabilities": {"drop": []}}},
                {"name": "b", "image": "nginx", "securityContext": {"capabilities": {"drop": ["NET_RAW", "CHOWN"]}, "allowPrivilegeEscalation": false}},
            ],
        }));
        assert_eq!(defaults_patch(&p, &all_on()), Vec::<Value>::new());
        // A seccompProfile without a type stays as written (adding a type could contradict
        // its localhostProfile).
        let q = pod(
            json!({"securityContext": {"seccompProfile": {"localhostProfile": "x.json"}}, "containers": [{"name": "a", "image": "i"}]}),
        );
        let ops = defaults_patch(&q, &cfg());
        assert!(
            ops.iter()
                .all(|o| !o["path"].as_str().unwrap().starts_with("/spec/securityContext")),
            "{ops:?}"
        );
        assert_only_fills(&q, &ops, &cfg());
    }

    #[test]
    fn null_means_absent_and_add_replaces_it() {
        let p = pod(json!({
            "securityContext": null,
            "containers": [
                {"name": "a", "image": "nginx", "securityContext": null},
                {"name": "b", "image": "nginx", "securityContext": {"capabilities": null, "allowPrivilegeEscalation": null}},
                {"name": "c", "image": "nginx", "securityContext": {"capabilities": {"drop": null}}},
            ],
        }));
        let ops = defaults_patch(&p, &cfg());
        assert_eq!(
            ops,
            vec![
                add(
                    "/spec/securityContext",
                    json!({"seccompProfile": {"type": "RuntimeDefault"}})
                ),
                add(
                    "/spec/containers/0/securityContext",
                    json!({"allowPrivilegeEscalation": false, "capabilities": {"drop": ["ALL"]}})
                ),
                add(
                    "/spec/containers/1/securityContext/allowPrivilegeEscalation",
                    json!(false)
                ),
                add(
                    "/spec/containers/1/securityContext/capabilities",
                    json!({"drop": ["ALL"]})
                ),
                add(
                    "/spec/containers/2/securityContext/allowPrivilegeEscalation",
                    json!(false)
                ),
                add(
                    "/spec/containers/2/securityContext/capabilities/drop",
                    json!(["ALL"])
                ),
            ]
        );
        assert_only_fills(&p, &ops, &cfg());
    }

    #[test]
    fn privileged_and_sys_admin_containers_get_no_allow_privilege_escalation() {
        let p = pod(json!({"containers": [
            {"name": "priv", "image": "i", "securityContext": {"privileged": true}},
            {"name": "cap", "image": "i", "securityContext": {"capabilities": {"add": ["CAP_SYS_ADMIN"]}}},
            {"name": "short", "image": "i", "securityContext": {"capabilities": {"add": ["sys_admin"]}}},
            {"name": "all", "image": "i", "securityContext": {"capabilities": {"add": ["ALL"]}}},
            {"name": "unpriv", "image": "i", "securityContext": {"privileged": false}},
        ]}));
        let ops = defaults_patch(&p, &cfg());
        assert_eq!(
            ops,
            vec![
                add(
                    "/spec/securityContext",
                    json!({"seccompProfile": {"type": "RuntimeDefault"}})
                ),
                // privileged: neither (every capability whatever drop says).
                add(
                    "/spec/containers/1/securityContext/capabilities/drop",
                    json!(["ALL"])
                ),
                add(
                    "/spec/containers/2/securityContext/capabilities/drop",
                    json!(["ALL"])
                ),
                // add: [ALL]: drop ALL would take it away again.
                add(
                    "/spec/containers/3/securityContext/allowPrivilegeEscalation",
                    json!(false)
                ),
                add(
                    "/spec/containers/4/securityContext/allowPrivilegeEscalation",
                    json!(false)
                ),
                add(
                    "/spec/containers/4/securityContext/capabilities",
                    json!({"drop": ["ALL"]})
                ),
            ]
        );
        assert_only_fills(&p, &ops, &cfg());
    }

    #[test]
    fn a_windows_pod_gets_no_seccomp_or_linux_container_settings() {
        let p = pod(
            json!({"os": {"name": "windows"}, "containers": [{"name": "w", "image": "mcr.microsoft.com/windows/nanoserver"}]}),
        );
        assert_eq!(defaults_patch(&p, &cfg()), Vec::<Value>::new());
        assert_eq!(
            defaults_patch(&p, &all_on()),
            vec![add("/spec/automountServiceAccountToken", json!(false))]
        );
        let linux = pod(json!({"os": {"name": "linux"}, "containers": [{"name": "l", "image": "i"}]}));
        assert_eq!(
            defaults_patch(&linux, &cfg())[0],
            add(
                "/spec/securityContext",
                json!({"seccompProfile": {"type": "RuntimeDefault"}})
            )
        );
    }

    #[test]
    fn a_seccomp_annotation_keeps_the_pod_profile_unset() {
        for key in [
            SECCOMP_POD_ANNOTATION,
            "container.seccomp.security.alpha.kubernetes.io/a",
        ] {
            let mut p = pod(json!({"containers": [{"name": "a", "image": "i"}]}));
            p["metadata"]["annotations"] = json!({key: "unconfined"});
            let ops = defaults_patch(&p, &cfg());
            assert!(
                ops.iter().all(|o| o["path"] != "/spec/securityContext"),
                "{key}: {ops:?}"
            );
            assert_eq!(ops.len(), 1, "{ops:?}");
        }
    }

    #[test]
    fn ephemeral_containers_are_left_to_the_debugging_user() {
        let p = pod(
            json!({"containers": [{"name": "a", "image": "i"}], "ephemeralContainers": [{"name": "dbg", "image": "busybox"}]}),
        );
        let ops = defaults_patch(&p, &cfg());
        assert!(
            ops.iter()
                .all(|o| !o["path"].as_str().unwrap().contains("ephemeral")),
            "{ops:?}"
        );
        assert_only_fills(&p, &ops, &cfg());
    }

    fn sets_run_as_non_root(spec: Value, cfg: &MutationConfig) -> bool {
        let p = pod(spec);
        let d = defaults(&p, cfg);
        assert_only_fills(&p, &d.ops, cfg);
        d.set
            .iter()
            .any(|s| s.path.to_string() == "spec.securityContext.runAsNonRoot")
    }

    #[test]
    fn run_as_non_root_only_where_the_user_is_known_not_to_be_root() {
        let c = all_on();
        // Pod-level non-zero runAsUser for every container.
        assert!(sets_run_as_non_root(
            json!({"securityContext": {"runAsUser": 1000}, "containers": [{"name": "a", "image": "nginx"}]}),
            &c
        ));
        // Container-level, on init containers too.
        assert!(sets_run_as_non_root(
            json!({"initContainers": [{"name": "i", "image": "busybox", "securityContext": {"runAsUser": 10}}],
                   "containers": [{"name": "a", "image": "nginx", "securityContext": {"runAsUser": 1000.0}}]}),
            &c
        ));
        assert!(!sets_run_as_non_root(
            json!({"initContainers": [{"name": "i", "image": "busybox"}],
                   "containers": [{"name": "a", "image": "nginx", "securityContext": {"runAsUser": 1000}}]}),
            &c
        ));
        // An image known to run as non-root.
        assert!(sets_run_as_non_root(
            json!({"containers": [{"name": "a", "image": "registry.example.com/distroless/static:nonroot"}]}),
            &c
        ));
        assert!(!sets_run_as_non_root(
            json!({"containers": [{"name": "a", "image": "registry.example.com/distroless/static:nonroot"}]}),
            &cfg()
        ));
        assert!(!sets_run_as_non_root(
            json!({"containers": [{"name": "a", "image": "nginx"}]}),
            &c
        ));
        // Never with an effective runAsUser of 0, even on a container that opts out itself.
        assert!(!sets_run_as_non_root(
            json!({"securityContext": {"runAsUser": 1000}, "containers": [{"name": "a", "image": "nginx", "securityContext": {"runAsUser": 0}}]}),
            &c
        ));
        assert!(!sets_run_as_non_root(
            json!({"securityContext": {"runAsUser": 0}, "containers": [{"name": "a", "image": "registry.example.com/distroless/x"}]}),
            &c
        ));
        assert!(!sets_run_as_non_root(
            json!({"securityContext": {"runAsUser": 1000}, "containers": [
                {"name": "a", "image": "nginx"},
                {"name": "b", "image": "nginx", "securityContext": {"runAsUser": 0, "runAsNonRoot": false}}]}),
            &c
        ));
        // A container's own runAsNonRoot wins over the pod's: it does not need to qualify...
        assert!(sets_run_as_non_root(
            json!({"securityContext": {"runAsUser": 1000}, "containers": [
                {"name": "a", "image": "nginx"},
                {"name": "b", "image": "nginx", "securityContext": {"runAsUser": null, "runAsNonRoot": false}}]}),
            &c
        ));
        // ...but when every container sets its own, the pod-level one would change nothing.
        assert!(!sets_run_as_non_root(
            json!({"securityContext": {"runAsUser": 1000}, "containers": [{"name": "a", "image": "nginx", "securityContext": {"runAsNonRoot": true}}]}),
            &c
        ));
        // Set by the pod already (either way).
        assert!(!sets_run_as_non_root(
            json!({"securityContext": {"runAsUser": 1000, "runAsNonRoot": false}, "containers": [{"name": "a", "image": "nginx"}]}),
            &c
        ));
        // A runAsUser of the wrong type is unknown.
        assert!(!sets_run_as_non_root(
            json!({"securityContext": {"runAsUser": "1000"}, "containers": [{"name": "a", "image": "nginx"}]}),
            &c
        ));
        // Off in the configuration.
        let off = MutationConfig {
            run_as_non_root: false,
            ..all_on()
        };
        assert!(!sets_run_as_non_root(
            json!({"securityContext": {"runAsUser": 1000}, "containers": [{"name": "a", "image": "nginx"}]}),
            &off
        ));
    }

    #[test]
    fn each_default_can_be_switched_off() {
        let p = pod(
            json!({"securityContext": {"runAsUser": 1000}, "containers": [{"name": "a", "image": "nginx"}]}),
        );
        let none = MutationConfig {
            seccomp_profile: false,
            allow_privilege_escalation: false,
            drop_all_capabilities: false,
            run_as_non_root: false,
            automount_service_account_token: false,
            ..MutationConfig::default()
        };
        assert_eq!(defaults_patch(&p, &none), Vec::<Value>::new());
        let only_drop = MutationConfig {
            drop_all_capabilities: true,
            ..none
        };
        assert_eq!(
            defaults_patch(&p, &only_drop),
            vec![add(
                "/spec/containers/0/securityContext",
                json!({"capabilities": {"drop": ["ALL"]}})
            )]
        );
    }

    #[test]
    fn a_deployment_is_defaulted_in_its_template() {
        let d = json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"},
            "spec": {"replicas": 2, "selector": {"matchLabels": {"app": "web"}}, "template": {
                "metadata": {"labels": {"app": "web"}},
                "spec": {"securityContext": {"runAsUser": 101}, "containers": [{"name": "web", "image": "nginx"}]}}}});
        let ops = defaults_patch(&d, &all_on());
        assert_eq!(
            ops,
            vec![
                add(
                    "/spec/template/spec/securityContext/seccompProfile",
                    json!({"type": "RuntimeDefault"})
                ),
                add("/spec/template/spec/securityContext/runAsNonRoot", json!(true)),
                add("/spec/template/spec/automountServiceAccountToken", json!(false)),
                add(
                    "/spec/template/spec/containers/0/securityContext",
                    json!({"allowPrivilegeEscalation": false, "capabilities": {"drop": ["ALL"]}})
                ),
            ]
        );
        let patched = assert_only_fills(&d, &ops, &all_on());
        let eval = restricted(&patched, "/spec/template/spec", "/spec/template/metadata");
        assert!(eval.allowed(), "{}", eval.aggregate_detail());
    }

    #[test]
    fn a_cronjob_is_defaulted_in_its_job_template() {
        let cj = json!({"apiVersion": "batch/v1", "kind": "CronJob", "metadata": {"name": "nightly"},
            "spec": {"schedule": "0 3 * * *", "jobTemplate": {"spec": {"template": {"spec": {
                "restartPolicy": "OnFailure",
                "containers": [{"name": "job", "image": "registry.example.com/distroless/job:1"}]}}}}}});
        let ops = defaults_patch(&cj, &all_on());
        let t = "/spec/jobTemplate/spec/template/spec";
        assert_eq!(
            ops,
            vec![
                add(
                    &format!("{t}/securityContext"),
                    json!({"seccompProfile": {"type": "RuntimeDefault"}, "runAsNonRoot": true})
                ),
                add(&format!("{t}/automountServiceAccountToken"), json!(false)),
                add(
                    &format!("{t}/containers/0/securityContext"),
                    json!({"allowPrivilegeEscalation": false, "capabilities": {"drop": ["ALL"]}})
                ),
            ]
        );
        assert_only_fills(&cj, &ops, &all_on());
    }

    #[test]
    fn a_custom_resource_is_defaulted_wherever_it_embeds_pod_templates() {
        let cr = json!({"apiVersion": "example.com/v1", "kind": "Runner", "metadata": {"name": "r"},
        "spec": {
            "worker": {"template": {"metadata": {"labels": {"a": "b"}}, "spec": {"containers": [{"name": "w", "image": "nginx"}]}}},
            "odd/key~": {"spec": {"containers": [{"name": "x", "image": "nginx", "securityContext": {"privileged": true}}]}},
        }});
        let ops = defaults_patch(&cr, &cfg());
        assert_eq!(
            ops,
            vec![
                add(
                    "/spec/worker/template/spec/securityContext",
                    json!({"seccompProfile": {"type": "RuntimeDefault"}})
                ),
                add(
                    "/spec/worker/template/spec/containers/0/securityContext",
                    json!({"allowPrivilegeEscalation": false, "capabilities": {"drop": ["ALL"]}})
                ),
                add(
                    "/spec/odd~1key~0/spec/securityContext",
                    json!({"seccompProfile": {"type": "RuntimeDefault"}})
                ),
            ]
        );
        let patched = assert_only_fills(&cr, &ops, &cfg());
        assert_eq!(
            patched["spec"]["odd/key~"]["spec"]["securityContext"]["seccompProfile"]["type"],
            "RuntimeDefault"
        );
    }

    #[test]
    fn objects_without_pod_templates_get_nothing() {
        for o in [
            json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}, "data": {"spec": "x"}}),
            json!({"kind": "Pod", "spec": {"containers": [{"name": "a", "image": "i"}]}}),
            json!([1, 2]),
            json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}, "spec": "not a spec"}),
            json!({"apiVersion": "kyverno.io/v1", "kind": "ClusterPolicy", "metadata": {"name": "p"}, "spec": {"rules": [{"mutate": {"patchStrategicMerge": {"spec": {"containers": [{"name": "a", "image": "i"}]}}}}]}}),
        ] {
            assert_eq!(defaults_patch(&o, &all_on()), Vec::<Value>::new(), "{o}");
        }
    }

    #[test]
    fn malformed_members_are_left_for_the_api_server_to_reject() {
        let p = pod(json!({"securityContext": "root", "containers": [
            {"name": "a", "image": "i", "securityContext": ["x"]},
            {"name": "b", "image": "i", "securityContext": {"capabilities": "all"}},
            "not a container",
        ]}));
        let ops = defaults_patch(&p, &all_on());
        assert_eq!(
            ops,
            vec![
                add("/spec/automountServiceAccountToken", json!(false)),
                add(
                    "/spec/containers/1/securityContext/allowPrivilegeEscalation",
                    json!(false)
                ),
            ]
        );
        apply(&p, &ops);
    }

    /// The acceptance test of the issue: a plain pod that sets only runAsUser passes the
    /// restricted Pod Security Standard once defaulted.
    #[test]
    fn a_plain_pod_with_a_run_as_user_passes_restricted_after_mutation() {
        for p in [
            pod(
                json!({"securityContext": {"runAsUser": 1000}, "containers": [{"name": "web", "image": "nginx"}]}),
            ),
            pod(
                json!({"containers": [{"name": "web", "image": "nginx", "securityContext": {"runAsUser": 1000}}]}),
            ),
        ] {
            let before = restricted(&p, "/spec", "/metadata");
            let ids: Vec<&str> = before.forbidden.iter().map(|r| r.id).collect();
            assert_eq!(
                ids,
                [
                    "allowPrivilegeEscalation",
                    "capabilities_restricted",
                    "runAsNonRoot",
                    "seccompProfile_restricted"
                ],
                "{p}"
            );
            let patched = assert_only_fills(&p, &defaults_patch(&p, &cfg()), &cfg());
            let after = restricted(&patched, "/spec", "/metadata");
            assert!(after.allowed(), "{}: {}", patched, after.aggregate_detail());
        }
    }

    /// The properties over every object of this module's tests, with every default on.
    #[test]
    fn no_default_changes_what_the_author_set() {
        let corpus = [
            pod(json!({"containers": [{"name": "a", "image": "nginx"}]})),
            pod(
                json!({"securityContext": {"seccompProfile": {"type": "Localhost", "localhostProfile": "p.json"}, "runAsUser": 5},
                "automountServiceAccountToken": true,
                "initContainers": [{"name": "i", "image": "busybox", "securityContext": {"capabilities": {"add": ["NET_ADMIN"], "drop": ["ALL"]}}}],
                "containers": [{"name": "a", "image": "nginx", "securityContext": {"allowPrivilegeEscalation": true, "seccompProfile": {"type": "Unconfined"}}}]}),
            ),
            pod(
                json!({"securityContext": {}, "containers": [{"name": "a", "image": "nginx", "securityContext": {}}, {"name": "b", "image": "x", "securityContext": {"capabilities": {}}}]}),
            ),
            json!({"apiVersion": "apps/v1", "kind": "StatefulSet", "metadata": {"name": "s"}, "spec": {"template": {"spec": {"containers": [{"name": "a", "image": "x", "securityContext": {"privileged": true}}]}}}}),
            json!({"apiVersion": "v1", "kind": "PodTemplate", "metadata": {"name": "t"}, "template": {"spec": {"containers": [{"name": "a", "image": "x"}]}}}),
            json!({"apiVersion": "v1", "kind": "ReplicationController", "metadata": {"name": "rc"}, "spec": {"template": {"spec": {"securityContext": null, "containers": [{"name": "a", "image": "x", "securityContext": {"capabilities": {"drop": null, "add": ["SYS_TIME"]}}}]}}}}),
        ];
        for o in &corpus {
            for c in [cfg(), all_on()] {
                let ops = defaults_patch(o, &c);
                assert!(!ops.is_empty(), "{o}");
                assert_only_fills(o, &ops, &c);
            }
        }
    }
}
