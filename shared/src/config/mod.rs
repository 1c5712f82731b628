//! The AWS Config custom-rule engine every rule function uses.

pub mod deadline;
pub mod engine;
pub mod error;
pub mod evaluation;
pub mod event;
pub mod exemption;
pub mod finding;
pub mod item;
pub mod limits;
pub mod parameters;
pub mod periodic;
pub mod read_error;
pub(crate) mod run_order;
pub mod seams;
pub mod views;

pub use deadline::Deadline;
pub use engine::{run, Assessed, Periodic, Rule, Seams, TEST_MODE_TOKEN};
pub use error::{EngineError, EventError};
pub use evaluation::{Compliance, Evaluation, Verdict};
pub use event::{json_kind, Invocation, ItemSummary, Trigger};
pub use finding::{Finding, Severity};
pub use item::{ConfigurationItem, ItemStatus};
pub use parameters::{FromRuleParameters, RuleParameters};
pub use periodic::{judge_by_role, judge_recorded, FunctionRole, PeriodicContext};
pub use read_error::{ReadError, ReadErrorKind};
pub use seams::{CollectingSink, EvaluationSink, ItemHistory, PreviousResults, RecordedResources};
