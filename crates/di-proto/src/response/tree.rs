//! The whole `Data` member of an answer, as a tree, for the operations that read records.
//!
//! JSON is read as it is. XML becomes the same tree: an element with children is an object,
//! an element without is its text, and repeated siblings are an array (so a list of one item
//! reads as the item itself; the typed models accept both). XML carries no types, so its
//! numbers and booleans arrive as text; the typed models read either.

use quick_xml::Reader;
use quick_xml::events::Event;
use serde_json::{Map, Value};

use super::ParseError;
use crate::Format;

/// The `Data` member of an answer that [`super::read`] accepted, or `Null` when it has none.
pub(crate) fn data(format: Format, body: &[u8]) -> Result<Value, ParseError> {
    let root = match format {
        Format::Xml => xml_root(body)?,
        _ => serde_json::from_slice::<Value>(body)
            .map_err(|error| ParseError::Malformed(format!("JSON: {error}")))?,
    };
    Ok(match root {
        Value::Object(mut members) => members.remove("Data").unwrap_or(Value::Null),
        _ => Value::Null,
    })
}

/// One element being read: its name, its children so far, its text so far.
struct Open {
    name: String,
    children: Map<String, Value>,
    text: String,
}

impl Open {
    fn new(name: &str) -> Result<Open, ParseError> {
        Ok(Open {
            name: name.to_owned(),
            children: Map::new(),
            text: String::new(),
        })
    }

    fn close(self) -> (String, Value) {
        let value = if self.children.is_empty() {
            Value::String(self.text.trim_matches(is_xml_space).to_owned())
        } else {
            Value::Object(self.children)
        };
        (self.name, value)
    }

    fn adopt(&mut self, name: String, value: Value) {
        match self.children.get_mut(&name) {
            None => {
                self.children.insert(name, value);
            }
            Some(Value::Array(items)) => items.push(value),
            Some(existing) => {
                let first = existing.take();
                *existing = Value::Array(vec![first, value]);
            }
        }
    }
}

fn is_xml_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\r')
}

/// The root element of an XML answer as a tree (its own name dropped).
fn xml_root(body: &[u8]) -> Result<Value, ParseError> {
    let text = std::str::from_utf8(body)
        .map_err(|error| ParseError::Malformed(format!("XML is not UTF-8: {error}")))?;
    let mut reader = Reader::from_str(text);
    let mut stack: Vec<Open> = Vec::new();
    loop {
        match reader
            .read_event()
            .map_err(|error| ParseError::Malformed(format!("XML: {error}")))?
        {
            Event::Start(start) => stack.push(Open::new(start.name().as_ref())?),
            Event::Empty(start) => {
                let (name, value) = Open::new(start.name().as_ref())?.close();
                match stack.last_mut() {
                    Some(parent) => parent.adopt(name, value),
                    None => return Ok(value),
                }
            }
            Event::End(_) => {
                let Some(open) = stack.pop() else {
                    return Err(ParseError::Malformed(
                        "XML: an end tag without a start".into(),
                    ));
                };
                let (name, value) = open.close();
                match stack.last_mut() {
                    Some(parent) => parent.adopt(name, value),
                    None => return Ok(value),
                }
            }
            Event::Text(piece) => {
                if let Some(open) = stack.last_mut() {
                    open.text.push_str(&piece.into_inner());
                }
            }
            Event::CData(piece) => {
                if let Some(open) = stack.last_mut() {
                    open.text.push_str(&piece.into_inner());
                }
            }
            Event::GeneralRef(reference) => {
                let c = super::xml::resolve_reference(reference)?;
                if let Some(open) = stack.last_mut() {
                    open.text.push(c);
                }
            }
            Event::Eof => return Err(ParseError::Truncated),
            Event::Decl(_) | Event::PI(_) | Event::Comment(_) | Event::DocType(_) => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn xml_becomes_the_json_tree() {
        let xml = br#"<?xml version="1.0"?><ListFilesResponse><RequestId>r</RequestId>
            <Data><PageNumber>1</PageNumber><Files><FileId>7</FileId><FileName>a &amp; b</FileName></Files>
            <Files><FileId>8</FileId><FileName/></Files></Data></ListFilesResponse>"#;
        let data = super::data(Format::Xml, xml).unwrap();
        assert_eq!(
            data,
            serde_json::json!({
                "PageNumber": "1",
                "Files": [{"FileId": "7", "FileName": "a & b"}, {"FileId": "8", "FileName": ""}],
            })
        );
        let json = br#"{"RequestId":"r","Data":{"PageNumber":1}}"#;
        assert_eq!(
            super::data(Format::Json, json).unwrap(),
            serde_json::json!({"PageNumber": 1})
        );
        assert_eq!(
            super::data(Format::Json, br#"{"RequestId":"r"}"#).unwrap(),
            Value::Null
        );
        assert_eq!(
            super::data(Format::Xml, b"<R><Data>"),
            Err(ParseError::Truncated)
        );
    }
}
