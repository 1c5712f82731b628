//! AWS Config rule `sec2-temporary-credentials`: no long-term secrets in function configuration;
//! each function has its own role, assumable only by Lambda.

use sec2_shared::rules::temporary_credentials::TemporaryCredentials;

#[tokio::main]
async fn main() -> Result<(), sec2_shared::lambda::Error> {
    sec2_shared::lambda::serve(TemporaryCredentials::new).await
}
