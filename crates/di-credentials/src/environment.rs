//! The environment the chain reads: variables and the home directory, injectable so that
//! tests never touch the process environment.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

/// The variables and home directory the chain reads.
///
/// [`Environment::from_process`] reads them from the process once; tests build one from a
/// map. Values are never shown by `Debug` (some are secrets), only the names, and are wiped
/// when the environment is dropped.
///
/// ```
/// use di_credentials::Environment;
/// let env = Environment::empty()
///     .with_var("ALIBABA_CLOUD_ECS_METADATA_DISABLED", "TRUE")
///     .with_var("ALIBABA_CLOUD_PROFILE", "")
///     .with_home("/home/me");
/// assert!(env.flag("ALIBABA_CLOUD_ECS_METADATA_DISABLED"));
/// // An empty value counts as unset, as the official SDKs read it.
/// assert_eq!(env.var("ALIBABA_CLOUD_PROFILE"), None);
/// assert_eq!(env.home().unwrap().to_str(), Some("/home/me"));
/// ```
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Environment {
    vars: BTreeMap<String, String>,
    home: Option<PathBuf>,
}

impl Environment {
    /// No variables, no home directory.
    pub fn empty() -> Self {
        Environment::default()
    }

    /// The process's `ALIBABA_CLOUD_*` variables (those that are valid Unicode) and its home
    /// directory (`HOME`, else `USERPROFILE` on Windows), read now.
    pub fn from_process() -> Self {
        let vars = std::env::vars_os()
            .filter_map(|(name, value)| Some((name.into_string().ok()?, value.into_string().ok()?)))
            .filter(|(name, _)| name.starts_with("ALIBABA_CLOUD_"))
            .collect();
        let home = ["HOME", "USERPROFILE"]
            .into_iter()
            .filter_map(std::env::var_os)
            .find(|value| !value.is_empty())
            .map(PathBuf::from);
        Environment { vars, home }
    }

    /// These variables, and no home directory.
    pub fn from_vars<K: Into<String>, V: Into<String>>(
        vars: impl IntoIterator<Item = (K, V)>,
    ) -> Self {
        Environment {
            vars: vars
                .into_iter()
                .map(|(name, value)| (name.into(), value.into()))
                .collect(),
            home: None,
        }
    }

    /// This environment with `name` set to `value`.
    #[must_use]
    pub fn with_var(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.vars.insert(name.into(), value.into());
        self
    }

    /// This environment without `name`.
    #[must_use]
    pub fn without_var(mut self, name: &str) -> Self {
        self.vars.remove(name);
        self
    }

    /// This environment with `home` as the home directory.
    #[must_use]
    pub fn with_home(mut self, home: impl Into<PathBuf>) -> Self {
        self.home = Some(home.into());
        self
    }

    /// This environment with no home directory.
    #[must_use]
    pub fn without_home(mut self) -> Self {
        self.home = None;
        self
    }

    /// The value of `name`; an empty value counts as unset.
    pub fn var(&self, name: &str) -> Option<&str> {
        self.vars
            .get(name)
            .map(String::as_str)
            .filter(|value| !value.is_empty())
    }

    /// Whether `name` is `true` (any case), as the official SDKs read their switches.
    pub fn flag(&self, name: &str) -> bool {
        self.var(name)
            .is_some_and(|value| value.trim().eq_ignore_ascii_case("true"))
    }

    /// The home directory, if known.
    pub fn home(&self) -> Option<&Path> {
        self.home.as_deref()
    }
}

/// The variables can hold an AccessKey secret or an STS token: their bytes are wiped on drop.
impl Drop for Environment {
    fn drop(&mut self) {
        for value in self.vars.values_mut() {
            zeroize::Zeroize::zeroize(value);
        }
    }
}

impl fmt::Debug for Environment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Environment")
            .field("vars", &self.vars.keys().collect::<Vec<_>>())
            .field("home", &self.home)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_shows_names_never_values() {
        let env = Environment::from_vars([("ALIBABA_CLOUD_ACCESS_KEY_SECRET", "hunter2-secret")]);
        let debug = format!("{env:?}");
        assert!(debug.contains("ALIBABA_CLOUD_ACCESS_KEY_SECRET"), "{debug}");
        assert!(!debug.contains("hunter2"), "{debug}");
    }

    #[test]
    fn flags_and_unset() {
        let env = Environment::from_vars([("A", "true"), ("B", "1"), ("C", " True ")]);
        assert!(env.flag("A"));
        assert!(
            !env.flag("B"),
            "only `true` switches, as the official SDKs read it"
        );
        assert!(env.flag("C"));
        assert!(!env.flag("D"));
        assert_eq!(env.clone().without_var("A").var("A"), None);
        assert!(env.home().is_none());
    }
}
