//! The `reevaluate` function: when CloudTrail reports a change to something a rule reads but does
//! not own (a role policy, a security group, a WAF association), start those rules' evaluation so
//! verdicts are fresh within minutes rather than at the next periodic run.

pub mod triggers;

use std::collections::{BTreeMap, HashMap};
use std::future::Future;
use std::sync::Mutex;
use std::time::{Duration, SystemTime};

use serde::Serialize;
use serde_json::Value;

use crate::config::{Deadline, ReadError, ReadErrorKind};
pub use triggers::{ApiCall, NotAnApiCall, RuleId, TRIGGERS};

/// StartConfigRulesEvaluation takes at most this many rules a call.
pub const MAX_RULES_PER_CALL: usize = 25;

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

    /// In an account of the organization, the instance AWS Config made there of each
    /// organization rule named here: `OrgConfigRule-NAME-` and a random suffix, among the
    /// account's `deployed` rule names; or the rule itself, deployed under its own name (a rule
    /// of the stack's own account, such as sec2-guardrails). A rule with neither (an excluded
    /// account, or one the organization rule has not reached yet) is left out.
    pub fn organization_instances<'a>(
        &self,
        deployed: impl IntoIterator<Item = &'a str> + Clone,
    ) -> RuleNames {
        let instances = self
            .0
            .iter()
            .filter_map(|(kind, organization_rule)| {
                let prefix = format!("{ORGANIZATION_RULE_PREFIX}{organization_rule}-");
                let instance = deployed.clone().into_iter().find(|name| {
                    name.strip_prefix(&prefix).is_some_and(|suffix| {
                        !suffix.is_empty() && suffix.bytes().all(|b| b.is_ascii_alphanumeric())
                    })
                });
                instance
                    .or_else(|| {
                        deployed
                            .clone()
                            .into_iter()
                            .find(|name| *name == organization_rule.as_str())
                    })
                    .map(|name| (*kind, name.to_owned()))
            })
            .collect();
        RuleNames(instances)
    }
}

/// How AWS Config names an organization rule's instance in a member account:
/// `OrgConfigRule-sec2-least-privilege-dbgzf8ba`.
pub const ORGANIZATION_RULE_PREFIX: &str = "OrgConfigRule-";

/// What a start call did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StartOutcome {
    Started,
    /// LimitExceededException: an evaluation of the rule is running, which may have read the
    /// state before the change; the start is tried again.
    Busy,
}

/// config:StartConfigRulesEvaluation.
pub trait EvaluationStarter: Sync {
    fn start(
        &self,
        rule_names: &[String],
    ) -> impl Future<Output = Result<StartOutcome, ReadError>> + Send;
}

/// Where a change's rules are started. Account scope: this stack's Config rules. Organization
/// scope: in the account the change was made in, that account's instance of each
/// organization rule, started with the member role there.
pub trait RuleDirectory: Sync {
    type Starter: EvaluationStarter + Send;

    /// The starter for `account` (the change's, when the event names it) and the Config rule
    /// there of each sec2 rule in `names`; a sec2 rule left out is not deployed there.
    fn rules_in(
        &self,
        account: Option<&str>,
        names: &RuleNames,
    ) -> impl Future<Output = Result<(Self::Starter, RuleNames), ReadError>> + Send;
}

/// CloudTrail stamps a call to the second, truncated: a start is known to follow the change only
/// when it is at least this much later.
const STAMP_PRECISION: Duration = Duration::from_secs(1);
/// Starts older than this are forgotten: no event arrives this late.
const REMEMBERED: Duration = Duration::from_secs(3600);

/// When this container last started each rule (a warm Lambda container keeps it between
/// events), so that a change an accepted start already follows costs no second evaluation; and
/// when each caller last caused a start of each rule, so that one caller's stream of changes
/// starts a rule at most once per `Timing::caller_spacing` (its later changes wait, then one
/// start covers them all).
#[derive(Debug, Default)]
pub struct Coalescer {
    started: Mutex<HashMap<String, SystemTime>>,
    by_caller: Mutex<HashMap<String, SystemTime>>,
}

impl Coalescer {
    /// Whether an evaluation of `rule` was started after the change made at `changed`.
    fn covers(&self, rule: &str, changed: SystemTime) -> bool {
        self.started.lock().is_ok_and(|started| {
            started
                .get(rule)
                .is_some_and(|at| *at >= changed + STAMP_PRECISION)
        })
    }

    fn mark(&self, rules: &[String], caller: Option<&str>, at: SystemTime) {
        let forget_old =
            |then: &SystemTime| at.duration_since(*then).unwrap_or_default() < REMEMBERED;
        if let Ok(mut started) = self.started.lock() {
            started.retain(|_, then| forget_old(then));
            for rule in rules {
                started.insert(rule.clone(), at);
            }
        }
        if let (Some(caller), Ok(mut by_caller)) = (caller, self.by_caller.lock()) {
            by_caller.retain(|_, then| forget_old(then));
            for rule in rules {
                by_caller.insert(caller_key(caller, rule), at);
            }
        }
    }

    /// How long `caller` must wait before its change starts any of `rules` again.
    fn spacing_left(
        &self,
        caller: Option<&str>,
        rules: &[String],
        spacing: Duration,
        now: SystemTime,
    ) -> Duration {
        let Some(caller) = caller else {
            return Duration::ZERO;
        };
        self.by_caller.lock().map_or(Duration::ZERO, |by_caller| {
            rules
                .iter()
                .filter_map(|rule| by_caller.get(&caller_key(caller, rule)))
                .map(|then| (*then + spacing).duration_since(now).unwrap_or_default())
                .max()
                .unwrap_or_default()
        })
    }
}

fn caller_key(caller: &str, rule: &str) -> String {
    format!("{caller}\n{rule}")
}

/// How long to wait before trying a refused start again: doubling from `first` up to `longest`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backoff {
    pub first: Duration,
    pub longest: Duration,
}

impl Backoff {
    /// An evaluation runs for seconds to minutes; Config allows a start a second.
    pub const STANDARD: Backoff = Backoff {
        first: Duration::from_secs(2),
        longest: Duration::from_secs(30),
    };
}

/// The time the handler is given: when to give up (the Lambda deadline, so that Lambda's retry
/// and then the dead-letter queue get the event), how to wait, the least time between two
/// starts of a rule that one caller's changes cause, and the wall clock the change's CloudTrail
/// time is compared with.
#[derive(Debug, Clone, Copy)]
pub struct Timing {
    pub deadline: Deadline,
    pub backoff: Backoff,
    pub caller_spacing: Duration,
    pub clock: fn() -> SystemTime,
}

/// One caller's changes start a rule at most once a minute (per container; reevaluate's
/// reserved concurrency bounds the containers): a role that changes a security group in a loop
/// costs one evaluation a minute, not one a change, and the last change is still evaluated.
pub const CALLER_SPACING: Duration = Duration::from_secs(60);

/// What one event led to, for the function's result and log.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Outcome {
    pub event: String,
    /// The account the change was made in, when the event names it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub account: Option<String>,
    pub started: Vec<String>,
    /// Started by this container after the change, for an earlier event: that evaluation sees it.
    pub coalesced: Vec<String>,
    /// Rules the change concerns that are not deployed (in the change's account).
    pub not_deployed: Vec<String>,
    /// Starts refused (an evaluation running, or throttled) and tried again.
    pub retries: usize,
    /// How long the start waited because the same caller had started these rules less than
    /// `caller_spacing` before.
    pub spaced_ms: u64,
}

/// Why an event could not be handled; the invocation fails, so Lambda retries it, and after its
/// retries sends it to the dead-letter queue.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReevaluateError {
    #[error("not a CloudTrail API call event: {0}")]
    Event(#[from] NotAnApiCall),
    #[error("could not start the rules' evaluation: {0}")]
    Start(#[from] ReadError),
    #[error("`{}`{} still refused to start after {attempts} attempts (an evaluation running, or calls throttled) when the deadline came", rules.join("`, `"), account.as_ref().map(|account| format!(" in account `{account}`")).unwrap_or_default())]
    StillRefused {
        rules: Vec<String>,
        account: Option<String>,
        attempts: usize,
    },
    #[error("`{caller}` started `{}` {}s ago; its next start waits {}s more, past the deadline", rules.join("`, `"), since.as_secs(), wait.as_secs())]
    Spaced {
        caller: String,
        rules: Vec<String>,
        since: Duration,
        wait: Duration,
    },
}

/// Handles one EventBridge event: every rule the change concerns is started after the change,
/// or the invocation fails. A refused start is tried again with backoff until the deadline: an
/// evaluation already running may have read the state before the change, so a burst of changes
/// always ends with a start after its last one.
pub async fn reevaluate<D: RuleDirectory>(
    event: &Value,
    names: &RuleNames,
    coalescer: &Coalescer,
    directory: &D,
    timing: Timing,
) -> Result<Outcome, ReevaluateError> {
    let call = ApiCall::from_event(event)?;
    let changed = call.event_time.unwrap_or_else(timing.clock);
    let mut outcome = Outcome {
        event: format!(
            "{} {}",
            crate::config::limits::excerpt(&call.event_source),
            crate::config::limits::excerpt(&call.event_name)
        ),
        account: call.account.clone(),
        ..Outcome::default()
    };
    let affected = call.affected_rules();
    if affected.is_empty() {
        return Ok(outcome);
    }
    let (starter, deployed) = directory.rules_in(call.account.as_deref(), names).await?;
    // Rule names are per account: the same organization rule runs in every member account.
    let key = |rule: &str| match &call.account {
        Some(account) => format!("{account}/{rule}"),
        None => rule.to_owned(),
    };
    let mut due = Vec::new();
    for kind in affected {
        match deployed.get(kind) {
            None => outcome.not_deployed.push(kind.name().to_owned()),
            Some(rule) if coalescer.covers(&key(rule), changed) => {
                outcome.coalesced.push(rule.to_owned())
            }
            Some(rule) => due.push(rule.to_owned()),
        }
    }
    let keys: Vec<String> = due.iter().map(|rule| key(rule)).collect();
    let caller = call.caller.as_deref();
    let spacing = coalescer.spacing_left(caller, &keys, timing.caller_spacing, (timing.clock)());
    if !spacing.is_zero() {
        if !timing.deadline.allows(spacing) {
            return Err(ReevaluateError::Spaced {
                caller: caller.unwrap_or_default().to_owned(),
                rules: due,
                since: timing.caller_spacing.saturating_sub(spacing),
                wait: spacing,
            });
        }
        tokio::time::sleep(spacing).await;
        outcome.spaced_ms = u64::try_from(spacing.as_millis()).unwrap_or(u64::MAX);
    }
    let mut wait = timing.backoff.first;
    let mut attempts = 0;
    while !due.is_empty() {
        attempts += 1;
        let started = start_each(&starter, &due).await?;
        let keys: Vec<String> = started.iter().map(|rule| key(rule)).collect();
        coalescer.mark(&keys, caller, (timing.clock)());
        due.retain(|rule| !started.contains(rule));
        outcome.started.extend(started);
        if due.is_empty() {
            break;
        }
        if !timing.deadline.allows(wait) {
            return Err(ReevaluateError::StillRefused {
                rules: due,
                account: call.account,
                attempts,
            });
        }
        outcome.retries += 1;
        tokio::time::sleep(wait).await;
        wait = (wait * 2).min(timing.backoff.longest);
    }
    Ok(outcome)
}

/// Starts `rules`, 25 a call; a refused call is split so that one running rule does not hold
/// the others back. Returns those started; a throttled call counts as refused.
async fn start_each<S: EvaluationStarter>(
    starter: &S,
    rules: &[String],
) -> Result<Vec<String>, ReadError> {
    let mut started = Vec::new();
    for chunk in rules.chunks(MAX_RULES_PER_CALL) {
        match start(starter, chunk).await? {
            StartOutcome::Started => started.extend_from_slice(chunk),
            StartOutcome::Busy if chunk.len() == 1 => {}
            StartOutcome::Busy => {
                for rule in chunk {
                    if start(starter, std::slice::from_ref(rule)).await? == StartOutcome::Started {
                        started.push(rule.clone());
                    }
                }
            }
        }
    }
    Ok(started)
}

async fn start<S: EvaluationStarter>(
    starter: &S,
    rules: &[String],
) -> Result<StartOutcome, ReadError> {
    match starter.start(rules).await {
        Err(error) if error.kind == ReadErrorKind::Throttled => Ok(StartOutcome::Busy),
        other => other,
    }
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

    /// Answers each start from a script: throttled first, then started.
    #[derive(Clone)]
    struct Throttled(std::sync::Arc<Mutex<Vec<Result<StartOutcome, ReadError>>>>);

    impl EvaluationStarter for Throttled {
        async fn start(&self, _: &[String]) -> Result<StartOutcome, ReadError> {
            let mut script = self.0.lock().unwrap();
            if script.is_empty() {
                Ok(StartOutcome::Started)
            } else {
                script.remove(0)
            }
        }
    }

    impl RuleDirectory for Throttled {
        type Starter = Throttled;

        async fn rules_in(
            &self,
            _: Option<&str>,
            names: &RuleNames,
        ) -> Result<(Throttled, RuleNames), ReadError> {
            Ok((self.clone(), names.clone()))
        }
    }

    #[test]
    fn an_organization_rule_is_found_by_its_instance_name_in_the_account() {
        let names = RuleNames::parse(
            "least-privilege=sec2-least-privilege,network-controls=sec2-network-controls",
        )
        .unwrap();
        let deployed = [
            "sec2-least-privilege",
            "OrgConfigRule-sec2-least-privilege-extra-dbgzf8ba",
            "OrgConfigRule-sec2-least-privilege-k3jd8a1q",
            "OrgConfigRule-sec2-network-controls-",
        ];
        let instances = names.organization_instances(deployed);
        assert_eq!(
            instances.get(RuleId::LeastPrivilege),
            Some("OrgConfigRule-sec2-least-privilege-k3jd8a1q")
        );
        // No instance: the account is excluded, or the rule has not reached it yet.
        assert_eq!(instances.get(RuleId::NetworkControls), None);
        // A rule of the stack's own account is found by its own name.
        let names = RuleNames::parse("guardrails=sec2-guardrails").unwrap();
        let own = names.organization_instances(["sec2-guardrails", "sec2-guardrails-old"]);
        assert_eq!(own.get(RuleId::Guardrails), Some("sec2-guardrails"));
    }

    #[tokio::test]
    async fn a_throttled_start_is_tried_again() {
        let throttled = ReadError::new(
            "config:StartConfigRulesEvaluation",
            ReadErrorKind::Throttled,
            "ThrottlingException: Rate exceeded",
        );
        let starter = Throttled(std::sync::Arc::new(Mutex::new(vec![Err(throttled)])));
        let names = RuleNames::parse("least-privilege=sec2-least-privilege").unwrap();
        let event = json!({
            "detail-type": "AWS API Call via CloudTrail",
            "source": "aws.iam",
            "detail": {"eventSource": "iam.amazonaws.com", "eventName": "PutRolePolicy"}
        });
        let timing = Timing {
            deadline: Deadline::NONE,
            backoff: Backoff {
                first: Duration::from_millis(1),
                longest: Duration::from_millis(1),
            },
            caller_spacing: CALLER_SPACING,
            clock: SystemTime::now,
        };
        let outcome = reevaluate(&event, &names, &Coalescer::default(), &starter, timing)
            .await
            .unwrap();
        assert_eq!(outcome.started, ["sec2-least-privilege"]);
        assert_eq!(outcome.retries, 1);
    }
}
