//! Typed records read from an answer's `Data` tree ([`crate::response::tree`]), declared with
//! [`model!`]: each field names its wire member and its Rust type, and [`FromValue`] reads it.
//!
//! Every member the official SDK models carry is a field; members it does not model are left
//! in the raw `Data` that each output keeps. A member that is absent, `null` or (in XML) empty
//! reads as `None` or an empty list. A member of the wrong type is an error that names its
//! path: numbers and booleans may come as text (XML has no other way to send them), but text
//! that is not a number where the models say integer is not guessed at.

use serde_json::Value;

/// Reads one member of a `Data` tree; `path` names it in errors (`Data.Files[2].FileId`).
pub(crate) trait FromValue: Sized {
    fn from_value(value: Option<&Value>, path: &dyn Fn() -> String) -> Result<Self, String>;
}

impl FromValue for Option<String> {
    fn from_value(value: Option<&Value>, path: &dyn Fn() -> String) -> Result<Self, String> {
        match value {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(text)) => Ok(Some(text.clone())),
            Some(Value::Number(number)) => Ok(Some(number.to_string())),
            Some(Value::Bool(flag)) => Ok(Some(flag.to_string())),
            Some(_) => Err(format!("{} is not text", path())),
        }
    }
}

impl FromValue for Option<i64> {
    fn from_value(value: Option<&Value>, path: &dyn Fn() -> String) -> Result<Self, String> {
        match value {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Number(number)) => number
                .as_i64()
                .map(Some)
                .ok_or_else(|| format!("{} is not a 64-bit integer", path())),
            Some(Value::String(text)) if text.trim().is_empty() => Ok(None),
            Some(Value::String(text)) => text
                .trim()
                .parse::<i64>()
                .map(Some)
                .map_err(|_| format!("{} is not an integer", path())),
            Some(_) => Err(format!("{} is not an integer", path())),
        }
    }
}

impl FromValue for Option<bool> {
    fn from_value(value: Option<&Value>, path: &dyn Fn() -> String) -> Result<Self, String> {
        match value {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Bool(flag)) => Ok(Some(*flag)),
            Some(Value::String(text)) if text.trim().is_empty() => Ok(None),
            Some(Value::String(text)) if text.trim().eq_ignore_ascii_case("true") => Ok(Some(true)),
            Some(Value::String(text)) if text.trim().eq_ignore_ascii_case("false") => {
                Ok(Some(false))
            }
            Some(_) => Err(format!("{} is not true or false", path())),
        }
    }
}

/// A list: a JSON array, or (XML) one item on its own or repeated siblings.
impl<T: Item> FromValue for Vec<T> {
    fn from_value(value: Option<&Value>, path: &dyn Fn() -> String) -> Result<Self, String> {
        let items: &[Value] = match value {
            None | Some(Value::Null) => return Ok(Vec::new()),
            Some(Value::String(text)) if text.is_empty() => return Ok(Vec::new()),
            Some(Value::Array(items)) => items,
            Some(one) => std::slice::from_ref(one),
        };
        items
            .iter()
            .enumerate()
            .map(|(index, item)| T::item(item, &|| format!("{}[{index}]", path())))
            .collect()
    }
}

/// A nested record: present or not.
impl<T: Record> FromValue for Option<T> {
    fn from_value(value: Option<&Value>, path: &dyn Fn() -> String) -> Result<Self, String> {
        match value {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(text)) if text.is_empty() => Ok(None),
            Some(value) => T::record(value, path).map(Some),
        }
    }
}

/// What a list can hold: records, or text.
pub(crate) trait Item: Sized {
    fn item(value: &Value, path: &dyn Fn() -> String) -> Result<Self, String>;
}

impl Item for String {
    fn item(value: &Value, path: &dyn Fn() -> String) -> Result<Self, String> {
        <Option<String>>::from_value(Some(value), path).map(Option::unwrap_or_default)
    }
}

/// A record declared with [`model!`].
pub(crate) trait Record: Sized {
    fn record(value: &Value, path: &dyn Fn() -> String) -> Result<Self, String>;
}

impl<T: Record> Item for T {
    fn item(value: &Value, path: &dyn Fn() -> String) -> Result<Self, String> {
        T::record(value, path)
    }
}

/// Declares a public record of an answer: its doc, then one line per field with the wire
/// member, the field and its type (`Option<String>`, `Option<i64>`, `Option<bool>`, a nested
/// `Option<Record>`, or a `Vec` of records or strings). An `Option<String>` field marked
/// `[script]` (a file's content, which can hold a data source's password) shows its length
/// only in `Debug`.
macro_rules! model {
    (
        $(#[doc = $doc:literal])*
        $vis:vis struct $name:ident {
            $(
                $(#[doc = $field_doc:literal])*
                $wire:literal => $field:ident: $ty:ty $([$script:ident])?,
            )*
        }
    ) => {
        $(#[doc = $doc])*
        #[derive(Clone, Default, PartialEq, Eq)]
        #[non_exhaustive]
        $vis struct $name {
            $(
                $(#[doc = $field_doc])*
                #[doc = concat!("\n\nWire member: `", $wire, "`.")]
                $vis $field: $ty,
            )*
        }

        impl std::fmt::Debug for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.debug_struct(stringify!($name))
                    $(.field(stringify!($field), $crate::ops::model::shown!(self.$field $(, $script)?)))*
                    .finish()
            }
        }

        impl $crate::ops::model::Record for $name {
            fn record(
                value: &serde_json::Value,
                path: &dyn Fn() -> String,
            ) -> Result<Self, String> {
                let members = match value {
                    serde_json::Value::Object(members) => members,
                    _ => return Err(format!("{} is not an object", path())),
                };
                Ok($name {
                    $(
                        $field: $crate::ops::model::FromValue::from_value(
                            members.get($wire),
                            &|| format!("{}.{}", path(), $wire),
                        )?,
                    )*
                })
            }
        }
    };
}

pub(crate) use model;

/// What `Debug` shows of a [`model!`] field: the field, or a script's length.
macro_rules! shown {
    ($field:expr) => {
        &$field
    };
    ($field:expr, script) => {
        &$field.as_deref().map($crate::ops::change::Redacted)
    };
}

pub(crate) use shown;

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    model! {
        /// A test record.
        pub(crate) struct Sample {
            /// An id.
            "Id" => id: Option<i64>,
            /// A name.
            "Name" => name: Option<String>,
            /// A flag.
            "On" => on: Option<bool>,
            /// Names.
            "Tags" => tags: Vec<String>,
            /// Children.
            "Children" => children: Vec<Sample>,
            /// A script.
            "Script" => script: Option<String> [script],
        }
    }

    #[test]
    fn debug_shows_a_script_s_length_only() {
        let sample = read(json!({"Id": 7, "Script": "{\"password\":\"p4ss\"}"})).unwrap();
        let shown = format!("{sample:?}");
        assert_eq!(
            shown,
            "Sample { id: Some(7), name: None, on: None, tags: [], children: [], \
             script: Some(<19 bytes>) }"
        );
    }

    fn read(value: Value) -> Result<Sample, String> {
        Sample::record(&value, &|| "Data".to_owned())
    }

    #[test]
    fn reads_json_and_xml_shapes_alike() {
        let from_json = read(json!({"Id": 7, "Name": "a", "On": true, "Tags": ["x"],
            "Children": [{"Id": 8}]}))
        .unwrap();
        let from_xml = read(json!({"Id": "7", "Name": "a", "On": "true", "Tags": "x",
            "Children": {"Id": "8"}}))
        .unwrap();
        assert_eq!(from_json, from_xml);
        assert_eq!(from_json.children[0].id, Some(8));
        assert_eq!(
            read(json!({"Id": "", "Tags": ""})).unwrap(),
            Sample::default()
        );
    }

    #[test]
    fn names_the_member_of_the_wrong_type() {
        assert_eq!(
            read(json!({"Children": [{"Id": 1}, {"Id": "seven"}]})),
            Err("Data.Children[1].Id is not an integer".to_owned())
        );
        assert_eq!(
            read(json!({"On": "yes"})),
            Err("Data.On is not true or false".to_owned())
        );
        assert_eq!(read(json!([1])), Err("Data is not an object".to_owned()));
    }
}
