//! sec2-least-privilege against moto's server (started with its AWS managed policies loaded):
//! roles with inline, managed and boundary policies seeded through the SDK, the rule run through
//! the handler Lambda calls, PutEvaluations read from moto's recorder.
#![allow(clippy::unwrap_used, reason = "test code")]

use sec2_shared::aws::AwsClients;
use sec2_shared::rules::least_privilege::LeastPrivilege;
use sec2_testkit::config_events;
use sec2_testkit::seed::LAMBDA_TRUST as TRUST;
use sec2_testkit::{assert_contains, assert_starts_with};
use sec2_testkit::{invoke_rule, last_reported, sdk_config, unique, Reported, MOTO_ACCOUNT};
use serde_json::{json, Value};

const SCOPED: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["dynamodb:GetItem","dynamodb:PutItem"],"Resource":"arn:aws:dynamodb:us-east-1:123456789012:table/bookings"}]}"#;

fn iam() -> aws_sdk_iam::Client {
    aws_sdk_iam::Client::new(&sdk_config())
}

/// A role with the given inline policies, attached policy ARNs and boundary; returns its ARN.
async fn role(inline: &[&str], attached: &[&str], boundary: Option<&str>) -> String {
    let name = unique("role");
    let created = iam()
        .create_role()
        .role_name(&name)
        .assume_role_policy_document(TRUST)
        .set_permissions_boundary(boundary.map(str::to_owned))
        .send()
        .await
        .unwrap();
    for (index, document) in inline.iter().enumerate() {
        iam()
            .put_role_policy()
            .role_name(&name)
            .policy_name(format!("inline-{index}"))
            .policy_document(*document)
            .send()
            .await
            .unwrap();
    }
    for arn in attached {
        iam()
            .attach_role_policy()
            .role_name(&name)
            .policy_arn(*arn)
            .send()
            .await
            .unwrap();
    }
    created.role().unwrap().arn().to_owned()
}

async fn managed_policy(document: &str) -> String {
    let created = iam()
        .create_policy()
        .policy_name(unique("policy"))
        .policy_document(document)
        .send()
        .await
        .unwrap();
    created.policy().unwrap().arn().unwrap().to_owned()
}

fn change(function: &str, role_arn: &str) -> Value {
    let configuration = json!({"functionName": function, "role": role_arn});
    let arn = format!("arn:aws:lambda:us-east-1:{MOTO_ACCOUNT}:function:{function}");
    let item = config_events::item("AWS::Lambda::Function", function, &arn, configuration);
    // moto has no IAM Access Advisor: its reads are tested with aws-smithy-mocks
    // (shared/tests/library/access_advisor.rs), and UnusedDays 0 leaves them out here.
    let parameters = json!({"UnusedDays": "0"});
    config_events::rule_event("least-privilege", &config_events::change(item), &parameters)
}

async fn judge(role_arn: &str) -> Reported {
    let function = unique("fn");
    invoke_rule(&LeastPrivilege::new, change(&function, role_arn)).await;
    last_reported(&function)
}

#[tokio::test]
async fn a_role_with_one_scoped_inline_policy_is_compliant() {
    let verdict = judge(&role(&[SCOPED], &[], None).await).await;
    assert_eq!(verdict.compliance, "COMPLIANT", "{}", verdict.annotation);
}

#[tokio::test]
async fn an_attached_administrator_access_is_resolved_and_named() {
    let verdict =
        judge(&role(&[], &["arn:aws:iam::aws:policy/AdministratorAccess"], None).await).await;
    assert_eq!(verdict.compliance, "NON_COMPLIANT");
    assert_contains(
        &verdict.annotation,
        "has arn:aws:iam::aws:policy/AdministratorAccess attached",
    );
}

#[tokio::test]
async fn a_customer_managed_service_wildcard_is_named_by_its_policy_arn() {
    let broad = managed_policy(r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sqs:*","Resource":"arn:aws:sqs:us-east-1:123456789012:bookings"}]}"#).await;
    let verdict = judge(&role(&[SCOPED], &[&broad], None).await).await;
    assert_eq!(verdict.compliance, "NON_COMPLIANT");
    assert_starts_with(
        &verdict.annotation,
        &format!("Statement[0] of {broad} allows every action of a service (sqs:*)"),
    );
}

#[tokio::test]
async fn a_permissions_boundary_is_read_and_caps_the_grant() {
    let boundary = managed_policy(SCOPED).await;
    let admin_inline =
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#;
    let verdict = judge(&role(&[admin_inline], &[], Some(&boundary)).await).await;
    assert_eq!(verdict.compliance, "NON_COMPLIANT");
    // Config's annotation is cut at 256 characters (every finding whole is in the log): the
    // boundary is named, its ARN as far as the annotation goes.
    let capped = format!("(capped by permissions boundary {}", &boundary[..33]);
    assert_contains(&verdict.annotation, "every resource (a wildcard grant)");
    assert_contains(&verdict.annotation, &capped);
}

#[tokio::test]
async fn a_missing_role_is_non_compliant_with_the_reason() {
    let verdict = judge(&format!(
        "arn:aws:iam::{MOTO_ACCOUNT}:role/{}",
        unique("gone")
    ))
    .await;
    assert_eq!(verdict.compliance, "NON_COMPLIANT");
    assert_starts_with(&verdict.annotation, "could not read the policies of role");
    assert_contains(&verdict.annotation, "NoSuchEntity");
}

#[tokio::test]
async fn one_listing_of_every_role_gives_the_same_grant_as_reading_the_role() {
    use sec2_shared::rules::least_privilege::RoleReader;
    let admin = managed_policy(
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#,
    )
    .await;
    let boundary = managed_policy(SCOPED).await;
    let role_arn = role(&[SCOPED, SCOPED], &[&admin], Some(&boundary)).await;
    let role_name = role_arn.rsplit('/').next().unwrap();

    let one_by_one = AwsClients::from_sdk_config(sdk_config())
        .role_grant(role_name)
        .await
        .unwrap();
    let listing = AwsClients::from_sdk_config(sdk_config());
    listing.list_roles().await.unwrap();
    let listed = listing.role_grant(role_name).await.unwrap();

    let names = |texts: &[sec2_shared::rules::least_privilege::PolicyText]| {
        let mut names: Vec<String> = texts.iter().map(|t| t.name.clone()).collect();
        names.sort();
        names
    };
    assert_eq!(names(&listed.inline), names(&one_by_one.inline));
    assert_eq!(names(&listed.attached), vec![admin.clone()]);
    assert_eq!(listed.attached, one_by_one.attached);
    assert_eq!(listed.boundary, one_by_one.boundary);
    assert_eq!(listed.created, one_by_one.created);
    let parsed = |texts: &[sec2_shared::rules::least_privilege::PolicyText]| {
        let mut documents: Vec<sec2_shared::policy::Policy> = texts
            .iter()
            .map(|t| sec2_shared::policy::Policy::parse(&t.document).unwrap())
            .collect();
        documents.sort_by_key(|p| format!("{p:?}"));
        documents
    };
    assert_eq!(parsed(&listed.inline), parsed(&one_by_one.inline));
}

#[tokio::test]
async fn a_role_with_read_only_access_attached_is_judged_not_refused() {
    // ReadOnlyAccess is about 150 KB: larger than any resource policy, as large as AWS managed
    // policies get. Its grant is judged like any other.
    let arn = role(&[SCOPED], &["arn:aws:iam::aws:policy/ReadOnlyAccess"], None).await;
    let reported = judge(&arn).await;
    assert!(
        !reported.annotation.contains("could not read"),
        "{}",
        reported.annotation
    );
    assert_eq!(
        reported.compliance, "NON_COMPLIANT",
        "{}",
        reported.annotation
    );
    assert_contains(
        &reported.annotation,
        "arn:aws:iam::aws:policy/ReadOnlyAccess",
    );
}
