//! What the profile files say besides credentials: whether a named profile exists, and the
//! region to send to when a command line gives none (`ALIBABA_CLOUD_REGION_ID`, else the
//! `region_id` of the profile the chain reads), as the aliyun CLI reads them.

use std::fmt;
use std::path::PathBuf;

use crate::chain::{Located, Warn, locate_cli_profile, locate_ini_section, named_profile};
use crate::error::Skipped;
use crate::{ChainOptions, Environment, Error, Source, cli_config, ini};

/// `ALIBABA_CLOUD_REGION_ID`: the region when a command line names none.
pub const ENV_REGION_ID: &str = "ALIBABA_CLOUD_REGION_ID";

/// A profile the chain would read, found in a profile file (its credentials not read).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct FoundProfile {
    /// The profile (or INI section) name.
    pub name: String,
    /// The source whose file holds it: [`Source::CliProfile`] or [`Source::ProfileFile`].
    pub source: Source,
    /// The file.
    pub path: PathBuf,
    /// Its `region_id`, when it names one.
    pub region_id: Option<String>,
}

impl fmt::Display for FoundProfile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.source {
            Source::ProfileFile => write!(f, "section [{}] of {}", self.name, self.path.display()),
            _ => write!(f, "profile {:?} of {}", self.name, self.path.display()),
        }
    }
}

/// Finds the profile the chain's profile sources would read, in the same files and order
/// (the aliyun CLI's `config.json`, then the INI credentials file), without reading its
/// credentials or asking any service.
///
/// `Ok(None)` when neither file has it and no profile was named.
///
/// ```
/// use di_credentials::{ChainOptions, Environment, Error, find_profile};
///
/// let home = std::env::temp_dir().join(format!("di-find-profile-doc-{}", std::process::id()));
/// let env = Environment::empty().with_home(&home);
/// // Nothing named, nothing found: not an error.
/// assert_eq!(find_profile(&env, &ChainOptions::new())?, None);
/// // Named, not found: an error that lists where it looked.
/// let error = find_profile(&env, &ChainOptions::new().with_profile("nosuch")).unwrap_err();
/// assert!(matches!(error, Error::ProfileNotFound { ref looked_in, .. } if looked_in.len() == 2));
/// # Ok::<(), di_credentials::Error>(())
/// ```
///
/// # Errors
/// [`Error::ProfileNotFound`] when a profile is named (by [`ChainOptions::with_profile`] or
/// `ALIBABA_CLOUD_PROFILE`) and neither file has it; [`Error::File`] for a file that cannot be
/// read or parsed (or a file named by a variable that does not exist); [`Error::Profile`]
/// for a `region_id` that is not a string.
pub fn find_profile(
    env: &Environment,
    options: &ChainOptions,
) -> Result<Option<FoundProfile>, Error> {
    let named = named_profile(env, options);
    let mut looked_in = Vec::new();
    match locate_cli_profile(
        env,
        named.map(|(name, _)| name),
        Warn::No,
        cli_config::region,
    )? {
        Located::Found { name, path, value } => {
            return Ok(Some(FoundProfile {
                name,
                source: Source::CliProfile,
                path,
                region_id: value,
            }));
        }
        Located::Skip(reason) => looked_in.push(Skipped {
            source: Source::CliProfile,
            reason,
        }),
    }
    let section = named.map_or("default", |(name, _)| name);
    match locate_ini_section(env, section, Warn::No, ini::region)? {
        Located::Found { name, path, value } => {
            return Ok(Some(FoundProfile {
                name,
                source: Source::ProfileFile,
                path,
                region_id: value,
            }));
        }
        Located::Skip(reason) => looked_in.push(Skipped {
            source: Source::ProfileFile,
            reason,
        }),
    }
    match named {
        Some((profile, from_variable)) => Err(Error::ProfileNotFound {
            profile: profile.to_owned(),
            from_variable,
            looked_in,
        }),
        None => Ok(None),
    }
}

/// Where a default region came from.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum RegionOrigin {
    /// `ALIBABA_CLOUD_REGION_ID`.
    Variable,
    /// The `region_id` of this profile.
    Profile(FoundProfile),
}

impl fmt::Display for RegionOrigin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RegionOrigin::Variable => f.write_str(ENV_REGION_ID),
            RegionOrigin::Profile(profile) => write!(f, "region_id of {profile}"),
        }
    }
}

/// The region to send to when a command line names none, as the aliyun CLI picks it:
/// `ALIBABA_CLOUD_REGION_ID`, else the `region_id` of the profile [`find_profile`] finds.
/// `Ok(None)` when neither names one. The region is returned as written, unchecked.
///
/// ```
/// use di_credentials::{ChainOptions, Environment, RegionOrigin, default_region};
///
/// let env = Environment::empty().with_var("ALIBABA_CLOUD_REGION_ID", "cn-shanghai");
/// let (region, origin) = default_region(&env, &ChainOptions::new())?.unwrap();
/// assert_eq!((region.as_str(), origin), ("cn-shanghai", RegionOrigin::Variable));
/// # Ok::<(), di_credentials::Error>(())
/// ```
///
/// # Errors
/// As [`find_profile`], which is asked only when the variable is not set.
pub fn default_region(
    env: &Environment,
    options: &ChainOptions,
) -> Result<Option<(String, RegionOrigin)>, Error> {
    if let Some(region) = env.var(ENV_REGION_ID) {
        return Ok(Some((region.to_owned(), RegionOrigin::Variable)));
    }
    Ok(find_profile(env, options)?.and_then(|profile| {
        let region = profile.region_id.clone()?;
        Some((region, RegionOrigin::Profile(profile)))
    }))
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;

    /// A fresh home named after `tag`, holding `files` (path under the home, text).
    fn home(tag: &str, files: &[(&str, &str)]) -> PathBuf {
        let home = std::env::temp_dir().join(format!(
            "di-credentials-region-{}-{tag}",
            std::process::id()
        ));
        let _ = std::fs::remove_dir_all(&home);
        for (path, text) in files {
            let path = home.join(path);
            std::fs::create_dir_all(path.parent().unwrap_or(Path::new("."))).unwrap();
            std::fs::write(path, text).unwrap();
        }
        std::fs::create_dir_all(&home).unwrap();
        home
    }

    const CLI: &str = r#"{"current": "main", "profiles": [
        {"name": "main", "mode": "AK", "access_key_id": "a", "access_key_secret": "s", "region_id": "cn-hangzhou"},
        {"name": "bare", "mode": "AK", "access_key_id": "a", "access_key_secret": "s"}
    ]}"#;
    const INI: &str = "[default]\ntype = access_key\nregion_id = cn-beijing\n[ini-only]\nregion_id = cn-shenzhen\n";

    #[test]
    fn the_variable_wins_then_the_profile_the_chain_reads() {
        let home = home(
            "order",
            &[
                (".aliyun/config.json", CLI),
                (".alibabacloud/credentials", INI),
            ],
        );
        let env = Environment::empty().with_home(&home);
        let region = |env: &Environment, options: &ChainOptions| {
            default_region(env, options)
                .unwrap()
                .map(|(region, origin)| (region, origin.to_string()))
        };
        let (found, origin) = region(&env, &ChainOptions::new()).unwrap();
        assert_eq!(found, "cn-hangzhou");
        assert!(
            origin.starts_with("region_id of profile \"main\" of ")
                && origin.ends_with("config.json"),
            "{origin}"
        );
        // A profile in config.json without a region: none, the INI file is not asked.
        assert_eq!(
            region(&env, &ChainOptions::new().with_profile("bare")),
            None
        );
        // A profile only in the INI file.
        let by_variable = env.clone().with_var("ALIBABA_CLOUD_PROFILE", "ini-only");
        let (found, origin) = region(&by_variable, &ChainOptions::new()).unwrap();
        assert_eq!(found, "cn-shenzhen");
        assert!(origin.contains("section [ini-only]"), "{origin}");
        let set = env.with_var(ENV_REGION_ID, "cn-shanghai");
        assert_eq!(
            region(&set, &ChainOptions::new()),
            Some(("cn-shanghai".to_owned(), ENV_REGION_ID.to_owned()))
        );
    }

    #[test]
    fn a_named_profile_in_neither_file_is_an_error_naming_both() {
        let home = home("missing", &[(".aliyun/config.json", CLI)]);
        let env = Environment::empty().with_home(&home);
        let error = find_profile(&env, &ChainOptions::new().with_profile("nosuch")).unwrap_err();
        let Error::ProfileNotFound {
            profile,
            from_variable,
            looked_in,
        } = &error
        else {
            panic!("{error:?}")
        };
        assert_eq!((profile.as_str(), *from_variable), ("nosuch", false));
        let sources: Vec<Source> = looked_in.iter().map(|skipped| skipped.source).collect();
        assert_eq!(sources, [Source::CliProfile, Source::ProfileFile]);
        let text = error.to_string();
        assert!(text.contains("has no profile \"nosuch\""), "{text}");
        assert!(text.contains("credentials.ini exists"), "{text}");
        let by_variable = env.with_var("ALIBABA_CLOUD_PROFILE", "nosuch");
        let text = find_profile(&by_variable, &ChainOptions::new())
            .unwrap_err()
            .to_string();
        assert!(text.contains("named by ALIBABA_CLOUD_PROFILE"), "{text}");
    }
}
