//! Known answers of the audit log recorded from a real kube-apiserver v1.36.2
//! (`../shared/corpus/audit/palisade-recorded/`, see its README): who deleted the namespace,
//! which secret reads were denied, which exec attempts happened; the Falco trace files; and
//! hostile input (truncated lines, gzip bombs, wrong versions, directories of rotated logs).

use palisade_audit::filter::{Filter, Glob, ResourceSpec};
use palisade_audit::query::{ask, Answer, Question};
use palisade_audit::read::{read, Input, ReadOptions};
use std::io::Write;
use std::path::PathBuf;

fn corpus(p: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/corpus/audit")
        .join(p)
}

fn recorded() -> Vec<Input> {
    let p = corpus("palisade-recorded/audit.log");
    assert!(p.is_file(), "the recorded audit log is missing: {}", p.display());
    vec![Input::Path(p)]
}

fn who(inputs: &[Input], f: &Filter) -> Answer {
    ask(
        inputs,
        &ReadOptions::default(),
        f,
        Question::Who,
        false,
        Vec::new(),
    )
}

#[test]
fn who_deleted_the_namespace() {
    let f = Filter {
        verbs: vec!["delete".into(), "deletecollection".into()],
        resources: vec![ResourceSpec::parse("namespaces").unwrap()],
        ..Filter::default()
    };
    let a = who(&recorded(), &f);
    assert!(a.errors.is_empty(), "{:?}", a.errors);
    assert_eq!(a.requests.len(), 1);
    let r = &a.requests[0];
    assert_eq!(r.user, "kubernetes-admin");
    assert_eq!(r.impersonated_user.as_deref(), Some("alice"));
    assert_eq!(
        (r.verb.as_str(), r.name.as_str(), r.code),
        ("delete", "scratch-ns", Some(200))
    );
    assert_eq!(r.audit_id, "32c536ab-b792-4413-94f6-58e4d0c91dbc");
    assert_eq!(r.line, 929);
    assert_eq!(r.time.as_deref(), Some("2026-11-22T13:03:10.026254Z"));
    let actors = a.actors.unwrap();
    assert_eq!(actors.len(), 1);
    assert_eq!((actors[0].succeeded, actors[0].denied), (1, 0));
}

#[test]
fn denied_secret_reads() {
    let f = Filter {
        resources: vec![ResourceSpec::parse("secrets").unwrap()],
        denied: true,
        ..Filter::default()
    };
    let a = who(&recorded(), &f);
    let got: Vec<(&str, Option<&str>, &str, &str, u64)> = a
        .requests
        .iter()
        .map(|r| {
            (
                r.user.as_str(),
                r.impersonated_user.as_deref(),
                r.verb.as_str(),
                r.namespace.as_str(),
                r.line,
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            ("kubernetes-admin", Some("bob"), "list", "shop", 930),
            ("kubernetes-admin", Some("bob"), "list", "shop", 1052),
        ]
    );
    assert!(a
        .requests
        .iter()
        .all(|r| r.code == Some(403) && r.decision == "forbid"));
}

#[test]
fn exec_attempts() {
    let f = Filter {
        resources: vec![ResourceSpec::parse("pods").unwrap()],
        subresources: vec![Glob::new("exec"), Glob::new("attach"), Glob::new("portforward")],
        ..Filter::default()
    };
    let a = who(&recorded(), &f);
    let got: Vec<(&str, &str, Vec<String>, u64)> = a
        .requests
        .iter()
        .map(|r| {
            (
                r.impersonated_user.as_deref().unwrap_or(&r.user),
                r.verb.as_str(),
                r.command.clone(),
                r.line,
            )
        })
        .collect();
    let sa = "system:serviceaccount:shop:frontend-sa";
    assert_eq!(
        got,
        [
            (sa, "get", vec!["id".to_owned()], 935),
            (sa, "create", vec!["id".to_owned()], 937),
        ]
    );
    assert!(a.requests.iter().all(|r| r.name == "adservice-748f6f68d4-9gnfs"));
}

#[test]
fn stages_are_joined_by_audit_id() {
    let all = who(&recorded(), &Filter::default());
    assert_eq!(all.stats.events, 1054);
    // Two exec requests have a ResponseStarted and a ResponseComplete event each.
    assert_eq!(all.stats.requests, 1052);
    assert_eq!(all.requests.len(), 1052);
    let raw = ask(
        &recorded(),
        &ReadOptions::default(),
        &Filter::default(),
        Question::Timeline,
        true,
        Vec::new(),
    );
    assert_eq!(raw.requests.len(), 1054);
    // Rows are in time order.
    assert!(all.requests.windows(2).all(|w| w[0].timestamp <= w[1].timestamp));
}

/// The pre-filter (lines that cannot match are not decoded) never changes an answer.
#[test]
fn prefilter_is_exact() {
    let filters = [
        Filter {
            verbs: vec!["delete".into()],
            ..Filter::default()
        },
        Filter {
            users: vec![Glob::new("alice")],
            ..Filter::default()
        },
        Filter {
            users: vec![Glob::new("system:serviceaccount:kube-system:*")],
            ..Filter::default()
        },
        Filter {
            names: vec![Glob::new("db-creds")],
            verbs: vec!["get".into()],
            ..Filter::default()
        },
        Filter {
            resources: vec![ResourceSpec::parse("secrets").unwrap()],
            ..Filter::default()
        },
        Filter {
            resources: vec![ResourceSpec::parse("pods/exec").unwrap()],
            ..Filter::default()
        },
    ];
    for f in filters {
        let fast = who(&recorded(), &f);
        assert!(
            f.needles().is_empty() || fast.stats.skipped > 0 || f.users.iter().any(|u| u.literal().is_none())
        );
        let mut slow = Vec::new();
        read(&recorded(), &ReadOptions::default(), &mut |loc, ev| {
            if f.matches(&ev) && ev.stage.is_final() {
                slow.push((loc.line, ev.audit_id.to_string()));
            }
        });
        let fast: Vec<(u64, String)> = fast
            .requests
            .iter()
            .map(|r| (r.line, r.audit_id.clone()))
            .collect();
        let mut slow_sorted = slow.clone();
        slow_sorted.sort();
        let mut fast_sorted = fast.clone();
        fast_sorted.sort();
        assert_eq!(fast_sorted, slow_sorted, "{f:?}");
        assert!(!fast.is_empty(), "{f:?} matches something in the recording");
    }
}

#[test]
fn falco_traces() {
    let dir = corpus("falcosecurity__falco/test/trace_files/k8s_audit");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    assert!(files.len() > 40, "{}", dir.display());
    for f in files {
        let mut n = 0;
        let s = read(&[Input::Path(f.clone())], &ReadOptions::default(), &mut |_, _| {
            n += 1
        });
        if f.ends_with("fal_01_003.json") {
            // Not an audit event: a located error, nothing read.
            assert_eq!((n, s.errors.len(), s.errors[0].loc.line), (0, 1, 1));
        } else {
            assert!(s.errors.is_empty(), "{}: {:?}", f.display(), s.errors);
            assert!(n >= 1, "{}", f.display());
        }
    }
}

#[test]
fn rotated_gzip_directories_and_hostile_input() {
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(corpus("palisade-recorded/audit.log")).unwrap();
    // A rotated, compressed copy.
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(text.as_bytes()).unwrap();
    std::fs::write(dir.path().join("audit-2026-11-22.log.gz"), gz.finish().unwrap()).unwrap();
    // A copy with truncated lines (a crash mid-write) and a line of another version.
    let mut broken = String::new();
    for (i, l) in text.lines().enumerate() {
        match i {
            9 => broken.push_str(&l[..l.len() / 2]),
            19 => broken.push_str(&l.replace("audit.k8s.io/v1", "audit.k8s.io/v2")),
            _ => broken.push_str(l),
        }
        broken.push('\n');
    }
    std::fs::write(dir.path().join("audit.log"), &broken).unwrap();
    // A gzip bomb: 64 MiB of zeros without a newline.
    let mut bomb = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    let zeros = vec![0u8; 1 << 20];
    for _ in 0..64 {
        bomb.write_all(&zeros).unwrap();
    }
    std::fs::write(dir.path().join("bomb.gz"), bomb.finish().unwrap()).unwrap();
    // Hidden files are not read.
    std::fs::write(dir.path().join(".hidden"), "garbage").unwrap();

    let opts = ReadOptions {
        max_line_bytes: 1 << 20,
        ..ReadOptions::default()
    };
    let mut n = 0u64;
    let s = read(&[Input::Path(dir.path().to_path_buf())], &opts, &mut |_, _| {
        n += 1
    });
    assert_eq!(s.stats.files, 3);
    assert_eq!(n, 1054 + 1052);
    let errs: Vec<(String, u64)> = s
        .errors
        .iter()
        .map(|e| (e.loc.file.rsplit('/').next().unwrap().to_owned(), e.loc.line))
        .collect();
    assert_eq!(
        errs,
        [
            ("audit.log".to_owned(), 10),
            ("audit.log".to_owned(), 20),
            ("bomb.gz".to_owned(), 1)
        ]
    );
    assert!(
        s.errors[0].message.contains("invalid JSON"),
        "{}",
        s.errors[0].message
    );
    assert!(
        s.errors[1].message.contains("unsupported apiVersion"),
        "{}",
        s.errors[1].message
    );
    assert!(
        s.errors[2].message.contains("longer than the limit"),
        "{}",
        s.errors[2].message
    );
}

#[test]
fn a_limit_keeps_the_latest_and_counts_everything() {
    use palisade_audit::query::ask_limited;
    let all = who(&recorded(), &Filter::default());
    let some = ask_limited(
        &recorded(),
        &ReadOptions::default(),
        &Filter::default(),
        Question::Who,
        false,
        Some(5),
        Vec::new(),
    );
    assert_eq!(some.requests.len(), 5);
    assert_eq!(some.stats.matched, 1052);
    let latest: Vec<&str> = all.requests[all.requests.len() - 5..]
        .iter()
        .map(|r| r.audit_id.as_str())
        .collect();
    let got: Vec<&str> = some.requests.iter().map(|r| r.audit_id.as_str()).collect();
    assert_eq!(got, latest);
    let count = |a: &Answer| a.actors.as_ref().unwrap().iter().map(|x| x.requests).sum::<u64>();
    assert_eq!(count(&some), 1052);
    assert_eq!(count(&all), 1052);
}
