//! `EvaluationStarter` (reevaluate): config:StartConfigRulesEvaluation.

use super::error::read_error;
use crate::config::ReadError;
use crate::reevaluate::{EvaluationStarter, StartOutcome};

impl EvaluationStarter for aws_sdk_config::Client {
    async fn start(&self, rule_names: &[String]) -> Result<StartOutcome, ReadError> {
        match self
            .start_config_rules_evaluation()
            .set_config_rule_names(Some(rule_names.to_vec()))
            .send()
            .await
        {
            Ok(_) => Ok(StartOutcome::Started),
            Err(err)
                if err
                    .as_service_error()
                    .is_some_and(|e| e.is_limit_exceeded_exception()) =>
            {
                Ok(StartOutcome::Busy)
            }
            Err(err) => Err(read_error("config:StartConfigRulesEvaluation")(err)),
        }
    }
}
