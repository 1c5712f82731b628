//! sec2-rules' library: the policy analyzer every rule stands on, and (to come) the AWS Config
//! rule engine and AWS client seams.

pub mod policy;
