//! Each function its own role: the other functions that share this function's role.

use super::trust::role_name;
use crate::config::ReadError;

/// Joins names as "a, b, c and 2 more".
pub(super) fn first_few(names: &[String]) -> String {
    const SHOWN: usize = 3;
    let shown = names
        .iter()
        .take(SHOWN)
        .cloned()
        .collect::<Vec<_>>()
        .join(", ");
    match names.len().saturating_sub(SHOWN) {
        0 => shown,
        more => format!("{shown} and {more} more"),
    }
}

/// The problem with the role's sharers, if any: other functions use it, or who does could not be
/// told.
pub fn sharing_problem(role_arn: &str, sharers: Result<&[String], &ReadError>) -> Option<String> {
    let role_name = role_name(role_arn);
    match sharers {
        Ok([]) => None,
        Ok(others) => Some(format!(
            "role {role_name} is also used by {}; give each function its own role",
            first_few(others)
        )),
        Err(error) => Some(error.annotation(&format!("which functions share role {role_name}"))),
    }
}
