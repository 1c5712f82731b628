//! Resources seeded into moto through the real SDK, as the emulator tests need them.

use aws_sdk_lambda::primitives::Blob;
use aws_sdk_lambda::types::{
    Environment, FunctionCode, LayerVersionContentInput, Runtime, VpcConfig,
};

use crate::{sdk_config, unique};

/// A trust policy that lets only Lambda assume the role.
pub const LAMBDA_TRUST: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;

/// An empty zip archive: moto stores the code, it never runs it here.
pub const EMPTY_ZIP: &[u8] = b"PK\x05\x06\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0";

/// A new role with `trust`; its ARN.
pub async fn create_role(trust: &str) -> String {
    let created = aws_sdk_iam::Client::new(&sdk_config())
        .create_role()
        .role_name(unique("role"))
        .assume_role_policy_document(trust)
        .send()
        .await
        .expect("moto creates the role");
    created
        .role()
        .map(|role| role.arn().to_owned())
        .expect("moto answers with the role")
}

/// What a seeded function is given.
#[derive(Debug, Default, Clone)]
pub struct FunctionSeed<'a> {
    pub variables: &'a [(&'a str, &'a str)],
    /// A subnet and a security group, for a function in a VPC.
    pub vpc: Option<(&'a str, &'a str)>,
}

/// A new function running as `role_arn`; its name.
pub async fn create_function(role_arn: &str, seed: FunctionSeed<'_>) -> String {
    let name = unique("fn");
    let mut environment = Environment::builder();
    for (key, value) in seed.variables {
        environment = environment.variables(*key, *value);
    }
    let mut create = aws_sdk_lambda::Client::new(&sdk_config())
        .create_function()
        .function_name(&name)
        .runtime(Runtime::Providedal2023)
        .handler("bootstrap")
        .role(role_arn)
        .code(
            FunctionCode::builder()
                .zip_file(Blob::new(EMPTY_ZIP))
                .build(),
        )
        .environment(environment.build());
    if let Some((subnet, group)) = seed.vpc {
        create = create.vpc_config(
            VpcConfig::builder()
                .subnet_ids(subnet)
                .security_group_ids(group)
                .build(),
        );
    }
    create.send().await.expect("moto creates the function");
    name
}

/// Publishes a version of the function and points a new alias at it; the version's number.
pub async fn create_alias(function_name: &str, alias: &str) -> String {
    let lambda = aws_sdk_lambda::Client::new(&sdk_config());
    let published = lambda
        .publish_version()
        .function_name(function_name)
        .send()
        .await
        .expect("moto publishes the version");
    let version = published.version().expect("a version number").to_owned();
    lambda
        .create_alias()
        .function_name(function_name)
        .name(alias)
        .function_version(&version)
        .send()
        .await
        .expect("moto creates the alias");
    version
}

/// Publishes `count` versions of a new layer; the layer's name and each version's ARN, oldest
/// first.
pub async fn publish_layer(count: usize) -> (String, Vec<String>) {
    let lambda = aws_sdk_lambda::Client::new(&sdk_config());
    let name = unique("layer");
    let mut arns = Vec::new();
    for _ in 0..count {
        let published = lambda
            .publish_layer_version()
            .layer_name(&name)
            .content(
                LayerVersionContentInput::builder()
                    .zip_file(Blob::new(EMPTY_ZIP))
                    .build(),
            )
            .send()
            .await
            .expect("moto publishes the layer version");
        let arn = published.layer_version_arn().expect("a version ARN");
        arns.push(arn.to_owned());
    }
    (name, arns)
}

/// A policy that lets anyone send to a queue.
pub fn public_send_policy() -> serde_json::Value {
    serde_json::json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": "*", "Action": "sqs:SendMessage", "Resource": "*"}]})
}

/// Sets a queue's resource policy.
pub async fn set_queue_policy(
    sqs: &aws_sdk_sqs::Client,
    queue_url: &str,
    policy: &serde_json::Value,
) {
    sqs.set_queue_attributes()
        .queue_url(queue_url)
        .attributes(
            aws_sdk_sqs::types::QueueAttributeName::Policy,
            policy.to_string(),
        )
        .send()
        .await
        .expect("moto sets the queue's policy");
}

/// A new queue, named from `prefix`, whose policy lets anyone send to it; its URL.
pub async fn public_queue(sqs: &aws_sdk_sqs::Client, prefix: &str) -> String {
    let url = sqs
        .create_queue()
        .queue_name(unique(prefix))
        .send()
        .await
        .expect("moto creates the queue")
        .queue_url()
        .expect("a created queue has a URL")
        .to_owned();
    set_queue_policy(sqs, &url, &public_send_policy()).await;
    url
}
