//! CPU time of the rules' pure logic on representative configuration items, per item.
//! Budget (issue: performance): under 100 microseconds per item for resource-policies and
//! network-controls.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    reason = "benchmark setup"
)]

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion};
use sec2_shared::config::ConfigurationItem;
use sec2_shared::rules::network_controls::api::{
    judge_methods, judge_private_api, ApiMethod, RestApiFacts,
};
use sec2_shared::rules::network_controls::egress::{EgressPermission, SecurityGroup};
use sec2_shared::rules::network_controls::function::{
    judge_function, FunctionNetwork, VpcEvidence,
};
use sec2_shared::rules::network_controls::placement::{FlowLog, RouteTable, Subnet};
use sec2_shared::rules::network_controls::Parameters as NetworkParameters;
use sec2_shared::rules::public_by_design::{Marking, DEFAULT_TAG};
use sec2_shared::rules::resource_policies::{judge, locate_policy, Parameters};
use serde_json::json;

/// A Lambda function's item as Config delivers it, its policy a JSON string with three grants.
fn lambda_item() -> ConfigurationItem {
    let policy = json!({"Version": "2012-10-17", "Id": "default", "Statement": [
        {"Sid": "ApiInvokes", "Effect": "Allow", "Principal": {"Service": "apigateway.amazonaws.com"},
         "Action": "lambda:InvokeFunction", "Resource": "arn:aws:lambda:us-east-1:111122223333:function:airline-booking",
         "Condition": {"ArnLike": {"AWS:SourceArn": "arn:aws:execute-api:us-east-1:111122223333:a1b2c3/*/POST/bookings"}}},
        {"Sid": "Partner", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::444455556666:role/partner"},
         "Action": "lambda:InvokeFunction", "Resource": "arn:aws:lambda:us-east-1:111122223333:function:airline-booking"},
        {"Sid": "Url", "Effect": "Allow", "Principal": "*", "Action": "lambda:InvokeFunctionUrl",
         "Resource": "arn:aws:lambda:us-east-1:111122223333:function:airline-booking",
         "Condition": {"StringEquals": {"lambda:FunctionUrlAuthType": "AWS_IAM"}}}
    ]});
    ConfigurationItem::from_json(&json!({
        "configurationItemCaptureTime": "2026-11-20T10:00:00.000Z",
        "configurationItemStatus": "OK",
        "awsAccountId": "111122223333",
        "resourceType": "AWS::Lambda::Function",
        "resourceId": "airline-booking",
        "configuration": {"functionName": "airline-booking", "role": "arn:aws:iam::111122223333:role/airline-booking"},
        "supplementaryConfiguration": {"Policy": policy.to_string()}
    }))
    .unwrap()
}

fn vpc_function() -> FunctionNetwork {
    let open = EgressPermission {
        protocol: "tcp".to_owned(),
        from_port: Some(0),
        to_port: Some(1024),
        ipv4_ranges: vec!["0.0.0.0/0".to_owned()],
        ..EgressPermission::default()
    };
    let bounded = EgressPermission {
        protocol: "-1".to_owned(),
        prefix_list_ids: vec!["pl-63a5400a".to_owned()],
        ..EgressPermission::default()
    };
    FunctionNetwork {
        name: "airline-booking".to_owned(),
        vpc: Some(VpcEvidence {
            subnet_ids: vec!["subnet-0a1".to_owned(), "subnet-0a2".to_owned()],
            security_group_ids: vec!["sg-0a3".to_owned()],
            subnets: Ok(vec![
                Subnet {
                    id: "subnet-0a1".to_owned(),
                    vpc_id: "vpc-0a".to_owned(),
                },
                Subnet {
                    id: "subnet-0a2".to_owned(),
                    vpc_id: "vpc-0a".to_owned(),
                },
            ]),
            security_groups: Ok(vec![SecurityGroup {
                id: "sg-0a3".to_owned(),
                name: "booking".to_owned(),
                egress: vec![open, bounded],
            }]),
            network_acls: Ok(Vec::new()),
            route_tables: Ok(vec![
                RouteTable {
                    id: "rtb-main".to_owned(),
                    main: true,
                    ..RouteTable::default()
                },
                RouteTable {
                    id: "rtb-1".to_owned(),
                    main: false,
                    subnet_ids: vec!["subnet-0a2".to_owned()],
                    internet_routes: Vec::new(),
                },
            ]),
            flow_logs: Ok(vec![FlowLog {
                id: "fl-1".to_owned(),
                resource_id: "vpc-0a".to_owned(),
                active: true,
            }]),
            endpoints: Ok(Vec::new()),
        }),
        urls: Ok(Vec::new()),
        marking: None,
    }
}

fn rule_logic(c: &mut Criterion) {
    let item = lambda_item();
    let parameters = Parameters::default();
    c.bench_function("resource-policies: one Lambda item (3 grants)", |b| {
        b.iter(|| {
            let (service, source) = locate_policy(black_box(&item)).unwrap();
            let policy = match source {
                sec2_shared::rules::resource_policies::PolicySource::Recorded(policy) => policy,
                _ => None,
            };
            black_box(judge(&item, service, policy, &parameters))
        })
    });
    let function = vpc_function();
    let network = NetworkParameters {
        restricted_egress_ports: vec![22, 25, 3389],
        ..NetworkParameters::default()
    };
    c.bench_function("network-controls: one function in a VPC", |b| {
        b.iter(|| black_box(judge_function(black_box(&function), &network)))
    });
    let api = RestApiFacts {
        endpoint_types: vec!["PRIVATE".to_owned()],
        policy: Some(r#"{\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":\"*\",\"Action\":\"execute-api:Invoke\",\"Resource\":\"execute-api:/*\"},{\"Effect\":\"Deny\",\"Principal\":\"*\",\"Action\":\"execute-api:Invoke\",\"Resource\":\"execute-api:/*\",\"Condition\":{\"StringNotEquals\":{\"aws:SourceVpce\":\"vpce-0a1b2c\"}}}]}"#.to_owned()),
        ..RestApiFacts::default()
    };
    c.bench_function("network-controls: one private REST API", |b| {
        b.iter(|| black_box(judge_private_api("a1b2c3", black_box(&api))))
    });
    // A regional API of 50 methods, 10 of them open: each judged, the open ones named.
    let regional = RestApiFacts {
        endpoint_types: vec!["REGIONAL".to_owned()],
        ..RestApiFacts::default()
    };
    let methods = Ok((0..50)
        .map(|i| ApiMethod {
            path: format!("/resource-{i}"),
            http_method: "GET".to_owned(),
            authorization_type: if i % 5 == 0 { "NONE" } else { "AWS_IAM" }.to_owned(),
            api_key_required: false,
            integration_type: Some("AWS_PROXY".to_owned()),
        })
        .collect::<Vec<_>>());
    c.bench_function("network-controls: one REST API's 50 methods", |b| {
        b.iter(|| {
            black_box(judge_methods(
                "a1b2c3",
                &regional,
                black_box(&methods),
                &Marking::Unmarked,
                DEFAULT_TAG,
            ))
        })
    });
}

criterion_group!(benches, rule_logic);
criterion_main!(benches);
