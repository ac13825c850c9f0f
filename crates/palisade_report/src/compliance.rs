//! The compliance view (`palisade scan --profile cis --compliance`): one row per control of a
//! profile's framework — its id, title, status (pass, fail, manual, skipped) and the objects
//! failing it — and a score, in human or JSON form. The controls come from the rules' own
//! references (`Reference::Cis`, `Reference::Nsa`, `Reference::Pss`); for CIS, section 5
//! (policies) of the CIS Kubernetes Benchmark v1.12 is listed whole, so the controls no rule
//! automates show as manual. The Dockerfile view (`palisade dockerfile --compliance`) lists
//! section 4 of the CIS Docker Benchmark whole ([`CIS_DOCKER`]: each item with how far the
//! `DKR` rules cover it). Typed data built from a finished report; no filtering of it.

use crate::text::{clean_line, object_title};
use palisade_core::{Check, DiagLevel, Diagnostic, Finding, ObjectRef, Reference, Report, RuleMeta};
use serde::Serialize;
use std::io::{self, Write};

/// CIS Kubernetes Benchmark v1.12, section 5 (policies): id and a short title (paraphrased).
const CIS_POLICIES: &[(&str, &str)] = &[
    ("5.1.1", "Use the cluster-admin role only where required"),
    ("5.1.2", "Minimize access to secrets"),
    ("5.1.3", "Minimize wildcard use in Roles and ClusterRoles"),
    ("5.1.4", "Minimize access to create pods"),
    (
        "5.1.5",
        "Ensure that default service accounts are not actively used",
    ),
    ("5.1.6", "Mount service account tokens only where necessary"),
    ("5.1.7", "Avoid use of the system:masters group"),
    (
        "5.1.8",
        "Limit use of the bind, impersonate and escalate permissions",
    ),
    ("5.1.9", "Minimize access to create persistent volumes"),
    ("5.1.10", "Minimize access to the proxy sub-resource of nodes"),
    (
        "5.1.11",
        "Minimize access to the approval sub-resource of certificatesigningrequests",
    ),
    ("5.1.12", "Minimize access to webhook configuration objects"),
    ("5.1.13", "Minimize access to the service account token creation"),
    (
        "5.2.1",
        "Ensure that the cluster has at least one active policy control mechanism",
    ),
    ("5.2.2", "Minimize the admission of privileged containers"),
    (
        "5.2.3",
        "Minimize the admission of containers sharing the host process ID namespace",
    ),
    (
        "5.2.4",
        "Minimize the admission of containers sharing the host IPC namespace",
    ),
    (
        "5.2.5",
        "Minimize the admission of containers sharing the host network namespace",
    ),
    (
        "5.2.6",
        "Minimize the admission of containers with allowPrivilegeEscalation",
    ),
    ("5.2.7", "Minimize the admission of root containers"),
    (
        "5.2.8",
        "Minimize the admission of containers with the NET_RAW capability",
    ),
    (
        "5.2.9",
        "Minimize the admission of containers with added capabilities",
    ),
    (
        "5.2.10",
        "Minimize the admission of Windows HostProcess containers",
    ),
    ("5.2.11", "Minimize the admission of HostPath volumes"),
    (
        "5.2.12",
        "Minimize the admission of containers which use HostPorts",
    ),
    ("5.3.1", "Ensure that the CNI in use supports NetworkPolicies"),
    ("5.3.2", "Ensure that all namespaces have NetworkPolicies defined"),
    (
        "5.4.1",
        "Prefer using secrets as files over secrets as environment variables",
    ),
    ("5.4.2", "Consider external secret storage"),
    (
        "5.5.1",
        "Configure image provenance using the ImagePolicyWebhook admission controller",
    ),
    (
        "5.6.1",
        "Create administrative boundaries between resources using namespaces",
    ),
    (
        "5.6.2",
        "Ensure that the seccomp profile is set to RuntimeDefault in pod definitions",
    ),
    ("5.6.3", "Apply a security context to pods and containers"),
    ("5.6.4", "The default namespace should not be used"),
];

/// How far palisade's Dockerfile rules check a CIS Docker Benchmark item.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Coverage {
    /// The rules decide the item from the Dockerfile.
    Automated,
    /// The rules check what the Dockerfile shows; the rest (`not_covered`) needs the built
    /// image, the registry or a person.
    Partial,
    /// Nothing in a Dockerfile decides it: check it by hand.
    Manual,
}

impl Coverage {
    pub fn as_str(self) -> &'static str {
        match self {
            Coverage::Automated => "automated",
            Coverage::Partial => "partial",
            Coverage::Manual => "manual",
        }
    }
}

/// One item of section 4 (Container Images and Build File) of the CIS Docker Benchmark
/// v1.6.0, and palisade's coverage of it.
#[derive(Clone, Copy, Debug, Serialize)]
pub struct CisDockerItem {
    pub id: &'static str,
    pub title: &'static str,
    pub coverage: Coverage,
    /// What the rules check.
    pub checked: &'static str,
    /// What they do not (empty when automated).
    pub not_covered: &'static str,
}

/// CIS Docker Benchmark v1.6.0, section 4: every item, in order, with palisade's coverage.
/// docs/dockerfile.md shows this table (a test keeps them equal); the rules that check an
/// item cite it with `Reference::CisDocker`.
pub const CIS_DOCKER: &[CisDockerItem] = &[
    CisDockerItem {
        id: "4.1",
        title: "Ensure that a user for the container has been created",
        coverage: Coverage::Automated,
        checked: "the final stage sets a USER other than root (`USER root`, `USER 0`, `root:root`, `0:0`, a 0 through an ARG default are root; a USER of an earlier stage does not count)",
        not_covered: "",
    },
    CisDockerItem {
        id: "4.2",
        title: "Ensure that containers use only trusted base images",
        coverage: Coverage::Partial,
        checked: "base images come from the registries of `allowedRegistries` and are pinned by digest",
        not_covered: "whether the image itself is trustworthy and minimal (its content, publisher, signature)",
    },
    CisDockerItem {
        id: "4.3",
        title: "Ensure that unnecessary packages are not installed in the container",
        coverage: Coverage::Partial,
        checked: "`apt-get install` without `--no-install-recommends`, package caches left in the layer",
        not_covered: "which of the packages named are unnecessary",
    },
    CisDockerItem {
        id: "4.4",
        title: "Ensure images are scanned and rebuilt to include security patches",
        coverage: Coverage::Partial,
        checked: "in-image upgrades (`apt-get upgrade`, `apk upgrade`, `yum update`) that make builds unreproducible instead of rebuilding from a patched base",
        not_covered: "vulnerability scanning of the built image and the rebuild cadence",
    },
    CisDockerItem {
        id: "4.5",
        title: "Ensure Content trust for Docker is Enabled",
        coverage: Coverage::Manual,
        checked: "",
        not_covered: "a setting of the Docker client and daemon (`DOCKER_CONTENT_TRUST=1`), not of the Dockerfile",
    },
    CisDockerItem {
        id: "4.6",
        title: "Ensure that HEALTHCHECK instructions have been added to container images",
        coverage: Coverage::Automated,
        checked: "a HEALTHCHECK (not `NONE`) in the final stage; images meant to have none are declared with the rule's option",
        not_covered: "",
    },
    CisDockerItem {
        id: "4.7",
        title: "Ensure update instructions are not used alone in Dockerfiles",
        coverage: Coverage::Automated,
        checked: "`apt-get update` (and `apk update`) in a RUN without an install in the same RUN",
        not_covered: "",
    },
    CisDockerItem {
        id: "4.8",
        title: "Ensure setuid and setgid permissions are removed",
        coverage: Coverage::Partial,
        checked: "packages installed in the final stage without a later `chmod a-s`/`find -perm /6000` removing setuid and setgid bits (advisory)",
        not_covered: "the setuid and setgid files the base image already has (needs the built image)",
    },
    CisDockerItem {
        id: "4.9",
        title: "Ensure that COPY is used instead of ADD in Dockerfiles",
        coverage: Coverage::Automated,
        checked: "ADD of local files (COPY does the same without unpacking), ADD of remote URLs without `--checksum`",
        not_covered: "",
    },
    CisDockerItem {
        id: "4.10",
        title: "Ensure secrets are not stored in Dockerfiles",
        coverage: Coverage::Partial,
        checked: "secrets in ENV, ARG and LABEL names and values (the manifest rules' secret detector), COPY/ADD of key and credential files (`id_rsa`, `.env`, `*.pem`, `*.key`, `.npmrc`, `.netrc`, kubeconfig, …), secrets passed by ARG/ENV where `RUN --mount=type=secret` should be used",
        not_covered: "secrets inside the files of the build context that are copied",
    },
    CisDockerItem {
        id: "4.11",
        title: "Ensure only verified packages are installed",
        coverage: Coverage::Partial,
        checked: "scripts fetched and run unverified (`curl … | sh`, `wget … && sh`), verification turned off (`--allow-unauthenticated`, `--no-check-certificate`, `curl -k`, `pip --trusted-host`, `npm strict-ssl false`, `git http.sslVerify false`, `GIT_SSL_NO_VERIFY`)",
        not_covered: "whether the package repositories and their keys are the right ones",
    },
    CisDockerItem {
        id: "4.12",
        title: "Ensure all signed artifacts are validated",
        coverage: Coverage::Manual,
        checked: "",
        not_covered: "signature verification of images and artifacts (cosign, Notation) happens outside the Dockerfile",
    },
];

/// A control's outcome.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Automated, and no object fails it.
    Pass,
    /// At least one finding of one of its rules.
    Fail,
    /// No palisade rule automates it: check it by hand.
    Manual,
    /// It has rules, but none of them ran (`--select`, `--ignore`).
    Skipped,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Pass => "pass",
            Status::Fail => "fail",
            Status::Manual => "manual",
            Status::Skipped => "skipped",
        }
    }
}

/// One control of the framework.
#[derive(Clone, Debug, Serialize)]
pub struct Control {
    pub id: String,
    pub title: String,
    pub status: Status,
    /// The codes of the rules that check it (those of the profile).
    pub rules: Vec<&'static str>,
    /// The objects with a finding of one of its rules (suppressed findings do not count).
    #[serde(rename = "failing")]
    pub failing: Vec<ObjectRef>,
}

/// The compliance view of one profile.
#[derive(Clone, Debug, Serialize)]
pub struct Compliance {
    pub profile: String,
    pub framework: &'static str,
    pub controls: Vec<Control>,
    /// Controls that pass, in percent of the automated controls that ran (pass + fail), one
    /// decimal; `None` when none ran.
    pub score: Option<f64>,
    pub passed: usize,
    pub failed: usize,
    pub manual: usize,
    pub skipped: usize,
    /// The input problems of the scan (never silent).
    pub errors: Vec<Diagnostic>,
}

/// A control before its status is known: id, title, and the rules that check it.
struct Def {
    id: String,
    title: String,
    rules: Vec<&'static RuleMeta>,
}

/// The framework's name and controls for `profile`, from the profile's rules.
fn definitions(profile: &str, catalogue: &[&'static RuleMeta]) -> Option<(&'static str, Vec<Def>)> {
    let referencing = |pred: &dyn Fn(&Reference) -> bool| -> Vec<&'static RuleMeta> {
        catalogue
            .iter()
            .copied()
            .filter(|r| r.references.iter().any(pred))
            .collect()
    };
    match profile {
        "cis" => {
            let defs = CIS_POLICIES
                .iter()
                .map(|(id, title)| Def {
                    id: (*id).to_owned(),
                    title: (*title).to_owned(),
                    rules: referencing(&|r| matches!(r, Reference::Cis(c) if c == id)),
                })
                .collect();
            Some(("CIS Kubernetes Benchmark v1.12, section 5 (policies)", defs))
        }
        "cis-docker" => {
            let defs = CIS_DOCKER
                .iter()
                .map(|item| Def {
                    id: item.id.to_owned(),
                    title: item.title.to_owned(),
                    rules: referencing(&|r| matches!(r, Reference::CisDocker(c) if *c == item.id)),
                })
                .collect();
            Some((
                "CIS Docker Benchmark v1.6.0, section 4 (container images and build file)",
                defs,
            ))
        }
        "nsa" => {
            let mut sections: Vec<&'static str> = Vec::new();
            for r in catalogue {
                for x in r.references {
                    if let Reference::Nsa(s) = x {
                        if !sections.contains(s) {
                            sections.push(s);
                        }
                    }
                }
            }
            sections.sort_unstable();
            let defs = sections
                .iter()
                .enumerate()
                .map(|(i, s)| Def {
                    id: format!("NSA-{:02}", i + 1),
                    title: (*s).to_owned(),
                    rules: referencing(&|r| matches!(r, Reference::Nsa(x) if x == s)),
                })
                .collect();
            Some(("NSA/CISA Kubernetes Hardening Guidance", defs))
        }
        "pss-baseline" | "pss-restricted" => {
            let restricted = profile == "pss-restricted";
            // One control per PSA check of the level, in PSA's order (the PSS rules' codes).
            let mut defs: Vec<Def> = Vec::new();
            let mut pss: Vec<&'static RuleMeta> = catalogue
                .iter()
                .copied()
                .filter(|r| match r.check {
                    Check::Pss(info) => restricted || info.level == palisade_core::psa::Level::Baseline,
                    _ => false,
                })
                .collect();
            pss.sort_by_key(|r| r.code);
            for r in pss {
                let Check::Pss(info) = r.check else { continue };
                defs.push(Def {
                    id: info.id.to_owned(),
                    title: format!("{} ({})", info.title, info.level.as_str()),
                    rules: vec![r],
                });
            }
            let name = if restricted {
                "Pod Security Standards: restricted"
            } else {
                "Pod Security Standards: baseline"
            };
            Some((name, defs))
        }
        _ => None,
    }
}

impl Compliance {
    /// The compliance view of `report` under `profile` (`cis`, `nsa`, `pss-baseline`,
    /// `pss-restricted`); `catalogue` is every rule of the profile, whether it ran or not.
    /// `None` for a profile without a framework (`all`).
    pub fn build(profile: &str, catalogue: &[&'static RuleMeta], report: &Report) -> Option<Compliance> {
        let (framework, defs) = definitions(profile, catalogue)?;
        let mut controls = Vec::new();
        for d in defs {
            // A rule that checks nothing until an option is set (allowedRegistries) proves
            // nothing without it: its control is manual, not a pass.
            let configured = |r: &RuleMeta| {
                r.requires_option.is_none()
                    || report
                        .config
                        .as_ref()
                        .is_some_and(|c| c.rule_options.iter().any(|o| o == r.code))
            };
            let unconfigured = d.rules.iter().filter(|r| !configured(r)).count();
            let ran: Vec<&RuleMeta> = d
                .rules
                .iter()
                .copied()
                .filter(|r| configured(r) && report.rules.iter().any(|x| x.code == r.code))
                .collect();
            let mut failing: Vec<ObjectRef> = Vec::new();
            let hits = |f: &Finding| f.rules().any(|fr| ran.iter().any(|r| r.code == fr.code));
            for f in report.findings.iter().filter(|f| hits(f)) {
                if !failing.contains(&f.object) {
                    failing.push((*f.object).clone());
                }
            }
            let status = if d.rules.is_empty() || (ran.is_empty() && unconfigured > 0) {
                Status::Manual
            } else if ran.is_empty() {
                Status::Skipped
            } else if failing.is_empty() {
                Status::Pass
            } else {
                Status::Fail
            };
            failing.sort();
            controls.push(Control {
                id: d.id,
                title: d.title,
                status,
                rules: d.rules.iter().map(|r| r.code).collect(),
                failing,
            });
        }
        let count = |s: Status| controls.iter().filter(|c| c.status == s).count();
        let (passed, failed) = (count(Status::Pass), count(Status::Fail));
        let score =
            (passed + failed > 0).then(|| (passed as f64 * 1000.0 / (passed + failed) as f64).round() / 10.0);
        Some(Compliance {
            profile: profile.to_owned(),
            framework,
            score,
            passed,
            failed,
            manual: count(Status::Manual),
            skipped: count(Status::Skipped),
            controls,
            errors: report.errors.clone(),
        })
    }

    /// The view as JSON.
    pub fn json(&self, out: &mut dyn Write) -> io::Result<()> {
        serde_json::to_writer_pretty(&mut *out, self)?;
        out.write_all(b"\n")
    }

    /// The view for a terminal: an aligned table and the score. With `verbose`, the failing
    /// objects of each control are listed under it.
    pub fn human(&self, verbose: bool, out: &mut dyn Write) -> io::Result<()> {
        let mut rows = vec![[
            "CONTROL".to_owned(),
            "STATUS".to_owned(),
            "FAILING".to_owned(),
            "TITLE".to_owned(),
        ]];
        for c in &self.controls {
            rows.push([
                clean_line(&c.id).into_owned(),
                c.status.as_str().to_owned(),
                if c.status == Status::Fail {
                    c.failing.len().to_string()
                } else {
                    "-".to_owned()
                },
                clean_line(&c.title).into_owned(),
            ]);
        }
        let mut widths = [0usize; 4];
        for r in &rows {
            for (w, cell) in widths.iter_mut().zip(r) {
                *w = (*w).max(cell.chars().count());
            }
        }
        writeln!(out, "{} (profile {})", self.framework, clean_line(&self.profile))?;
        for (i, r) in rows.iter().enumerate() {
            let mut line = String::new();
            for (cell, w) in r.iter().zip(widths) {
                line.push_str("  ");
                line.push_str(cell);
                line.push_str(&" ".repeat(w - cell.chars().count()));
            }
            writeln!(out, "{}", line.trim_end())?;
            if verbose && i > 0 {
                for o in &self.controls[i - 1].failing {
                    writeln!(out, "      {}", clean_line(&object_title(o)))?;
                }
            }
        }
        let score = match self.score {
            Some(s) => format!("{s:.1}%"),
            None => "n/a".to_owned(),
        };
        writeln!(
            out,
            "\nscore {score}: {} of {} automated controls pass; {} fail, {} manual, {} skipped",
            self.passed,
            self.passed + self.failed,
            self.failed,
            self.manual,
            self.skipped
        )?;
        for d in &self.errors {
            let level = match d.level {
                DiagLevel::Error => "error",
                DiagLevel::Warning => "warning",
            };
            writeln!(out, "{level}: {}", clean_line(&d.to_string()))?;
        }
        Ok(())
    }
}
