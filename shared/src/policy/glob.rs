//! IAM wildcard matching: `*` matches any run of characters, `?` exactly one.
//!
//! IAM compares action names case-insensitively; we compare resource names the same way
//! (a deliberate over-approximation: it can only make a grant look wider, never narrower).

/// Whether `text`, taken literally, matches the IAM `pattern`.
pub fn matches(pattern: &str, text: &str) -> bool {
    wildcard_match(pattern.as_bytes(), text.as_bytes(), Subject::Literal)
}

/// Whether `text` matches `pattern` with letters compared case-sensitively, as the condition
/// operators StringLike and ArnLike compare values.
pub fn matches_case_sensitive(pattern: &str, text: &str) -> bool {
    wildcard_match(pattern.as_bytes(), text.as_bytes(), Subject::ExactLiteral)
}

/// Whether every string that `narrower` matches is also matched by `wider`.
///
/// Sound but not complete: `true` is always right, `false` may miss an exotic cover
/// (a `?` in `wider` never stands for a `*` in `narrower`).
pub fn covers(wider: &str, narrower: &str) -> bool {
    wildcard_match(wider.as_bytes(), narrower.as_bytes(), Subject::Pattern)
}

/// Whether the string holds an IAM wildcard.
pub fn has_wildcard(value: &str) -> bool {
    value.bytes().any(|b| b == b'*' || b == b'?')
}

#[derive(Clone, Copy)]
enum Subject {
    Literal,
    /// A literal compared case-sensitively.
    ExactLiteral,
    Pattern,
}

/// Length in bytes of the UTF-8 character that starts at `index`, so `?` consumes a whole
/// character rather than one byte of it.
fn char_len(text: &[u8], index: usize) -> usize {
    let mut end = index + 1;
    while text
        .get(end)
        .is_some_and(|b| (b & 0b1100_0000) == 0b1000_0000)
    {
        end += 1;
    }
    end - index
}

fn step(pattern_byte: u8, text: &[u8], ti: usize, subject: Subject) -> Option<usize> {
    let text_byte = *text.get(ti)?;
    let text_is_wild =
        matches!(subject, Subject::Pattern) && (text_byte == b'*' || text_byte == b'?');
    match pattern_byte {
        b'?' if matches!(subject, Subject::Pattern) && text_byte == b'*' => None,
        b'?' => Some(char_len(text, ti)),
        _ if text_is_wild => None,
        _ if pattern_byte == text_byte => Some(1),
        _ if !matches!(subject, Subject::ExactLiteral)
            && pattern_byte.eq_ignore_ascii_case(&text_byte) =>
        {
            Some(1)
        }
        _ => None,
    }
}

/// Iterative matcher with single-star backtracking: linear in practice, never recursive.
fn wildcard_match(pattern: &[u8], text: &[u8], subject: Subject) -> bool {
    let (mut pi, mut ti) = (0usize, 0usize);
    let mut last_star: Option<(usize, usize)> = None;
    while ti < text.len() {
        match pattern.get(pi) {
            Some(b'*') => {
                last_star = Some((pi, ti));
                pi += 1;
                continue;
            }
            Some(&byte) => {
                if let Some(consumed) = step(byte, text, ti, subject) {
                    pi += 1;
                    ti += consumed;
                    continue;
                }
            }
            None => {}
        }
        match last_star {
            Some((star_pi, star_ti)) => {
                let next_ti = star_ti + char_len(text, star_ti);
                last_star = Some((star_pi, next_ti));
                pi = star_pi + 1;
                ti = next_ti;
            }
            None => return false,
        }
    }
    pattern
        .get(pi..)
        .is_some_and(|rest| rest.iter().all(|&b| b == b'*'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn star_matches_any_run_and_question_mark_one_character() {
        assert!(matches("s3:Get*", "s3:GetObject"));
        assert!(matches("s3:Get*", "s3:Get"));
        assert!(matches("*", ""));
        assert!(matches("iam:*AccessKey*", "iam:CreateAccessKey"));
        assert!(matches("sqs:Send?essage", "sqs:SendMessage"));
        assert!(!matches("sqs:Send?essage", "sqs:Sendessage"));
        assert!(!matches("s3:Get*", "s3:PutObject"));
        assert!(!matches("s3:GetObject", "s3:GetObjectAcl"));
    }

    #[test]
    fn action_names_compare_case_insensitively() {
        assert!(matches("lambda:InvokeFunction", "lambda:invokeFunction"));
        assert!(matches("SQS:sendmessage", "sqs:SendMessage"));
    }

    #[test]
    fn condition_values_can_compare_case_sensitively() {
        assert!(matches_case_sensitive(
            "arn:aws:iam::*:role/Admin*",
            "arn:aws:iam::1:role/AdminOps"
        ));
        assert!(!matches_case_sensitive(
            "arn:aws:iam::*:role/Admin*",
            "arn:aws:iam::1:role/adminops"
        ));
        assert!(matches(
            "arn:aws:iam::*:role/Admin*",
            "arn:aws:iam::1:role/adminops"
        ));
    }

    #[test]
    fn question_mark_consumes_a_whole_unicode_character() {
        assert!(matches("a?c", "aéc"));
        assert!(!matches("a?c", "aééc"));
    }

    #[test]
    fn backtracking_handles_repeated_fragments() {
        assert!(matches("*a*b*c", "xxaxxbxxaxbxc"));
        assert!(!matches("*a*b*c", "xxaxxbxxaxbx"));
        assert!(matches("arn:aws:s3:::bucket/*", "arn:aws:s3:::bucket/a/b"));
    }

    #[test]
    fn a_pattern_covers_the_narrower_patterns_it_contains() {
        assert!(covers("*", "s3:Get*"));
        assert!(covers("s3:*", "s3:Get*"));
        assert!(covers("s3:Get*", "s3:GetObject"));
        assert!(covers("S3:GET*", "s3:GetObject?cl"));
        assert!(!covers("s3:GetObject", "s3:Get*"));
        assert!(!covers("a?c", "a*c"));
        assert!(covers("a*c", "a?c"));
        assert!(!covers("s3:Put*", "s3:*"));
    }
}
