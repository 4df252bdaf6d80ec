//! `--dry-run`: sign each request as it would be sent, print it with every secret redacted,
//! and send nothing.

use std::time::SystemTime;

use di_proto::client::ClientConfig;
use di_proto::{Credentials, Endpoint, RpcRequest, Signer, Timestamp};
use serde_json::json;

use crate::cli::OutputArg;
use crate::error::Error;

/// The text that stands in for a redacted value.
pub(crate) const REDACTED: &str = "<redacted>";
/// Query parameters whose values are not printed: the V1 signature and the STS token.
const SECRET_PARAMS: [&str; 2] = ["Signature", "SecurityToken"];
/// Headers whose values are not printed: the V3 signature and the STS token.
const SECRET_HEADERS: [&str; 2] = ["authorization", "x-acs-security-token"];

/// Signs `request` now, with a fresh nonce, and prints it with secrets redacted: as an HTTP
/// message for `text`, as one JSON line for `json`.
///
/// # Errors
/// [`Error::Client`] when the request cannot be signed (a bad parameter name, a body on a
/// GET), or the system clock or random source fails.
pub(crate) fn print_signed(
    request: &RpcRequest,
    config: &ClientConfig,
    endpoint: &Endpoint,
    credentials: &Credentials,
    output: OutputArg,
) -> Result<(), Error> {
    let api = |error: di_proto::Error| Error::Client(di_ureq::Error::Api(error));
    let now = Timestamp::try_from(SystemTime::now()).map_err(api)?;
    let nonce = nonce()?;
    let signed = Signer::new(credentials, endpoint)
        .with_signature_version(config.signature_version())
        .with_format(config.format())
        .sign(request, now, &nonce)
        .map_err(api)?;
    let http = signed.request();
    let url = redact_url(&http.uri().to_string());
    let headers: Vec<(String, String)> = http
        .headers()
        .iter()
        .map(|(name, value)| {
            let shown = if SECRET_HEADERS.contains(&name.as_str()) {
                REDACTED.to_owned()
            } else {
                String::from_utf8_lossy(value.as_bytes()).into_owned()
            };
            (name.as_str().to_owned(), shown)
        })
        .collect();
    let body = String::from_utf8_lossy(http.body()).into_owned();
    let text = match output {
        OutputArg::Json => {
            let headers: serde_json::Map<String, serde_json::Value> = headers
                .into_iter()
                .map(|(name, value)| (name, serde_json::Value::from(value)))
                .collect();
            json!({
                "dry_run": true,
                "action": request.action(),
                "method": http.method().as_str(),
                "url": url,
                "headers": headers,
                "body": body,
            })
            .to_string()
        }
        OutputArg::Text => {
            let mut text = format!("{} {url}\n", http.method());
            for (name, value) in headers {
                text.push_str(&format!("{name}: {value}\n"));
            }
            if !body.is_empty() {
                text.push('\n');
                text.push_str(&body);
                text.push('\n');
            }
            text
        }
    };
    crate::output::line(&text);
    Ok(())
}

/// `url` with the values of [`SECRET_PARAMS`] replaced by [`REDACTED`].
pub(crate) fn redact_url(url: &str) -> String {
    let Some((base, query)) = url.split_once('?') else {
        return url.to_owned();
    };
    let pairs: Vec<String> = query
        .split('&')
        .map(|pair| match pair.split_once('=') {
            Some((name, _)) if SECRET_PARAMS.contains(&name) => format!("{name}={REDACTED}"),
            _ => pair.to_owned(),
        })
        .collect();
    format!("{base}?{}", pairs.join("&"))
}

/// A fresh 32-hex-digit nonce from the operating system's random source.
fn nonce() -> Result<String, Error> {
    let mut bytes = [0_u8; 16];
    getrandom::fill(&mut bytes).map_err(|error| {
        Error::Usage(format!(
            "the operating system's random number generator failed: {error}"
        ))
    })?;
    Ok(di_proto::nonce_from_bytes(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redacts_the_signature_and_the_token_only() {
        assert_eq!(
            redact_url("https://h/?AccessKeyId=AK&SecurityToken=T0K&Signature=s%3D&X=1"),
            "https://h/?AccessKeyId=AK&SecurityToken=<redacted>&Signature=<redacted>&X=1"
        );
        assert_eq!(
            redact_url("https://h/?XSignature=1"),
            "https://h/?XSignature=1"
        );
        assert_eq!(redact_url("https://h/"), "https://h/");
        assert_eq!(nonce().unwrap().len(), 32);
    }
}
