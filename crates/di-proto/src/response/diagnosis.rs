//! Why the service computed another signature: its string to sign against ours.

use std::fmt;

use super::redact_secrets;

/// The marker after which the gateway's `SignatureDoesNotMatch` message quotes the string to
/// sign it computed.
const SERVER_MARKER: &str = "server string to sign is:";

/// The bytes of context shown on each side of the first difference.
const CONTEXT: usize = 24;

/// What a comparison of the two strings to sign concluded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum MismatchCause {
    /// Both sides signed the same string, so they used different keys: the AccessKey secret
    /// is wrong (often white space pasted with it) or belongs to another AccessKey id.
    WrongSecret,
    /// The strings differ: the request was canonicalized differently, or changed on the way
    /// (a proxy re-encoding the query, a header rewritten).
    StringsDiffer,
    /// The strings differ only inside the STS token, which is not shown.
    TokenDiffers,
    /// The service's message quoted no string to sign.
    ServerStringMissing,
    /// No signed request was given to compare with.
    ClientStringUnknown,
}

/// The comparison behind an [`crate::Error::SignatureMismatch`].
///
/// Both strings are kept with any security token redacted; `first_difference` is a byte
/// offset into those redacted strings.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct SignatureDiagnosis {
    /// What the comparison concluded.
    pub cause: MismatchCause,
    /// Our string to sign.
    pub client_string_to_sign: Option<String>,
    /// The service's string to sign, from its message.
    pub server_string_to_sign: Option<String>,
    /// Where the two strings first differ, in bytes.
    pub first_difference: Option<usize>,
}

impl SignatureDiagnosis {
    /// Compares the string to sign quoted in the service's `message` with `ours`.
    pub fn new(message: &str, ours: Option<&str>) -> Self {
        let server = server_string_to_sign(message);
        let (cause, first_difference) = match (ours, server) {
            (None, _) => (MismatchCause::ClientStringUnknown, None),
            (Some(_), None) => (MismatchCause::ServerStringMissing, None),
            (Some(ours), Some(server)) if ours == server => (MismatchCause::WrongSecret, None),
            (Some(ours), Some(server)) => {
                match first_difference(&redact_secrets(ours), &redact_secrets(server)) {
                    Some(at) => (MismatchCause::StringsDiffer, Some(at)),
                    None => (MismatchCause::TokenDiffers, None),
                }
            }
        };
        SignatureDiagnosis {
            cause,
            client_string_to_sign: ours.map(|text| redact_secrets(text).into_owned()),
            server_string_to_sign: server.map(|text| redact_secrets(text).into_owned()),
            first_difference,
        }
    }
}

/// The text after [`SERVER_MARKER`], matched without regard to ASCII case, trimmed.
fn server_string_to_sign(message: &str) -> Option<&str> {
    let at = message
        .as_bytes()
        .windows(SERVER_MARKER.len())
        .position(|window| window.eq_ignore_ascii_case(SERVER_MARKER.as_bytes()))?;
    let text = message.get(at + SERVER_MARKER.len()..)?.trim();
    (!text.is_empty()).then_some(text)
}

/// The byte offset where `left` and `right` first differ, on a character boundary of both.
fn first_difference(left: &str, right: &str) -> Option<usize> {
    if left == right {
        return None;
    }
    let common = left
        .char_indices()
        .zip(right.chars())
        .find(|((_, a), b)| a != b)
        .map(|((at, _), _)| at);
    Some(common.unwrap_or(left.len().min(right.len())))
}

/// `text` around byte `at`: up to [`CONTEXT`] bytes each side, on character boundaries, with
/// `…` where cut.
fn excerpt(text: &str, at: usize) -> String {
    let mut start = at.saturating_sub(CONTEXT);
    while !text.is_char_boundary(start) {
        start -= 1;
    }
    let mut end = (at + CONTEXT).min(text.len());
    while !text.is_char_boundary(end) {
        end += 1;
    }
    let mut out = String::new();
    if start > 0 {
        out.push('…');
    }
    out.push_str(text.get(start..end).unwrap_or_default());
    if end < text.len() {
        out.push('…');
    }
    out
}

impl fmt::Display for SignatureDiagnosis {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.cause {
            MismatchCause::WrongSecret => f.write_str(
                "both sides signed the same string, so the AccessKey secret is wrong (check for \
                 pasted white space) or belongs to another AccessKey id",
            ),
            MismatchCause::TokenDiffers => f.write_str(
                "the strings to sign differ only inside the security token: it was changed on \
                 the way",
            ),
            MismatchCause::ServerStringMissing => {
                f.write_str("the service did not say which string it signed")
            }
            MismatchCause::ClientStringUnknown => {
                f.write_str("no signed request was given to compare the service's string with")
            }
            MismatchCause::StringsDiffer => {
                let at = self.first_difference.unwrap_or_default();
                let ours = self.client_string_to_sign.as_deref().unwrap_or_default();
                let theirs = self.server_string_to_sign.as_deref().unwrap_or_default();
                write!(
                    f,
                    "the strings to sign differ from byte {at}: ours {:?}, the service's {:?}",
                    excerpt(ours, at),
                    excerpt(theirs, at)
                )
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const OURS: &str = "GET&%2F&AccessKeyId%3Dtestid%26Action%3DDescribeRegions%26SecurityToken%3Dsecret-token%26Timestamp%3D2016";

    #[test]
    fn equal_strings_blame_the_secret() {
        let message = format!(
            "Specified signature is not matched with our calculation. server string to sign is:{OURS}"
        );
        let diagnosis = SignatureDiagnosis::new(&message, Some(OURS));
        assert_eq!(diagnosis.cause, MismatchCause::WrongSecret);
        assert!(!format!("{diagnosis:?}").contains("secret-token"));
        assert!(diagnosis.to_string().contains("AccessKey secret is wrong"));
    }

    #[test]
    fn different_strings_show_where() {
        let theirs = OURS.replace("DescribeRegions", "DescribeRegionz");
        let message = format!("... Server String To Sign Is: {theirs}\n");
        let diagnosis = SignatureDiagnosis::new(&message, Some(OURS));
        assert_eq!(diagnosis.cause, MismatchCause::StringsDiffer);
        let at = OURS.find("DescribeRegions").unwrap() + 14;
        assert_eq!(diagnosis.first_difference, Some(at));
        let shown = diagnosis.to_string();
        assert!(shown.contains(&format!("from byte {at}")), "{shown}");
        assert!(shown.contains("DescribeRegionz"), "{shown}");
        assert!(!shown.contains("secret-token"), "{shown}");
    }

    #[test]
    fn token_only_differences_stay_hidden() {
        let theirs = OURS.replace("secret-token", "secret-tokem");
        let diagnosis =
            SignatureDiagnosis::new(&format!("server string to sign is:{theirs}"), Some(OURS));
        assert_eq!(diagnosis.cause, MismatchCause::TokenDiffers);
        assert!(!format!("{diagnosis:?} {diagnosis}").contains("secret-tok"));
    }

    #[test]
    fn missing_sides_are_named() {
        assert_eq!(
            SignatureDiagnosis::new("no quote here", Some(OURS)).cause,
            MismatchCause::ServerStringMissing
        );
        assert_eq!(
            SignatureDiagnosis::new("server string to sign is:x", None).cause,
            MismatchCause::ClientStringUnknown
        );
        assert_eq!(first_difference("ab", "abc"), Some(2));
        assert_eq!(first_difference("é", "è"), Some(0));
        assert_eq!(
            excerpt(&"α".repeat(33), 32),
            format!("…{}…", "α".repeat(24))
        );
    }
}
