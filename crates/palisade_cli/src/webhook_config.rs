//! `palisade webhook-config` (prints the admission webhook configurations) and `palisade
//! certs` (writes a throwaway CA and a serving certificate for the webhook): the command
//! lines over `palisade_server::webhook_config` and `palisade_server::tls::self_signed`.

use anyhow::{Context, Result};
use clap::{ArgGroup, Args, ValueEnum};
use palisade_server::webhook_config::{self, CaSource, Endpoint, FailurePolicy, Options};
use std::io::Write;
use std::net::IpAddr;
use std::path::PathBuf;

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum FailurePolicyArg {
    /// Reject requests while palisade cannot answer (secure; run palisade highly available).
    #[value(name = "Fail")]
    Fail,
    /// Admit requests unchecked while palisade cannot answer.
    #[value(name = "Ignore")]
    Ignore,
}

/// `palisade webhook-config`.
#[derive(Args, Debug)]
#[command(group(ArgGroup::new("endpoint").required(true).args(["service", "url"])))]
#[command(group(ArgGroup::new("ca").required(true).args(["ca_bundle", "cert_manager"])))]
pub struct WebhookConfigArgs {
    /// The Service in front of palisade, NAMESPACE/NAME (clientConfig.service).
    #[arg(long, value_name = "NS/NAME")]
    service: Option<String>,
    /// The Service port.
    #[arg(long, value_name = "PORT", default_value_t = 443, requires = "service")]
    port: u16,
    /// Where the API server reaches palisade instead of a Service: https://HOST[:PORT][/PATH]
    /// (/validate and /mutate are appended).
    #[arg(long, value_name = "URL")]
    url: Option<String>,
    /// PEM file of the CA that signed palisade's serving certificate (several CAs while
    /// rotating); written base64-encoded as caBundle.
    #[arg(long, value_name = "FILE")]
    ca_bundle: Option<PathBuf>,
    /// Let cert-manager's CA injector fill caBundle from this Certificate (NAMESPACE/NAME).
    #[arg(long, value_name = "NS/NAME")]
    cert_manager: Option<String>,
    /// What the API server does when palisade does not answer.
    #[arg(long, value_name = "POLICY", value_enum, default_value = "Fail")]
    failure_policy: FailurePolicyArg,
    /// How long the API server waits for palisade (1-30).
    #[arg(long, value_name = "N", default_value_t = 5)]
    timeout_seconds: u32,
    /// palisade's own namespace, exempt from the webhooks with kube-system (default: the
    /// Service's namespace, else palisade).
    #[arg(long, short = 'n', value_name = "NS")]
    namespace: Option<String>,
    /// Only the ValidatingWebhookConfiguration (no defaults added to pods).
    #[arg(long)]
    no_mutate: bool,
}

/// `palisade certs`.
#[derive(Args, Debug)]
#[command(group(ArgGroup::new("names").required(true).multiple(true).args(["dns", "ip"])))]
pub struct CertsArgs {
    /// A DNS name of the serving certificate (repeatable): the Service's
    /// NAME.NAMESPACE.svc for the API server.
    #[arg(long, value_name = "NAME")]
    dns: Vec<String>,
    /// An IP address of the serving certificate (repeatable).
    #[arg(long, value_name = "ADDR")]
    ip: Vec<IpAddr>,
    /// Directory to write ca.crt, tls.crt and tls.key into (created if missing; existing
    /// files are not overwritten).
    #[arg(long, short = 'o', value_name = "DIR")]
    out_dir: PathBuf,
}

fn split_ns_name(s: &str) -> Option<(String, String)> {
    let (ns, name) = s.split_once('/')?;
    (!ns.is_empty() && !name.is_empty() && !name.contains('/')).then(|| (ns.to_owned(), name.to_owned()))
}

pub fn webhook_config(a: WebhookConfigArgs) -> Result<u8> {
    let endpoint = match (&a.service, &a.url) {
        (Some(s), _) => {
            let Some((namespace, name)) = split_ns_name(s) else {
                eprintln!("palisade: error: --service must be NAMESPACE/NAME, not {s:?}");
                return Ok(2);
            };
            Endpoint::Service {
                namespace,
                name,
                port: a.port,
            }
        }
        (None, Some(u)) => Endpoint::Url(u.clone()),
        (None, None) => unreachable!("clap requires --service or --url"),
    };
    let ca = match (&a.ca_bundle, &a.cert_manager) {
        (Some(f), _) => {
            let pem = std::fs::read(f).with_context(|| format!("reading {}", f.display()))?;
            CaSource::Pem(pem)
        }
        (None, Some(c)) => CaSource::CertManager(c.clone()),
        (None, None) => unreachable!("clap requires --ca-bundle or --cert-manager"),
    };
    let mut o = Options::new(endpoint, ca);
    o.failure_policy = match a.failure_policy {
        FailurePolicyArg::Fail => FailurePolicy::Fail,
        FailurePolicyArg::Ignore => FailurePolicy::Ignore,
    };
    o.timeout_seconds = a.timeout_seconds;
    o.namespace = a.namespace;
    o.mutate = !a.no_mutate;
    match webhook_config::render(&o) {
        Ok(yaml) => {
            let mut out = std::io::stdout().lock();
            out.write_all(yaml.as_bytes())?;
            out.flush()?;
            Ok(0)
        }
        Err(e) => {
            let file = a.ca_bundle.as_ref().map(|f| format!("{}: ", f.display()));
            let prefix = match e {
                webhook_config::ConfigError::NoCertificate | webhook_config::ConfigError::BadPem(_) => {
                    file.unwrap_or_default()
                }
                _ => String::new(),
            };
            eprintln!("palisade: error: {prefix}{e}");
            Ok(2)
        }
    }
}

pub fn certs(a: CertsArgs) -> Result<u8> {
    let files = ["ca.crt", "tls.crt", "tls.key"].map(|f| a.out_dir.join(f));
    if let Some(existing) = files.iter().find(|f| f.exists()) {
        eprintln!(
            "palisade: error: {} exists; not overwriting (remove it or choose another --out-dir)",
            existing.display()
        );
        return Ok(2);
    }
    let generated = match palisade_server::tls::self_signed(&a.dns, &a.ip) {
        Ok(g) => g,
        Err(e) => {
            eprintln!("palisade: error: {e}");
            return Ok(2);
        }
    };
    std::fs::create_dir_all(&a.out_dir).with_context(|| format!("creating {}", a.out_dir.display()))?;
    write_new(&files[0], generated.ca_pem.as_bytes(), 0o644)?;
    write_new(&files[1], generated.cert_pem.as_bytes(), 0o644)?;
    write_new(&files[2], generated.key_pem.as_bytes(), 0o600)?;
    eprintln!(
        "palisade: wrote {} (caBundle), {} and {} (the Secret); the CA's key was not kept",
        files[0].display(),
        files[1].display(),
        files[2].display()
    );
    Ok(0)
}

/// Creates `path` (never replacing a file) with this content and, on Unix, this mode.
fn write_new(path: &std::path::Path, content: &[u8], mode: u32) -> Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(mode);
    }
    #[cfg(not(unix))]
    let _ = mode;
    let mut f = options
        .open(path)
        .with_context(|| format!("creating {}", path.display()))?;
    f.write_all(content)
        .with_context(|| format!("writing {}", path.display()))?;
    Ok(())
}
