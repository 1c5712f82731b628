//! `sec2 triggers`: the EventBridge patterns for the reevaluate function.

use std::process::ExitCode;

use sec2_shared::reevaluate::triggers::{eventbridge_pattern, TRIGGERS};
use serde_json::json;

use crate::input::emit;

/// IAM's events reach EventBridge only in us-east-1, so they get a rule of their own.
pub const IAM: &str = "iam.amazonaws.com";

pub fn run() -> ExitCode {
    let others: Vec<&str> = TRIGGERS
        .iter()
        .map(|trigger| trigger.event_source)
        .filter(|source| *source != IAM)
        .collect();
    let patterns = json!({
        "iam": eventbridge_pattern(&[IAM]),
        "resources": eventbridge_pattern(&others),
    });
    match serde_json::to_string_pretty(&patterns)
        .map_err(|err| err.to_string())
        .and_then(|text| emit(&text))
    {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("sec2: cannot write the patterns: {message}");
            ExitCode::from(2)
        }
    }
}
