//! Every sample event in `events/` parses, and the resource-policies samples give the verdicts
//! their names promise when run through the engine (reports kept in memory).

use std::path::{Path, PathBuf};

use sec2_shared::config::ReadError;
use sec2_shared::config::{
    engine, CollectingSink, Compliance, ConfigurationItem, Invocation, ItemHistory, Seams,
};
use sec2_shared::rules::resource_policies::ResourcePolicies;
use sec2_testkit::fakes::{NoPrevious, NoReads};
use serde_json::{json, Value};

fn events_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../events")
}

fn json_files(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            // events/reevaluate holds EventBridge events, not Config rule events.
            if path.file_name().is_some_and(|name| name == "reevaluate") {
                continue;
            }
            files.extend(json_files(&path));
        } else if path.extension().is_some_and(|e| e == "json") {
            files.push(path);
        }
    }
    files.sort();
    files
}

fn load(path: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap())
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn every_sample_event_is_a_valid_config_rule_event() {
    let files = json_files(&events_dir());
    assert!(
        files.len() >= 8,
        "expected the sample events, found {files:?}"
    );
    for file in files {
        let event = load(&file);
        assert!(
            event.get("eventLeftScope").is_some(),
            "{}: aws_lambda_events needs eventLeftScope",
            file.display()
        );
        Invocation::from_json(event).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
    }
}

/// The oversized sample's bucket, as GetResourceConfigHistory would return it: public.
struct PublicBucketHistory;
impl ItemHistory for PublicBucketHistory {
    async fn latest_item(
        &self,
        resource_type: &str,
        resource_id: &str,
        _: &str,
    ) -> Result<Option<ConfigurationItem>, ReadError> {
        let policy = json!({"Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::airline-assets/*"}]});
        ConfigurationItem::from_json(&json!({
            "accountId": "111122223333", "resourceType": resource_type, "resourceId": resource_id,
            "configurationItemStatus": "OK", "configurationItemCaptureTime": "2026-11-20T10:00:00.000Z",
            "configuration": "{}", "supplementaryConfiguration": {
                "BucketPolicy": json!({"policyText": policy.to_string()}).to_string(),
                "AccessControlList": json!({"grantList": [{"grantee": {"id": "owner"}, "permission": "FullControl"}]}).to_string(),
            }
        }))
        .map(Some)
        .map_err(|e| ReadError::invalid("config:GetResourceConfigHistory", e.to_string()))
    }

    async fn tagged_with(
        &self,
        _: &str,
        _: &str,
    ) -> Result<sec2_shared::config::seams::TagsById, ReadError> {
        Ok(Default::default())
    }
}

#[tokio::test]
async fn resource_policy_samples_give_the_verdicts_their_names_promise() {
    let expected: &[(&str, Option<Compliance>)] = &[
        ("lambda-public-policy.json", Some(Compliance::NonCompliant)),
        (
            "lambda-public-function-url.json",
            Some(Compliance::NonCompliant),
        ),
        (
            "lambda-guarded-service-principal.json",
            Some(Compliance::Compliant),
        ),
        (
            "sqs-cross-account-allowed.json",
            Some(Compliance::Compliant),
        ),
        ("lambda-deleted.json", Some(Compliance::NotApplicable)),
        ("lambda-left-scope.json", Some(Compliance::NotApplicable)),
        ("s3-oversized.json", Some(Compliance::NonCompliant)),
        ("s3-public-acl.json", Some(Compliance::NonCompliant)),
        (
            "s3-public-policy-restricted.json",
            Some(Compliance::Compliant),
        ),
        ("scheduled.json", None),
    ];
    for (file, want) in expected {
        let invocation =
            Invocation::from_json(load(&events_dir().join("resource-policies").join(file)))
                .unwrap();
        let sink = CollectingSink::default();
        let seams = Seams {
            sink: &sink,
            history: &PublicBucketHistory,
            previous: &NoPrevious,
            deadline: sec2_shared::config::Deadline::NONE,
            clock: || 0,
        };
        engine::run(&ResourcePolicies::new(NoReads), &invocation, seams)
            .await
            .unwrap_or_else(|e| panic!("{file}: {e}"));
        let reported = sink.into_evaluations();
        assert_eq!(
            reported.first().map(|e| e.compliance_type),
            *want,
            "{file}: {reported:?}"
        );
        assert!(reported.len() <= 1, "{file}");
    }
}

#[test]
fn every_reevaluate_sample_is_a_cloudtrail_call_that_re_runs_a_rule() {
    let dir = events_dir().join("reevaluate");
    let mut calls = Vec::new();
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let call = sec2_shared::reevaluate::ApiCall::from_event(&load(&path))
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        assert!(
            !call.affected_rules().is_empty(),
            "{}: re-runs no rule",
            path.display()
        );
        calls.push(call);
    }
    // `sam local invoke` and `cargo lambda invoke` users find a sample for every trigger family.
    for trigger in sec2_shared::reevaluate::TRIGGERS {
        assert!(
            calls
                .iter()
                .any(|call| call.event_source == trigger.event_source
                    && trigger
                        .event_names
                        .iter()
                        .any(|name| call.event_name.starts_with(name))),
            "no sample in events/reevaluate for {} {:?}",
            trigger.event_source,
            trigger.event_names
        );
    }
}
