//! Reading what the user points a command at.

use std::io::{Read, Write};

use sec2_shared::config::limits::MAX_EVENT_BYTES;
use sec2_shared::registry::RuleId;
use serde_json::{Map, Value};

/// Reads a file, or standard input for `-`, refusing more than the largest Lambda payload: no
/// event, item or policy the rules read is larger, and a bigger file is not read into memory.
pub fn read_text(path: &str) -> Result<String, String> {
    let limit = MAX_EVENT_BYTES as u64;
    let mut text = String::new();
    let result = if path == "-" {
        std::io::stdin().take(limit + 1).read_to_string(&mut text)
    } else {
        std::fs::File::open(path).and_then(|file| file.take(limit + 1).read_to_string(&mut text))
    };
    result.map_err(|err| format!("cannot read `{path}`: {err}"))?;
    if text.len() as u64 > limit {
        return Err(format!(
            "cannot read `{path}`: it is over {limit} bytes, the largest Lambda payload"
        ));
    }
    Ok(text)
}

/// A 12-digit AWS account id, for clap.
pub fn account_id(value: &str) -> Result<String, String> {
    if sec2_shared::policy::is_account_id(value) {
        Ok(value.to_owned())
    } else {
        Err(format!("`{value}` is not a 12-digit AWS account id"))
    }
}

/// Writes a result to standard output. A closed pipe (`sec2 … | head`) is not a crash.
pub fn emit(text: &str) -> Result<(), String> {
    let mut stdout = std::io::stdout().lock();
    writeln!(stdout, "{text}")
        .and_then(|()| stdout.flush())
        .map_err(|err| format!("cannot write the result: {err}"))
}

/// A JSON file of rule parameters by rule name: `{"network-controls": {"RequireVpc": "true"}}`;
/// nothing when no file is given.
pub fn rule_parameters(path: Option<&str>) -> Result<Map<String, Value>, String> {
    let Some(path) = path else {
        return Ok(Map::new());
    };
    let value: Value = serde_json::from_str(&read_text(path)?)
        .map_err(|err| format!("{path}: not JSON: {err}"))?;
    let Value::Object(by_rule) = value else {
        return Err(format!(
            "{path}: expected an object of parameters by rule name"
        ));
    };
    for name in by_rule.keys() {
        if RuleId::from_name(name).is_none() {
            return Err(format!("{path}: `{name}` is not a rule"));
        }
    }
    Ok(by_rule)
}
