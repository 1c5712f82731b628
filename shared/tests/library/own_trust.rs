//! Who may assume the member role member-role.yaml creates in each member account (organization
//! scope): exactly the rules stack's function roles, by name, by the tag the rules stack puts on
//! them, and in the organization. The trust policy is read from the template as deployed and
//! judged with the library's request evaluation (IAM's condition semantics).

use std::collections::BTreeMap;

use sec2_shared::policy::{statement_applies, Applies, Effect, Policy, Request};
use sec2_shared::template::resolve::STACK;
use sec2_shared::template::{Options, Template};

const MANAGEMENT: &str = "111122223333";
const ORGANIZATION: &str = "o-a1b2c3d4e5";
const TAG: &str = "aws:PrincipalTag/sec2-rules:member-access";

fn template(text: &str, parameters: &[(&str, &str)]) -> Template {
    let options = Options {
        parameters: parameters
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect::<BTreeMap<_, _>>(),
        ..Options::default()
    };
    Template::read(text, &options).unwrap()
}

fn member_trust() -> Policy {
    let member = template(
        include_str!("../../../member-role.yaml"),
        &[
            ("ManagementAccountId", MANAGEMENT),
            ("RulesStackName", STACK),
            ("OrganizationId", ORGANIZATION),
        ],
    );
    let role = member
        .resources()
        .into_iter()
        .find(|resource| resource.logical_id == "MemberRole")
        .unwrap();
    let trust = member
        .scope
        .resolve(role.property(&["AssumeRolePolicyDocument"]).unwrap());
    Policy::parse(&trust.to_string()).unwrap()
}

/// Whether the trust policy lets a session of `role_name` with these keys assume the role.
fn admits(trust: &Policy, role_name: &str, keys: &[(&str, &str)]) -> Applies {
    let mut request = Request::new(
        "sts:AssumeRole",
        "arn:aws:iam::444455556666:role/sec2-rules-member",
    )
    .with(
        "aws:PrincipalArn",
        &[&format!("arn:aws:iam::{MANAGEMENT}:role/{role_name}")],
    )
    .with("aws:PrincipalAccount", &[MANAGEMENT])
    .without_any("aws:PrincipalTag/");
    for (key, value) in keys {
        request = request.with(key, &[value]);
    }
    let allows: Vec<Applies> = trust
        .statements
        .iter()
        .filter(|statement| statement.effect == Effect::Allow)
        .map(|statement| statement_applies(statement, &request))
        .collect();
    if allows.contains(&Applies::Yes) {
        Applies::Yes
    } else if allows
        .iter()
        .any(|applies| matches!(applies, Applies::Maybe(_)))
    {
        Applies::Maybe(String::new())
    } else {
        Applies::No
    }
}

#[test]
fn the_member_role_trusts_only_the_rules_stacks_tagged_function_roles_in_the_organization() {
    let trust = member_trust();
    let function_role = format!("{STACK}-LeastPrivilegeRole-AbC123");
    let tagged = [(TAG, STACK), ("aws:PrincipalOrgID", ORGANIZATION)];
    assert_eq!(admits(&trust, &function_role, &tagged), Applies::Yes);
    // A role named like a function role that the stack did not tag.
    assert_eq!(
        admits(
            &trust,
            &function_role,
            &[("aws:PrincipalOrgID", ORGANIZATION)]
        ),
        Applies::No
    );
    // Tagged for another stack.
    assert_eq!(
        admits(
            &trust,
            &function_role,
            &[(TAG, "other-stack"), ("aws:PrincipalOrgID", ORGANIZATION)]
        ),
        Applies::No
    );
    // Another role of the management account, even tagged.
    assert_eq!(admits(&trust, "Admin", &tagged), Applies::No);
    // Outside the organization (the management account left it, or the ARN is reused).
    assert_eq!(
        admits(
            &trust,
            &function_role,
            &[(TAG, STACK), ("aws:PrincipalOrgID", "o-zzzzzzzzzz")]
        ),
        Applies::No
    );
}

#[test]
fn every_role_that_assumes_the_member_role_carries_the_tag_it_is_trusted_by() {
    let rules = template(
        include_str!("../../../template.yaml"),
        &[
            ("DeploymentScope", "organization"),
            ("OrganizationId", ORGANIZATION),
        ],
    );
    let resources = rules.resources();
    let assume = resources
        .iter()
        .find(|resource| resource.logical_id == "OrganizationAssumeMemberRole")
        .unwrap();
    let roles = rules.scope.resolve(assume.property(&["Roles"]).unwrap());
    let roles = roles.as_array().unwrap();
    assert_eq!(roles.len(), 5, "{roles:?}");
    // A role's Ref is its name: the stack's name and its logical id, unless it names itself.
    let assuming: Vec<_> = resources
        .iter()
        .filter(|resource| resource.kind == "AWS::IAM::Role")
        .filter(|resource| {
            let name = rules
                .scope
                .names
                .get(resource.logical_id)
                .cloned()
                .unwrap_or_else(|| format!("{STACK}-{}", resource.logical_id));
            roles
                .iter()
                .any(|role| role.as_str() == Some(name.as_str()))
        })
        .collect();
    assert_eq!(assuming.len(), roles.len(), "{roles:?}");
    for role in assuming {
        let tags = rules.scope.resolve(role.property(&["Tags"]).unwrap());
        assert!(
            tags.as_array()
                .unwrap()
                .iter()
                .any(|tag| tag["Key"] == "sec2-rules:member-access" && tag["Value"] == STACK),
            "{} lacks the member-access tag: {tags}",
            role.logical_id
        );
    }
}
