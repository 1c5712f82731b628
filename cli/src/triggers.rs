//! `sec2 triggers`: the EventBridge patterns for the reevaluate function.

use std::process::ExitCode;

use sec2_shared::reevaluate::triggers::{eventbridge_pattern, RULE_GROUPS};

use crate::input::emit;

pub fn run() -> ExitCode {
    // One pattern per EventBridge rule of the templates (IAM's events reach EventBridge only in
    // us-east-1, so they get a rule of their own).
    let patterns: serde_json::Map<String, serde_json::Value> = RULE_GROUPS
        .iter()
        .map(|(name, sources)| ((*name).to_owned(), eventbridge_pattern(sources)))
        .collect();
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
