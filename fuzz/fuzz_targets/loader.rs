//! Fuzzes the YAML/JSON loader: any bytes must decode without panicking, hanging or
//! unbounded memory, and every diagnostic must carry the input's name.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let loaded = palisade_source::load_bytes("fuzz.yaml".into(), data);
    for d in &loaded.diagnostics {
        assert!(d.file.is_some());
        if let Some(l) = d.line {
            assert!(l >= 1);
        }
    }
    for o in &loaded.objects {
        // Every path the rules could ask for resolves without panicking.
        let _ = palisade_core::pod_templates(o);
        let _ = o.root.to_json();
    }
});
