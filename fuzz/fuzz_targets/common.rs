//! Shared by the fuzz targets (included with `#[path]`; not a target itself).

/// libfuzzer-sys aborts on any panic, even one that is caught. `palisade_source` contains
/// panics of its YAML parser (libyaml-safer) and reports them as located input errors, so
/// those are let through to its `catch_unwind`; every other panic (this project's code,
/// including its event handling around the parser) still aborts and is reported. Set
/// `PALISADE_FUZZ_PARSER_PANICS=1` to abort on parser panics too (to look for new ones).
pub fn contain_parser_panics() {
    let abort = std::panic::take_hook();
    let strict = std::env::var_os("PALISADE_FUZZ_PARSER_PANICS").is_some();
    std::panic::set_hook(Box::new(move |info| {
        if strict || !palisade_source::in_parser() {
            abort(info);
        }
    }));
}
