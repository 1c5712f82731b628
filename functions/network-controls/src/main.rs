//! AWS Config rule `sec2-network-controls`: ingress and egress controlled at every layer (VPC
//! placement, security group egress, flow logs, function URLs, API Gateway WAF and private APIs).

use sec2_shared::rules::network_controls::NetworkControls;

#[tokio::main]
async fn main() -> Result<(), sec2_shared::lambda::Error> {
    sec2_shared::lambda::serve(NetworkControls::new).await
}
