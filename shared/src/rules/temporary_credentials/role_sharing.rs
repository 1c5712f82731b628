//! Each function its own role: the other functions that share this function's role.

use std::collections::HashMap;

use super::trust::role_name;
use crate::config::{Compliance, FunctionRole, ReadError, Verdict};

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

/// A customer-managed policy attached to a function's role, and the names of the roles it is
/// attached to (IAM names them, without their ARNs).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyAttachments {
    pub policy_arn: String,
    pub other_roles: Vec<String>,
}

/// The customer-managed policies the role shares with other functions' roles (`role_users`:
/// each function role's name and its functions), unless AllowedSharedPolicies names them (by
/// ARN or name).
pub fn shared_policy_problems(
    attachments: Result<&[PolicyAttachments], &ReadError>,
    role_users: Result<&HashMap<String, Vec<String>>, &ReadError>,
    allowed: &[String],
    role_arn: &str,
) -> Vec<String> {
    let (attachments, role_users) = match (attachments, role_users) {
        (Ok(attachments), Ok(role_users)) => (attachments, role_users),
        (Err(error), _) | (_, Err(error)) => {
            let what = format!("which policies role {} shares", role_name(role_arn));
            return vec![error.annotation(&what)];
        }
    };
    attachments
        .iter()
        .filter(|attached| {
            let name = attached.policy_arn.rsplit('/').next().unwrap_or_default();
            !allowed
                .iter()
                .any(|allowed| *allowed == attached.policy_arn || allowed == name)
        })
        .filter_map(|attached| {
            let functions: Vec<String> = attached
                .other_roles
                .iter()
                .filter(|other| other.as_str() != role_name(role_arn))
                .filter_map(|other| role_users.get(other))
                .flatten()
                .cloned()
                .collect();
            if functions.is_empty() {
                return None;
            }
            let name = attached.policy_arn.rsplit('/').next().unwrap_or_default();
            Some(format!(
                "customer-managed policy {name} is also attached to the roles of {}; give each function's role its own policy, or name it in AllowedSharedPolicies",
                first_few(&functions)
            ))
        })
        .collect()
}

/// The function's verdict with the policies its role shares.
pub(super) fn with_shared_policies(verdict: Verdict, shared: &[String]) -> Verdict {
    if shared.is_empty() {
        return verdict;
    }
    if verdict.compliance == Compliance::Compliant {
        return Verdict::listing(crate::config::Compliance::NonCompliant, shared);
    }
    let messages: Vec<&str> = std::iter::once(verdict.annotation.as_str())
        .chain(shared.iter().map(String::as_str))
        .collect();
    Verdict::listing(crate::config::Compliance::NonCompliant, &messages)
}

/// Each function role's name and its functions (another region's as `REGION:NAME`).
pub(super) fn users_by_role<'a>(
    functions: impl Iterator<Item = (&'a str, &'a str)>,
) -> HashMap<String, Vec<String>> {
    let mut users: HashMap<String, Vec<String>> = HashMap::new();
    for (role_arn, name) in functions {
        users
            .entry(role_name(role_arn).to_owned())
            .or_default()
            .push(name.to_owned());
    }
    users
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

    #[test]
    fn scenario_4_a_customer_managed_policy_on_another_functions_role_is_named_unless_allowed() {
        let role = "arn:aws:iam::111122223333:role/airline-booking";
        let other = "arn:aws:iam::111122223333:role/airline-payment";
        let ec2 = "arn:aws:iam::111122223333:role/batch-instances";
        let attachments = [
            PolicyAttachments {
                policy_arn: "arn:aws:iam::111122223333:policy/tables".to_owned(),
                other_roles: vec![role_name(other).to_owned(), role_name(ec2).to_owned()],
            },
            PolicyAttachments {
                policy_arn: "arn:aws:iam::111122223333:policy/logging".to_owned(),
                other_roles: vec![role_name(ec2).to_owned()],
            },
        ];
        let users =
            users_by_role([(role, "airline-booking"), (other, "airline-payment")].into_iter());
        let problems = shared_policy_problems(Ok(&attachments), Ok(&users), &[], role);
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert!(problems[0].starts_with(
            "customer-managed policy tables is also attached to the roles of airline-payment"
        ));
        let allowed = ["tables".to_owned()];
        assert!(shared_policy_problems(Ok(&attachments), Ok(&users), &allowed, role).is_empty());
        let denied = ReadError::new(
            "iam:ListEntitiesForPolicy",
            crate::config::ReadErrorKind::Denied,
            "AccessDenied",
        );
        let unread = shared_policy_problems(Err(&denied), Ok(&users), &[], role);
        assert!(unread[0].starts_with("could not read which policies role airline-booking shares"));
    }
}
