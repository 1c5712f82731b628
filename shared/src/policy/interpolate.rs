//! `${name}` placeholders replaced in a text: IAM's policy variables (`${aws:username}`) and
//! CloudFormation's `Fn::Sub` share the syntax. Each caller decides what a name stands for,
//! escapes included; an unclosed `${` is text.

/// `text` with each `${name}` replaced by what `value_of(name)` says; the first error stops.
pub fn interpolate<E>(
    text: &str,
    mut value_of: impl FnMut(&str) -> Result<String, E>,
) -> Result<String, E> {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("${") {
        let (before, after) = rest.split_at(start);
        out.push_str(before);
        let inner = after.get(2..).unwrap_or_default();
        let Some(end) = inner.find('}') else {
            out.push_str(after);
            return Ok(out);
        };
        out.push_str(&value_of(inner.get(..end).unwrap_or_default())?);
        rest = inner.get(end + 1..).unwrap_or_default();
    }
    out.push_str(rest);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_placeholder_is_replaced_and_an_unclosed_one_is_text() {
        let upper = |name: &str| Ok::<_, ()>(name.to_ascii_uppercase());
        assert_eq!(
            interpolate("a ${b} c ${d}", upper),
            Ok("a B c D".to_owned())
        );
        assert_eq!(interpolate("x ${open", upper), Ok("x ${open".to_owned()));
        assert_eq!(
            interpolate("${a}${b}", |name| if name == "b" {
                Err(name.to_owned())
            } else {
                Ok(String::new())
            }),
            Err("b".to_owned())
        );
    }
}
