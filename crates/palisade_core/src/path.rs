//! Field paths such as `spec.template.spec.containers[0].securityContext.privileged`: how
//! rules name the field a finding is about. Pure data; resolution to a line lives in `node`.

use std::fmt;

/// Field names of Kubernetes objects that paths name most (sorted): a key among them is a
/// `&'static str`, so building a path (millions, on a large input) allocates no text.
const KNOWN_KEYS: &[&str] = &[
    "activeDeadlineSeconds",
    "add",
    "affinity",
    "aggregationRule",
    "allowPrivilegeEscalation",
    "annotations",
    "apiGroup",
    "apiGroups",
    "apiVersion",
    "appArmorProfile",
    "args",
    "automountServiceAccountToken",
    "backend",
    "backoffLimit",
    "caBundle",
    "capabilities",
    "cidr",
    "claimName",
    "clientConfig",
    "clusterRoleSelectors",
    "command",
    "completions",
    "concurrencyPolicy",
    "configMap",
    "configMapKeyRef",
    "configMapRef",
    "containerPort",
    "containers",
    "cpu",
    "csi",
    "data",
    "defaultBackend",
    "devicePath",
    "dnsConfig",
    "dnsPolicy",
    "downwardAPI",
    "driver",
    "drop",
    "egress",
    "emptyDir",
    "endPort",
    "env",
    "envFrom",
    "ephemeral-storage",
    "ephemeralContainers",
    "except",
    "exceptionFiles",
    "exceptions",
    "exec",
    "expires",
    "externalIPs",
    "externalTrafficPolicy",
    "failedJobsHistoryLimit",
    "failurePolicy",
    "flexVolume",
    "from",
    "fsGroup",
    "fsGroupChangePolicy",
    "grpc",
    "host",
    "hostAliases",
    "hostIP",
    "hostIPC",
    "hostNetwork",
    "hostPID",
    "hostPath",
    "hostPort",
    "hostProcess",
    "hostUsers",
    "hostname",
    "hosts",
    "http",
    "httpGet",
    "image",
    "imagePullPolicy",
    "imagePullSecrets",
    "immutable",
    "ingress",
    "ingressClassName",
    "initContainers",
    "ipBlock",
    "iscsi",
    "items",
    "jobTemplate",
    "key",
    "kind",
    "labels",
    "level",
    "lifecycle",
    "limits",
    "livenessProbe",
    "loadBalancerSourceRanges",
    "localhostProfile",
    "matchExpressions",
    "matchLabels",
    "medium",
    "memory",
    "metadata",
    "minReadySeconds",
    "mountPath",
    "mountPropagation",
    "name",
    "namespace",
    "namespaceSelector",
    "nfs",
    "nodeName",
    "nodeSelector",
    "nonResourceURLs",
    "objectSelector",
    "operator",
    "os",
    "overhead",
    "owner",
    "parallelism",
    "path",
    "paths",
    "paused",
    "persistentVolumeClaim",
    "podManagementPolicy",
    "podSelector",
    "policyTypes",
    "port",
    "ports",
    "postStart",
    "preStop",
    "preemptionPolicy",
    "priorityClassName",
    "privileged",
    "procMount",
    "progressDeadlineSeconds",
    "projected",
    "protocol",
    "rbd",
    "readOnly",
    "readOnlyRootFilesystem",
    "readinessGates",
    "readinessProbe",
    "reason",
    "replicas",
    "requests",
    "resizePolicy",
    "resourceClaims",
    "resourceNames",
    "resources",
    "restartPolicy",
    "restartPolicyRules",
    "revisionHistoryLimit",
    "role",
    "roleRef",
    "rule",
    "rules",
    "runAsGroup",
    "runAsNonRoot",
    "runAsUser",
    "runtimeClassName",
    "schedule",
    "schedulerName",
    "schedulingGates",
    "seLinuxOptions",
    "seccompProfile",
    "secret",
    "secretKeyRef",
    "secretName",
    "secretRef",
    "securityContext",
    "selector",
    "service",
    "serviceAccount",
    "serviceAccountName",
    "serviceAccountToken",
    "serviceName",
    "setHostnameAsFQDN",
    "shareProcessNamespace",
    "sideEffects",
    "sizeLimit",
    "sources",
    "spec",
    "startingDeadlineSeconds",
    "startupProbe",
    "status",
    "stdin",
    "storage",
    "strategy",
    "stringData",
    "subPath",
    "subPathExpr",
    "subdomain",
    "subjects",
    "successfulJobsHistoryLimit",
    "supplementalGroups",
    "supplementalGroupsPolicy",
    "suspend",
    "sysctls",
    "tcpSocket",
    "template",
    "terminationGracePeriodSeconds",
    "terminationMessagePath",
    "terminationMessagePolicy",
    "timeoutSeconds",
    "tls",
    "to",
    "tolerations",
    "topologySpreadConstraints",
    "ttlSecondsAfterFinished",
    "tty",
    "type",
    "updateStrategy",
    "url",
    "user",
    "value",
    "valueFrom",
    "values",
    "verbs",
    "volumeClaimTemplates",
    "volumeDevices",
    "volumeMounts",
    "volumes",
    "webhooks",
    "windowsOptions",
    "workingDir",
];

/// The [`KNOWN_KEYS`] entry equal to `k`: a table indexed by a hash of the key's length and
/// first and last bytes, so a lookup compares one or two candidates, not a binary search's
/// eight (paths are built by the million).
fn known_key(k: &str) -> Option<&'static str> {
    static TABLE: std::sync::OnceLock<Vec<Vec<&'static str>>> = std::sync::OnceLock::new();
    let table = TABLE.get_or_init(|| {
        let mut t = vec![Vec::new(); KEY_BUCKETS];
        for k in KNOWN_KEYS {
            t[bucket(k)].push(*k);
        }
        t
    });
    table[bucket(k)].iter().copied().find(|c| *c == k)
}

const KEY_BUCKETS: usize = 1024;

fn bucket(k: &str) -> usize {
    let b = k.as_bytes();
    let (first, last) = match (b.first(), b.last()) {
        (Some(f), Some(l)) => (*f as usize, *l as usize),
        _ => (0, 0),
    };
    let mid = b.get(b.len() / 2).copied().unwrap_or(0) as usize;
    (b.len().wrapping_mul(31) ^ first.wrapping_mul(131) ^ last.wrapping_mul(7) ^ mid.wrapping_mul(17))
        % KEY_BUCKETS
}

/// One key of a field path: one of [`KNOWN_KEYS`], or its own text.
#[derive(Clone)]
pub struct Key(KeyText);

#[derive(Clone)]
enum KeyText {
    Known(&'static str),
    Own(Box<str>),
}

impl Key {
    pub fn new(k: &str) -> Key {
        match known_key(k) {
            Some(s) => Key(KeyText::Known(s)),
            None => Key(KeyText::Own(k.into())),
        }
    }
    pub fn as_str(&self) -> &str {
        match &self.0 {
            KeyText::Known(s) => s,
            KeyText::Own(s) => s,
        }
    }
    /// Whether the dotted form writes the key bare (`a.b`) rather than quoted (`["a.b"]`).
    /// Every known key is (a test says so).
    fn is_plain(&self) -> bool {
        match &self.0 {
            KeyText::Known(_) => true,
            KeyText::Own(s) => plain_key(s),
        }
    }
}

impl std::ops::Deref for Key {
    type Target = str;
    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl From<&str> for Key {
    fn from(k: &str) -> Key {
        Key::new(k)
    }
}

impl PartialEq for Key {
    fn eq(&self, other: &Key) -> bool {
        self.as_str() == other.as_str()
    }
}

impl Eq for Key {}

impl PartialOrd for Key {
    fn partial_cmp(&self, other: &Key) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Key {
    fn cmp(&self, other: &Key) -> std::cmp::Ordering {
        self.as_str().cmp(other.as_str())
    }
}

impl std::hash::Hash for Key {
    fn hash<H: std::hash::Hasher>(&self, h: &mut H) {
        self.as_str().hash(h)
    }
}

impl fmt::Debug for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

impl fmt::Display for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Seg {
    Key(Key),
    Index(usize),
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FieldPath(Vec<Seg>);

impl FieldPath {
    pub fn root() -> FieldPath {
        FieldPath(Vec::new())
    }
    pub fn segs(&self) -> &[Seg] {
        &self.0
    }
    pub fn is_root(&self) -> bool {
        self.0.is_empty()
    }
    #[must_use]
    pub fn key(mut self, k: &str) -> FieldPath {
        self.room();
        self.0.push(Seg::Key(Key::new(k)));
        self
    }
    #[must_use]
    pub fn idx(mut self, i: usize) -> FieldPath {
        self.room();
        self.0.push(Seg::Index(i));
        self
    }
    /// A copy with room for `more` segments beyond this path's (at least 8 in all), so that
    /// extending it allocates once: a path a rule extends is often a template's, which is
    /// kept with exactly the room it uses.
    #[must_use]
    pub fn with_room(&self, more: usize) -> FieldPath {
        let mut v = Vec::with_capacity((self.0.len() + more).max(8));
        v.extend_from_slice(&self.0);
        FieldPath(v)
    }
    /// Appends one segment (a copy of another path's: no lookup of its key).
    #[must_use]
    pub fn seg(mut self, s: &Seg) -> FieldPath {
        self.room();
        self.0.push(s.clone());
        self
    }
    /// Gives back unused room (for a path kept for long).
    pub fn shrink_to_fit(&mut self) {
        self.0.shrink_to_fit();
    }
    /// Paths are built a segment at a time and most are 4 to 8 deep: the first segment
    /// makes room for 8, one allocation instead of two or three.
    fn room(&mut self) {
        if self.0.capacity() == 0 {
            self.0.reserve_exact(8);
        }
    }
    /// Appends every segment of `other`.
    #[must_use]
    pub fn join(mut self, other: &FieldPath) -> FieldPath {
        self.0.extend(other.0.iter().cloned());
        self
    }
    /// Parses the dotted form produced by `Display` (`a.b[0]["x.y"]`).
    pub fn parse(s: &str) -> Option<FieldPath> {
        let mut out = Vec::new();
        let b = s.as_bytes();
        let mut i = 0;
        while i < b.len() {
            match b[i] {
                b'.' => i += 1,
                b'[' => {
                    if b.get(i + 1) == Some(&b'"') {
                        let end = s[i + 2..].find("\"]")? + i + 2;
                        out.push(Seg::Key(Key::new(&s[i + 2..end])));
                        i = end + 2;
                    } else {
                        let end = s[i..].find(']')? + i;
                        out.push(Seg::Index(s[i + 1..end].parse().ok()?));
                        i = end + 1;
                    }
                }
                _ => {
                    let end = s[i..].find(['.', '[']).map_or(s.len(), |e| e + i);
                    out.push(Seg::Key(Key::new(&s[i..end])));
                    i = end;
                }
            }
        }
        Some(FieldPath(out))
    }
}

fn plain_key(k: &str) -> bool {
    !k.is_empty()
        && k.bytes()
            .all(|c| c.is_ascii_alphanumeric() || c == b'_' || c == b'-' || c == b'$')
}

impl FieldPath {
    /// Writes the dotted form (`a.b[0]["x.y"]`, what `Display` prints) a piece at a time
    /// into `put`, without the formatting machinery (paths are printed by the million).
    pub fn pieces<E>(&self, mut put: impl FnMut(&str) -> Result<(), E>) -> Result<(), E> {
        for (n, seg) in self.0.iter().enumerate() {
            match seg {
                Seg::Key(k) if k.is_plain() => {
                    if n > 0 {
                        put(".")?;
                    }
                    put(k)?;
                }
                Seg::Key(k) => {
                    put("[\"")?;
                    put(k)?;
                    put("\"]")?;
                }
                Seg::Index(i) => {
                    put("[")?;
                    decimal_pieces(*i as u64, &mut put)?;
                    put("]")?;
                }
            }
        }
        Ok(())
    }
}

/// The numbers 0 to 9999, four digits each with leading zeros: `0000000100020003…9999`.
static DIGITS4: &str = {
    static BYTES: [u8; 40_000] = {
        let mut b = [0u8; 40_000];
        let mut n = 0;
        while n < 10_000 {
            b[4 * n] = b'0' + (n / 1000) as u8;
            b[4 * n + 1] = b'0' + (n / 100 % 10) as u8;
            b[4 * n + 2] = b'0' + (n / 10 % 10) as u8;
            b[4 * n + 3] = b'0' + (n % 10) as u8;
            n += 1;
        }
        b
    };
    match std::str::from_utf8(&BYTES) {
        Ok(s) => s,
        Err(_) => panic!("digits are ASCII"),
    }
};

/// Hands `put` the decimal digits of `n`, up to four at a time, from a table (without the
/// formatting machinery or a UTF-8 check: paths and places are printed by the million).
pub fn decimal_pieces<E>(n: u64, put: &mut impl FnMut(&'static str) -> Result<(), E>) -> Result<(), E> {
    if n >= 10_000 {
        decimal_pieces(n / 10_000, put)?;
        let r = (n % 10_000) as usize;
        return put(&DIGITS4[4 * r..4 * r + 4]);
    }
    let r = n as usize;
    let skip = match r {
        0..=9 => 3,
        10..=99 => 2,
        100..=999 => 1,
        _ => 0,
    };
    put(&DIGITS4[4 * r + skip..4 * r + 4])
}

/// Appends `n` in decimal digits to `out` (see [`decimal_pieces`]).
pub fn push_decimal(out: &mut String, n: u64) {
    let _ = decimal_pieces(n, &mut |p| {
        out.push_str(p);
        Ok::<(), ()>(())
    });
}

/// Appends `n` in decimal digits to `out` (see [`decimal_pieces`]).
pub fn push_decimal_bytes(out: &mut Vec<u8>, n: u64) {
    let _ = decimal_pieces(n, &mut |p| {
        out.extend_from_slice(p.as_bytes());
        Ok::<(), ()>(())
    });
}

impl FieldPath {
    /// Appends the dotted form to `out` (what `Display` prints, without its machinery).
    pub fn push_to(&self, out: &mut String) {
        let _ = self.pieces(|p| {
            out.push_str(p);
            Ok::<(), ()>(())
        });
    }
}

impl fmt::Display for FieldPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.pieces(|p| f.write_str(p))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimals_are_what_display_prints() {
        let mut ns: Vec<u64> = vec![u64::MAX, u64::MAX - 1, 4_294_967_295];
        for p in [
            1u64,
            10,
            100,
            1000,
            10_000,
            100_000,
            1_000_000,
            10_000_000,
            100_000_000,
            10u64.pow(12),
        ] {
            ns.extend([p - 1, p, p + 1, 2 * p + 3]);
        }
        ns.extend(0..=20_500);
        for n in ns {
            let mut s = String::new();
            push_decimal(&mut s, n);
            assert_eq!(s, n.to_string());
            let mut b = Vec::new();
            push_decimal_bytes(&mut b, n);
            assert_eq!(b, n.to_string().into_bytes());
        }
    }

    #[test]
    fn known_keys_are_sorted_and_shared() {
        assert!(
            KNOWN_KEYS.windows(2).all(|w| w[0] < w[1]),
            "KNOWN_KEYS must be sorted and unique"
        );
        assert!(matches!(Key::new("securityContext").0, KeyText::Known(_)));
        assert!(matches!(Key::new("my-annotation").0, KeyText::Own(_)));
        assert_eq!(Key::new("spec"), Key::new("spec"));
        assert_eq!(&*Key::new("my-annotation"), "my-annotation");
        for k in KNOWN_KEYS {
            assert!(matches!(Key::new(k).0, KeyText::Known(s) if s == *k), "{k}");
        }
        assert!(matches!(Key::new("").0, KeyText::Own(_)));
        // A known key is written bare without being checked.
        for k in KNOWN_KEYS {
            assert!(plain_key(k), "{k}");
        }
    }

    #[test]
    fn display_and_parse_round_trip() {
        let p = FieldPath::root()
            .key("metadata")
            .key("annotations")
            .key("container.apparmor.security.beta.kubernetes.io/app")
            .key("x");
        let s = p.to_string();
        assert_eq!(
            s,
            "metadata.annotations[\"container.apparmor.security.beta.kubernetes.io/app\"].x"
        );
        assert_eq!(FieldPath::parse(&s), Some(p));
        let q = FieldPath::root()
            .key("spec")
            .key("containers")
            .idx(2)
            .key("image");
        assert_eq!(q.to_string(), "spec.containers[2].image");
        assert_eq!(FieldPath::parse("spec.containers[2].image"), Some(q));
        let r = FieldPath::root()
            .key("a.b")
            .idx(0)
            .idx(10)
            .idx(usize::MAX)
            .key("")
            .key("ephemeral-storage");
        assert_eq!(
            r.to_string(),
            format!("[\"a.b\"][0][10][{}][\"\"].ephemeral-storage", usize::MAX)
        );
    }

    #[test]
    fn a_path_extended_from_a_copy_is_the_same_path() {
        let base = FieldPath::root().key("spec").key("template").key("spec");
        let mut kept = base.clone();
        kept.shrink_to_fit();
        let long = kept
            .with_room(2)
            .key("containers")
            .idx(0)
            .seg(&Seg::Key(Key::new("securityContext")))
            .seg(&Seg::Index(3));
        assert_eq!(long, base.key("containers").idx(0).key("securityContext").idx(3));
        assert_eq!(kept.segs().len(), 3);
    }
}
