//! AWS Config rule `sec2-resource-policies`: resource policies only permit necessary callers.

use sec2_shared::rules::resource_policies::ResourcePolicies;

#[tokio::main]
async fn main() -> Result<(), sec2_shared::lambda::Error> {
    sec2_shared::lambda::serve(ResourcePolicies::new).await
}
