//! AWS Config rule `sec2-guardrails`: the organization's service control policies prevent the
//! unsafe serverless changes the other rules detect.

use sec2_shared::rules::guardrails::Guardrails;

// One thread: the work is waiting on AWS, and a 128 MB function has a fraction of a vCPU.
#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), sec2_shared::lambda::Error> {
    sec2_shared::lambda::serve(Guardrails::new).await
}
