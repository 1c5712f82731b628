//! Reading what the user points a command at.

use std::io::Read;

/// Reads a file, or standard input for `-`.
pub fn read_text(path: &str) -> Result<String, String> {
    let mut text = String::new();
    let result = if path == "-" {
        std::io::stdin().read_to_string(&mut text).map(|_| text)
    } else {
        std::fs::read_to_string(path)
    };
    result.map_err(|err| format!("cannot read `{path}`: {err}"))
}

/// A 12-digit AWS account id, for clap.
pub fn account_id(value: &str) -> Result<String, String> {
    if sec2_shared::policy::arn::is_account_id(value) {
        Ok(value.to_owned())
    } else {
        Err(format!("`{value}` is not a 12-digit AWS account id"))
    }
}
