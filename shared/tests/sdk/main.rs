//! The library's tests through the real AWS SDK clients, against `aws-smithy-mocks` or a local
//! server standing in for AWS (for what moto lacks or never does: failures, Access Advisor,
//! StartConfigRulesEvaluation). One test binary, so one link.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    reason = "test code"
)]

mod access_advisor;
mod config_sdk_seams;
mod faults;
mod read_faults;
mod reevaluate;
