//! What a transport client adds around the protocol: its settings ([`ClientConfig`], the
//! [`ProvideCredentials`] it asks per attempt), its error ([`ClientError`]), and the policies
//! both di transports share so that they behave alike: the rate limiter ([`rate`]), the proxy
//! rules ([`proxy`]), the trust settings ([`tls`]) and the capped body read ([`body`]). A
//! third-party transport may use any of them, or none: the flows need only [`ClientError`].

pub mod body;
mod config;
mod error;
pub mod proxy;
pub mod rate;
pub mod tls;

pub use config::{
    ClientConfig, CredentialsError, DEFAULT_CONNECT_TIMEOUT, DEFAULT_MAX_CONNECTIONS,
    DEFAULT_MAX_RESPONSE_BYTES, DEFAULT_READ_TIMEOUT, ProvideCredentials,
};
pub use error::{ClientError, TlsFailure, TransportErrorKind};
