//! The AWS Config custom-rule engine every rule function uses.

#[cfg(feature = "aws")]
pub mod config_api;
pub mod deadline;
pub mod engine;
pub mod error;
pub mod evaluation;
pub mod event;
pub mod item;
pub mod limits;
pub mod parameters;
pub mod seams;

#[cfg(feature = "aws")]
pub use config_api::ConfigSink;
pub use deadline::Deadline;
pub use engine::{run, Assessed, Periodic, Rule, Seams, TEST_MODE_TOKEN};
pub use error::{EngineError, EventError};
pub use evaluation::{Compliance, Evaluation, Verdict};
pub use event::{Invocation, ItemSummary, Trigger};
pub use item::{ConfigurationItem, ItemStatus};
pub use parameters::{FromRuleParameters, RuleParameters};
pub use seams::{CollectingSink, EvaluationSink, ItemHistory, PreviousResults};
