//! The one input path of the analysis commands (`rbac`, `netpol`, `psa`): the same sources
//! and the same engine collection as `palisade scan`, keeping only what the analysis reads.

use palisade_core::{DiagLevel, Diagnostic, KindSet, Object, Reads};

/// Loads manifests (files, directories, globs, `-`) like `scan`, keeping the objects of
/// `reads`. Input problems are returned as diagnostics; reading nothing at all is an error.
pub fn load_files(paths: &[String], reads: Reads) -> (Vec<Object>, Vec<Diagnostic>) {
    let source = palisade_source::Files::discover(paths);
    let loaded = palisade_engine::collect(&source, &KindSet::default().with(reads));
    let mut errors = loaded.diagnostics;
    if loaded.objects_seen == 0 {
        errors.push(Diagnostic::unlocated(
            DiagLevel::Error,
            format!(
                "nothing was read: no Kubernetes objects in {} file(s)",
                loaded.files
            ),
        ));
    }
    (loaded.objects, errors)
}

/// What `palisade psa` reads: the workloads and their Namespaces.
pub const PSA_READS: Reads = Reads::pod_templates_and(&[palisade_core::kinds::known::NAMESPACE]);
