//! Texts and documents drawn from [`Unstructured`] bytes: mostly the shapes the parsers know
//! (member and element names of the service's answers, escapes, references, nesting), so that
//! random bytes reach deep paths, and sometimes anything at all.

use arbitrary::{Result, Unstructured};

/// The STS token that the targets plant: in the request of a response's context, in bodies
/// (where the redaction markers are) and in the emulator's configuration. It must never come
/// out of an error unless the input carries it outside a redaction marker.
pub(crate) const PLANTED_TOKEN: &str = "CAIS.FuzzPlanted+Sts/Token==";
/// The AccessKey secret of the targets' signers; no output may show it.
pub(crate) const PLANTED_SECRET: &str = "FuzzPlantedAccessKeySecret";
/// The AccessKey id that goes with [`PLANTED_SECRET`].
pub(crate) const ACCESS_KEY_ID: &str = "LTAI5tFuzzAccessKeyId";

/// Member and element names the parsers look for, with their usual neighbours.
const NAMES: &[&str] = &[
    "RequestId",
    "requestId",
    "HostId",
    "Code",
    "code",
    "ErrorCode",
    "Message",
    "message",
    "ErrorMessage",
    "Recommend",
    "AccessDeniedDetail",
    "Success",
    "success",
    "Data",
    "Status",
    "Error",
    "DeleteDISyncTaskResponse",
    "TerminateDISyncInstanceResponse",
    "SecurityToken",
    "PolicyType",
];

/// Values the classification and the teardown outcome read.
const VALUES: &[&str] = &[
    "success",
    "fail",
    "pending",
    "SignatureDoesNotMatch",
    "IncompleteSignature",
    "InvalidTimeStamp.Expired",
    "SignatureNonceUsed",
    "InvalidAccessKeyId.NotFound",
    "InvalidSecurityToken.Expired",
    "Throttling.Api",
    "Throttling.User",
    "ServiceUnavailable",
    "InternalError.System",
    "Forbidden.Access",
    "Param.Invalid",
    "fileId:[100] is invalid.",
    "the task is not deployed",
    "The task is running, stop it first.",
    "Specified signature is not matched with our calculation. server string to sign is:POST&%2F&AccessKeyId%3DLTAI5tFuzzAccessKeyId%26Action%3DDeleteDISyncTask%26SecurityToken%3DCAIS.FuzzPlanted%252BSts%252FToken%253D%253D%26Version%3D2020-05-18",
    "server string to sign is:GET&%2F&SecurityToken%3DCAIS.FuzzPlanted%252BSts%252FToken%253D%253D%26X%3D1",
    "SecurityToken=CAIS.FuzzPlanted%2BSts%2FToken%3D%3D&a=b",
    "x-acs-security-token:CAIS.FuzzPlanted+Sts/Token==\nhost:h",
    "]]>",
    "&amp;",
];

/// Characters that parsers and sanitizers get wrong.
const TRICKY: &[char] = &[
    '\0', '\u{1}', '\t', '\n', '\r', '\u{1f}', '"', '\'', '\\', '/', '<', '>', '&', ';', '=', '%',
    '+', '\u{7f}', '\u{80}', '\u{9f}', 'é', '中', '😀', '\u{2028}', '\u{2029}', '\u{feff}',
    '\u{fffd}', ' ',
];

/// A text: a plain word, tricky characters, a known value, or any string.
pub(crate) fn text(u: &mut Unstructured<'_>) -> Result<String> {
    Ok(match u.int_in_range(0..=7)? {
        0..=2 => {
            let len = u.int_in_range(0..=12)?;
            (0..len)
                .map(|_| Ok(char::from(*u.choose(b"abcXYZ019 ._:/-")?)))
                .collect::<Result<_>>()?
        }
        3 | 4 => {
            let len = u.int_in_range(0..=10)?;
            (0..len)
                .map(|_| u.choose(TRICKY).copied())
                .collect::<Result<_>>()?
        }
        5 => (*u.choose(VALUES)?).to_owned(),
        _ => u.arbitrary()?,
    })
}

fn name(u: &mut Unstructured<'_>) -> Result<String> {
    if u.ratio(7, 8)? {
        Ok((*u.choose(NAMES)?).to_owned())
    } else {
        text(u)
    }
}

/// A JSON string literal of `value`, escaping some characters that need no escape.
pub(crate) fn json_string(u: &mut Unstructured<'_>, out: &mut Vec<u8>, value: &str) -> Result<()> {
    out.push(b'"');
    for c in value.chars() {
        let must = c == '"' || c == '\\' || c < ' ';
        if !must && u.ratio(7, 8)? {
            let mut buffer = [0; 4];
            out.extend_from_slice(c.encode_utf8(&mut buffer).as_bytes());
            continue;
        }
        let short = match c {
            '"' => Some('"'),
            '\\' => Some('\\'),
            '/' => Some('/'),
            '\u{8}' => Some('b'),
            '\u{c}' => Some('f'),
            '\n' => Some('n'),
            '\r' => Some('r'),
            '\t' => Some('t'),
            _ => None,
        };
        match short {
            Some(short) if u.arbitrary()? => out.extend_from_slice(&[b'\\', short as u8]),
            _ => {
                let mut units = [0; 2];
                for unit in c.encode_utf16(&mut units) {
                    out.extend_from_slice(format!("\\u{unit:04x}").as_bytes());
                }
            }
        }
    }
    out.push(b'"');
    Ok(())
}

const NUMBERS: &[&str] = &[
    "0",
    "-0",
    "1e400",
    "-1e400",
    "18446744073709551616",
    "-9223372036854775809",
    "1.5e-7",
    "0.0",
    "1E+2",
];

/// A JSON value of any kind: nested arrays and objects down to depth 4, then scalars.
pub(crate) fn json_value(u: &mut Unstructured<'_>, out: &mut Vec<u8>, depth: u32) -> Result<()> {
    let kinds = if depth >= 4 { 5 } else { 7 };
    match u.int_in_range(0..=kinds)? {
        0 => out.extend_from_slice(b"null"),
        1 => out.extend_from_slice(if u.arbitrary()? { b"true" } else { b"false" }),
        2 => {
            if u.arbitrary()? {
                out.extend_from_slice(u.arbitrary::<i64>()?.to_string().as_bytes());
            } else {
                out.extend_from_slice(u.choose(NUMBERS)?.as_bytes());
            }
        }
        3..=5 => {
            let value = text(u)?;
            json_string(u, out, &value)?;
        }
        6 => {
            out.push(b'[');
            for index in 0..u.int_in_range(0..=3)? {
                if index > 0 {
                    out.push(b',');
                }
                json_value(u, out, depth + 1)?;
            }
            out.push(b']');
        }
        _ => json_object(u, out, depth + 1)?,
    }
    Ok(())
}

fn json_object(u: &mut Unstructured<'_>, out: &mut Vec<u8>, depth: u32) -> Result<()> {
    out.push(b'{');
    for index in 0..u.int_in_range(0..=6)? {
        if index > 0 {
            out.extend_from_slice(if u.ratio(1, 8)? { b",\n  " } else { b"," });
        }
        let key = name(u)?;
        json_string(u, out, &key)?;
        out.push(b':');
        json_value(u, out, depth)?;
    }
    out.push(b'}');
    Ok(())
}

/// A JSON body: mostly an object of the service's members.
pub(crate) fn json_body(u: &mut Unstructured<'_>) -> Result<Vec<u8>> {
    let mut out = Vec::new();
    if u.ratio(7, 8)? {
        json_object(u, &mut out, 0)?;
    } else {
        json_value(u, &mut out, 0)?;
    }
    Ok(out)
}

/// XML text content: characters escaped, some as character references, or a CDATA section.
fn xml_text(u: &mut Unstructured<'_>, out: &mut Vec<u8>, value: &str) -> Result<()> {
    if u.ratio(1, 8)? {
        out.extend_from_slice(b"<![CDATA[");
        out.extend_from_slice(value.as_bytes());
        out.extend_from_slice(b"]]>");
        return Ok(());
    }
    for c in value.chars() {
        match c {
            '<' => out.extend_from_slice(b"&lt;"),
            '&' => out.extend_from_slice(b"&amp;"),
            '>' if u.arbitrary()? => out.extend_from_slice(b"&gt;"),
            '"' if u.arbitrary()? => out.extend_from_slice(b"&quot;"),
            _ if u.ratio(1, 16)? => out.extend_from_slice(format!("&#x{:x};", c as u32).as_bytes()),
            _ => {
                let mut buffer = [0; 4];
                out.extend_from_slice(c.encode_utf8(&mut buffer).as_bytes());
            }
        }
    }
    Ok(())
}

fn xml_element(u: &mut Unstructured<'_>, out: &mut Vec<u8>, depth: u32) -> Result<()> {
    let tag = name(u)?;
    let tag: String = tag
        .chars()
        .filter(|c| c.is_alphanumeric() || *c == '.')
        .collect();
    let tag = if tag.is_empty() { "x".to_owned() } else { tag };
    out.push(b'<');
    out.extend_from_slice(tag.as_bytes());
    if u.ratio(1, 8)? {
        out.extend_from_slice(b" a=\"1\"");
    }
    if u.ratio(1, 8)? {
        out.extend_from_slice(b"/>");
        return Ok(());
    }
    out.push(b'>');
    if depth < 4 && u.ratio(1, 2)? {
        for _ in 0..u.int_in_range(0..=5)? {
            xml_element(u, out, depth + 1)?;
        }
    } else {
        let value = text(u)?;
        xml_text(u, out, &value)?;
    }
    out.extend_from_slice(b"</");
    out.extend_from_slice(tag.as_bytes());
    out.push(b'>');
    Ok(())
}

/// An XML body: a declaration (or not), one root element, sometimes a comment or a DOCTYPE.
pub(crate) fn xml_body(u: &mut Unstructured<'_>) -> Result<Vec<u8>> {
    let mut out = Vec::new();
    match u.int_in_range(0..=5)? {
        0 => {}
        1 => out.extend_from_slice(b"<!DOCTYPE x [<!ENTITY e \"v\">]>"),
        2 => out.extend_from_slice(b"<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>"),
        _ => out.extend_from_slice(b"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"),
    }
    if u.ratio(1, 8)? {
        out.extend_from_slice(b"<!-- c -->");
    }
    xml_element(u, &mut out, 0)?;
    Ok(out)
}
