//! The aliyun CLI's `~/.aliyun/config.json`: `{"current": NAME, "profiles": [{"name",
//! "mode", ...}]}`, parsed from bytes.
//!
//! Modes read: `AK`, `StsToken`, `EcsRamRole`, `RamRoleArn` (`AssumeRole` signed with the
//! profile's own keys) and `OIDC`. Any other mode is an error that names it. Errors name the
//! file, the profile and the field, never a value.

use std::path::{Path, PathBuf};

use di_proto::Credentials;
use serde_json::{Map, Value};

use crate::profile::{Profile, RoleSpec};
use crate::{Error, Source};

/// The modes this crate reads, for messages.
pub const SUPPORTED_MODES: &str = "AK, StsToken, EcsRamRole, RamRoleArn, OIDC";

/// Finds and reads profile `name` (else the file's `current`, else `default`) in the bytes
/// of a CLI config file found at `path` (for messages).
///
/// Returns the profile's name, and the profile; `Ok(None)` with the name when the file has no
/// profile of that name.
///
/// ```
/// use std::path::Path;
/// use di_credentials::{cli_config, Profile};
///
/// let file = br#"{"current": "dev", "profiles": [
///     {"name": "dev", "mode": "AK", "access_key_id": "LTAI5tExample", "access_key_secret": "s"}
/// ]}"#;
/// let (name, profile) = cli_config::parse(file, Path::new("config.json"), None)?;
/// assert_eq!(name, "dev");
/// let Some(Profile::Static(credentials)) = profile else { panic!("an AK profile") };
/// assert_eq!(credentials.access_key_id(), "LTAI5tExample");
/// # Ok::<(), di_credentials::Error>(())
/// ```
///
/// # Errors
/// [`Error::File`] when the bytes are not a JSON object of that shape (with the line);
/// [`Error::Profile`] when the profile is there but cannot be used.
pub fn parse(
    bytes: &[u8],
    path: &Path,
    name: Option<&str>,
) -> Result<(String, Option<Profile>), Error> {
    let (name, found) = locate(bytes, path, name)?;
    let Some(profile) = found else {
        return Ok((name, None));
    };
    let fields = Fields {
        object: &profile,
        path,
        profile: &name,
    };
    let parsed = read_profile(&fields)?;
    Ok((name, Some(parsed)))
}

/// The `region_id` of profile `name` (else the file's `current`, else `default`) in the bytes
/// of a CLI config file found at `path`, whatever the profile's mode: the region the aliyun
/// CLI sends to when none is given.
///
/// Returns the profile's name and, when the file has that profile, its region (`None` when
/// the profile names none, or an empty one).
///
/// ```
/// use std::path::Path;
/// use di_credentials::cli_config;
///
/// let file = br#"{"current": "dev", "profiles": [
///     {"name": "dev", "mode": "CloudSSO", "region_id": "cn-shanghai"}
/// ]}"#;
/// let (name, region) = cli_config::region(file, Path::new("config.json"), None)?;
/// assert_eq!((name.as_str(), region), ("dev", Some(Some("cn-shanghai".to_owned()))));
/// # Ok::<(), di_credentials::Error>(())
/// ```
///
/// # Errors
/// As [`parse`] for the file; [`Error::Profile`] when `region_id` is not a string.
pub fn region(
    bytes: &[u8],
    path: &Path,
    name: Option<&str>,
) -> Result<(String, Option<Option<String>>), Error> {
    let (name, found) = locate(bytes, path, name)?;
    let Some(profile) = found else {
        return Ok((name, None));
    };
    let fields = Fields {
        object: &profile,
        path,
        profile: &name,
    };
    let region = fields.string("region_id")?;
    Ok((name, Some(region)))
}

/// The name of the profile to read (`name`, else `current`, else `default`) and its object,
/// when the file has it.
fn locate(
    bytes: &[u8],
    path: &Path,
    name: Option<&str>,
) -> Result<(String, Option<Map<String, Value>>), Error> {
    let file_error = |line: Option<usize>, reason: String| Error::File {
        source_name: Source::CliProfile,
        path: path.to_path_buf(),
        line,
        reason,
    };
    let root: Value = serde_json::from_slice(bytes)
        .map_err(|error| file_error(Some(error.line()), json_problem(&error)))?;
    let Value::Object(mut root) = root else {
        return Err(file_error(
            None,
            "the top level is not a JSON object".to_owned(),
        ));
    };
    let current = match root.get("current") {
        None | Some(Value::Null) => None,
        Some(Value::String(current)) => Some(current.as_str()).filter(|c| !c.is_empty()),
        Some(_) => return Err(file_error(None, "`current` is not a string".to_owned())),
    };
    let name = name.or(current).unwrap_or("default").to_owned();
    let profiles = match root.remove("profiles") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(profiles)) => profiles,
        Some(_) => return Err(file_error(None, "`profiles` is not an array".to_owned())),
    };
    for (index, profile) in profiles.into_iter().enumerate() {
        let Value::Object(profile) = profile else {
            return Err(file_error(
                None,
                format!("profiles[{index}] is not a JSON object"),
            ));
        };
        if profile.get("name").and_then(Value::as_str) == Some(name.as_str()) {
            return Ok((name, Some(profile)));
        }
    }
    Ok((name, None))
}

/// A serde_json error, described by its kind and position only: its own message for a type
/// error can quote a value.
pub(crate) fn json_problem(error: &serde_json::Error) -> String {
    use serde_json::error::Category;
    match error.classify() {
        Category::Syntax => format!("not valid JSON (syntax error at column {})", error.column()),
        Category::Eof => "not valid JSON (it ends too early)".to_owned(),
        Category::Data => "JSON of an unexpected shape".to_owned(),
        Category::Io => "could not be read".to_owned(),
    }
}

struct Fields<'a> {
    object: &'a Map<String, Value>,
    path: &'a Path,
    profile: &'a str,
}

impl Fields<'_> {
    fn error(&self, reason: impl Into<String>) -> Error {
        Error::Profile {
            source_name: Source::CliProfile,
            path: self.path.to_path_buf(),
            profile: self.profile.to_owned(),
            reason: reason.into(),
        }
    }

    /// A string field; empty counts as absent.
    fn string(&self, field: &str) -> Result<Option<String>, Error> {
        match self.object.get(field) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(value)) if value.is_empty() => Ok(None),
            Some(Value::String(value)) => Ok(Some(value.clone())),
            Some(_) => Err(self.error(format!("field `{field}` is not a string"))),
        }
    }

    fn required(&self, field: &str, mode: &str) -> Result<String, Error> {
        self.string(field)?
            .ok_or_else(|| self.error(format!("mode {mode} needs field `{field}`")))
    }

    /// A non-negative integer field; 0 counts as absent, as the CLI writes it.
    fn seconds(&self, field: &str) -> Result<Option<u64>, Error> {
        match self.object.get(field) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Number(number)) => match number.as_u64() {
                Some(0) => Ok(None),
                Some(seconds) => Ok(Some(seconds)),
                None => {
                    Err(self.error(format!("field `{field}` is not a whole number of seconds")))
                }
            },
            Some(_) => Err(self.error(format!("field `{field}` is not a number"))),
        }
    }

    fn boolean(&self, field: &str) -> Result<Option<bool>, Error> {
        match self.object.get(field) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Bool(value)) => Ok(Some(*value)),
            Some(_) => Err(self.error(format!("field `{field}` is not true or false"))),
        }
    }

    fn keys(&self, mode: &str, token_field: Option<&str>) -> Result<Credentials, Error> {
        let id = self.required("access_key_id", mode)?;
        let secret = zeroize::Zeroizing::new(self.required("access_key_secret", mode)?);
        let credentials =
            Credentials::new(id, secret.as_str()).map_err(|error| self.error(error.to_string()))?;
        let token = match token_field {
            Some(field) if mode == "StsToken" => Some(self.required(field, mode)?),
            Some(field) => self.string(field)?,
            None => None,
        };
        match token {
            Some(token) => credentials
                .with_security_token(zeroize::Zeroizing::new(token).as_str())
                .map_err(|error| self.error(error.to_string())),
            None => Ok(credentials),
        }
    }

    fn role(&self, mode: &str) -> Result<RoleSpec, Error> {
        Ok(RoleSpec {
            role_arn: self.required("ram_role_arn", mode)?,
            session_name: self.string("ram_session_name")?,
            duration_seconds: self.seconds("expired_seconds")?,
            policy: self.string("policy")?,
            external_id: self.string("external_id")?,
            sts_region: self.string("sts_region")?,
            vpc: self.boolean("enable_vpc")?,
        })
    }
}

fn read_profile(fields: &Fields<'_>) -> Result<Profile, Error> {
    let Some(mode) = fields.string("mode")? else {
        return Err(fields.error(format!("no `mode`; di reads {SUPPORTED_MODES}")));
    };
    match mode.as_str() {
        "AK" => Ok(Profile::Static(fields.keys("AK", None)?)),
        "StsToken" => Ok(Profile::Static(fields.keys("StsToken", Some("sts_token"))?)),
        "EcsRamRole" => Ok(Profile::EcsRamRole {
            role_name: fields.string("ram_role_name")?,
        }),
        "RamRoleArn" => Ok(Profile::RamRoleArn {
            source: fields.keys("RamRoleArn", Some("sts_token"))?,
            role: fields.role("RamRoleArn")?,
        }),
        "OIDC" => Ok(Profile::Oidc {
            provider_arn: fields.required("oidc_provider_arn", "OIDC")?,
            token_file: PathBuf::from(fields.required("oidc_token_file", "OIDC")?),
            role: fields.role("OIDC")?,
        }),
        other => Err(fields.error(format!(
            "mode {other:?} is not supported by di (it reads {SUPPORTED_MODES}); pick another \
             profile with ALIBABA_CLOUD_PROFILE or --profile, or set \
             ALIBABA_CLOUD_CLI_PROFILE_DISABLED=true"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_named(json: &str, name: Option<&str>) -> Result<(String, Option<Profile>), Error> {
        parse(json.as_bytes(), Path::new("/h/.aliyun/config.json"), name)
    }

    const FILE: &str = r#"{
        "current": "ak",
        "profiles": [
            {"name": "ak", "mode": "AK", "access_key_id": "LTAI-ak", "access_key_secret": "sec-ak", "region_id": "cn-hangzhou"},
            {"name": "sts", "mode": "StsToken", "access_key_id": "STS.id", "access_key_secret": "sec-sts", "sts_token": "tok-sts"},
            {"name": "ecs", "mode": "EcsRamRole", "ram_role_name": "my-role"},
            {"name": "arn", "mode": "RamRoleArn", "access_key_id": "LTAI-arn", "access_key_secret": "sec-arn",
             "ram_role_arn": "acs:ram::1:role/r", "ram_session_name": "s", "expired_seconds": 900,
             "sts_region": "cn-shanghai", "enable_vpc": true, "policy": "{}", "external_id": "e"},
            {"name": "oidc", "mode": "OIDC", "ram_role_arn": "acs:ram::1:role/o", "oidc_provider_arn": "acs:ram::1:oidc-provider/p",
             "oidc_token_file": "/var/run/token", "expired_seconds": 0},
            {"name": "sso", "mode": "CloudSSO"},
            {"name": "badtype", "mode": "AK", "access_key_id": 12, "access_key_secret": "sec-x"},
            {"name": "nokey", "mode": "StsToken", "access_key_id": "a", "access_key_secret": "sec-y"}
        ]
    }"#;

    #[test]
    fn reads_every_supported_mode() {
        let (name, profile) = parse_named(FILE, None).unwrap();
        assert_eq!(name, "ak", "the file's current profile");
        let Some(Profile::Static(credentials)) = profile else {
            panic!()
        };
        assert_eq!(credentials.access_key_id(), "LTAI-ak");
        assert!(!credentials.has_security_token());

        let Some(Profile::Static(sts)) = parse_named(FILE, Some("sts")).unwrap().1 else {
            panic!()
        };
        assert!(sts.has_security_token());

        let Some(Profile::EcsRamRole { role_name }) = parse_named(FILE, Some("ecs")).unwrap().1
        else {
            panic!()
        };
        assert_eq!(role_name.as_deref(), Some("my-role"));

        let Some(Profile::RamRoleArn { source, role }) = parse_named(FILE, Some("arn")).unwrap().1
        else {
            panic!()
        };
        assert_eq!(source.access_key_id(), "LTAI-arn");
        assert_eq!(role.role_arn, "acs:ram::1:role/r");
        assert_eq!(role.session_name.as_deref(), Some("s"));
        assert_eq!(role.duration_seconds, Some(900));
        assert_eq!(role.sts_region.as_deref(), Some("cn-shanghai"));
        assert_eq!(role.vpc, Some(true));
        assert_eq!(role.external_id.as_deref(), Some("e"));

        let Some(Profile::Oidc {
            provider_arn,
            token_file,
            role,
        }) = parse_named(FILE, Some("oidc")).unwrap().1
        else {
            panic!()
        };
        assert_eq!(provider_arn, "acs:ram::1:oidc-provider/p");
        assert_eq!(token_file, PathBuf::from("/var/run/token"));
        assert_eq!(role.duration_seconds, None, "0 means the default");
    }

    #[test]
    fn clear_errors_without_values() {
        let message = |name: &str| parse_named(FILE, Some(name)).unwrap_err().to_string();
        let sso = message("sso");
        assert!(
            sso.contains("\"CloudSSO\" is not supported") && sso.contains("profile \"sso\""),
            "{sso}"
        );
        let bad = message("badtype");
        assert!(bad.contains("`access_key_id` is not a string"), "{bad}");
        assert!(!bad.contains("sec-x"));
        let nokey = message("nokey");
        assert!(nokey.contains("needs field `sts_token`"), "{nokey}");
        assert!(!nokey.contains("sec-y"));
        assert!(matches!(parse_named(FILE, Some("absent")), Ok((name, None)) if name == "absent"));
    }

    #[test]
    fn reads_the_region_of_any_profile() {
        let region = |name: Option<&str>| {
            region(FILE.as_bytes(), Path::new("/h/.aliyun/config.json"), name).unwrap()
        };
        assert_eq!(
            region(None),
            ("ak".to_owned(), Some(Some("cn-hangzhou".to_owned())))
        );
        // A profile in a mode di does not read still gives its region.
        assert_eq!(region(Some("sso")), ("sso".to_owned(), Some(None)));
        assert_eq!(region(Some("absent")), ("absent".to_owned(), None));
        let typed = r#"{"profiles": [{"name": "default", "region_id": 7}]}"#;
        let error = parse_region(typed).unwrap_err().to_string();
        assert!(error.contains("`region_id` is not a string"), "{error}");
    }

    fn parse_region(json: &str) -> Result<(String, Option<Option<String>>), Error> {
        region(json.as_bytes(), Path::new("config.json"), None)
    }

    #[test]
    fn malformed_json_names_the_line_and_no_value() {
        let broken =
            "{\n  \"current\": \"a\",\n  \"profiles\": [ {\"access_key_secret\": \"sec-zzz\" ]\n}";
        let error = parse_named(broken, None).unwrap_err();
        let Error::File { line, reason, .. } = &error else {
            panic!("{error:?}")
        };
        assert_eq!(*line, Some(3));
        assert!(reason.contains("not valid JSON"), "{reason}");
        let text = error.to_string();
        assert!(
            text.contains("config.json:3") && !text.contains("sec-zzz"),
            "{text}"
        );
        assert!(matches!(parse_named("[1]", None), Err(Error::File { .. })));
        assert!(matches!(
            parse_named(r#"{"profiles": {}}"#, None),
            Err(Error::File { .. })
        ));
        assert!(matches!(parse_named("", None), Err(Error::File { .. })));
        // No current, no name: `default`.
        assert_eq!(
            parse_named(r#"{"profiles": []}"#, None).unwrap().0,
            "default"
        );
    }
}
