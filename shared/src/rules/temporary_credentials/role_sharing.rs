//! Each function its own role: the other functions that share this function's role.

use super::trust::role_name;
use crate::config::{FunctionRole, ReadError};

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

/// This region's sharers of `role_arn` together with the other regions' functions that use it;
/// either list unread makes the sharers unknown.
pub(super) fn with_other_regions(
    here: Result<Vec<String>, ReadError>,
    elsewhere: Result<&[FunctionRole], &ReadError>,
    role_arn: &str,
) -> Result<Vec<String>, ReadError> {
    let mut sharers = here?;
    let elsewhere = elsewhere.map_err(ReadError::clone)?;
    sharers.extend(
        elsewhere
            .iter()
            .filter(|function| function.role_arn == role_arn)
            .map(|function| function.function_name.clone()),
    );
    Ok(sharers)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn another_regions_user_of_the_role_is_a_sharer_and_an_unread_region_is_never_a_pass() {
        let role = "arn:aws:iam::111122223333:role/airline-booking";
        let elsewhere = [
            FunctionRole {
                function_name: "us-west-2:airline-booking-dr".to_owned(),
                role_arn: role.to_owned(),
            },
            FunctionRole {
                function_name: "us-west-2:other".to_owned(),
                role_arn: "arn:aws:iam::111122223333:role/other".to_owned(),
            },
        ];
        let sharers = with_other_regions(Ok(Vec::new()), Ok(&elsewhere), role).unwrap();
        assert_eq!(sharers, ["us-west-2:airline-booking-dr"]);
        let denied = ReadError::new(
            "lambda:ListFunctions",
            crate::config::ReadErrorKind::Denied,
            "eu-south-1: AccessDeniedException",
        );
        let unread = with_other_regions(Ok(Vec::new()), Err(&denied), role);
        let problem = sharing_problem(role, unread.as_deref()).unwrap();
        assert!(
            problem.starts_with("could not read which functions share role airline-booking"),
            "{problem}"
        );
    }
}
