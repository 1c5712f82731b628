//! AWS Config rule `sec2-network-controls`: ingress and egress controlled at every layer (VPC
//! placement, security group egress, flow logs, function URLs, API Gateway WAF and private APIs).

use sec2_shared::rules::network_controls::NetworkControls;

// One thread: the work is waiting on AWS, and a 128 MB function has a fraction of a vCPU.
#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), sec2_shared::lambda::Error> {
    sec2_shared::lambda::serve(NetworkControls::new).await
}
