//! What can go wrong between an AWS Config event and a reported evaluation.

/// The event, an item in it, or a rule parameter could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EventError {
    #[error("event is not an AWS Config rule event: {0}")]
    Shape(String),
    #[error("invokingEvent is not valid JSON: {0}")]
    InvokingEvent(String),
    /// A field of the event is missing, or holds the wrong kind of value.
    #[error("`{field}`: {problem}")]
    Field { field: String, problem: String },
    #[error("unknown messageType `{0}`; expected ConfigurationItemChangeNotification, OversizedConfigurationItemChangeNotification or ScheduledNotification")]
    UnknownMessageType(String),
    #[error("invalid configuration item: {0}")]
    Item(String),
    #[error("ruleParameters is not a JSON object: {0}")]
    RuleParameters(String),
    #[error("input too large: {0}")]
    TooLarge(String),
    #[error("rule parameter `{name}`: {problem}")]
    Parameter { name: String, problem: String },
}

/// The invocation could not be completed; Lambda reports it and AWS Config shows the error.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    #[error(transparent)]
    Event(#[from] EventError),
    #[error("could not fetch the oversized configuration item {resource_type} `{resource_id}`: {reason}")]
    OversizedFetch {
        resource_type: String,
        resource_id: String,
        reason: String,
    },
    #[error("could not assume `{role_arn}`: {reason}")]
    AssumeRole { role_arn: String, reason: String },
    /// The event cannot be trusted to be AWS Config's for the account it names.
    #[error("refused: {0}")]
    Untrusted(String),
    #[error("could not list the rule's previous results: {0}")]
    PreviousResults(String),
    #[error("the periodic evaluation failed: {0}")]
    Periodic(String),
    #[error("PutEvaluations failed: {0}")]
    Report(String),
}

impl EngineError {
    /// A short, stable name for the kind of failure (Lambda's `errorType`).
    pub fn kind(&self) -> &'static str {
        match self {
            EngineError::Event(_) => "InvalidEvent",
            EngineError::OversizedFetch { .. } => "OversizedItemUnavailable",
            EngineError::AssumeRole { .. } => "AssumeRoleFailed",
            EngineError::Untrusted(_) => "UntrustedInvocation",
            EngineError::PreviousResults(_) => "PreviousResultsUnavailable",
            EngineError::Periodic(_) => "PeriodicEvaluationFailed",
            EngineError::Report(_) => "PutEvaluationsFailed",
        }
    }
}
