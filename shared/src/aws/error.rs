//! SDK errors into `ReadError`, in one place: the kind from the service's error code or the
//! transport failure, the message from the service's own words.

use aws_sdk_config::error::{ProvideErrorMetadata, SdkError};

use crate::config::{ReadError, ReadErrorKind};

/// The short text of an SDK error: the service's code and message when there is one, else the
/// chain of causes (a timeout, a refused connection).
pub fn sdk_error_text<E, R>(error: &SdkError<E, R>) -> String
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
    R: std::fmt::Debug,
{
    match (error.code(), error.message()) {
        (Some(code), Some(message)) => format!("{code}: {message}"),
        (Some(code), None) => code.to_owned(),
        _ => {
            let mut text = error.to_string();
            let mut source = std::error::Error::source(error);
            while let Some(inner) = source {
                text = format!("{text}: {inner}");
                source = inner.source();
            }
            text
        }
    }
}

/// The kind of failure an SDK error is.
pub fn kind_of<E, R>(error: &SdkError<E, R>) -> ReadErrorKind
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
    R: std::fmt::Debug,
{
    match error {
        SdkError::TimeoutError(_) => ReadErrorKind::TimedOut,
        SdkError::DispatchFailure(failure) if failure.is_timeout() => ReadErrorKind::TimedOut,
        SdkError::DispatchFailure(_) | SdkError::ResponseError(_) => ReadErrorKind::Unavailable,
        SdkError::ConstructionFailure(_) => ReadErrorKind::Invalid,
        SdkError::ServiceError(service) => match error.code() {
            Some(code) => kind_of_code(code),
            // A modeled error built without metadata still names itself first in its text.
            None => {
                let text = service.err().to_string();
                kind_of_code(text.split(':').next().unwrap_or_default())
            }
        },
        _ => error
            .code()
            .map_or(ReadErrorKind::Unavailable, kind_of_code),
    }
}

/// The kind of a service error code, as the AWS APIs spell them.
pub fn kind_of_code(code: &str) -> ReadErrorKind {
    let lower = code.to_ascii_lowercase();
    if lower.contains("accessdenied")
        || lower.contains("unauthorized")
        || lower.contains("notauthorized")
        || lower == "authorizationerror"
        || lower.contains("forbidden")
    {
        ReadErrorKind::Denied
    } else if lower.contains("throttl")
        || lower.contains("toomanyrequests")
        || lower == "requestlimitexceeded"
        || lower == "slowdown"
    {
        ReadErrorKind::Throttled
    } else if lower.contains("notfound") || lower.contains("nosuch") {
        ReadErrorKind::NotFound
    } else if lower.contains("unavailable") || lower.contains("internal") {
        ReadErrorKind::Unavailable
    } else {
        ReadErrorKind::Invalid
    }
}

/// The output of a call, `None` when the service answers that what was asked for is absent
/// (`is_absent` on its error: no policy, no URL), or the `ReadError` for `action`.
pub fn absent_as_none<T, E, R>(
    result: Result<T, SdkError<E, R>>,
    is_absent: impl Fn(&E) -> bool,
    action: &'static str,
) -> Result<Option<T>, ReadError>
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
    R: std::fmt::Debug,
{
    match result {
        Ok(output) => Ok(Some(output)),
        Err(error) if error.as_service_error().is_some_and(is_absent) => Ok(None),
        Err(error) => Err(read_error(action)(error)),
    }
}

/// `map_err` for a call that needs `action`: `.map_err(read_error("iam:GetRole"))`.
pub fn read_error<E, R>(action: &'static str) -> impl Fn(SdkError<E, R>) -> ReadError
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
    R: std::fmt::Debug,
{
    move |error| ReadError::new(action, kind_of(&error), sdk_error_text(&error))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn service_codes_map_to_the_kind_a_reader_acts_on() {
        for (code, kind) in [
            ("AccessDenied", ReadErrorKind::Denied),
            ("AccessDeniedException", ReadErrorKind::Denied),
            ("UnauthorizedOperation", ReadErrorKind::Denied),
            ("AuthorizationError", ReadErrorKind::Denied),
            ("ThrottlingException", ReadErrorKind::Throttled),
            ("Throttling", ReadErrorKind::Throttled),
            ("RequestLimitExceeded", ReadErrorKind::Throttled),
            ("TooManyRequestsException", ReadErrorKind::Throttled),
            ("NoSuchEntity", ReadErrorKind::NotFound),
            ("ResourceNotFoundException", ReadErrorKind::NotFound),
            ("NotFoundException", ReadErrorKind::NotFound),
            ("PolicyNotFoundException", ReadErrorKind::NotFound),
            ("ServiceUnavailable", ReadErrorKind::Unavailable),
            ("InternalFailure", ReadErrorKind::Unavailable),
            ("ValidationException", ReadErrorKind::Invalid),
        ] {
            assert_eq!(kind_of_code(code), kind, "{code}");
        }
    }
}
