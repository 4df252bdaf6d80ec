//! What a profile (from the aliyun CLI's `config.json` or the INI credentials file) asks for,
//! once parsed: keys to use as they are, or a role to assume, or the metadata service.

use std::path::PathBuf;

use di_proto::Credentials;

/// A usable profile.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum Profile {
    /// Keys to sign with as they are (CLI modes `AK` and `StsToken`, INI type `access_key`).
    Static(Credentials),
    /// The ECS instance's RAM role, through the metadata service (CLI `EcsRamRole`, INI
    /// `ecs_ram_role`); the role name is discovered when not given.
    EcsRamRole {
        /// The role name, if the profile names it.
        role_name: Option<String>,
    },
    /// STS `AssumeRole` signed with the profile's own keys (CLI `RamRoleArn`, INI
    /// `ram_role_arn`).
    RamRoleArn {
        /// The keys that sign `AssumeRole`.
        source: Credentials,
        /// The role and its session.
        role: RoleSpec,
    },
    /// STS `AssumeRoleWithOIDC` with a token read from a file (CLI `OIDC`, INI
    /// `oidc_role_arn`).
    Oidc {
        /// The OIDC provider's ARN.
        provider_arn: String,
        /// The file holding the OIDC token (read afresh for every exchange, as it rotates).
        token_file: PathBuf,
        /// The role and its session.
        role: RoleSpec,
    },
}

/// The role to assume and the session to ask for.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct RoleSpec {
    /// The role's ARN (`acs:ram::<account>:role/<name>`).
    pub role_arn: String,
    /// The session name; `di-<unix seconds>` when absent.
    pub session_name: Option<String>,
    /// The session's lifetime in seconds; 3600 when absent.
    pub duration_seconds: Option<u64>,
    /// A policy narrowing the session's permissions (JSON).
    pub policy: Option<String>,
    /// The external id the role's trust policy asks for.
    pub external_id: Option<String>,
    /// The STS region (`sts.<region>.aliyuncs.com`); the environment's when absent.
    pub sts_region: Option<String>,
    /// Whether to use the region's VPC endpoint (`sts-vpc.<region>.aliyuncs.com`).
    pub vpc: Option<bool>,
}

impl RoleSpec {
    /// A session of `role_arn`, everything else as default.
    pub fn new(role_arn: impl Into<String>) -> Self {
        RoleSpec {
            role_arn: role_arn.into(),
            ..RoleSpec::default()
        }
    }
}
