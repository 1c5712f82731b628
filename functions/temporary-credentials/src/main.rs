//! AWS Config rule `sec2-temporary-credentials`: no long-term secrets in function configuration;
//! each function has its own role, assumable only by Lambda.

use sec2_shared::rules::temporary_credentials::TemporaryCredentials;

// One thread: the work is waiting on AWS, and a 128 MB function has a fraction of a vCPU.
#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), sec2_shared::lambda::Error> {
    sec2_shared::lambda::serve(TemporaryCredentials::new).await
}
