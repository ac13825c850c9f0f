//! The one input path of the analysis commands (`rbac`, `netpol`, `psa`): the same sources
//! and the same engine collection as `palisade scan`, keeping only what the analysis reads.

use palisade_core::{DiagLevel, Diagnostic, KindSet, Object, Reads};

/// Loads manifests (files, directories, globs, `-`) like `scan`, keeping the objects of
/// `reads`. Input problems are returned as diagnostics; reading nothing at all is an error.
pub fn load_files(paths: &[String], reads: Reads) -> (Vec<Object>, Vec<Diagnostic>) {
    let i = Input::files(paths, reads);
    (i.objects, i.diags)
}

/// What an analysis command read (manifests or a cluster), and what its answer must carry.
pub struct Input {
    pub objects: Vec<Object>,
    /// The input's problems (printed on stderr by [`Input::print`]).
    pub diags: Vec<Diagnostic>,
    /// Nothing was read: the command gives no verdict, only its errors.
    pub nothing_read: bool,
    /// For a cluster: what the read covered (`None` for manifests).
    pub coverage: Option<crate::cluster::Coverage>,
}

impl Input {
    /// Manifests, like [`load_files`].
    pub fn files(paths: &[String], reads: Reads) -> Input {
        let source = palisade_source::Files::discover(paths);
        let loaded = palisade_engine::collect(&source, &KindSet::default().with(reads));
        let mut diags = loaded.diagnostics;
        let nothing_read = loaded.objects_seen == 0;
        if nothing_read {
            diags.push(Diagnostic::unlocated(
                DiagLevel::Error,
                format!(
                    "nothing was read: no Kubernetes objects in {} file(s)",
                    loaded.files
                ),
            ));
        }
        Input {
            objects: loaded.objects,
            diags,
            nothing_read,
            coverage: None,
        }
    }

    /// A cluster read: its problems, and an error when an answer would rest on resource types
    /// that could not be read (forbidden, failed) — the answer is incomplete.
    pub fn cluster(
        objects: Vec<Object>,
        mut diags: Vec<Diagnostic>,
        coverage: crate::cluster::Coverage,
    ) -> Input {
        if let Some(e) = coverage.incomplete() {
            diags.push(Diagnostic::unlocated(DiagLevel::Error, e));
        }
        Input {
            nothing_read: coverage.nothing_read,
            objects,
            diags,
            coverage: Some(coverage),
        }
    }

    /// The error of a read that could not start (no configuration, bad kubeconfig).
    pub fn failed(message: String) -> Input {
        Input {
            objects: Vec::new(),
            diags: vec![Diagnostic::unlocated(DiagLevel::Error, message)],
            nothing_read: true,
            coverage: None,
        }
    }

    pub fn has_errors(&self) -> bool {
        self.diags.iter().any(|d| d.level == DiagLevel::Error)
    }

    /// The errors, as the answers carry them (`file:line:column: message`).
    pub fn errors(&self) -> Vec<String> {
        self.diags
            .iter()
            .filter(|d| d.level == DiagLevel::Error)
            .map(ToString::to_string)
            .collect()
    }

    /// Every problem on stderr, `palisade: error: …` / `palisade: warning: …`.
    pub fn print(&self) {
        for d in &self.diags {
            print_diagnostic(d);
        }
    }
}

/// One problem on stderr with its level: `palisade: error: …` or `palisade: warning: …`.
pub fn print_diagnostic(d: &Diagnostic) {
    let level = match d.level {
        DiagLevel::Error => "error",
        DiagLevel::Warning => "warning",
    };
    eprintln!("palisade: {level}: {d}");
}

/// What `palisade psa` reads: the workloads and their Namespaces.
pub const PSA_READS: Reads = Reads::pod_templates_and(&[palisade_core::kinds::known::NAMESPACE]);
