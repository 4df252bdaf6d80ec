//! Answers in JSON or XML, as the gateway and the service write them, with `RequestId`,
//! `x-acs-request-id` and `Date`.

use std::fmt::Write as _;
use std::time::{Duration, UNIX_EPOCH};

use bytes::Bytes;
use di_proto::Timestamp;
use di_proto::http::{HeaderValue, StatusCode, header};
use serde_json::Value;

/// The format of an answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Format {
    Json,
    Xml,
}

/// `RequestId`-style ids: uppercase hex in the 8-4-4-4-12 shape, from a counter, so that runs
/// repeat and no randomness is needed.
pub(crate) fn request_id(counter: u64) -> String {
    let mixed = counter.wrapping_mul(0x9e37_79b9_7f4a_7c15) ^ 0x5851_f42d_4c95_7f2d;
    format!(
        "{:08X}-{:04X}-4{:03X}-A{:03X}-{:012X}",
        (mixed >> 32) as u32,
        (mixed >> 16) as u16,
        (mixed & 0xfff) as u16,
        (counter >> 48) as u16 & 0xfff,
        counter & 0xffff_ffff_ffff
    )
}

/// The success answer `{RequestId, Success: true, Data}`, root `<{action}Response>`; with
/// `error_fields` (the discovery actions), also `HttpStatusCode: 200` and empty `ErrorCode`
/// and `ErrorMessage`, as those answers model them.
///
/// In XML, an object is an element per member, and an array is its element repeated, once
/// per item (`"Files":[a,b]` is `<Files>a</Files><Files>b</Files>`); `null` members are left
/// out.
pub(crate) fn success(
    format: Format,
    action: &str,
    request_id: &str,
    data: &Value,
    error_fields: bool,
    now: Timestamp,
) -> http::Response<Bytes> {
    let mut top = serde_json::Map::new();
    top.insert("RequestId".to_owned(), Value::from(request_id));
    top.insert("Success".to_owned(), Value::from(true));
    top.insert("Data".to_owned(), data.clone());
    if error_fields {
        top.insert("HttpStatusCode".to_owned(), Value::from(200));
        top.insert("ErrorCode".to_owned(), Value::from(""));
        top.insert("ErrorMessage".to_owned(), Value::from(""));
    }
    let body = match format {
        Format::Json => Value::Object(top).to_string(),
        Format::Xml => {
            let mut body = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>");
            let _ = write!(body, "<{action}Response>");
            // RequestId first, as the gateway writes it.
            for name in [
                "RequestId",
                "Success",
                "Data",
                "HttpStatusCode",
                "ErrorCode",
                "ErrorMessage",
            ] {
                if let Some(value) = top.get(name) {
                    xml_into(&mut body, name, value);
                }
            }
            let _ = write!(body, "</{action}Response>");
            body
        }
    };
    response(StatusCode::OK, format, request_id, body, now)
}

/// `value` as XML element(s) named `name`.
fn xml_into(out: &mut String, name: &str, value: &Value) {
    match value {
        Value::Null => {}
        Value::Array(items) => {
            for item in items {
                xml_into(out, name, item);
            }
        }
        Value::Object(members) => {
            let _ = write!(out, "<{name}>");
            for (member, value) in members {
                xml_into(out, member, value);
            }
            let _ = write!(out, "</{name}>");
        }
        Value::String(text) => {
            let _ = write!(out, "<{name}>");
            escape_into(out, text);
            let _ = write!(out, "</{name}>");
        }
        Value::Bool(_) | Value::Number(_) => {
            let _ = write!(out, "<{name}>{value}</{name}>");
        }
    }
}

/// The error answer `{RequestId, HostId, Code, Message, Recommend}`, root `<Error>`; with
/// `error_fields` (a discovery action's refusal past the gateway), also `Success: false`,
/// `ErrorCode`, `ErrorMessage` and `HttpStatusCode`, as those answers model them.
#[allow(clippy::too_many_arguments)]
pub(crate) fn error(
    format: Format,
    status: StatusCode,
    code: &str,
    message: &str,
    request_id: &str,
    host_id: &str,
    error_fields: bool,
    now: Timestamp,
) -> http::Response<Bytes> {
    let recommend = format!(
        "https://api.aliyun.com/troubleshoot?q={code}&product=dataworks-public&requestId={request_id}"
    );
    let mut members: Vec<(&str, Value)> = vec![
        ("RequestId", Value::from(request_id)),
        ("HostId", Value::from(host_id)),
        ("Code", Value::from(code)),
        ("Message", Value::from(message)),
        ("Recommend", Value::from(recommend)),
    ];
    if error_fields {
        members.extend([
            ("Success", Value::from(false)),
            ("ErrorCode", Value::from(code)),
            ("ErrorMessage", Value::from(message)),
            ("HttpStatusCode", Value::from(status.as_u16())),
        ]);
    }
    let body = match format {
        Format::Json => Value::Object(
            members
                .into_iter()
                .map(|(name, value)| (name.to_owned(), value))
                .collect(),
        )
        .to_string(),
        Format::Xml => {
            let mut body = String::from("<?xml version='1.0' encoding='UTF-8'?><Error>");
            for (name, value) in &members {
                xml_into(&mut body, name, value);
            }
            body.push_str("</Error>");
            body
        }
    };
    response(status, format, request_id, body, now)
}

fn escape_into(out: &mut String, text: &str) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // XML 1.0 cannot carry most control characters, even escaped.
            c if c.is_control() && !matches!(c, '\t' | '\n' | '\r') => out.push('\u{fffd}'),
            c => out.push(c),
        }
    }
}

/// The `Date` header value of `now`.
pub(crate) fn http_date(now: Timestamp) -> String {
    let seconds = u64::try_from(now.unix_seconds()).unwrap_or_default();
    httpdate::fmt_http_date(UNIX_EPOCH + Duration::from_secs(seconds))
}

fn response(
    status: StatusCode,
    format: Format,
    request_id: &str,
    body: String,
    now: Timestamp,
) -> http::Response<Bytes> {
    let mut response = http::Response::new(Bytes::from(body));
    *response.status_mut() = status;
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(match format {
            Format::Json => "application/json;charset=utf-8",
            Format::Xml => "text/xml;charset=utf-8",
        }),
    );
    if let Ok(value) = HeaderValue::from_str(&http_date(now)) {
        headers.insert(header::DATE, value);
    }
    if let Ok(value) = HeaderValue::from_str(request_id) {
        headers.insert("x-acs-request-id", value);
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_ids_are_distinct_and_shaped() {
        let ids: std::collections::HashSet<String> = (0..1000).map(request_id).collect();
        assert_eq!(ids.len(), 1000);
        let id = request_id(7);
        assert_eq!(id.len(), 36, "{id}");
        assert!(
            id.bytes()
                .all(|byte| byte.is_ascii_hexdigit() || byte == b'-'),
            "{id}"
        );
    }

    #[test]
    fn renders_nested_data_in_xml_with_repeated_array_elements() {
        let data = serde_json::json!({
            "Files": [{"FileId": 1, "FileName": "a&b"}, {"FileId": 2, "FileName": "c"}],
            "TotalCount": 2,
            "Skipped": null,
            "Flag": true,
        });
        let now = Timestamp::from_unix_seconds(1_800_000_000).unwrap();
        let answer = success(Format::Xml, "ListFiles", "R-1", &data, true, now);
        let body = std::str::from_utf8(answer.body()).unwrap();
        assert_eq!(
            body,
            concat!(
                r#"<?xml version="1.0" encoding="UTF-8"?><ListFilesResponse>"#,
                "<RequestId>R-1</RequestId><Success>true</Success><Data>",
                "<Files><FileId>1</FileId><FileName>a&amp;b</FileName></Files>",
                "<Files><FileId>2</FileId><FileName>c</FileName></Files>",
                "<Flag>true</Flag><TotalCount>2</TotalCount></Data>",
                "<HttpStatusCode>200</HttpStatusCode><ErrorCode></ErrorCode>",
                "<ErrorMessage></ErrorMessage></ListFilesResponse>"
            )
        );
        let answer = success(Format::Json, "ListFiles", "R-1", &data, false, now);
        let body: Value = serde_json::from_slice(answer.body()).unwrap();
        assert_eq!(body["Data"], data);
        assert!(body.get("ErrorCode").is_none());
    }

    #[test]
    fn escapes_xml_text() {
        let mut out = String::new();
        escape_into(&mut out, "a&b<c>\"'\u{1}");
        assert_eq!(out, "a&amp;b&lt;c&gt;&quot;&apos;\u{fffd}");
    }
}
