//! Tests of every output format against a small hand-built report.

mod fixture;
mod human;
mod json;
mod junit;
mod policyreport;
mod rules;
mod sarif;
mod snapshots;
mod stream;
