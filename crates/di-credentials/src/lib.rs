//! The default Alibaba Cloud credential chain for `di`, read as the official SDKs and the
//! aliyun CLI read it, without their IO: files and variables are read with plain `std`, and
//! every HTTP exchange (metadata service, credentials URI, STS) is a request to send and a
//! response to read, which `di-ureq` and `di-reqwest` execute with their own HTTP stacks.
//!
//! The chain, in order (the first source that is configured wins):
//!
//! 1. **Environment**: `ALIBABA_CLOUD_ACCESS_KEY_ID`, `ALIBABA_CLOUD_ACCESS_KEY_SECRET`,
//!    optional `ALIBABA_CLOUD_SECURITY_TOKEN`.
//! 2. **OIDC** (RRSA), when `ALIBABA_CLOUD_ROLE_ARN`, `ALIBABA_CLOUD_OIDC_PROVIDER_ARN` and
//!    `ALIBABA_CLOUD_OIDC_TOKEN_FILE` are all set: STS `AssumeRoleWithOIDC`.
//! 3. **CLI profile**: the aliyun CLI's `~/.aliyun/config.json` (or
//!    `ALIBABA_CLOUD_CONFIG_FILE`), profile `ALIBABA_CLOUD_PROFILE` or the file's `current`.
//! 4. **Profile file**: `~/.alibabacloud/credentials`, then `credentials.ini` (or
//!    `ALIBABA_CLOUD_CREDENTIALS_FILE`), section `ALIBABA_CLOUD_PROFILE` or `default`.
//! 5. **ECS RAM role** through the instance metadata service (IMDSv2, then v1).
//! 6. **Credentials URI**: `ALIBABA_CLOUD_CREDENTIALS_URI`.
//!
//! A source that is not configured is passed over; when none is, [`Error::NotFound`] lists
//! every source and why it was passed over. A source that is configured but unusable stops the
//! chain with its own error, so that a broken profile never silently yields another identity;
//! so does a profile named by [`ChainOptions::with_profile`] or `ALIBABA_CLOUD_PROFILE` that
//! neither profile file holds ([`Error::ProfileNotFound`]).
//!
//! Besides credentials, [`find_profile`] finds the profile the chain would read without
//! reading its credentials, and [`default_region`] the region a command line that names none
//! sends to: `ALIBABA_CLOUD_REGION_ID`, else the profile's `region_id`, as the aliyun CLI.
//! See `docs/CREDENTIALS.md` for the variables and the differences from the official SDKs.
//!
//! ```
//! use di_credentials::{ChainOptions, Environment, Error, Resolver, Step};
//! use di_proto::Timestamp;
//!
//! let env = Environment::empty()
//!     .with_var("ALIBABA_CLOUD_ECS_METADATA_DISABLED", "true");
//! let mut resolver = Resolver::new(env, ChainOptions::new());
//! let now = Timestamp::from_unix_seconds(1_700_000_000)?;
//! let Step::Done(Err(Error::NotFound { tried })) = resolver.next(now, "n", None) else {
//!     panic!("nothing is configured");
//! };
//! assert_eq!(tried.len(), 6);
//! assert!(tried[0].reason.contains("ALIBABA_CLOUD_ACCESS_KEY_ID"));
//! # Ok::<(), di_proto::Error>(())
//! ```
#![warn(missing_docs)]
#![warn(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used, clippy::panic))]

mod cache;
mod chain;
pub mod cli_config;
mod environment;
mod error;
mod exchange;
pub mod imds;
pub mod ini;
mod json;
mod profile;
mod region;
pub mod sts;
pub mod uri;

use std::fmt;

use di_proto::{Credentials, Timestamp};

pub use cache::{
    ChainCache, DEFAULT_REFRESH_MARGIN, EXPIRY_FLOOR, Freshness, Lookup, PendingRefresh, Recheck,
    Refreshed, freshness,
};
pub use chain::{
    ChainOptions, ENV_ACCESS_KEY_ID, ENV_ACCESS_KEY_SECRET, ENV_SECURITY_TOKEN, Resolver, Step,
};
pub use environment::Environment;
pub use error::{Error, Skipped};
pub use exchange::{Exchange, MAX_REPLY_BYTES, Reply};
pub use profile::{Profile, RoleSpec};
pub use region::{ENV_REGION_ID, FoundProfile, RegionOrigin, default_region, find_profile};

/// A source of the default chain.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Source {
    /// `ALIBABA_CLOUD_ACCESS_KEY_ID` and friends.
    Environment,
    /// `AssumeRoleWithOIDC` from the `ALIBABA_CLOUD_ROLE_ARN` / `..._OIDC_*` variables.
    Oidc,
    /// A profile of the aliyun CLI's `config.json`.
    CliProfile,
    /// A section of the INI credentials file.
    ProfileFile,
    /// The ECS instance's RAM role, through the metadata service.
    EcsRamRole,
    /// `ALIBABA_CLOUD_CREDENTIALS_URI`.
    CredentialsUri,
}

impl Source {
    /// Every source, in the chain's order.
    pub const ORDER: [Source; 6] = [
        Source::Environment,
        Source::Oidc,
        Source::CliProfile,
        Source::ProfileFile,
        Source::EcsRamRole,
        Source::CredentialsUri,
    ];

    /// `environment`, `oidc`, `cli-profile`, `profile-file`, `ecs-ram-role` or
    /// `credentials-uri`.
    pub fn name(self) -> &'static str {
        match self {
            Source::Environment => "environment",
            Source::Oidc => "oidc",
            Source::CliProfile => "cli-profile",
            Source::ProfileFile => "profile-file",
            Source::EcsRamRole => "ecs-ram-role",
            Source::CredentialsUri => "credentials-uri",
        }
    }
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Credentials found by the chain.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Resolved {
    /// The credentials (their secret parts redacted in `Debug`).
    pub credentials: Credentials,
    /// When they expire (`None`: long-term keys).
    pub expiration: Option<Timestamp>,
    /// The source that gave them.
    pub source: Source,
    /// Where exactly, for messages: the variable, the profile and file, the role (never a
    /// secret).
    pub detail: String,
}
