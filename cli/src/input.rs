//! Reading what the user points a command at.

use std::io::{Read, Write};

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

/// Writes a result to standard output. A closed pipe (`sec2 … | head`) is not a crash.
pub fn emit(text: &str) -> Result<(), String> {
    let mut stdout = std::io::stdout().lock();
    writeln!(stdout, "{text}")
        .and_then(|()| stdout.flush())
        .map_err(|err| format!("cannot write the result: {err}"))
}
