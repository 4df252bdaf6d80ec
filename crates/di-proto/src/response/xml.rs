//! The XML form of an answer, read with quick-xml's borrowing reader.
//!
//! The service answers `<ActionResponse>` with the same members as the JSON form, and errors
//! as `<Error>`. The reader keeps the same fields as [`super::json`]: children of the root,
//! and `Status` / `Message` inside `Data`. Entity and character references are resolved, CDATA
//! is taken as is, white space around values is trimmed, and unknown elements are skipped.

use std::borrow::Cow;

use quick_xml::Reader;
use quick_xml::errors::{Error as XmlError, SyntaxError};
use quick_xml::events::{BytesRef, Event};

use super::{Fields, ParseError};

/// The members that are kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Slot {
    Success,
    RequestId,
    HostId,
    Code,
    Message,
    Recommend,
    HttpStatusCode,
    AccessDeniedDetail,
    DataStatus,
    DataMessage,
    DataFileId,
    DataName,
}

impl Slot {
    fn of(parent_is_data: bool, depth: usize, name: &str) -> Option<Slot> {
        match (depth, parent_is_data, name) {
            (2, _, "Success") => Some(Slot::Success),
            (2, _, "RequestId") => Some(Slot::RequestId),
            (2, _, "HostId") => Some(Slot::HostId),
            (2, _, "Code" | "ErrorCode") => Some(Slot::Code),
            (2, _, "Message" | "ErrorMessage") => Some(Slot::Message),
            (2, _, "Recommend") => Some(Slot::Recommend),
            (2, _, "HttpStatusCode") => Some(Slot::HttpStatusCode),
            (2, _, "AccessDeniedDetail") => Some(Slot::AccessDeniedDetail),
            (3, true, "Status") => Some(Slot::DataStatus),
            (3, true, "Message") => Some(Slot::DataMessage),
            (3, true, "FileId") => Some(Slot::DataFileId),
            (3, true, "Name") => Some(Slot::DataName),
            _ => None,
        }
    }
}

/// Text gathered for one element, borrowed while it is one piece.
#[derive(Default)]
struct Gathered<'a> {
    text: Option<Cow<'a, str>>,
}

impl<'a> Gathered<'a> {
    fn push(&mut self, piece: Cow<'a, str>) {
        match &mut self.text {
            None => self.text = Some(piece),
            Some(text) => text.to_mut().push_str(&piece),
        }
    }

    fn push_char(&mut self, c: char) {
        let mut buffer = [0; 4];
        self.push(Cow::Owned(c.encode_utf8(&mut buffer).to_owned()));
    }

    fn finish(self) -> Cow<'a, str> {
        let text = self.text.unwrap_or_default();
        let trimmed = text.trim_matches(is_xml_space);
        if trimmed.len() == text.len() {
            return text;
        }
        match text {
            Cow::Borrowed(text) => Cow::Borrowed(text.trim_matches(is_xml_space)),
            Cow::Owned(text) => Cow::Owned(text.trim_matches(is_xml_space).to_owned()),
        }
    }
}

fn is_xml_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\r')
}

fn xml_error(error: XmlError) -> ParseError {
    match error {
        XmlError::Syntax(
            SyntaxError::InvalidBangMarkup
            | SyntaxError::UnclosedPI
            | SyntaxError::UnclosedXmlDecl
            | SyntaxError::UnclosedComment
            | SyntaxError::UnclosedDoctype
            | SyntaxError::UnclosedCData
            | SyntaxError::UnclosedTag
            | SyntaxError::UnclosedSingleQuotedAttributeValue
            | SyntaxError::UnclosedDoubleQuotedAttributeValue,
        ) => ParseError::Truncated,
        other => ParseError::Malformed(format!("XML: {other}")),
    }
}

/// Parses an XML answer.
pub(crate) fn parse(body: &[u8]) -> Result<Fields<'_>, ParseError> {
    let text = std::str::from_utf8(body)
        .map_err(|error| ParseError::Malformed(format!("XML is not UTF-8: {error}")))?;
    let mut reader = Reader::from_str(text);
    let mut fields = Fields::default();
    let mut depth = 0usize;
    let mut in_data = false;
    let mut seen_root = false;
    // The member being read: its slot, its depth, and the text so far.
    let mut current: Option<(Slot, usize, Gathered<'_>)> = None;
    // `Child=value` pairs when `AccessDeniedDetail` has children.
    let mut detail_child: Option<(String, Gathered<'_>)> = None;

    loop {
        match reader.read_event().map_err(xml_error)? {
            Event::Start(start) => {
                if depth == 0 && seen_root {
                    return Err(ParseError::Malformed("XML: a second root element".into()));
                }
                depth += 1;
                seen_root = true;
                let name = start.name();
                let name = name.as_ref();
                match &current {
                    Some((Slot::AccessDeniedDetail, at, _)) if depth == at + 1 => {
                        detail_child = Some((name.to_owned(), Gathered::default()));
                    }
                    Some(_) => {}
                    None => {
                        if depth == 2 && name == "Data" {
                            in_data = true;
                        } else if let Some(slot) = Slot::of(in_data, depth, name) {
                            current = Some((slot, depth, Gathered::default()));
                        }
                    }
                }
            }
            Event::Empty(start) => {
                if depth == 0 {
                    if seen_root {
                        return Err(ParseError::Malformed("XML: a second root element".into()));
                    }
                    seen_root = true;
                    continue;
                }
                if current.is_none()
                    && let Some(slot) = Slot::of(in_data, depth + 1, start.name().as_ref())
                {
                    store(&mut fields, slot, Cow::Borrowed(""))?;
                }
            }
            Event::End(_) => {
                if let Some((name, gathered)) = detail_child.take() {
                    if let Some((_, _, detail)) = &mut current {
                        if detail.text.is_some() {
                            detail.push(Cow::Borrowed(", "));
                        }
                        detail.push(Cow::Owned(format!("{name}={}", gathered.finish())));
                    }
                } else if current.as_ref().is_some_and(|(_, at, _)| *at == depth) {
                    if let Some((slot, _, gathered)) = current.take() {
                        store(&mut fields, slot, gathered.finish())?;
                    }
                } else if depth == 2 && in_data {
                    in_data = false;
                }
                depth = depth.saturating_sub(1);
            }
            Event::Text(piece) => {
                if let Some((_, gathered)) = &mut detail_child {
                    gathered.push(piece.into_inner());
                } else if let Some((_, _, gathered)) = &mut current {
                    gathered.push(piece.into_inner());
                } else if depth == 0 && !piece.trim_matches(is_xml_space).is_empty() {
                    return Err(ParseError::Malformed(
                        "XML: text outside the root element".into(),
                    ));
                }
            }
            Event::CData(piece) => {
                let piece = piece.into_inner();
                if let Some((_, gathered)) = &mut detail_child {
                    gathered.push(piece);
                } else if let Some((_, _, gathered)) = &mut current {
                    gathered.push(piece);
                }
            }
            Event::GeneralRef(reference) => {
                let c = resolve_reference(reference)?;
                if let Some((_, gathered)) = &mut detail_child {
                    gathered.push_char(c);
                } else if let Some((_, _, gathered)) = &mut current {
                    gathered.push_char(c);
                }
            }
            Event::Eof => {
                return if depth > 0 || !seen_root {
                    Err(ParseError::Truncated)
                } else {
                    Ok(fields)
                };
            }
            Event::Decl(_) | Event::PI(_) | Event::Comment(_) | Event::DocType(_) => {}
        }
    }
}

/// The character an entity or character reference stands for: `&#...;`, or one of XML's five
/// predefined entities (no DTD declares others in the service's answers).
pub(super) fn resolve_reference(reference: BytesRef<'_>) -> Result<char, ParseError> {
    match reference.resolve_char_ref() {
        Ok(Some(c)) => Ok(c),
        Ok(None) => match &*reference.into_inner() {
            "lt" => Ok('<'),
            "gt" => Ok('>'),
            "amp" => Ok('&'),
            "apos" => Ok('\''),
            "quot" => Ok('"'),
            other => Err(ParseError::Malformed(format!(
                "XML: unknown entity &{};",
                crate::error::truncate_for_message(other, 32)
            ))),
        },
        Err(error) => Err(ParseError::Malformed(format!("XML: {error}"))),
    }
}

fn store<'a>(fields: &mut Fields<'a>, slot: Slot, value: Cow<'a, str>) -> Result<(), ParseError> {
    let target = match slot {
        Slot::Success => {
            let success = match &*value {
                "true" => true,
                "false" => false,
                other => {
                    return Err(ParseError::Malformed(format!(
                        "XML: Success is {:?}, not true or false",
                        crate::error::truncate_for_message(other, 32)
                    )));
                }
            };
            if fields.success.replace(success).is_some() {
                return Err(duplicate("Success"));
            }
            return Ok(());
        }
        Slot::AccessDeniedDetail => {
            if fields
                .access_denied_detail
                .replace(value.into_owned())
                .is_some()
            {
                return Err(duplicate("AccessDeniedDetail"));
            }
            return Ok(());
        }
        Slot::RequestId => (&mut fields.request_id, "RequestId"),
        Slot::HostId => (&mut fields.host_id, "HostId"),
        Slot::Code => (&mut fields.code, "Code"),
        Slot::Message => (&mut fields.message, "Message"),
        Slot::Recommend => (&mut fields.recommend, "Recommend"),
        Slot::HttpStatusCode => (&mut fields.http_status_code, "HttpStatusCode"),
        Slot::DataStatus => (&mut fields.data_status, "Data.Status"),
        Slot::DataMessage => (&mut fields.data_message, "Data.Message"),
        Slot::DataFileId => (&mut fields.data_file_id, "Data.FileId"),
        Slot::DataName => (&mut fields.data_name, "Data.Name"),
    };
    if target.0.replace(value).is_some() {
        return Err(duplicate(target.1));
    }
    Ok(())
}

fn duplicate(name: &str) -> ParseError {
    ParseError::Malformed(format!("XML: duplicate element {name}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_success_and_error_shapes() {
        let fields = parse(
            b"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<DeleteDISyncTaskResponse>\n  <Success>true</Success>\n  <RequestId>r-1</RequestId>\n  <Data>\n    <Status>fail</Status>\n    <Message>fileId:[100] is invalid.</Message>\n  </Data>\n</DeleteDISyncTaskResponse>\n",
        )
        .unwrap();
        assert_eq!(fields.success, Some(true));
        assert!(matches!(fields.request_id, Some(Cow::Borrowed("r-1"))));
        assert_eq!(fields.data_status.as_deref(), Some("fail"));
        assert_eq!(
            fields.data_message.as_deref(),
            Some("fileId:[100] is invalid.")
        );
        assert_eq!(fields.message, None);

        let fields = parse(
            b"<Error><RequestId>r</RequestId><HostId>h</HostId><Code>Forbidden.RAM</Code><Message>a &amp; b &#x41;</Message><Recommend><![CDATA[https://x/?a=1&b=2]]></Recommend><AccessDeniedDetail><PolicyType>Explicit</PolicyType><AuthAction>dataworks:Delete</AuthAction></AccessDeniedDetail></Error>",
        )
        .unwrap();
        assert_eq!(fields.code.as_deref(), Some("Forbidden.RAM"));
        assert_eq!(fields.message.as_deref(), Some("a & b A"));
        assert_eq!(fields.recommend.as_deref(), Some("https://x/?a=1&b=2"));
        assert_eq!(
            fields.access_denied_detail.as_deref(),
            Some("PolicyType=Explicit, AuthAction=dataworks:Delete")
        );
    }

    #[test]
    fn skips_unknown_and_nested_members() {
        let fields = parse(
            b"<R><Other><Code>inner</Code></Other><Data><Status>ok</Status><Deep><Status>no</Status></Deep></Data><Message/></R>",
        )
        .unwrap();
        assert_eq!(fields.code, None);
        assert_eq!(fields.data_status.as_deref(), Some("ok"));
        assert_eq!(fields.message.as_deref(), Some(""));
        let fields = parse(
            b"<R><Code>top</Code><Data><FileId>7</FileId><Name>n</Name><Code>{&quot;a&quot;:1}</Code></Data></R>",
        )
        .unwrap();
        assert_eq!(fields.code.as_deref(), Some("top"));
        assert_eq!(fields.data_file_id.as_deref(), Some("7"));
        assert_eq!(fields.data_name.as_deref(), Some("n"));
    }

    #[test]
    fn rejects_broken_documents() {
        assert_eq!(parse(b"<R><RequestId>r</Req"), Err(ParseError::Truncated));
        assert_eq!(
            parse(b"<R><RequestId>r</RequestId>"),
            Err(ParseError::Truncated)
        );
        assert_eq!(parse(b""), Err(ParseError::Truncated));
        for broken in [
            &b"<R><A></B></R>"[..],
            b"<R><Success>yes</Success></R>",
            b"<R><Code>a</Code><Code>b</Code></R>",
            b"<R>&bogus;</R>",
            b"<R/><S/>",
            b"<R></R>text",
            b"<R>\xff</R>",
        ] {
            assert!(
                matches!(parse(broken), Err(ParseError::Malformed(_))),
                "{:?}",
                String::from_utf8_lossy(broken)
            );
        }
    }
}
