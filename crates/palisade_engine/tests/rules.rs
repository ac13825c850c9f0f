//! One named test per rule of the registry (`cargo test -p palisade_engine --test rules HRD005`):
//! each runs its rule alone on its fixture `crates/palisade_rules/fixtures/<group>/<rule-name>.yaml`,
//! compares the expected (line, code) pairs with the findings as a multiset (a missing, moved
//! or duplicated finding fails, naming the rule, the fixture and the line), and snapshots the
//! rendered findings (code, object, path, line:col, message) with `insta`. The fixture
//! convention is described in `tests/common/mod.rs`.
//!
//! A rule added to the registry without a line here fails `every_registry_rule_has_a_test`;
//! a rule without a fixture fails its own test.

mod common;

macro_rules! rule_tests {
    ($($code:ident),* $(,)?) => {
        /// The rule codes that have a test below.
        const TESTED: &[&str] = &[$(stringify!($code)),*];
        $(
            #[test]
            #[allow(non_snake_case)]
            fn $code() {
                let (name, rendered) = common::check_rule(stringify!($code));
                insta::assert_snapshot!(name, rendered);
            }
        )*
    };
}

rule_tests! {
    CFG001,
    CFG002,
    HRD001,
    HRD002,
    HRD003,
    HRD004,
    HRD005,
    HRD006,
    HRD007,
    HRD008,
    HRD009,
    HRD010,
    HRD011,
    HRD012,
    HRD013,
    HRD014,
    HRD015,
    HRD016,
    HRD017,
    HRD018,
    HRD019,
    HRD020,
    HRD021,
    HRD022,
    HRD023,
    HRD024,
    HRD025,
    HRD026,
    HRD027,
    HRD028,
    HRD029,
    HRD030,
    HRD031,
    HRD032,
    HRD033,
    HRD034,
    HRD035,
    HRD040,
    HRD041,
    HRD042,
    HRD043,
    HRD044,
    HRD045,
    HRD046,
    HRD047,
    HRD048,
    HRD049,
    HRD060,
    HRD061,
    HRD062,
    HRD063,
    HRD064,
    HRD065,
    HRD066,
    HRD067,
    HRD068,
    HRD069,
    HRD070,
    HRD071,
    NET001,
    NET002,
    NET003,
    NET004,
    NET005,
    NET006,
    NET007,
    NET008,
    NET009,
    NET010,
    NET011,
    PSS001,
    PSS002,
    PSS003,
    PSS004,
    PSS005,
    PSS006,
    PSS007,
    PSS008,
    PSS009,
    PSS010,
    PSS011,
    PSS012,
    PSS013,
    PSS014,
    PSS015,
    PSS016,
    PSS017,
    PSS018,
    PSS019,
    RBAC001,
    RBAC002,
    RBAC003,
    RBAC004,
    RBAC005,
    RBAC006,
    RBAC007,
    RBAC008,
    RBAC009,
    RBAC010,
    RBAC011,
    RBAC012,
    RBAC013,
    RBAC014,
    RBAC015,
    RBAC016,
    RBAC017,
    RBAC018,
}

#[test]
fn every_registry_rule_has_a_test() {
    let missing: Vec<_> = palisade_rules::all_rules()
        .iter()
        .filter(|r| !TESTED.contains(&r.code))
        .map(|r| format!("{} {}", r.code, r.name))
        .collect();
    assert!(
        missing.is_empty(),
        "add these rules to rule_tests! in {}: {missing:?}",
        file!()
    );
    let unknown: Vec<_> = TESTED
        .iter()
        .filter(|c| palisade_rules::find_rule(c).is_none())
        .collect();
    assert!(
        unknown.is_empty(),
        "rule_tests! names codes not in the registry: {unknown:?}"
    );
}
