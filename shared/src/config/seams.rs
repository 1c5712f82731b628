//! The engine's I/O, each behind a small trait: where evaluations go, where oversized items come
//! from, and what the rule reported before. The AWS Config implementations are in `aws::config`.

use std::collections::BTreeMap;
use std::future::Future;
use std::sync::Mutex;

use super::evaluation::Evaluation;
use super::item::ConfigurationItem;
use super::read_error::ReadError;

/// Where evaluations are reported. Chosen explicitly by whoever runs the engine.
pub trait EvaluationSink: Sync {
    /// Sends at most 100 evaluations and returns those AWS Config refused.
    fn put(
        &self,
        batch: &[Evaluation],
        result_token: &str,
        test_mode: bool,
    ) -> impl Future<Output = Result<Vec<Evaluation>, ReadError>> + Send;
}

/// Fetches the full item of an oversized change notification.
pub trait ItemHistory: Sync {
    fn latest_item(
        &self,
        resource_type: &str,
        resource_id: &str,
        later_time: &str,
    ) -> impl Future<Output = Result<Option<ConfigurationItem>, ReadError>> + Send;

    /// The tags of every resource of `resource_type` Config records with the tag `key`, by
    /// resource id: one query (100 a page) for what would be a history read per resource.
    fn tagged_with(
        &self,
        resource_type: &str,
        key: &str,
    ) -> impl Future<Output = Result<TagsById, ReadError>> + Send;
}

/// Resources' tags, by resource id.
pub type TagsById = BTreeMap<String, BTreeMap<String, String>>;

/// The resources AWS Config records of a type, as configuration items: what a periodic run
/// judges when the services' own listings are not what the rule reads.
pub trait RecordedResources: Sync {
    /// Every resource of `resource_type` Config records now (deleted ones are not listed).
    fn recorded_items(
        &self,
        resource_type: &str,
    ) -> impl Future<Output = Result<Vec<ConfigurationItem>, ReadError>> + Send;
}

/// The resources a rule has results for, so a periodic run can retire the stale ones.
pub trait PreviousResults: Sync {
    fn evaluated_resources(
        &self,
        rule_name: &str,
    ) -> impl Future<Output = Result<Vec<(String, String)>, ReadError>> + Send;
}

/// Keeps evaluations instead of sending them: `sec2 evaluate --dry-run`.
#[derive(Debug, Default)]
pub struct CollectingSink {
    evaluations: Mutex<Vec<Evaluation>>,
}

impl CollectingSink {
    pub fn into_evaluations(self) -> Vec<Evaluation> {
        self.evaluations
            .into_inner()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl EvaluationSink for CollectingSink {
    async fn put(
        &self,
        batch: &[Evaluation],
        _: &str,
        _: bool,
    ) -> Result<Vec<Evaluation>, ReadError> {
        let mut kept = self
            .evaluations
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        kept.extend_from_slice(batch);
        Ok(Vec::new())
    }
}
