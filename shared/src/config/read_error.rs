//! Why a read failed, in one shape for every port: the rules render it into their annotation and
//! never pass the resource, and tests assert on its kind rather than on message text.

use std::fmt;

/// What kind of failure stopped a read. Decides nothing about the verdict (every kind leaves
/// the resource unjudged); it tells the reader what to fix.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ReadErrorKind {
    /// The caller's role lacks the permission, or a policy denies it.
    Denied,
    /// The service throttled the call, after the SDK's retries.
    Throttled,
    /// The thing read does not exist (any more).
    NotFound,
    /// The call had no answer within its time limit.
    TimedOut,
    /// The service failed or could not be reached.
    Unavailable,
    /// The answer, or the request we would have to make, is not what the API promises.
    Invalid,
}

impl ReadErrorKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ReadErrorKind::Denied => "access denied",
            ReadErrorKind::Throttled => "throttled",
            ReadErrorKind::NotFound => "not found",
            ReadErrorKind::TimedOut => "timed out",
            ReadErrorKind::Unavailable => "service unavailable",
            ReadErrorKind::Invalid => "invalid answer",
        }
    }
}

impl fmt::Display for ReadErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A failed read: the IAM action it needed, what kind of failure, and the service's words.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{action}` {kind}: {message}")]
pub struct ReadError {
    /// The IAM action of the call, such as `ec2:DescribeSubnets`.
    pub action: &'static str,
    pub kind: ReadErrorKind,
    pub message: String,
}

impl ReadError {
    pub fn new(action: &'static str, kind: ReadErrorKind, message: impl Into<String>) -> Self {
        ReadError {
            action,
            kind,
            message: message.into(),
        }
    }

    /// An answer that lacks what the API promises (no document, no job id, too many pages).
    pub fn invalid(action: &'static str, message: impl Into<String>) -> Self {
        ReadError::new(action, ReadErrorKind::Invalid, message)
    }

    /// The one annotation format for a read that failed: `could not read WHAT (ACTION, KIND):
    /// MESSAGE`.
    pub fn annotation(&self, what: &str) -> String {
        format!(
            "could not read {what} ({}, {}): {}",
            self.action, self.kind, self.message
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_annotation_names_what_the_action_the_kind_and_the_services_words() {
        let error = ReadError::new(
            "ec2:DescribeSubnets",
            ReadErrorKind::Denied,
            "UnauthorizedOperation: not authorized",
        );
        assert_eq!(
            error.annotation("the subnets"),
            "could not read the subnets (ec2:DescribeSubnets, access denied): UnauthorizedOperation: not authorized"
        );
        assert_eq!(
            error.to_string(),
            "`ec2:DescribeSubnets` access denied: UnauthorizedOperation: not authorized"
        );
    }
}
