//! The library's integration tests, one binary (so one link): the analyzer against the reviewed
//! corpus, every AWS managed policy and generated policies; hostile inputs; the sample events
//! under `events/`; and the real AWS SDK clients against `aws-smithy-mocks` or a local server
//! standing in for AWS, for what moto lacks or never does (failures, Access Advisor,
//! StartConfigRulesEvaluation).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    reason = "test code"
)]

mod access_advisor;
mod appsync;
mod config_inventory;
mod config_sdk_seams;
mod corpus;
mod faults;
mod hostile_inputs;
mod managed_policies;
#[cfg(feature = "template")]
mod own_trust;
mod properties;
mod read_faults;
mod reevaluate;
mod sample_events;
