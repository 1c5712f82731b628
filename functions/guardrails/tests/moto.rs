//! sec2-guardrails against moto's server, which implements Organizations: an organization with
//! two OUs and an account in each, a guardrail SCP attached to one OU, the rule's periodic run
//! through the handler Lambda calls, PutEvaluations read from moto's recorder.
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "test code")]

use aws_sdk_organizations::types::{AccountStatus, OrganizationFeatureSet, PolicyType};
use aws_sdk_organizations::Client;
use sec2_shared::aws::AwsClients;
use sec2_shared::rules::guardrails::Guardrails;
use sec2_testkit::config_events::{rule_event, scheduled};
use sec2_testkit::{assert_contains, last_reported, sdk_config, unique, MOTO_ACCOUNT};
use serde_json::json;

const DENY_PUBLIC: &str = r#"{"Version":"2012-10-17","Statement":[{"Sid":"NoPublicFunctions","Effect":"Deny","Action":"lambda:AddPermission","Resource":"*","Condition":{"StringEquals":{"lambda:Principal":"*"},"ArnNotLike":{"aws:PrincipalArn":"arn:aws:iam::*:role/OrgAdmin"}}}]}"#;

/// The emulator account's organization, created on first use, with SCPs enabled on its root.
async fn root(organizations: &Client) -> String {
    if organizations.describe_organization().send().await.is_err() {
        organizations
            .create_organization()
            .feature_set(OrganizationFeatureSet::All)
            .send()
            .await
            .unwrap();
    }
    let roots = organizations.list_roots().send().await.unwrap();
    let root = roots.roots().first().unwrap();
    let id = root.id().unwrap().to_owned();
    // Enabled already when another run got here first.
    let _ = organizations
        .enable_policy_type()
        .root_id(&id)
        .policy_type(PolicyType::ServiceControlPolicy)
        .send()
        .await;
    id
}

/// A new OU under `parent` with one new account in it; returns (OU id, account id).
async fn unit_with_account(organizations: &Client, parent: &str, name: &str) -> (String, String) {
    let unit = organizations
        .create_organizational_unit()
        .parent_id(parent)
        .name(name)
        .send()
        .await
        .unwrap()
        .organizational_unit()
        .unwrap()
        .id()
        .unwrap()
        .to_owned();
    let status = organizations
        .create_account()
        .account_name(name)
        .email(format!("{name}@example.com"))
        .send()
        .await
        .unwrap();
    let account = status
        .create_account_status()
        .unwrap()
        .account_id()
        .unwrap()
        .to_owned();
    organizations
        .move_account()
        .account_id(&account)
        .source_parent_id(parent)
        .destination_parent_id(&unit)
        .send()
        .await
        .unwrap();
    (unit, account)
}

#[tokio::test]
async fn a_guardrail_on_one_ou_covers_its_account_and_the_sibling_ou_is_named_for_the_other() {
    let organizations = Client::new(&sdk_config());
    let root = root(&organizations).await;
    let (workloads, covered) = unit_with_account(&organizations, &root, &unique("workloads")).await;
    let sandbox_name = unique("sandbox");
    let (sandbox, uncovered) = unit_with_account(&organizations, &root, &sandbox_name).await;
    let policy = organizations
        .create_policy()
        .name(unique("deny-public-functions"))
        .description("no public Lambda grants")
        .r#type(PolicyType::ServiceControlPolicy)
        .content(DENY_PUBLIC)
        .send()
        .await
        .unwrap()
        .policy()
        .unwrap()
        .policy_summary()
        .unwrap()
        .id()
        .unwrap()
        .to_owned();
    organizations
        .attach_policy()
        .policy_id(&policy)
        .target_id(&workloads)
        .send()
        .await
        .unwrap();
    let described = organizations
        .describe_account()
        .account_id(&uncovered)
        .send()
        .await
        .unwrap();
    assert_eq!(
        described.account().unwrap().status(),
        Some(&AccountStatus::Active)
    );

    let only_public_grants = json!({
        "RequireFunctionUrlIamAuth": "false",
        "DenyAccessKeys": "false",
        "ProtectConfig": "false"
    });
    let periodic = rule_event("sec2-guardrails", &scheduled(), &only_public_grants);
    // moto has no GetComplianceDetailsByConfigRule: the verdicts are reported, then the
    // invocation fails because stale results could not be retired (tested with mocks in shared/).
    let clients = AwsClients::from_sdk_config(sdk_config());
    let outcome = sec2_shared::lambda::handle(&clients, &Guardrails::new, periodic).await;
    assert_eq!(outcome.unwrap_err().kind(), "PreviousResultsUnavailable");

    let covered = last_reported(&covered);
    assert_eq!(covered.compliance, "COMPLIANT", "{}", covered.annotation);
    assert_contains(
        &covered.annotation,
        "Statement[0] (Sid \"NoPublicFunctions\") at OU ",
    );
    assert_contains(&covered.annotation, &format!("({workloads})"));
    let uncovered_id = uncovered.clone();
    let uncovered = last_reported(&uncovered);
    assert_eq!(uncovered.compliance, "NON_COMPLIANT");
    assert_contains(
        &uncovered.annotation,
        &format!("to OU {sandbox_name} ({sandbox})"),
    );
    let management = last_reported(MOTO_ACCOUNT);
    assert_eq!(management.compliance, "NOT_APPLICABLE");

    // An account exempted by the rule parameter: NOT_APPLICABLE with the reason, until it
    // expires; then judged again, saying so.
    for (until, compliance, said) in [
        (
            "2999-01-01",
            "NOT_APPLICABLE",
            "exempt: a lab account, RISK-3 (until 2999-01-01)",
        ),
        (
            "2020-01-01",
            "NON_COMPLIANT",
            "exemption expired 2020-01-01 (a lab account, RISK-3); ",
        ),
    ] {
        let mut parameters = only_public_grants.clone();
        parameters["Exemptions"] = json!(format!(
            "{uncovered_id}|guardrails|a lab account, RISK-3|{until}"
        ));
        let periodic = rule_event("sec2-guardrails", &scheduled(), &parameters);
        let outcome = sec2_shared::lambda::handle(&clients, &Guardrails::new, periodic).await;
        assert_eq!(outcome.unwrap_err().kind(), "PreviousResultsUnavailable");
        let exempted = last_reported(&uncovered_id);
        assert_eq!(exempted.compliance, compliance, "{}", exempted.annotation);
        assert!(
            exempted.annotation.starts_with(said),
            "{}",
            exempted.annotation
        );
    }
}
