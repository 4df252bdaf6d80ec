//! Answers in JSON or XML, as the gateway and the service write them, with `RequestId`,
//! `x-acs-request-id` and `Date`.

use std::fmt::Write as _;
use std::time::{Duration, UNIX_EPOCH};

use bytes::Bytes;
use di_proto::Timestamp;
use di_proto::http::{HeaderValue, StatusCode, header};

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

/// A member of `Data`: text, or an integer (a JSON number, such as `FileId`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Member {
    Text(String),
    Integer(i64),
}

impl Member {
    fn text(&self) -> std::borrow::Cow<'_, str> {
        match self {
            Member::Text(text) => std::borrow::Cow::Borrowed(text),
            Member::Integer(value) => std::borrow::Cow::Owned(value.to_string()),
        }
    }
}

/// The success answer `{RequestId, Success: true, Data: {...}}`, root `<{action}Response>`.
pub(crate) fn success(
    format: Format,
    action: &str,
    request_id: &str,
    data: &[(&str, Member)],
    now: Timestamp,
) -> http::Response<Bytes> {
    let body = match format {
        Format::Json => {
            let mut data_object = serde_json::Map::new();
            for (name, value) in data {
                let value = match value {
                    Member::Text(text) => serde_json::Value::from(text.as_str()),
                    Member::Integer(value) => serde_json::Value::from(*value),
                };
                data_object.insert((*name).to_owned(), value);
            }
            serde_json::json!({
                "RequestId": request_id,
                "Success": true,
                "Data": data_object,
            })
            .to_string()
        }
        Format::Xml => {
            let mut body = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>");
            let _ = write!(body, "<{action}Response><RequestId>");
            escape_into(&mut body, request_id);
            body.push_str("</RequestId><Success>true</Success><Data>");
            for (name, value) in data {
                let _ = write!(body, "<{name}>");
                escape_into(&mut body, &value.text());
                let _ = write!(body, "</{name}>");
            }
            let _ = write!(body, "</Data></{action}Response>");
            body
        }
    };
    response(StatusCode::OK, format, request_id, body, now)
}

/// The error answer `{RequestId, HostId, Code, Message, Recommend}`, root `<Error>`.
pub(crate) fn error(
    format: Format,
    status: StatusCode,
    code: &str,
    message: &str,
    request_id: &str,
    host_id: &str,
    now: Timestamp,
) -> http::Response<Bytes> {
    let recommend = format!(
        "https://api.aliyun.com/troubleshoot?q={code}&product=dataworks-public&requestId={request_id}"
    );
    let body = match format {
        Format::Json => serde_json::json!({
            "RequestId": request_id,
            "HostId": host_id,
            "Code": code,
            "Message": message,
            "Recommend": recommend,
        })
        .to_string(),
        Format::Xml => {
            let mut body = String::from("<?xml version='1.0' encoding='UTF-8'?><Error>");
            for (name, text) in [
                ("RequestId", request_id),
                ("HostId", host_id),
                ("Code", code),
                ("Message", message),
                ("Recommend", &recommend),
            ] {
                let _ = write!(body, "<{name}>");
                escape_into(&mut body, text);
                let _ = write!(body, "</{name}>");
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
    fn escapes_xml_text() {
        let mut out = String::new();
        escape_into(&mut out, "a&b<c>\"'\u{1}");
        assert_eq!(out, "a&amp;b&lt;c&gt;&quot;&apos;\u{fffd}");
    }
}
