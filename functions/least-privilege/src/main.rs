//! AWS Config rule `sec2-least-privilege`: small, single-purpose functions whose roles hold only
//! what they use.

use sec2_shared::rules::least_privilege::LeastPrivilege;

// One thread: the work is waiting on AWS, and a 128 MB function has a fraction of a vCPU.
#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), sec2_shared::lambda::Error> {
    sec2_shared::lambda::serve(LeastPrivilege::new).await
}
