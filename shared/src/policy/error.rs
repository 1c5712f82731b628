//! Why a policy could not be read.

/// A policy that cannot be analyzed. Callers must treat it as "cannot decide", never as a pass.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PolicyError {
    #[error("policy is empty")]
    Empty,
    #[error("resource policy is {bytes} bytes, more than the {limit} bytes sec2 reads (AWS's largest resource policies stop at 20 KB, SNS topic policies at 30 KB)")]
    TooLarge { bytes: usize, limit: usize },
    #[error("identity policy is {chars} characters without whitespace, more than the {limit} sec2 reads (customer managed policies stop at 6,144 and AWS managed policies at about 150,000)")]
    IdentityTooLarge { chars: usize, limit: usize },
    #[error("policy is not readable: {0}")]
    Encoding(String),
    #[error("policy is not valid: {0}")]
    Syntax(String),
    #[error("{location} {problem}")]
    Statement { location: String, problem: String },
}
