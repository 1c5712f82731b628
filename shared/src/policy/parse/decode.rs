//! Policy text as AWS hands it out (JSON, JSON in a JSON string, URL-encoded) peeled to JSON.

use std::borrow::Cow;

use percent_encoding::percent_decode_str;

use crate::policy::error::PolicyError;

/// How many layers of string-in-string or URL encoding we peel before giving up.
const MAX_ENCODING_LAYERS: usize = 4;

/// The error, after the path of the element at fault when it is inside the document.
pub(super) fn located(err: &serde_path_to_error::Error<serde_json::Error>) -> String {
    match err.path().to_string().as_str() {
        "." | "" => err.inner().to_string(),
        path => format!("{path}: {}", err.inner()),
    }
}

pub(super) fn json_kind(value: &serde_json::Value) -> &'static str {
    match value {
        serde_json::Value::Null => "null",
        serde_json::Value::Bool(_) => "a boolean",
        serde_json::Value::Number(_) => "a number",
        serde_json::Value::String(_) => "a string",
        serde_json::Value::Array(_) => "an array",
        serde_json::Value::Object(_) => "an object",
    }
}

/// Peels JSON-string and URL encodings until the text is a JSON object.
pub(super) fn decode_layers(text: &str) -> Result<Cow<'_, str>, PolicyError> {
    let mut current = Cow::Borrowed(text);
    for _ in 0..MAX_ENCODING_LAYERS {
        let trimmed = current.trim();
        let next = match trimmed.as_bytes().first() {
            None => return Err(PolicyError::Empty),
            // API Gateway may hand out the policy with its quotes backslash-escaped.
            Some(b'{') if trimmed.starts_with("{\\\"") => unquote(&format!("\"{trimmed}\""))?,
            Some(b'{') => {
                return Ok(match current {
                    Cow::Borrowed(text) => Cow::Borrowed(text.trim()),
                    Cow::Owned(text) => Cow::Owned(text.trim().to_owned()),
                })
            }
            Some(b'"') => unquote(trimmed)?,
            Some(b'%') => percent_decode_str(trimmed)
                .decode_utf8()
                .map_err(|_| PolicyError::Encoding("URL-decoded policy is not UTF-8".to_owned()))?
                .into_owned(),
            Some(_) => {
                let start: String = trimmed.chars().take(12).collect();
                return Err(PolicyError::Encoding(format!(
                    "it starts with `{start}`; expected a JSON object, a JSON string or URL-encoded JSON"
                )));
            }
        };
        current = Cow::Owned(next);
    }
    Err(PolicyError::Encoding(format!(
        "more than {MAX_ENCODING_LAYERS} layers of encoding"
    )))
}

fn unquote(text: &str) -> Result<String, PolicyError> {
    serde_json::from_str::<String>(text).map_err(|err| {
        PolicyError::Encoding(format!(
            "the JSON string around the policy is not valid: {err}"
        ))
    })
}
