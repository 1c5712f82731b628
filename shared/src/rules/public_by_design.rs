//! "Public by design": one tag, honoured the same way by every rule and every kind of front door
//! (a function URL, a public grant in a resource policy, an API method or route open to anyone,
//! an AppSync API on an API key). Its value is the reason, and may end with a review date:
//! `public status page review:2027-06-30` (tag values cannot hold `;` or parentheses). A marked
//! resource is COMPLIANT with "public by design: REASON", so a reviewer sees it; a mark without a
//! reason, or past its review date, is not honoured and the annotation says why.

use std::collections::BTreeMap;

/// The tag that marks a resource public by design, unless PublicByDesignTag names another.
pub const DEFAULT_TAG: &str = "sec2:public-by-design";

/// The rule parameter that names the tag (resource-policies and network-controls).
pub const PARAMETER: &str = "PublicByDesignTag";

const REVIEW: &str = "review:";

/// What a resource's tags say about it being public by design.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Marking {
    Unmarked,
    /// Honoured: a reason, and no review date, or one not yet passed.
    PublicByDesign {
        tag: String,
        reason: String,
        review: Option<String>,
    },
    /// Not honoured, and why (no reason, a review date passed or unreadable).
    Refused {
        tag: String,
        why: String,
    },
}

impl Marking {
    /// Reads `tag` among `tags`; `today` is the evaluation's date, `YYYY-MM-DD`.
    pub fn of(tags: &BTreeMap<String, String>, tag: &str, today: &str) -> Marking {
        let Some(value) = tags.get(tag) else {
            return Marking::Unmarked;
        };
        let refused = |why: String| Marking::Refused {
            tag: tag.to_owned(),
            why,
        };
        let value = value.trim();
        let (reason, review) = match value.rfind(REVIEW) {
            Some(at) => (
                value.get(..at).unwrap_or_default().trim(),
                value.get(at + REVIEW.len()..).map(str::trim),
            ),
            None => (value, None),
        };
        if reason.is_empty() || reason.eq_ignore_ascii_case("true") {
            return refused(format!(
                "tag {tag} gives no reason (its value is the reason: `{tag}=public status page`)"
            ));
        }
        match review {
            Some(date) if !is_date(date) => refused(format!(
                "tag {tag} has review date `{date}`, which is not YYYY-MM-DD"
            )),
            Some(date) if date < today => refused(format!(
                "tag {tag} (\"{reason}\") was due for review on {date}; review it and set a new date"
            )),
            _ => Marking::PublicByDesign {
                tag: tag.to_owned(),
                reason: reason.to_owned(),
                review: review.map(str::to_owned),
            },
        }
    }

    /// The annotation for an open door the mark covers: `public by design: REASON (tag T,
    /// review by D)`; `None` when the mark is not honoured.
    pub fn honoured(&self) -> Option<String> {
        match self {
            Marking::PublicByDesign {
                tag,
                reason,
                review,
            } => Some(match review {
                Some(date) => format!("public by design: {reason} (tag {tag}, review by {date})"),
                None => format!("public by design: {reason} (tag {tag})"),
            }),
            _ => None,
        }
    }

    /// What to add to a finding the mark does not cover: why the mark is refused, or how to
    /// mark the resource with `tag` (the configured one) if being public is intended.
    pub fn advice(&self, tag: &str) -> String {
        match self {
            Marking::Refused { why, .. } => format!("not public by design: {why}"),
            _ => format!("if that is public by design, tag the resource {tag}=REASON"),
        }
    }
}

/// `YYYY-MM-DD`, digits where digits go.
fn is_date(text: &str) -> bool {
    text.len() == 10
        && text.bytes().enumerate().all(|(at, byte)| match at {
            4 | 7 => byte == b'-',
            _ => byte.is_ascii_digit(),
        })
}

/// Today's date, `YYYY-MM-DD`, from the clock.
pub fn today() -> String {
    let now = aws_smithy_types::DateTime::from(std::time::SystemTime::now());
    now.fmt(aws_smithy_types::date_time::Format::DateTime)
        .ok()
        .and_then(|text| text.get(..10).map(str::to_owned))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tags(value: &str) -> BTreeMap<String, String> {
        BTreeMap::from([(DEFAULT_TAG.to_owned(), value.to_owned())])
    }

    const TODAY: &str = "2026-12-05";

    #[test]
    fn a_reason_is_honoured_and_named() {
        let marking = Marking::of(&tags("public status page"), DEFAULT_TAG, TODAY);
        assert_eq!(
            marking.honoured().as_deref(),
            Some("public by design: public status page (tag sec2:public-by-design)")
        );
        let marking = Marking::of(
            &tags("webhook for the payment provider review:2027-06-30"),
            DEFAULT_TAG,
            TODAY,
        );
        assert_eq!(
            marking.honoured().as_deref(),
            Some("public by design: webhook for the payment provider (tag sec2:public-by-design, review by 2027-06-30)")
        );
    }

    #[test]
    fn a_mark_without_a_reason_or_past_its_review_is_refused() {
        for (value, why) in [
            ("true", "gives no reason"),
            ("  ", "gives no reason"),
            ("review:2027-01-01", "gives no reason"),
            (
                "status page review:2026-12-04",
                "was due for review on 2026-12-04",
            ),
            ("status page review:next year", "is not YYYY-MM-DD"),
        ] {
            let marking = Marking::of(&tags(value), DEFAULT_TAG, TODAY);
            assert_eq!(marking.honoured(), None, "{value}");
            crate::testing::assert_contains(&marking.advice(DEFAULT_TAG), why);
        }
        // Due today is still honoured.
        let marking = Marking::of(&tags("status page review:2026-12-05"), DEFAULT_TAG, TODAY);
        assert!(marking.honoured().is_some());
    }

    #[test]
    fn an_unmarked_resource_is_told_how_to_mark_it() {
        let marking = Marking::of(&BTreeMap::new(), DEFAULT_TAG, TODAY);
        assert_eq!(marking, Marking::Unmarked);
        crate::testing::assert_contains(
            &marking.advice(DEFAULT_TAG),
            "tag the resource sec2:public-by-design=REASON",
        );
    }

    #[test]
    fn today_is_a_date() {
        assert!(is_date(&today()), "{}", today());
    }
}
