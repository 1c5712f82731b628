//! AWS Config rule `sec2-resource-policies`: resource policies only permit necessary callers.

use sec2_shared::rules::resource_policies::ResourcePolicies;

// One thread: the work is waiting on AWS, and a 128 MB function has a fraction of a vCPU.
#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), sec2_shared::lambda::Error> {
    sec2_shared::lambda::serve(ResourcePolicies::new).await
}
