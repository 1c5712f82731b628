//! How much input the engine accepts, and why: each bound is the most AWS itself delivers, so a
//! larger input is not a real AWS Config event and is refused with its size, not parsed.

use super::error::EventError;

/// The largest payload any Lambda invocation carries (a synchronous request; asynchronous
/// invocations, which AWS Config makes, stop at 1 MB). An `invokingEvent`, and an item read from
/// the configuration history, larger than this is refused.
pub const MAX_EVENT_BYTES: usize = 6 * 1024 * 1024;

/// The longest `InputParameters` AWS Config accepts (2,048 characters for an organization rule,
/// 1,024 for an account rule).
pub const MAX_RULE_PARAMETERS_CHARS: usize = 2048;

/// `Err` with a sentence naming `what`, its size and the bound when `bytes` is over the largest
/// Lambda payload.
pub fn within_event_bytes(what: &str, bytes: usize) -> Result<(), EventError> {
    within_bytes(what, bytes, MAX_EVENT_BYTES)
}

fn within_bytes(what: &str, bytes: usize, limit: usize) -> Result<(), EventError> {
    if bytes > limit {
        Err(EventError::TooLarge(format!(
            "{what} is {bytes} bytes; the largest Lambda payload is {limit} bytes"
        )))
    } else {
        Ok(())
    }
}

/// `Err` when `text` has more than `limit` characters (counted only when its bytes exceed it).
pub fn within_chars(what: &str, text: &str, limit: usize) -> Result<(), EventError> {
    if text.len() > limit && text.chars().count() > limit {
        Err(EventError::TooLarge(format!(
            "{what} has {} characters, more than the {limit} AWS Config accepts",
            text.chars().count()
        )))
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::assert_contains;

    #[test]
    fn an_input_at_the_bound_passes_and_one_byte_more_is_refused_with_its_size() {
        assert!(within_bytes("invokingEvent", 10, 10).is_ok());
        assert_eq!(
            within_bytes("invokingEvent", 11, 10)
                .unwrap_err()
                .to_string(),
            "input too large: invokingEvent is 11 bytes; the largest Lambda payload is 10 bytes"
        );
    }

    #[test]
    fn characters_not_bytes_count_against_a_character_bound() {
        assert!(within_chars("ruleParameters", &"é".repeat(10), 10).is_ok());
        let refusal = within_chars("ruleParameters", &"é".repeat(11), 10)
            .unwrap_err()
            .to_string();
        assert_contains(&refusal, "11 characters");
    }
}

/// The most of a caller's text an error, answer or log line repeats.
pub const MAX_ECHOED_CHARS: usize = 80;

/// `text` as an error repeats it: whole when short, else its first `MAX_ECHOED_CHARS`
/// characters and how long it was, so a 1 MB field does not come back 1 MB long.
pub fn excerpt(text: &str) -> String {
    match text.char_indices().nth(MAX_ECHOED_CHARS) {
        None => text.to_owned(),
        Some((end, _)) => format!(
            "{}… ({} bytes)",
            text.get(..end).unwrap_or_default(),
            text.len()
        ),
    }
}

#[cfg(test)]
mod excerpt_tests {
    use super::*;

    #[test]
    fn long_input_is_cut_with_its_length_and_short_input_kept() {
        assert_eq!(excerpt("ScheduledNotification"), "ScheduledNotification");
        let long = "é".repeat(500_000);
        let cut = excerpt(&long);
        assert!(cut.chars().count() < MAX_ECHOED_CHARS + 20, "{cut}");
        assert!(cut.ends_with("… (1000000 bytes)"), "{cut}");
    }
}
