//! DKR014: a script downloaded and run without verification (`curl … | sh`, `wget … && sh
//! file`, `bash <(curl …)`, `sh -c "$(curl …)"`).

use super::common::{basename, Cmd, CmdWord};
use super::{Ctx, RuleHit};
use palisade_core::Reference;

declare_dockerfile_rule! {
    /// ## What it does
    /// Flags RUN commands that execute code fetched from the network without checking it:
    /// - a download piped into an interpreter: `curl -fsSL URL | sh`, `wget -qO- URL | bash`,
    ///   `curl URL | sudo python3 -`;
    /// - an interpreter or `eval`/`source` given the download by substitution:
    ///   `bash <(curl URL)`, `sh -c "$(curl -fsSL URL)"`, `eval "$(wget -qO- URL)"`;
    /// - a file downloaded (`curl -o F`, `curl -O`, `wget -O F`, `wget URL`) and then run in
    ///   the same RUN (`sh F`, `bash F`, `./F`, `F`) with no verification between the two: a
    ///   `sha256sum -c`/`sha512sum`/`shasum`/`md5sum -c`, `gpg --verify`, `cosign verify` or
    ///   `minisign -V` command after the download clears it.
    ///
    /// ## Why is this bad?
    /// Whoever controls the server, the DNS, or the network path at build time runs code in
    /// the build and in the image. Pinning a checksum (or verifying a signature) makes the
    /// download reproducible and tamper-evident. CIS Docker Benchmark 4.11: install verified
    /// packages only.
    ///
    /// ## Example
    /// ```dockerfile
    /// RUN curl -fsSL https://get.example.com/install.sh | sh
    /// ```
    ///
    /// ## Fix
    /// ```dockerfile
    /// RUN curl -fsSLo /tmp/install.sh https://get.example.com/install-1.4.2.sh \
    ///  && echo "3b2f…  /tmp/install.sh" | sha256sum -c - \
    ///  && sh /tmp/install.sh
    /// ```
    pub static REMOTE_SCRIPT_EXECUTED = {
        code: "DKR014",
        name: "dockerfile-remote-script-executed",
        severity: High,
        summary: "Script downloaded and executed without verification",
        remediation: "Download to a file, verify a pinned checksum or signature, then run it (or install a signed package).",
        references: [Reference::CisDocker("4.11"), Reference::Mitre("T1195.002")],
        check: check,
    }
}

const INTERPRETERS: &[&str] = &[
    "sh", "bash", "dash", "ash", "zsh", "ksh", "fish", "python", "python2", "python3", "perl", "ruby",
    "node", "php", "pwsh", "busybox",
];

fn is_interpreter(p: &str) -> bool {
    INTERPRETERS.contains(&p)
        || p.strip_prefix("python")
            .is_some_and(|v| v.chars().all(|c| c.is_ascii_digit() || c == '.'))
}

fn is_download(p: &str) -> bool {
    matches!(p, "curl" | "wget" | "fetch" | "aria2c")
}

fn is_verify(c: &Cmd) -> bool {
    match c.program() {
        Some(
            "sha256sum" | "sha512sum" | "sha1sum" | "sha384sum" | "sha224sum" | "shasum" | "md5sum" | "b2sum",
        ) => c
            .args()
            .iter()
            .any(|a| a.value == "-c" || a.value == "--check" || a.value.starts_with("-c")),
        Some("gpg" | "gpgv" | "gpg2") => {
            c.args().iter().any(|a| a.value == "--verify") || c.program() == Some("gpgv")
        }
        Some("cosign" | "minisign" | "signify" | "slsa-verifier" | "openssl") => c.args().iter().any(|a| {
            a.value.starts_with("verify") || a.value == "-V" || a.value == "-verify" || a.value == "dgst"
        }),
        _ => false,
    }
}

/// The file a download command writes, if it writes one (not stdout).
fn output_file(c: &Cmd) -> Option<String> {
    let prog = c.program()?;
    let args = c.args();
    let url = args
        .iter()
        .find(|a| a.value.contains("://"))
        .map(|a| a.value.as_str());
    let remote_name = || {
        url.and_then(|u| u.split(['?', '#']).next())
            .map(|u| basename(u).to_owned())
    };
    let mut i = 0;
    while i < args.len() {
        let v = args[i].value.as_str();
        let next = args.get(i + 1).map(|a| a.value.as_str());
        match prog {
            "curl" => match v {
                "-o" | "--output" => return next.filter(|n| *n != "-").map(str::to_owned),
                "-O" | "--remote-name" => return remote_name(),
                _ if v.starts_with("--output=") => return Some(v["--output=".len()..].to_owned()),
                _ if v.starts_with('-') && !v.starts_with("--") && v.len() > 2 => {
                    if v.ends_with('o') {
                        return next.filter(|n| *n != "-").map(str::to_owned);
                    }
                    if v.contains('O') {
                        return remote_name();
                    }
                }
                _ => {}
            },
            "wget" => match v {
                "-O" | "--output-document" => return next.filter(|n| *n != "-").map(str::to_owned),
                _ if v.starts_with("--output-document=") => {
                    let f = &v["--output-document=".len()..];
                    return (f != "-").then(|| f.to_owned());
                }
                _ if v.starts_with("-O") && v.len() > 2 => {
                    let f = &v[2..];
                    return (f != "-").then(|| f.to_owned());
                }
                _ if v.starts_with('-') && !v.starts_with("--") && v.ends_with('O') => {
                    return next.filter(|n| *n != "-").map(str::to_owned);
                }
                _ => {}
            },
            _ => {}
        }
        i += 1;
    }
    if prog == "wget" {
        return remote_name();
    }
    None
}

fn runs_file<'a>(c: &'a Cmd, file: &str) -> Option<&'a CmdWord> {
    let argv = c.argv();
    let first = argv.first()?;
    let fname = basename(file);
    let same = |w: &CmdWord| {
        let v = w.value.as_str();
        v == file
            || (!fname.is_empty()
                && basename(v) == fname
                && (v.starts_with("./") || v.contains('/') || v == fname))
    };
    if same(first) {
        return Some(first);
    }
    if is_interpreter(basename(&first.value)) {
        return argv[1..]
            .iter()
            .find(|w| !w.value.starts_with('-'))
            .filter(|w| same(w))
            .map(|_| first);
    }
    None
}

fn substituted_download(w: &CmdWord) -> bool {
    let r = w.raw.replace(' ', "");
    ["$(curl", "$(wget", "<(curl", "<(wget", "`curl", "`wget"]
        .iter()
        .any(|p| r.contains(p))
}

fn check(ctx: &Ctx<'_>, hits: &mut Vec<RuleHit>) {
    let cmds = &ctx.scripts.cmds;
    for (i, c) in cmds.iter().enumerate() {
        let Some(prog) = c.program() else { continue };
        let Some(head) = c.argv().first() else { continue };
        // 1. download | interpreter
        if is_interpreter(prog) && c.pipe_pos > 0 {
            let fed = cmds[..i]
                .iter()
                .rev()
                .take_while(|p| p.ins == c.ins && p.pipeline == c.pipeline)
                .any(|p| p.program().is_some_and(is_download));
            // An interpreter given a script file reads that file, not the pipe.
            let reads_stdin = c.args().iter().all(|a| a.value.starts_with('-'))
                || c.args().iter().any(|a| a.value == "-" || a.value == "-s");
            if fed && reads_stdin {
                hits.push(RuleHit::new(
                    head.span,
                    format!("a download is piped into `{prog}`: the fetched code runs unverified"),
                ));
                continue;
            }
        }
        // 2. interpreter / eval / source given a download by substitution
        if is_interpreter(prog) || matches!(prog, "eval" | "source" | ".") {
            if let Some(w) = c.args().iter().find(|w| substituted_download(w)) {
                hits.push(RuleHit::new(
                    w.span,
                    format!("`{prog}` runs the output of a download: the fetched code runs unverified"),
                ));
                continue;
            }
        }
        // 3. download to a file, then run it in the same RUN
        if is_download(prog) {
            let Some(out) = output_file(c) else { continue };
            for later in cmds[i + 1..].iter().take_while(|l| l.ins == c.ins) {
                if is_verify(later) {
                    break;
                }
                if let Some(w) = runs_file(later, &out) {
                    hits.push(RuleHit::new(
                        w.span,
                        format!("{out:?} is downloaded by {prog} and run without verifying a checksum or signature"),
                    ));
                    break;
                }
            }
        }
    }
}
