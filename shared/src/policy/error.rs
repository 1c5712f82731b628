//! Why a policy could not be read.

/// A policy that cannot be analyzed. Callers must treat it as "cannot decide", never as a pass.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PolicyError {
    #[error("policy is empty")]
    Empty,
    #[error("policy is {bytes} bytes, more than the {limit} bytes any AWS policy can be")]
    TooLarge { bytes: usize, limit: usize },
    #[error("policy is not readable: {0}")]
    Encoding(String),
    #[error("policy is not valid: {0}")]
    Syntax(String),
    #[error("{location} {problem}")]
    Statement { location: String, problem: String },
}
