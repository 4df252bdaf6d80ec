//! The INI credentials file of the official SDKs (`~/.alibabacloud/credentials`, or
//! `credentials.ini` as the Python SDK names it), parsed from bytes.
//!
//! ```ini
//! [default]
//! type = access_key
//! access_key_id = LTAI5tExample
//! access_key_secret = ...
//! ```
//!
//! Types read: `access_key`, `ecs_ram_role`, `ram_role_arn`, `oidc_role_arn`. Lines are
//! `[section]`, `key = value` (or `key: value`), blank, or comments starting with `#` or `;`.
//! Errors name the file, the line or the section and the key, never a value.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use di_proto::Credentials;
use zeroize::Zeroizing;

use crate::profile::{Profile, RoleSpec};
use crate::{Error, Source};

/// The types this crate reads, for messages.
pub const SUPPORTED_TYPES: &str = "access_key, ecs_ram_role, ram_role_arn, oidc_role_arn";

/// Reads section `section` of the INI bytes of the file at `path` (for messages).
/// `Ok(None)` when the file has no such section.
///
/// ```
/// use std::path::Path;
/// use di_credentials::{ini, Profile};
///
/// let file = b"# mine\n[default]\ntype = ecs_ram_role\nrole_name = worker\n";
/// let profile = ini::parse(file, Path::new("credentials"), "default")?;
/// assert!(matches!(profile, Some(Profile::EcsRamRole { role_name: Some(name) }) if name == "worker"));
/// # Ok::<(), di_credentials::Error>(())
/// ```
///
/// # Errors
/// [`Error::File`] for a line that is neither a section, a key nor a comment (with its
/// number) or bytes that are not UTF-8; [`Error::Profile`] when the section is there but
/// cannot be used.
pub fn parse(bytes: &[u8], path: &Path, section: &str) -> Result<Option<Profile>, Error> {
    let sections = sections(bytes, path)?;
    let Some(keys) = sections.get(section) else {
        return Ok(None);
    };
    let fields = Fields {
        keys,
        path,
        section,
    };
    read_section(&fields).map(Some)
}

/// The `region_id` key of section `section` of the INI bytes of the file at `path`: the
/// region to send to when none is given. `Ok(None)` when the file has no such section;
/// `Ok(Some(None))` when the section names no region.
///
/// ```
/// use std::path::Path;
/// use di_credentials::ini;
///
/// let file = b"[default]\ntype = access_key\nregion_id = cn-beijing\n";
/// let region = ini::region(file, Path::new("credentials"), "default")?;
/// assert_eq!(region, Some(Some("cn-beijing".to_owned())));
/// # Ok::<(), di_credentials::Error>(())
/// ```
///
/// # Errors
/// [`Error::File`] as [`parse`].
pub fn region(bytes: &[u8], path: &Path, section: &str) -> Result<Option<Option<String>>, Error> {
    let sections = sections(bytes, path)?;
    let Some(keys) = sections.get(section) else {
        return Ok(None);
    };
    let fields = Fields {
        keys,
        path,
        section,
    };
    Ok(Some(fields.owned("region_id")))
}

type Section = BTreeMap<String, Zeroizing<String>>;

fn sections(bytes: &[u8], path: &Path) -> Result<BTreeMap<String, Section>, Error> {
    let file_error = |line: Option<usize>, reason: &str| Error::File {
        source_name: Source::ProfileFile,
        path: path.to_path_buf(),
        line,
        reason: reason.to_owned(),
    };
    let text = std::str::from_utf8(bytes).map_err(|error| {
        let line = bytes[..error.valid_up_to()]
            .iter()
            .filter(|&&byte| byte == b'\n')
            .count()
            + 1;
        file_error(Some(line), "not UTF-8 text")
    })?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut sections: BTreeMap<String, Section> = BTreeMap::new();
    let mut current: Option<String> = None;
    for (index, line) in text.lines().enumerate() {
        let number = index + 1;
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') || line.starts_with(';') {
            continue;
        }
        if let Some(rest) = line.strip_prefix('[') {
            let Some(name) = rest.strip_suffix(']') else {
                return Err(file_error(
                    Some(number),
                    "a section header must end with `]`",
                ));
            };
            let name = name.trim().to_owned();
            if name.is_empty() {
                return Err(file_error(Some(number), "a section name is empty"));
            }
            sections.entry(name.clone()).or_default();
            current = Some(name);
            continue;
        }
        let Some(at) = line.find(['=', ':']) else {
            return Err(file_error(
                Some(number),
                "expected `[section]`, `key = value`, or a comment",
            ));
        };
        let key = line[..at].trim();
        if key.is_empty() {
            return Err(file_error(Some(number), "a key is empty"));
        }
        let Some(section) = &current else {
            return Err(file_error(
                Some(number),
                "a key comes before any `[section]`",
            ));
        };
        let mut value = line[at + 1..].trim();
        if value.len() >= 2
            && ((value.starts_with('"') && value.ends_with('"'))
                || (value.starts_with('\'') && value.ends_with('\'')))
        {
            value = &value[1..value.len() - 1];
        }
        sections
            .entry(section.clone())
            .or_default()
            .insert(key.to_owned(), Zeroizing::new(value.to_owned()));
    }
    Ok(sections)
}

struct Fields<'a> {
    keys: &'a Section,
    path: &'a Path,
    section: &'a str,
}

impl Fields<'_> {
    fn error(&self, reason: impl Into<String>) -> Error {
        Error::Profile {
            source_name: Source::ProfileFile,
            path: self.path.to_path_buf(),
            profile: self.section.to_owned(),
            reason: reason.into(),
        }
    }

    fn get(&self, key: &str) -> Option<&str> {
        self.keys
            .get(key)
            .map(|value| value.as_str())
            .filter(|value| !value.is_empty())
    }

    fn owned(&self, key: &str) -> Option<String> {
        self.get(key).map(str::to_owned)
    }

    fn required(&self, key: &str, kind: &str) -> Result<&str, Error> {
        self.get(key)
            .ok_or_else(|| self.error(format!("type {kind} needs key `{key}`")))
    }

    fn keys(&self, kind: &str) -> Result<Credentials, Error> {
        Credentials::new(
            self.required("access_key_id", kind)?,
            self.required("access_key_secret", kind)?,
        )
        .map_err(|error| self.error(error.to_string()))
    }

    fn role(&self, kind: &str) -> Result<RoleSpec, Error> {
        let duration_seconds = match self.get("role_session_expiration") {
            None => None,
            Some(text) => Some(text.parse::<u64>().map_err(|_| {
                self.error("key `role_session_expiration` is not a whole number of seconds")
            })?),
        };
        let vpc = match self.get("enable_vpc") {
            None => None,
            Some(text) if text.eq_ignore_ascii_case("true") => Some(true),
            Some(text) if text.eq_ignore_ascii_case("false") => Some(false),
            Some(_) => return Err(self.error("key `enable_vpc` is not true or false")),
        };
        Ok(RoleSpec {
            role_arn: self.required("role_arn", kind)?.to_owned(),
            session_name: self.owned("role_session_name"),
            duration_seconds,
            policy: self.owned("policy"),
            external_id: self.owned("external_id"),
            sts_region: self.owned("sts_region"),
            vpc,
        })
    }
}

fn read_section(fields: &Fields<'_>) -> Result<Profile, Error> {
    let Some(kind) = fields.get("type") else {
        return Err(fields.error(format!("no `type`; di reads {SUPPORTED_TYPES}")));
    };
    match kind {
        "access_key" => Ok(Profile::Static(fields.keys("access_key")?)),
        "ecs_ram_role" => Ok(Profile::EcsRamRole {
            role_name: fields.owned("role_name"),
        }),
        "ram_role_arn" => Ok(Profile::RamRoleArn {
            source: fields.keys("ram_role_arn")?,
            role: fields.role("ram_role_arn")?,
        }),
        "oidc_role_arn" => Ok(Profile::Oidc {
            provider_arn: fields
                .required("oidc_provider_arn", "oidc_role_arn")?
                .to_owned(),
            token_file: PathBuf::from(fields.required("oidc_token_file_path", "oidc_role_arn")?),
            role: fields.role("oidc_role_arn")?,
        }),
        other => Err(fields.error(format!(
            "type {other:?} is not supported by di (it reads {SUPPORTED_TYPES})"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FILE: &str = "\u{feff}; comment\n[default]\ntype = access_key\naccess_key_id = LTAI-ini\naccess_key_secret = \"sec-ini\"\n\n\
        [arn]\ntype=ram_role_arn\naccess_key_id: LTAI-a\naccess_key_secret = sec-a\nrole_arn = acs:ram::1:role/r\nrole_session_name = s\nrole_session_expiration = 1200\n\
        [oidc]\ntype = oidc_role_arn\nrole_arn = acs:ram::1:role/o\noidc_provider_arn = acs:ram::1:oidc-provider/p\noidc_token_file_path = /t\n\
        [rsa]\ntype = rsa_key_pair\n[nokey]\ntype = access_key\naccess_key_id = x\n[badexp]\ntype = ram_role_arn\naccess_key_id = a\naccess_key_secret = sec-b\nrole_arn = r\nrole_session_expiration = soon\n";

    fn section(name: &str) -> Result<Option<Profile>, Error> {
        parse(
            FILE.as_bytes(),
            Path::new("/h/.alibabacloud/credentials"),
            name,
        )
    }

    #[test]
    fn reads_every_supported_type() {
        let Some(Profile::Static(credentials)) = section("default").unwrap() else {
            panic!()
        };
        assert_eq!(credentials.access_key_id(), "LTAI-ini");
        let Some(Profile::RamRoleArn { source, role }) = section("arn").unwrap() else {
            panic!()
        };
        assert_eq!(source.access_key_id(), "LTAI-a");
        assert_eq!(role.duration_seconds, Some(1200));
        assert_eq!(role.session_name.as_deref(), Some("s"));
        let Some(Profile::Oidc { token_file, .. }) = section("oidc").unwrap() else {
            panic!()
        };
        assert_eq!(token_file, PathBuf::from("/t"));
        assert!(section("missing").unwrap().is_none());
    }

    #[test]
    fn clear_errors_without_values() {
        let rsa = section("rsa").unwrap_err().to_string();
        assert!(rsa.contains("\"rsa_key_pair\" is not supported"), "{rsa}");
        let nokey = section("nokey").unwrap_err().to_string();
        assert!(
            nokey.contains("needs key `access_key_secret`") && nokey.contains("\"nokey\""),
            "{nokey}"
        );
        let badexp = section("badexp").unwrap_err().to_string();
        assert!(
            badexp.contains("role_session_expiration") && !badexp.contains("sec-b"),
            "{badexp}"
        );
    }

    #[test]
    fn reads_the_region_of_a_section() {
        let path = Path::new("credentials");
        let file =
            b"[default]\ntype = access_key\nregion_id = cn-beijing\n[bare]\ntype = rsa_key_pair\n";
        assert_eq!(
            region(file, path, "default").unwrap(),
            Some(Some("cn-beijing".to_owned()))
        );
        assert_eq!(region(file, path, "bare").unwrap(), Some(None));
        assert_eq!(region(file, path, "absent").unwrap(), None);
    }

    #[test]
    fn malformed_lines_name_their_number() {
        let path = Path::new("credentials.ini");
        for (text, line) in [
            ("[default]\ntype = access_key\naccess_key_secret sec-q\n", 3),
            ("[default\n", 1),
            ("key = sec-q\n[default]\n", 1),
            ("[default]\n= sec-q\n", 2),
        ] {
            let error = parse(text.as_bytes(), path, "default").unwrap_err();
            let Error::File {
                line: Some(found), ..
            } = &error
            else {
                panic!("{error:?}")
            };
            assert_eq!(*found, line, "{text:?}");
            assert!(!error.to_string().contains("sec-q"), "{error}");
        }
        let error = parse(b"[default]\n\xff\n", path, "default").unwrap_err();
        assert!(
            matches!(error, Error::File { line: Some(2), .. }),
            "{error:?}"
        );
    }
}
