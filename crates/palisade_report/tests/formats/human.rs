use crate::fixture::*;
#[test]
fn dump() {
    let r = report();
    for f in palisade_report::Format::ALL {
        println!("=== {f}\n{}", render(&r, f, &opts()));
    }
    let mut o = Vec::new();
    palisade_report::render_rules(&r.rules, false, &mut o).unwrap();
    palisade_report::render_rules(&r.rules, true, &mut o).unwrap();
    palisade_report::render_explain(&PRIVILEGED, &mut o).unwrap();
    println!("{}", String::from_utf8(o).unwrap());
}
