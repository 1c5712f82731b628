//! Assertions the unit tests share: a failing one prints the whole text it looked in.
#![allow(clippy::panic, reason = "test assertions")]

#[track_caller]
pub fn assert_contains(text: &str, part: &str) {
    assert!(text.contains(part), "expected {part:?} in:\n{text}");
}

#[track_caller]
pub fn assert_starts_with(text: &str, prefix: &str) {
    assert!(
        text.starts_with(prefix),
        "expected {prefix:?} first in:\n{text}"
    );
}

#[track_caller]
pub fn assert_ends_with(text: &str, suffix: &str) {
    assert!(
        text.ends_with(suffix),
        "expected {suffix:?} last in:\n{text}"
    );
}
