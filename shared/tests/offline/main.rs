//! The library's tests that need no AWS: the analyzer against the reviewed corpus and against
//! generated policies, hostile inputs, and the sample events under `events/`. One test binary,
//! so one link.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    reason = "test code"
)]

mod corpus;
mod hostile_inputs;
mod managed_policies;
mod properties;
mod sample_events;
