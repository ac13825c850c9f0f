//! The Pod Security Standards rules: one rule per Pod Security Admission check, all evaluated
//! together by `palisade_pss` (the engine maps each failed check to its rule here).

pub mod privileged;
