//! `reevaluate`: an EventBridge rule on CloudTrail management events invokes it when a role
//! policy, security group, WAF association or resource policy changes; it starts the sec2 Config
//! rules that judge what changed (config:StartConfigRulesEvaluation).

#[tokio::main]
async fn main() -> Result<(), sec2_shared::lambda::Error> {
    sec2_shared::lambda::serve_reevaluate().await
}
