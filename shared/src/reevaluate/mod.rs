//! The `reevaluate` function: when CloudTrail reports a change to something a rule reads but does
//! not own (a role policy, a security group, a WAF association), start those rules' evaluation so
//! verdicts are fresh within minutes rather than at the next periodic run.

pub mod triggers;

use std::collections::{BTreeMap, HashMap};
use std::future::Future;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use serde::Serialize;
use serde_json::Value;

use crate::config::ReadError;
pub use triggers::{ApiCall, NotAnApiCall, RuleId, TRIGGERS};

/// StartConfigRulesEvaluation takes at most this many rules a call.
pub const MAX_RULES_PER_CALL: usize = 25;
/// A rule started this recently is not started again: a burst of changes costs one evaluation.
pub const COALESCE_WINDOW: Duration = Duration::from_secs(60);

/// `CONFIG_RULE_NAMES` is not a list of RULE=CONFIG_RULE_NAME pairs.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct RuleNamesError(pub String);

/// The Config rule deployed for each sec2 rule, from `CONFIG_RULE_NAMES`
/// (`resource-policies=sec2-resource-policies,network-controls=sec2-network-controls`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RuleNames(BTreeMap<RuleId, String>);

impl RuleNames {
    pub fn parse(text: &str) -> Result<RuleNames, RuleNamesError> {
        let mut names = BTreeMap::new();
        for pair in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (kind, name) = pair
                .split_once('=')
                .ok_or_else(|| RuleNamesError(format!("`{pair}` is not RULE=CONFIG_RULE_NAME")))?;
            let kind = RuleId::from_name(kind.trim()).ok_or_else(|| {
                RuleNamesError(format!(
                    "`{}` is not a sec2 rule (expected one of {})",
                    kind.trim(),
                    RuleId::names()
                ))
            })?;
            let name = name.trim();
            if name.is_empty() || name.len() > 128 {
                return Err(RuleNamesError(format!(
                    "`{pair}`: a Config rule name has 1 to 128 characters"
                )));
            }
            names.insert(kind, name.to_owned());
        }
        if names.is_empty() {
            return Err(RuleNamesError("no Config rules are named".to_owned()));
        }
        Ok(RuleNames(names))
    }

    pub fn get(&self, kind: RuleId) -> Option<&str> {
        self.0.get(&kind).map(String::as_str)
    }
}

/// What a start call did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StartOutcome {
    Started,
    /// LimitExceededException: an evaluation of the rule is already running, which will see the
    /// change too.
    AlreadyRunning,
}

/// config:StartConfigRulesEvaluation.
pub trait EvaluationStarter: Sync {
    fn start(
        &self,
        rule_names: &[String],
    ) -> impl Future<Output = Result<StartOutcome, ReadError>> + Send;
}

/// Rules started recently, per container (a warm Lambda container keeps it between events).
#[derive(Debug, Default)]
pub struct Coalescer {
    started: Mutex<HashMap<String, Instant>>,
}

impl Coalescer {
    fn is_recent(&self, rule: &str, now: Instant) -> bool {
        self.started.lock().is_ok_and(|started| {
            started
                .get(rule)
                .is_some_and(|at| now.saturating_duration_since(*at) < COALESCE_WINDOW)
        })
    }

    fn mark(&self, rules: &[String], now: Instant) {
        if let Ok(mut started) = self.started.lock() {
            started.retain(|_, at| now.saturating_duration_since(*at) < COALESCE_WINDOW);
            for rule in rules {
                started.insert(rule.clone(), now);
            }
        }
    }
}

/// What one event led to, for the function's result and log.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Outcome {
    pub event: String,
    pub started: Vec<String>,
    pub already_running: Vec<String>,
    /// Started less than a minute ago for an earlier change.
    pub coalesced: Vec<String>,
    /// Rules the change concerns that this stack does not deploy.
    pub not_deployed: Vec<String>,
}

/// Why an event could not be handled; the invocation fails, so Lambda retries it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReevaluateError {
    #[error("not a CloudTrail API call event: {0}")]
    Event(#[from] NotAnApiCall),
    #[error("could not start the rules' evaluation: {0}")]
    Start(#[from] ReadError),
}

/// Handles one EventBridge event. An error fails the invocation, so Lambda retries it.
pub async fn reevaluate<S: EvaluationStarter>(
    event: &Value,
    names: &RuleNames,
    coalescer: &Coalescer,
    starter: &S,
    now: Instant,
) -> Result<Outcome, ReevaluateError> {
    let call = ApiCall::from_event(event)?;
    let mut outcome = Outcome {
        event: format!("{} {}", call.event_source, call.event_name),
        ..Outcome::default()
    };
    let mut due = Vec::new();
    for kind in call.affected_rules() {
        match names.get(kind) {
            None => outcome.not_deployed.push(kind.name().to_owned()),
            Some(rule) if coalescer.is_recent(rule, now) => outcome.coalesced.push(rule.to_owned()),
            Some(rule) => due.push(rule.to_owned()),
        }
    }
    for chunk in due.chunks(MAX_RULES_PER_CALL) {
        match starter.start(chunk).await? {
            StartOutcome::Started => outcome.started.extend_from_slice(chunk),
            StartOutcome::AlreadyRunning if chunk.len() == 1 => {
                outcome.already_running.extend_from_slice(chunk)
            }
            // One running rule refuses the whole call: start the others one by one.
            StartOutcome::AlreadyRunning => {
                for rule in chunk {
                    let single = std::slice::from_ref(rule);
                    match starter.start(single).await? {
                        StartOutcome::Started => outcome.started.push(rule.clone()),
                        StartOutcome::AlreadyRunning => outcome.already_running.push(rule.clone()),
                    }
                }
            }
        }
    }
    coalescer.mark(&outcome.started, now);
    coalescer.mark(&outcome.already_running, now);
    Ok(outcome)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn rule_names_map_each_sec2_rule_to_its_config_rule() {
        let names =
            RuleNames::parse(" least-privilege = sec2-least-privilege ,network-controls=nc")
                .unwrap();
        assert_eq!(
            names.get(RuleId::LeastPrivilege),
            Some("sec2-least-privilege")
        );
        assert_eq!(names.get(RuleId::NetworkControls), Some("nc"));
        assert_eq!(names.get(RuleId::ResourcePolicies), None);
        assert!(RuleNames::parse("").is_err());
        assert!(RuleNames::parse("least-privilege").is_err());
        assert!(RuleNames::parse("most-privilege=x")
            .unwrap_err()
            .to_string()
            .contains("is not a sec2 rule"));
    }

    #[test]
    fn the_outcome_serializes_for_the_function_result() {
        let outcome = Outcome {
            event: "iam.amazonaws.com PutRolePolicy".to_owned(),
            started: vec!["sec2-least-privilege".to_owned()],
            ..Outcome::default()
        };
        assert_eq!(
            serde_json::to_value(&outcome).unwrap()["started"],
            json!(["sec2-least-privilege"])
        );
    }
}
