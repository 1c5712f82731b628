//! sec2-rules' library: the policy analyzer every rule stands on, the AWS Config rule engine,
//! the rules' logic, and the AWS client seams.

#[cfg(feature = "aws")]
pub mod aws;
pub mod config;
pub mod fuzzing;
#[cfg(feature = "lambda")]
pub mod lambda;
pub mod memo;
pub mod policy;
pub mod reevaluate;
pub mod rules;
#[cfg(feature = "aws")]
pub mod scan;
