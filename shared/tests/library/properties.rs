//! Property tests: whatever arrives, the parsers and analyzers answer without panicking, and a
//! policy made strictly more permissive never turns a failing verdict into a passing one.

use proptest::prelude::*;
use sec2_shared::config::{ConfigurationItem, Invocation};
use sec2_shared::policy::{
    analyze_identity_policies, analyze_resource_policy, Catalog, NamedPolicy, Policy,
    ResourceContext, ResourceService,
};
use serde_json::{json, Map, Value};

const OWNER: &str = "111122223333";

/// Any JSON value, a few levels deep, with the strings policies and events use.
fn any_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        any::<f64>().prop_map(|n| json!(n)),
        "[ -~]{0,12}".prop_map(Value::String),
        prop::sample::select(vec![
            "*",
            "Allow",
            "Deny",
            "2012-10-17",
            "OK",
            "ResourceDeleted",
            "AWS::Lambda::Function",
            "ConfigurationItemChangeNotification",
            "ScheduledNotification",
            "{",
            "%7B",
            "\"",
            "arn:aws:iam::*:root",
            "é\u{0}\u{202e}",
        ])
        .prop_map(|s| Value::String(s.to_owned())),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        let keys = prop::sample::select(vec![
            "Version",
            "Statement",
            "Effect",
            "Principal",
            "NotPrincipal",
            "Action",
            "NotAction",
            "Resource",
            "NotResource",
            "Condition",
            "Sid",
            "AWS",
            "Service",
            "configurationItem",
            "invokingEvent",
            "ruleParameters",
            "resultToken",
            "messageType",
            "configuration",
            "resourceType",
            "resourceId",
            "configurationItemStatus",
            "configurationItemCaptureTime",
            "supplementaryConfiguration",
            "Policy",
            "StringEquals",
            "aws:SourceArn",
        ]);
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
            prop::collection::vec((keys, inner), 0..6).prop_map(|pairs| {
                Value::Object(
                    pairs
                        .into_iter()
                        .map(|(k, v)| (k.to_owned(), v))
                        .collect::<Map<String, Value>>(),
                )
            }),
        ]
    })
}

/// A resource policy statement drawn from the shapes that matter for the verdict.
fn statement() -> impl Strategy<Value = Value> {
    let effect = prop::sample::select(vec!["Allow", "Allow", "Deny"]);
    let principal = prop::sample::select(vec![
        json!("*"),
        json!({"AWS": "*"}),
        json!({"AWS": format!("arn:aws:iam::{OWNER}:root")}),
        json!({"AWS": "arn:aws:iam::444455556666:role/partner"}),
        json!({"Service": "sns.amazonaws.com"}),
        json!({"Service": ["events.amazonaws.com", "s3.amazonaws.com"]}),
    ]);
    let action = prop::sample::select(vec![
        json!("sqs:SendMessage"),
        json!("sqs:*"),
        json!("*"),
        json!(["sqs:SendMessage", "sqs:ReceiveMessage"]),
    ]);
    let condition = prop::sample::select(vec![
        None,
        Some(json!({"StringEquals": {"aws:SourceAccount": OWNER}})),
        Some(json!({"ArnLike": {"aws:SourceArn": format!("arn:aws:sns:us-east-1:{OWNER}:topic")}})),
        Some(json!({"StringEquals": {"aws:PrincipalOrgID": "o-a1b2c3d4e5"}})),
        Some(json!({"StringNotEquals": {"aws:SourceVpce": "vpce-1a2b3c4d"}})),
        Some(json!({"StringLike": {"aws:SourceArn": "*"}})),
        Some(json!({"Bool": {"aws:SecureTransport": "false"}})),
    ]);
    (effect, principal, action, condition).prop_map(|(effect, principal, action, condition)| {
        let mut statement = json!({
            "Effect": effect,
            "Principal": principal,
            "Action": action,
            "Resource": "*",
        });
        if let Some(condition) = condition {
            statement["Condition"] = condition;
        }
        statement
    })
}

fn policy() -> impl Strategy<Value = Value> {
    prop::collection::vec(statement(), 1..5)
        .prop_map(|statements| json!({"Version": "2012-10-17", "Statement": statements}))
}

/// Whether the analyzer would fail the policy (the rule's NON_COMPLIANT).
fn fails(policy: &Value) -> Option<bool> {
    let parsed = Policy::from_json_value(policy).ok()?;
    let context = ResourceContext::new(ResourceService::Sqs, OWNER);
    let analysis = analyze_resource_policy(&parsed, &context);
    Some(analysis.public || analysis.cross_account || analysis.unguarded_service_principal)
}

/// The ways to make a policy strictly more permissive.
#[derive(Debug, Clone)]
enum Loosen {
    AddAllow(Value),
    DropAllowCondition(usize),
    WidenAllowPrincipal(usize),
}

fn loosen() -> impl Strategy<Value = Loosen> {
    prop_oneof![
        statement()
            .prop_map(|mut s| {
                s["Effect"] = json!("Allow");
                s
            })
            .prop_map(Loosen::AddAllow),
        any::<usize>().prop_map(Loosen::DropAllowCondition),
        any::<usize>().prop_map(Loosen::WidenAllowPrincipal),
    ]
}

fn apply(policy: &Value, change: &Loosen) -> Value {
    let mut looser = policy.clone();
    let statements = looser["Statement"].as_array_mut().unwrap();
    let allows: Vec<usize> = (0..statements.len())
        .filter(|i| statements[*i]["Effect"] == "Allow")
        .collect();
    match change {
        Loosen::AddAllow(statement) => statements.push(statement.clone()),
        Loosen::DropAllowCondition(pick) if !allows.is_empty() => {
            let index = allows[pick % allows.len()];
            statements[index]
                .as_object_mut()
                .unwrap()
                .remove("Condition");
        }
        Loosen::WidenAllowPrincipal(pick) if !allows.is_empty() => {
            let index = allows[pick % allows.len()];
            statements[index]["Principal"] = json!("*");
        }
        _ => {}
    }
    looser
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2_000, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn no_event_makes_the_event_parser_panic(value in any_json()) {
        let _ = Invocation::from_json(value.clone());
        // The same value as the invokingEvent string Config sends.
        let _ = Invocation::from_json(json!({
            "invokingEvent": value.to_string(),
            "ruleParameters": "{}",
            "resultToken": "TESTMODE",
            "eventLeftScope": false,
        }));
    }

    #[test]
    fn no_item_makes_the_normalizer_panic(value in any_json()) {
        if let Ok(item) = ConfigurationItem::from_json(&value) {
            let _ = item.configuration_at(&["Policy"]);
            let _ = item.supplementary_at(&["Policy"]);
            prop_assert_eq!(ConfigurationItem::from_json(&item.to_event_json()).ok(), Some(item));
        }
    }

    #[test]
    fn no_text_makes_the_policy_parser_panic(text in "\\PC{0,200}") {
        let _ = Policy::parse(&text);
    }

    #[test]
    fn no_json_makes_the_policy_analyzers_panic(value in any_json()) {
        let text = value.to_string();
        for candidate in [text.clone(), serde_json::to_string(&text).unwrap()] {
            if let Ok(policy) = Policy::parse(&candidate) {
                for service in ResourceService::ALL {
                    let context = ResourceContext::new(service, OWNER);
                    let _ = analyze_resource_policy(&policy, &context);
                }
                let named = [NamedPolicy { name: Some("p"), policy: &policy }];
                let _ = analyze_identity_policies(&named, Catalog::embedded());
            }
        }
    }

    #[test]
    fn a_more_permissive_policy_never_passes_where_the_stricter_one_fails(
        strict in policy(),
        change in loosen(),
    ) {
        let looser = apply(&strict, &change);
        if fails(&strict) == Some(true) {
            prop_assert_eq!(fails(&looser), Some(true), "{:?} made {} pass", change, strict);
        }
    }
}
