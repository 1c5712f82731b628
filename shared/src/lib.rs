//! sec2-rules' library: the policy analyzer every rule stands on, the AWS Config rule engine,
//! the rules' logic, and the AWS client seams.

pub mod aws;
pub mod config;
#[cfg(feature = "lambda")]
pub mod lambda;
pub mod policy;
pub mod reevaluate;
pub mod rules;
pub mod scan;
