//! Reading temporary credentials out of a JSON answer (metadata service, credentials URI,
//! STS), without ever putting a value into a message.

use di_proto::{Credentials, Timestamp};
use serde_json::Value;
use zeroize::Zeroizing;

/// The fields every credentials answer shares.
pub(crate) struct SessionCredentials {
    pub(crate) code: Option<String>,
    access_key_id: Option<String>,
    access_key_secret: Option<Zeroizing<String>>,
    security_token: Option<Zeroizing<String>>,
    expiration: Option<String>,
}

impl SessionCredentials {
    /// The fields of the JSON object `body`.
    pub(crate) fn read(body: &[u8]) -> Result<Self, &'static str> {
        let value: Value = serde_json::from_slice(body).map_err(|_| "the answer is not JSON")?;
        Self::from_value(&value)
    }

    /// The fields of `value`, a JSON object.
    pub(crate) fn from_value(value: &Value) -> Result<Self, &'static str> {
        let Value::Object(object) = value else {
            return Err("the answer is not a JSON object");
        };
        let text = |name: &str| -> Result<Option<String>, &'static str> {
            match object.get(name) {
                None | Some(Value::Null) => Ok(None),
                Some(Value::String(text)) => Ok(Some(text.clone())),
                Some(_) => Err("a credentials field is not a string"),
            }
        };
        Ok(SessionCredentials {
            code: text("Code")?,
            access_key_id: text("AccessKeyId")?,
            access_key_secret: text("AccessKeySecret")?.map(Zeroizing::new),
            security_token: text("SecurityToken")?.map(Zeroizing::new),
            expiration: text("Expiration")?,
        })
    }

    /// The credentials, and their expiry if the answer gives one.
    pub(crate) fn into_credentials(self) -> Result<(Credentials, Option<Timestamp>), String> {
        let (Some(id), Some(secret)) = (self.access_key_id, self.access_key_secret) else {
            return Err("the answer lacks AccessKeyId or AccessKeySecret".to_owned());
        };
        let mut credentials =
            Credentials::new(id, secret.as_str()).map_err(|error| error.to_string())?;
        if let Some(token) = self.security_token.filter(|token| !token.is_empty()) {
            credentials = credentials
                .with_security_token(token.as_str())
                .map_err(|error| error.to_string())?;
        }
        let expiration = match self.expiration {
            None => None,
            Some(text) => Some(Timestamp::parse(&text).map_err(|_| {
                "the answer's Expiration is not a yyyy-MM-ddTHH:mm:ssZ time".to_owned()
            })?),
        };
        Ok((credentials, expiration))
    }
}
