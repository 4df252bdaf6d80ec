//! AccessKey credentials, with the secret parts redacted and zeroized.

use std::fmt;

use hmac::{Hmac, KeyInit};
use sha1::Sha1;
use sha2::Sha256;
use zeroize::Zeroizing;

use crate::Error;

/// An AccessKey pair, optionally with an STS security token.
///
/// The secret and the token never show in `Debug`, and their bytes are zeroized when the value
/// is dropped. The HMAC states keyed with the secret are computed once here, so that each
/// signature skips the key setup; they are zeroized on drop too.
///
/// ```
/// use di_proto::Credentials;
/// let credentials = Credentials::new("LTAI5tDemoKeyId", "demo-secret")?
///     .with_security_token("CAIS-demo-token")?;
/// assert_eq!(credentials.access_key_id(), "LTAI5tDemoKeyId");
/// assert!(!format!("{credentials:?}").contains("demo-secret"));
/// # Ok::<(), di_proto::Error>(())
/// ```
#[derive(Clone)]
pub struct Credentials {
    access_key_id: String,
    security_token: Option<Zeroizing<String>>,
    /// HMAC-SHA1 keyed with `secret + "&"`, for V1.
    v1_key: Hmac<Sha1>,
    /// HMAC-SHA256 keyed with `secret`, for V3.
    v3_key: Hmac<Sha256>,
}

impl Credentials {
    /// Long-term credentials: an AccessKey id and its secret.
    ///
    /// The secret is used as raw UTF-8 bytes, exactly as given: nothing is trimmed.
    ///
    /// # Errors
    /// [`Error::InvalidCredentials`] when the id is empty or holds characters that cannot go
    /// into a header (anything but visible ASCII, or a `,`), or when the secret is empty.
    pub fn new(
        access_key_id: impl Into<String>,
        access_key_secret: impl Into<String>,
    ) -> Result<Self, Error> {
        let access_key_id = access_key_id.into();
        let secret = Zeroizing::new(access_key_secret.into());
        if access_key_id.is_empty() {
            return Err(Error::InvalidCredentials {
                reason: "the AccessKey id is empty",
            });
        }
        if !access_key_id
            .bytes()
            .all(|byte| byte.is_ascii_graphic() && byte != b',')
        {
            return Err(Error::InvalidCredentials {
                reason: "the AccessKey id may hold only visible ASCII characters other than ','",
            });
        }
        if secret.is_empty() {
            return Err(Error::InvalidCredentials {
                reason: "the AccessKey secret is empty",
            });
        }
        let mut v1_key_bytes = Zeroizing::new(Vec::with_capacity(secret.len() + 1));
        v1_key_bytes.extend_from_slice(secret.as_bytes());
        v1_key_bytes.push(b'&');
        Ok(Credentials {
            access_key_id,
            security_token: None,
            v1_key: hmac_with_key(&v1_key_bytes),
            v3_key: hmac_with_key(secret.as_bytes()),
        })
    }

    /// These credentials with an STS security token, as issued with a temporary AccessKey.
    ///
    /// # Errors
    /// [`Error::InvalidCredentials`] when the token is empty or holds anything but visible
    /// ASCII (it travels in the `x-acs-security-token` header under V3).
    pub fn with_security_token(mut self, security_token: impl Into<String>) -> Result<Self, Error> {
        let security_token = Zeroizing::new(security_token.into());
        if security_token.is_empty() {
            return Err(Error::InvalidCredentials {
                reason: "the security token is empty",
            });
        }
        if !security_token.bytes().all(|byte| byte.is_ascii_graphic()) {
            return Err(Error::InvalidCredentials {
                reason: "the security token may hold only visible ASCII characters",
            });
        }
        self.security_token = Some(security_token);
        Ok(self)
    }

    /// The AccessKey id (not a secret).
    pub fn access_key_id(&self) -> &str {
        &self.access_key_id
    }

    /// Whether an STS security token is attached.
    pub fn has_security_token(&self) -> bool {
        self.security_token.is_some()
    }

    pub(crate) fn security_token(&self) -> Option<&str> {
        self.security_token.as_deref().map(String::as_str)
    }

    pub(crate) fn v1_key(&self) -> &Hmac<Sha1> {
        &self.v1_key
    }

    pub(crate) fn v3_key(&self) -> &Hmac<Sha256> {
        &self.v3_key
    }
}

fn hmac_with_key<M: KeyInit>(key: &[u8]) -> M {
    // HMAC accepts keys of every length (long keys are hashed first), so this cannot fail.
    match <M as KeyInit>::new_from_slice(key) {
        Ok(mac) => mac,
        Err(_) => unreachable!("HMAC takes keys of any length"),
    }
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("access_key_id", &self.access_key_id)
            .field("access_key_secret", &"<redacted>")
            .field(
                "security_token",
                &self.security_token.as_ref().map(|_| "<redacted>"),
            )
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejects_unusable_credentials() {
        let reason = |result: Result<Credentials, Error>| match result {
            Err(Error::InvalidCredentials { reason }) => reason,
            other => panic!("expected InvalidCredentials, got {other:?}"),
        };
        assert!(reason(Credentials::new("", "secret")).contains("empty"));
        assert!(reason(Credentials::new("id", "")).contains("secret is empty"));
        assert!(reason(Credentials::new("an id", "secret")).contains("visible ASCII"));
        assert!(reason(Credentials::new("id,x", "secret")).contains("','"));
        assert!(reason(Credentials::new("ïd", "secret")).contains("visible ASCII"));
        let credentials = Credentials::new("id", "secret").unwrap();
        assert!(reason(credentials.clone().with_security_token("")).contains("empty"));
        assert!(reason(credentials.with_security_token("a\nb")).contains("visible ASCII"));
    }

    #[test]
    fn debug_hides_secret_and_token() {
        let credentials = Credentials::new("LTAIexample", "s3cr3t-SECRET")
            .unwrap()
            .with_security_token("TOKEN-t0ken")
            .unwrap();
        let debug = format!("{credentials:?} {credentials:#?}");
        assert!(debug.contains("LTAIexample"));
        assert!(
            !debug.contains("s3cr3t") && !debug.contains("t0ken"),
            "{debug}"
        );
    }

    #[test]
    fn secret_is_used_untrimmed() {
        let padded = Credentials::new("id", " secret ").unwrap();
        let trimmed = Credentials::new("id", "secret").unwrap();
        let tag = |credentials: &Credentials| {
            use hmac::Mac;
            credentials.v3_key().clone().finalize().into_bytes()
        };
        assert_ne!(tag(&padded), tag(&trimmed));
    }
}
