//! sec2-resource-policies against moto's server: resources seeded through the SDK, the rule run
//! through the same handler Lambda calls, and its PutEvaluations read from moto's recorder.
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "test code")]

use sec2_shared::rules::resource_policies::ResourcePolicies;
use sec2_testkit::config_events::{self, item, rule_event};
use sec2_testkit::recorded_urls;
use sec2_testkit::seed::{
    create_alias, create_function, create_role, publish_layer, FunctionSeed, LAMBDA_TRUST,
};
use sec2_testkit::{assert_contains, assert_starts_with};
use sec2_testkit::{invoke_rule, last_reported, reported_for, sdk_config, unique, MOTO_ACCOUNT};
use serde_json::{json, Value};

const FOREIGN: &str = "444455556666";

fn event(invoking: Value, parameters: Value) -> Value {
    rule_event("resource-policies", &invoking, &parameters)
}

fn change(resource_type: &str, id: &str, arn: &str, configuration: Value) -> Value {
    config_events::change(item(resource_type, id, arn, configuration))
}

async fn invoke(payload: Value) -> Value {
    invoke_rule(&ResourcePolicies::new, payload).await
}

/// The one evaluation reported for the resource: its compliance type and annotation.
fn reported(resource_id: &str) -> (String, String) {
    assert_eq!(
        reported_for(resource_id).len(),
        1,
        "one evaluation for {resource_id}"
    );
    last_reported(resource_id).verdict()
}

#[tokio::test]
async fn an_oversized_public_topic_is_fetched_from_config_history_and_reported_non_compliant() {
    let sns = aws_sdk_sns::Client::new(&sdk_config());
    let name = unique("orders");
    let arn = create_topic(&sns, &name).await;
    let public = json!({"Version":"2012-10-17","Statement":[{"Sid":"Everyone","Effect":"Allow","Principal":"*","Action":"sns:Publish","Resource":arn}]});
    sns.set_topic_attributes()
        .topic_arn(&arn)
        .attribute_name("Policy")
        .attribute_value(public.to_string())
        .send()
        .await
        .unwrap();

    let oversized = json!({
        "messageType": "OversizedConfigurationItemChangeNotification",
        "notificationCreationTime": "2026-11-20T10:00:05.000Z",
        "configurationItemSummary": {
            "configurationItemCaptureTime": "2099-01-01T00:00:00.000Z", "configurationItemStatus": "OK",
            "awsAccountId": MOTO_ACCOUNT, "resourceType": "AWS::SNS::Topic", "resourceId": arn, "resourceName": name
        }
    });
    let summary = invoke(event(oversized, json!({}))).await;
    assert_eq!(summary["non_compliant"], 1, "{summary}");
    let (compliance, annotation) = reported(&arn);
    assert_eq!(compliance, "NON_COMPLIANT");
    assert_starts_with(&annotation, "Statement[0] (Sid \"Everyone\") allows anyone");
}

#[tokio::test]
async fn a_topic_with_the_default_policy_is_compliant() {
    let sns = aws_sdk_sns::Client::new(&sdk_config());
    let arn = create_topic(&sns, &unique("bookings")).await;
    let attributes = sns
        .get_topic_attributes()
        .topic_arn(&arn)
        .send()
        .await
        .unwrap();
    let policy = attributes.attributes().unwrap()["Policy"].clone();
    let configuration = json!({"TopicArn": arn, "Policy": policy});
    invoke(event(
        change("AWS::SNS::Topic", &arn, &arn, configuration),
        json!({}),
    ))
    .await;
    assert_eq!(reported(&arn).0, "COMPLIANT");
}

/// A change to the event bus `name`.
fn bus(name: &str, arn: &str) -> Value {
    change("AWS::Events::EventBus", name, arn, json!({"Name": name}))
}

/// A bus policy that lets anyone put events, written whole with PutPermission's Policy parameter
/// (moto renders `--principal "*"` as `arn:aws:iam::*:root`, a principal IAM would refuse).
async fn put_public_policy(events: &aws_sdk_eventbridge::Client, bus: &str, arn: &str) {
    let policy = json!({"Version":"2012-10-17","Statement":[{"Sid":"Everyone","Effect":"Allow","Principal":"*","Action":"events:PutEvents","Resource":arn}]});
    events
        .put_permission()
        .event_bus_name(bus)
        .policy(policy.to_string())
        .send()
        .await
        .unwrap();
}

#[tokio::test]
async fn event_bus_policies_are_read_with_describe_event_bus() {
    let events = aws_sdk_eventbridge::Client::new(&sdk_config());
    let open = unique("open-bus");
    let open_arn = create_bus(&events, &open).await;
    put_public_policy(&events, &open, &open_arn).await;
    invoke(event(bus(&open, &open_arn), json!({}))).await;
    let (compliance, annotation) = reported(&open);
    assert_eq!(compliance, "NON_COMPLIANT");
    assert_starts_with(&annotation, "Statement[0] (Sid \"Everyone\") allows anyone");

    let partner = unique("partner-bus");
    let partner_arn = create_bus(&events, &partner).await;
    events
        .put_permission()
        .event_bus_name(&partner)
        .action("events:PutEvents")
        .principal(FOREIGN)
        .statement_id("Partner")
        .send()
        .await
        .unwrap();
    let allowed = json!({"AllowedAccountIds": FOREIGN});
    let item = bus(&partner, &partner_arn);
    invoke(event(item.clone(), json!({}))).await;
    invoke(event(item, allowed)).await;
    let sent: Vec<String> = reported_for(&partner)
        .into_iter()
        .map(|r| r.compliance)
        .collect();
    assert_eq!(
        sent,
        ["NON_COMPLIANT", "COMPLIANT"],
        "the partner account is trusted only when allowed"
    );
}

#[tokio::test]
async fn a_bus_that_cannot_be_read_is_non_compliant_with_the_reason() {
    let missing = unique("missing-bus");
    let arn = format!("arn:aws:events:us-east-1:{MOTO_ACCOUNT}:event-bus/{missing}");
    invoke(event(bus(&missing, &arn), json!({}))).await;
    let (compliance, annotation) = reported(&missing);
    assert_eq!(compliance, "NON_COMPLIANT");
    assert_starts_with(&annotation, "could not read the event bus policy (events:DescribeEventBus, not found): ResourceNotFoundException");
}

async fn create_topic(sns: &aws_sdk_sns::Client, name: &str) -> String {
    let created = sns.create_topic().name(name).send().await.unwrap();
    created.topic_arn().unwrap().to_owned()
}

async fn create_bus(events: &aws_sdk_eventbridge::Client, name: &str) -> String {
    let created = events.create_event_bus().name(name).send().await.unwrap();
    created.event_bus_arn().unwrap().to_owned()
}

async fn create_table(dynamodb: &aws_sdk_dynamodb::Client, name: &str) -> String {
    use aws_sdk_dynamodb::types::{
        AttributeDefinition, BillingMode, KeySchemaElement, KeyType, ScalarAttributeType,
    };
    let created = dynamodb
        .create_table()
        .table_name(name)
        .attribute_definitions(
            AttributeDefinition::builder()
                .attribute_name("id")
                .attribute_type(ScalarAttributeType::S)
                .build()
                .unwrap(),
        )
        .key_schema(
            KeySchemaElement::builder()
                .attribute_name("id")
                .key_type(KeyType::Hash)
                .build()
                .unwrap(),
        )
        .billing_mode(BillingMode::PayPerRequest)
        .send()
        .await
        .unwrap();
    created
        .table_description()
        .unwrap()
        .table_arn()
        .unwrap()
        .to_owned()
}

async fn judge_table(name: &str, arn: &str) -> (String, String) {
    let configuration = json!({"TableName": name});
    let item = change("AWS::DynamoDB::Table", name, arn, configuration);
    invoke(event(item, json!({}))).await;
    reported(name)
}

#[tokio::test]
async fn table_policies_are_read_with_get_resource_policy() {
    let dynamodb = aws_sdk_dynamodb::Client::new(&sdk_config());
    let shared = unique("bookings");
    let shared_arn = create_table(&dynamodb, &shared).await;
    let analytics = format!("arn:aws:iam::{FOREIGN}:role/analytics");
    let policy = json!({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":analytics},"Action":"dynamodb:Query","Resource":shared_arn}]});
    dynamodb
        .put_resource_policy()
        .resource_arn(&shared_arn)
        .policy(policy.to_string())
        .send()
        .await
        .unwrap();
    let (compliance, annotation) = judge_table(&shared, &shared_arn).await;
    assert_eq!(compliance, "NON_COMPLIANT");
    assert_contains(&annotation, &analytics);

    let private = unique("loyalty");
    let private_arn = create_table(&dynamodb, &private).await;
    let (compliance, annotation) = judge_table(&private, &private_arn).await;
    assert_eq!(
        compliance, "COMPLIANT",
        "a table without a policy: {annotation}"
    );
}

/// Credentials for `role` in `account`, as an organization rule's function gets them.
async fn member_config(account: &str, role: &str) -> aws_config::SdkConfig {
    let sts = aws_sdk_sts::Client::new(&sdk_config());
    let assumed = sts
        .assume_role()
        .role_arn(format!("arn:aws:iam::{account}:role/{role}"))
        .role_session_name("seed")
        .send()
        .await
        .unwrap();
    let credentials = assumed.credentials().unwrap();
    let provider = aws_credential_types::Credentials::new(
        credentials.access_key_id(),
        credentials.secret_access_key(),
        Some(credentials.session_token().to_owned()),
        None,
        "member",
    );
    sdk_config()
        .to_builder()
        .credentials_provider(
            aws_credential_types::provider::SharedCredentialsProvider::new(provider),
        )
        .build()
}

#[tokio::test]
async fn with_execution_role_name_the_rule_reads_in_the_member_account() {
    let member = "210987654321";
    let events =
        aws_sdk_eventbridge::Client::new(&member_config(member, "sec2-rules-member").await);
    let bus = unique("member-bus");
    let arn = create_bus(&events, &bus).await;
    put_public_policy(&events, &bus, &arn).await;

    let mut invoking = change("AWS::Events::EventBus", &bus, &arn, json!({"Name": bus}));
    invoking["configurationItem"]["awsAccountId"] = json!(member);
    let mut payload = event(invoking, json!({"ExecutionRoleName": "sec2-rules-member"}));
    payload["accountId"] = json!(member);
    payload["executionRoleArn"] = json!(format!("arn:aws:iam::{member}:role/config-role"));
    invoke(payload).await;
    let (compliance, annotation) = reported(&bus);
    assert_eq!(compliance, "NON_COMPLIANT");
    assert!(
        annotation.contains("allows anyone"),
        "the bus exists only in the member account: {annotation}"
    );
}

#[tokio::test]
async fn a_public_alias_is_read_with_its_qualifier_and_fails_the_function() {
    let lambda = aws_sdk_lambda::Client::new(&sdk_config());
    let role = create_role(LAMBDA_TRUST).await;
    let name = create_function(&role, FunctionSeed::default()).await;
    let version = create_alias(&name, "prod").await;
    lambda
        .add_permission()
        .function_name(&name)
        .qualifier("prod")
        .statement_id("Everyone")
        .action("lambda:InvokeFunction")
        .principal("*")
        .send()
        .await
        .unwrap();
    let arn = format!("arn:aws:lambda:us-east-1:{MOTO_ACCOUNT}:function:{name}");
    // The recorded (unqualified) policy is empty: only the alias's own policy can fail it.
    let configuration = json!({"functionName": name});
    invoke(event(
        change("AWS::Lambda::Function", &name, &arn, configuration),
        json!({}),
    ))
    .await;
    let (compliance, annotation) = reported(&name);
    assert_eq!(compliance, "NON_COMPLIANT");
    assert_contains(
        &annotation,
        "alias prod: Statement[0] (Sid \"Everyone\") allows anyone",
    );
    // moto keeps one policy for every qualifier, so the verdict alone does not prove which
    // policy was read: the recording must show the qualified reads.
    let urls = recorded_urls();
    for qualifier in ["prod", version.as_str()] {
        let wanted = format!("/functions/{name}/policy?Qualifier={qualifier}");
        assert!(
            urls.iter()
                .any(|(method, url)| method == "GET" && url.contains(&wanted)),
            "no GetPolicy for {qualifier}"
        );
    }
}

#[tokio::test]
async fn the_periodic_run_judges_every_recorded_resource_and_every_layer_version() {
    let lambda = aws_sdk_lambda::Client::new(&sdk_config());
    // A public topic in Config's inventory (moto's Config records topics and buckets).
    let sns = aws_sdk_sns::Client::new(&sdk_config());
    let topic = create_topic(&sns, &unique("alerts")).await;
    let public = json!({"Statement":[{"Sid":"Everyone","Effect":"Allow","Principal":"*","Action":"sns:Publish","Resource":topic}]});
    sns.set_topic_attributes()
        .topic_arn(&topic)
        .attribute_name("Policy")
        .attribute_value(public.to_string())
        .send()
        .await
        .unwrap();
    let (layer, versions) = publish_layer(2).await;
    let (private, public) = (&versions[0], &versions[1]);
    lambda
        .add_layer_version_permission()
        .layer_name(&layer)
        .version_number(2)
        .statement_id("Everyone")
        .action("lambda:GetLayerVersion")
        .principal("*")
        .send()
        .await
        .unwrap();
    let periodic = event(config_events::scheduled(), json!({}));
    // moto has no GetComplianceDetailsByConfigRule: the verdicts are reported, then the
    // invocation fails because stale results could not be retired (tested without I/O in
    // shared/, config::engine).
    let clients = sec2_shared::aws::AwsClients::from_sdk_config(sdk_config());
    let outcome = sec2_shared::lambda::handle(&clients, &ResourcePolicies::new, periodic).await;
    assert_eq!(outcome.unwrap_err().kind(), "PreviousResultsUnavailable");
    let (compliance, annotation) = reported(public);
    assert_eq!(compliance, "NON_COMPLIANT");
    assert_starts_with(&annotation, "Statement[0] (Sid \"Everyone\") allows anyone");
    assert_eq!(reported(private).0, "COMPLIANT");
    let (compliance, annotation) = reported(&topic);
    assert_eq!(compliance, "NON_COMPLIANT");
    assert_starts_with(&annotation, "Statement[0] (Sid \"Everyone\") allows anyone");
    let batches = sec2_testkit::recorded_calls("BatchGetResourceConfig");
    assert!(
        batches
            .iter()
            .any(|call| call["resourceKeys"].to_string().contains(&topic)),
        "the topic's item came from BatchGetResourceConfig"
    );
    let urls = recorded_urls();
    let wanted = format!("/layers/{layer}/versions/2/policy");
    assert!(
        urls.iter()
            .any(|(method, url)| method == "GET" && url.contains(&wanted)),
        "no GetLayerVersionPolicy for version 2"
    );
}

#[tokio::test]
async fn the_accounts_block_public_access_is_read_from_s3_control_and_neutralises_a_public_bucket()
{
    use aws_sdk_s3control::types::PublicAccessBlockConfiguration;
    let clients = sec2_shared::aws::AwsClients::from_sdk_config(sdk_config());
    // Through our own S3 Control client, as the rule reads it: the SDK's endpoint rules would
    // put the account id in front of moto's address.
    let settings = PublicAccessBlockConfiguration::builder()
        .ignore_public_acls(true)
        .restrict_public_buckets(true)
        .build();
    clients
        .s3control()
        .put_public_access_block()
        .account_id(MOTO_ACCOUNT)
        .public_access_block_configuration(settings)
        .send()
        .await
        .unwrap();
    let name = unique("assets");
    let policy = json!({"Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":format!("arn:aws:s3:::{name}/*")}]});
    let acl = json!({"grantList": [{"grantee": "AllUsers", "permission": "Read"}], "owner": {"id": "owner"}});
    let mut bucket = item(
        "AWS::S3::Bucket",
        &name,
        &format!("arn:aws:s3:::{name}"),
        json!({}),
    );
    bucket["supplementaryConfiguration"] = json!({
        "BucketPolicy": json!({"policyText": policy.to_string()}).to_string(),
        "AccessControlList": acl.to_string(),
    });
    let verdict = async || {
        invoke(event(config_events::change(bucket.clone()), json!({}))).await;
        last_reported(&name).verdict()
    };
    let (compliance, annotation) = verdict().await;
    assert_eq!(compliance, "COMPLIANT", "{annotation}");
    assert_contains(&annotation, "RestrictPublicBuckets of the account");
    let read = recorded_urls().into_iter().any(|(method, url)| {
        method == "GET" && url.contains("/v20180820/configuration/publicAccessBlock")
    });
    assert!(read, "no GetPublicAccessBlock");
    clients
        .s3control()
        .delete_public_access_block()
        .account_id(MOTO_ACCOUNT)
        .send()
        .await
        .unwrap();
    assert_eq!(
        verdict().await.0,
        "NON_COMPLIANT",
        "without the account's settings"
    );
}
