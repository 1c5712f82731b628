//! Where untrusted input enters sec2, as plain functions of bytes: the fuzz targets in `fuzz/`
//! call them, and `shared/tests/fuzz_corpus.rs` replays the fuzzers' corpus and crashers
//! through them on stable Rust in every test run. Each returns `Err` with the error a user would
//! see when it rejects the input; it must never panic, hang or allocate without bound.

use serde_json::{json, Value};

/// Input an entry point refused, with the error a user would see.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct Rejected(pub String);

fn rejected(error: impl std::fmt::Display) -> Rejected {
    Rejected(error.to_string())
}

use crate::config::{ConfigurationItem, Invocation, Trigger};
use crate::policy::{
    analyze_identity_policies, analyze_resource_policy, network_limits, Catalog, NamedPolicy,
    Policy, ResourceContext, ResourceService,
};
use crate::rules::resource_policies::{judge, locate_policy, Parameters, PolicySource};

/// The Config event parser. The first byte picks where the rest goes, so the fuzzer reaches the
/// nested strings (`invokingEvent`, `ruleParameters`) and not only the outer JSON.
pub fn config_event(data: &[u8]) -> Result<(), Rejected> {
    let Some((mode, rest)) = data.split_first() else {
        return Err(Rejected("empty input".to_owned()));
    };
    let text = String::from_utf8_lossy(rest);
    let payload = match mode % 3 {
        0 => serde_json::from_slice::<Value>(rest).map_err(rejected)?,
        1 => json!({
            "version": "1.0",
            "invokingEvent": text,
            "ruleParameters": "{}",
            "resultToken": "TESTMODE",
            "eventLeftScope": false,
        }),
        _ => json!({
            "version": "1.0",
            "invokingEvent": r#"{"messageType":"ScheduledNotification","notificationCreationTime":"2026-12-02T00:00:00.000Z"}"#,
            "ruleParameters": text,
            "resultToken": "TESTMODE",
            "eventLeftScope": false,
        }),
    };
    let invocation = Invocation::from_json(payload).map_err(rejected)?;
    if let Trigger::Change { item, .. } = &invocation.trigger {
        judge_recorded(item);
    }
    Ok(())
}

/// The configuration-item normalizer (event and API forms, stringified and URL-encoded values),
/// then the resource-policies rule's pure logic on what it made.
pub fn configuration_item(data: &[u8]) -> Result<(), Rejected> {
    let value = serde_json::from_slice::<Value>(data).map_err(rejected)?;
    let item = ConfigurationItem::from_json(&value).map_err(rejected)?;
    let _ = item.to_event_json();
    judge_recorded(&item);
    Ok(())
}

/// The policy parser, then every analysis a rule runs on a parsed policy.
pub fn policy(data: &[u8]) -> Result<(), Rejected> {
    let text = std::str::from_utf8(data).map_err(rejected)?;
    let policy = Policy::parse(text).map_err(rejected)?;
    let allowed = ["444455556666".to_owned()];
    for service in ResourceService::ALL {
        let context = ResourceContext::new(service, "111122223333").trusting(&allowed, &[]);
        let _ = analyze_resource_policy(&policy, &context);
        let _ = network_limits(&policy, service);
    }
    {
        let named = [NamedPolicy {
            name: Some("fuzzed"),
            policy: &policy,
        }];
        let _ = analyze_identity_policies(&named, Catalog::embedded());
    }
    Ok(())
}

fn judge_recorded(item: &ConfigurationItem) {
    if let Ok((service, PolicySource::Recorded(policy))) = locate_policy(item) {
        let _ = judge(item, service, policy, &Parameters::default());
    }
}

/// check-template's reader and judgement: a template's bytes, as a user's file (lossy UTF-8,
/// as a reader would show it).
#[cfg(feature = "template")]
pub fn template(data: &[u8]) -> Result<(), Rejected> {
    let text = String::from_utf8_lossy(data);
    crate::template::check(&text, &crate::template::Options::default())
        .map(|_| ())
        .map_err(rejected)
}
