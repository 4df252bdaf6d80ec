//! The JSON form of an answer, read with serde into borrowed fields.
//!
//! Field names are matched as the official SDKs match them: `Code`, `Message` and `RequestId`
//! in either case, `ErrorCode` / `ErrorMessage` from older DataWorks bodies. Unknown fields are
//! skipped; `Data` is read only when it is an object.

use std::borrow::Cow;
use std::fmt;
use std::marker::PhantomData;

use serde::Deserialize;
use serde::de::{self, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::value::RawValue;

use super::{Fields, ParseError};

#[derive(Deserialize)]
struct Body<'a> {
    #[serde(rename = "Success", alias = "success", default)]
    success: Option<bool>,
    #[serde(borrow, rename = "RequestId", alias = "requestId", default)]
    request_id: Option<Text<'a>>,
    #[serde(borrow, rename = "HostId", alias = "hostId", default)]
    host_id: Option<Text<'a>>,
    #[serde(borrow, rename = "Code", alias = "code", default)]
    code: Option<Text<'a>>,
    #[serde(borrow, rename = "ErrorCode", default)]
    error_code: Option<Text<'a>>,
    #[serde(borrow, rename = "Message", alias = "message", default)]
    message: Option<Text<'a>>,
    #[serde(borrow, rename = "ErrorMessage", default)]
    error_message: Option<Text<'a>>,
    #[serde(borrow, rename = "Recommend", alias = "recommend", default)]
    recommend: Option<Text<'a>>,
    #[serde(borrow, rename = "AccessDeniedDetail", default)]
    access_denied_detail: Option<&'a RawValue>,
    #[serde(borrow, rename = "HttpStatusCode", default)]
    http_status_code: Option<Text<'a>>,
    #[serde(borrow, rename = "Data", default)]
    data: Data<'a>,
}

/// A string member, borrowed from the body unless it holds escapes. Numbers and booleans
/// are kept as their JSON text, so that nothing the service said is lost; arrays and objects
/// are rejected.
struct Text<'a>(Cow<'a, str>);

impl<'de: 'a, 'a> Deserialize<'de> for Text<'a> {
    fn deserialize<D: de::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(TextVisitor(PhantomData))
    }
}

struct TextVisitor<'a>(PhantomData<&'a ()>);

impl<'de: 'a, 'a> Visitor<'de> for TextVisitor<'a> {
    type Value = Text<'a>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a string, number or boolean")
    }
    fn visit_borrowed_str<E>(self, value: &'de str) -> Result<Text<'a>, E> {
        Ok(Text(Cow::Borrowed(value)))
    }
    fn visit_str<E>(self, value: &str) -> Result<Text<'a>, E> {
        Ok(Text(Cow::Owned(value.to_owned())))
    }
    fn visit_string<E>(self, value: String) -> Result<Text<'a>, E> {
        Ok(Text(Cow::Owned(value)))
    }
    fn visit_bool<E>(self, value: bool) -> Result<Text<'a>, E> {
        Ok(Text(Cow::Owned(value.to_string())))
    }
    fn visit_i64<E>(self, value: i64) -> Result<Text<'a>, E> {
        Ok(Text(Cow::Owned(value.to_string())))
    }
    fn visit_u64<E>(self, value: u64) -> Result<Text<'a>, E> {
        Ok(Text(Cow::Owned(value.to_string())))
    }
    fn visit_f64<E>(self, value: f64) -> Result<Text<'a>, E> {
        Ok(Text(Cow::Owned(value.to_string())))
    }
}

fn text(value: Option<Text<'_>>) -> Option<Cow<'_, str>> {
    value.map(|Text(text)| text)
}

/// The members of `Data` that are kept, when `Data` is an object; nothing otherwise.
#[derive(Default)]
struct Data<'a> {
    status: Option<Text<'a>>,
    message: Option<Text<'a>>,
    file_id: Option<Text<'a>>,
    name: Option<Text<'a>>,
}

#[derive(Deserialize)]
#[serde(field_identifier)]
enum DataKey {
    Status,
    Message,
    FileId,
    Name,
    #[serde(other)]
    Other,
}

impl<'de: 'a, 'a> Deserialize<'de> for Data<'a> {
    fn deserialize<D: de::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(DataVisitor(PhantomData))
    }
}

struct DataVisitor<'a>(PhantomData<&'a ()>);

impl<'de: 'a, 'a> Visitor<'de> for DataVisitor<'a> {
    type Value = Data<'a>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_map<M: MapAccess<'de>>(self, mut map: M) -> Result<Data<'a>, M::Error> {
        let mut data = Data::default();
        while let Some(key) = map.next_key::<DataKey>()? {
            let (slot, name) = match key {
                DataKey::Status => (&mut data.status, "Status"),
                DataKey::Message => (&mut data.message, "Message"),
                DataKey::FileId => (&mut data.file_id, "FileId"),
                DataKey::Name => (&mut data.name, "Name"),
                DataKey::Other => {
                    map.next_value::<IgnoredAny>()?;
                    continue;
                }
            };
            if slot.is_some() {
                return Err(de::Error::custom(format_args!(
                    "duplicate field `Data.{name}`"
                )));
            }
            *slot = map.next_value()?;
        }
        Ok(data)
    }

    fn visit_seq<S: SeqAccess<'de>>(self, mut seq: S) -> Result<Data<'a>, S::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(Data::default())
    }
    fn visit_bool<E>(self, _: bool) -> Result<Data<'a>, E> {
        Ok(Data::default())
    }
    fn visit_i64<E>(self, _: i64) -> Result<Data<'a>, E> {
        Ok(Data::default())
    }
    fn visit_u64<E>(self, _: u64) -> Result<Data<'a>, E> {
        Ok(Data::default())
    }
    fn visit_f64<E>(self, _: f64) -> Result<Data<'a>, E> {
        Ok(Data::default())
    }
    fn visit_str<E>(self, _: &str) -> Result<Data<'a>, E> {
        Ok(Data::default())
    }
    fn visit_unit<E>(self) -> Result<Data<'a>, E> {
        Ok(Data::default())
    }
}

/// Parses a JSON answer.
pub(crate) fn parse(body: &[u8]) -> Result<Fields<'_>, ParseError> {
    // serde_json checks UTF-8 only in the strings it reads, not in those it skips: check the
    // whole body first, so that no answer passes with bytes nobody looked at.
    let body = std::str::from_utf8(body)
        .map_err(|error| ParseError::Malformed(format!("JSON is not UTF-8: {error}")))?;
    let body: Body<'_> = serde_json::from_str(body).map_err(|error| {
        if error.is_eof() {
            ParseError::Truncated
        } else {
            ParseError::Malformed(format!("JSON: {error}"))
        }
    })?;
    Ok(Fields {
        success: body.success,
        request_id: text(body.request_id),
        host_id: text(body.host_id),
        code: text(body.code.or(body.error_code)),
        message: text(body.message.or(body.error_message)),
        recommend: text(body.recommend),
        http_status_code: text(body.http_status_code),
        access_denied_detail: match body.access_denied_detail.map(RawValue::get) {
            None | Some("null") => None,
            // A string is kept as its text; anything else as the JSON the service sent.
            Some(raw) if raw.starts_with('"') => Some(
                serde_json::from_str::<String>(raw)
                    .map_err(|error| ParseError::Malformed(format!("JSON: {error}")))?,
            ),
            Some(raw) => Some(raw.to_owned()),
        },
        data_status: text(body.data.status),
        data_message: text(body.data.message),
        data_file_id: text(body.data.file_id),
        data_name: text(body.data.name),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_success_and_error_shapes() {
        let fields = parse(
            br#"{"Success":true,"RequestId":"r-1","Data":{"Status":"fail","Message":"fileId:[100] is invalid.","Extra":[1,{"a":2}]}}"#,
        )
        .unwrap();
        assert_eq!(fields.success, Some(true));
        assert_eq!(fields.request_id.as_deref(), Some("r-1"));
        assert_eq!(fields.data_status.as_deref(), Some("fail"));
        assert_eq!(
            fields.data_message.as_deref(),
            Some("fileId:[100] is invalid.")
        );

        let fields = parse(
            br#"{"requestId":"r-2","code":"Throttling.Api","message":"slow","AccessDeniedDetail":{"Z":1,"PolicyType":"AccountLevelIdentityBasedPolicy"}}"#,
        )
        .unwrap();
        assert_eq!(fields.code.as_deref(), Some("Throttling.Api"));
        assert_eq!(fields.message.as_deref(), Some("slow"));
        assert_eq!(
            fields.access_denied_detail.as_deref(),
            Some(r#"{"Z":1,"PolicyType":"AccountLevelIdentityBasedPolicy"}"#)
        );

        let fields =
            parse(br#"{"ErrorCode":"E","ErrorMessage":"m","Success":false,"Data":null}"#).unwrap();
        assert_eq!(
            (fields.code.as_deref(), fields.message.as_deref()),
            (Some("E"), Some("m"))
        );
    }

    #[test]
    fn keeps_scalar_members_as_text() {
        let fields = parse(br#"{"RequestId":7,"Data":{"Status":1,"Message":null}}"#).unwrap();
        assert_eq!(fields.request_id.as_deref(), Some("7"));
        assert_eq!(fields.data_status.as_deref(), Some("1"));
        assert_eq!(fields.data_message, None);
        assert!(matches!(
            parse(br#"{"Code":["x"]}"#),
            Err(ParseError::Malformed(_))
        ));
        let fields = parse(br#"{"RequestId":"r\u0041","Code":"c"}"#).unwrap();
        assert_eq!(fields.request_id.as_deref(), Some("rA"));
        assert!(matches!(fields.code, Some(Cow::Borrowed("c"))));
        let fields = parse(br#"{"RequestId":"r","Data":[1,2]}"#).unwrap();
        assert_eq!(fields.data_status, None);
        let fields = parse(
            br#"{"RequestId":"r","Data":{"Status":"success","FileId":123,"Name":"n","Code":"{\"a\":1}"}}"#,
        )
        .unwrap();
        assert_eq!(fields.data_file_id.as_deref(), Some("123"));
        assert_eq!(fields.data_name.as_deref(), Some("n"));
    }

    #[test]
    fn tells_truncation_from_malformation() {
        assert_eq!(
            parse(br#"{"RequestId":"r","Da"#),
            Err(ParseError::Truncated)
        );
        assert!(matches!(
            parse(br#"{"Success":"yes"}"#),
            Err(ParseError::Malformed(_))
        ));
        assert!(matches!(
            parse(br#"{"RequestId":"a","RequestId":"b"}"#),
            Err(ParseError::Malformed(_))
        ));
        assert!(matches!(
            parse(br#"{"Data":{"Status":"a","Status":"b"}}"#),
            Err(ParseError::Malformed(_))
        ));
        assert!(matches!(
            parse(b"{} trailing"),
            Err(ParseError::Malformed(_))
        ));
    }
}
