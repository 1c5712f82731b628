//! reevaluate in organization scope against moto's server: the member role is assumed in the
//! account a change was made in (moto keeps each account's resources apart by the account of
//! the credentials), and that account's instance of each organization rule is the one started.
//! moto has no StartConfigRulesEvaluation: the start itself, its retries and its failures are
//! tested with aws-smithy-mocks (shared/tests/library/reevaluate.rs); here the request moto
//! recorded shows which rule was asked for.
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "test code")]

use aws_sdk_config::types::{ConfigRule, Owner, Source};
use sec2_shared::aws::starter::OrganizationRules;
use sec2_shared::aws::AwsClients;
use sec2_shared::config::Deadline;
use sec2_shared::reevaluate::{
    reevaluate, Backoff, Coalescer, RuleDirectory, RuleId, RuleNames, Timing, CALLER_SPACING,
};
use sec2_testkit::{recorded_calls, sdk_config, unique, MOTO_ACCOUNT};
use serde_json::{json, Value};

const MEMBER: &str = "222233334444";
const EXECUTION_ROLE: &str = "sec2-rules-member";

fn clients() -> AwsClients {
    AwsClients::from_sdk_config(sdk_config())
}

fn organization() -> OrganizationRules {
    OrganizationRules::new(clients(), MOTO_ACCOUNT, "aws", EXECUTION_ROLE)
}

/// Config in `account`: the test's own credentials, or the member role's there.
async fn config_in(account: &str) -> aws_sdk_config::Client {
    if account == MOTO_ACCOUNT {
        return clients().config().clone();
    }
    let role = format!("arn:aws:iam::{account}:role/{EXECUTION_ROLE}");
    clients()
        .assume(&role, "seed")
        .await
        .unwrap()
        .config()
        .clone()
}

/// A Config rule named `name` in `account` (a managed rule: moto wants a custom rule's function
/// to exist in the same account, and only the name matters here).
async fn put_rule(account: &str, name: &str) {
    let source = Source::builder()
        .owner(Owner::Aws)
        .source_identifier("LAMBDA_FUNCTION_PUBLIC_ACCESS_PROHIBITED")
        .build()
        .unwrap();
    let rule = ConfigRule::builder()
        .config_rule_name(name)
        .source(source)
        .build();
    config_in(account)
        .await
        .put_config_rule()
        .config_rule(rule)
        .send()
        .await
        .unwrap();
}

/// A role policy change made in `account`, as EventBridge delivers it.
fn role_policy_change(account: &str) -> Value {
    json!({
        "version": "0",
        "id": "7bf73129-1428-4cd3-a780-95db273d1602",
        "detail-type": "AWS API Call via CloudTrail",
        "source": "aws.iam",
        "account": account,
        "region": "us-east-1",
        "detail": {"eventSource": "iam.amazonaws.com", "eventName": "PutRolePolicy", "eventVersion": "1.09"}
    })
}

fn timing() -> Timing {
    Timing {
        deadline: Deadline::NONE,
        backoff: Backoff::STANDARD,
        caller_spacing: CALLER_SPACING,
        clock: std::time::SystemTime::now,
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn each_account_has_its_own_instance_of_an_organization_rule() {
    let least_privilege = unique("sec2-least-privilege");
    let member_instance = format!("OrgConfigRule-{least_privilege}-k3jd8a1q");
    let own_instance = format!("OrgConfigRule-{least_privilege}-own00001");
    put_rule(MEMBER, &member_instance).await;
    put_rule(MOTO_ACCOUNT, &own_instance).await;
    // A rule of the account's own with the organization rule's name is not its instance.
    put_rule(MEMBER, &least_privilege).await;
    let names = RuleNames::parse(&format!(
        "least-privilege={least_privilege},network-controls={}",
        unique("sec2-network-controls")
    ))
    .unwrap();
    let organization = organization();

    let (_, in_member) = organization.rules_in(Some(MEMBER), &names).await.unwrap();
    assert_eq!(
        in_member.get(RuleId::LeastPrivilege),
        Some(member_instance.as_str())
    );
    // The organization rule has not reached the account, or excludes it.
    assert_eq!(in_member.get(RuleId::NetworkControls), None);

    // The account that hosts the function uses the function's own role.
    for account in [Some(MOTO_ACCOUNT), None] {
        let (_, own) = organization.rules_in(account, &names).await.unwrap();
        assert_eq!(own.get(RuleId::LeastPrivilege), Some(own_instance.as_str()));
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_member_accounts_change_starts_that_accounts_instance() {
    let least_privilege = unique("sec2-least-privilege");
    let member_instance = format!("OrgConfigRule-{least_privilege}-a8d0c2f1");
    put_rule(MEMBER, &member_instance).await;
    let names = RuleNames::parse(&format!("least-privilege={least_privilege}")).unwrap();

    let result = reevaluate(
        &role_policy_change(MEMBER),
        &names,
        &Coalescer::default(),
        &organization(),
        timing(),
    )
    .await;

    let asked: Vec<Value> = recorded_calls("StartConfigRulesEvaluation")
        .into_iter()
        .filter(|body| body["ConfigRuleNames"] == json!([member_instance]))
        .collect();
    // At least once: moto answers with a 500, which the SDK's standard mode retries.
    assert!(!asked.is_empty(), "{result:?}");
    // moto answers that it does not implement the call: the invocation fails, so Lambda tries
    // the event again and then dead-letters it, rather than dropping the change.
    assert!(result.is_err(), "{result:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn an_account_without_the_rules_instance_starts_nothing() {
    let names = RuleNames::parse(&format!(
        "least-privilege={}",
        unique("sec2-least-privilege")
    ))
    .unwrap();

    let outcome = reevaluate(
        &role_policy_change(MEMBER),
        &names,
        &Coalescer::default(),
        &organization(),
        timing(),
    )
    .await
    .unwrap();

    assert!(outcome.started.is_empty(), "{outcome:?}");
    assert_eq!(outcome.not_deployed, ["least-privilege"]);
    assert_eq!(outcome.account.as_deref(), Some(MEMBER));
}
