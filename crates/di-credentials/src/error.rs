//! The crate's one error: why the chain gave no credentials. No variant ever holds a secret
//! (an AccessKey secret, a security token, an OIDC token): messages name files, lines,
//! fields and variables instead of echoing values.

use std::fmt;
use std::path::PathBuf;

use crate::Source;

/// A source the chain passed over, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Skipped {
    /// The source.
    pub source: Source,
    /// Why it was passed over (a variable not set, a file missing, a switch).
    pub reason: String,
}

impl fmt::Display for Skipped {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.source, self.reason)
    }
}

/// Why the chain (or one of its sources) gave no credentials.
///
/// A source that is not configured is passed over; a source that is configured but unusable
/// (a malformed file, a profile in a mode di cannot read, an STS refusal) stops the chain with
/// its own error rather than falling through to some other identity.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// No source is configured: every source tried, with why it was passed over.
    #[error("no credentials found; tried, in order: {}", list(.tried))]
    NotFound {
        /// Every source, in the chain's order.
        tried: Vec<Skipped>,
    },

    /// A profile named by [`ChainOptions::with_profile`](crate::ChainOptions::with_profile)
    /// (a command line's `--profile`) or by `ALIBABA_CLOUD_PROFILE` that neither profile file
    /// holds. The chain stops here: a misspelt profile name never falls through to another
    /// identity (the ECS instance's RAM role, say).
    #[error(
        "no profile {profile:?}{} in the profile files; looked in: {}",
        named_by(*.from_variable),
        list(.looked_in)
    )]
    ProfileNotFound {
        /// The profile name.
        profile: String,
        /// Whether `ALIBABA_CLOUD_PROFILE` named it (else the caller did).
        from_variable: bool,
        /// The profile sources, each with what it found instead (the file missing, the
        /// profile not in it, the source switched off).
        looked_in: Vec<Skipped>,
    },

    /// A file that cannot be read or parsed.
    #[error("{source_name}: {}{}: {reason}", .path.display(), line_suffix(*.line))]
    File {
        /// The source reading it.
        source_name: Source,
        /// The file.
        path: PathBuf,
        /// The 1-based line, when known.
        line: Option<usize>,
        /// What is wrong (never a value from the file).
        reason: String,
    },

    /// A profile that is present but cannot be used: a missing or invalid field, an
    /// unsupported mode or type, a profile name that is not in the file.
    #[error("{source_name}: {}: profile {profile:?}: {reason}", .path.display())]
    Profile {
        /// The source reading it.
        source_name: Source,
        /// The file.
        path: PathBuf,
        /// The profile (or INI section) name.
        profile: String,
        /// What is wrong (never a secret value).
        reason: String,
    },

    /// An environment variable that is set but unusable.
    #[error("{source_name}: {variable}: {reason}")]
    Variable {
        /// The source reading it.
        source_name: Source,
        /// The variable.
        variable: &'static str,
        /// What is wrong (never its value).
        reason: String,
    },

    /// An exchange (metadata service, credentials URI, STS) got no answer.
    #[error("{source_name}: {step}: no answer: {reason}")]
    Unreachable {
        /// The source.
        source_name: Source,
        /// The exchange (`AssumeRole`, `IMDS role credentials`, ...).
        step: &'static str,
        /// The transport's description (never a header or a body).
        reason: String,
    },

    /// An exchange got an answer that refuses, or is not credentials.
    #[error("{source_name}: {step}: {reason}")]
    Refused {
        /// The source.
        source_name: Source,
        /// The exchange.
        step: &'static str,
        /// What the answer said (service error codes and messages are redacted of tokens).
        reason: String,
    },
}

impl Error {
    /// The source the error is about (`None` for [`Error::NotFound`] and
    /// [`Error::ProfileNotFound`], which are about several).
    pub fn source_name(&self) -> Option<Source> {
        match self {
            Error::NotFound { .. } | Error::ProfileNotFound { .. } => None,
            Error::File { source_name, .. }
            | Error::Profile { source_name, .. }
            | Error::Variable { source_name, .. }
            | Error::Unreachable { source_name, .. }
            | Error::Refused { source_name, .. } => Some(*source_name),
        }
    }
}

fn list(tried: &[Skipped]) -> String {
    tried
        .iter()
        .map(Skipped::to_string)
        .collect::<Vec<_>>()
        .join("; ")
}

fn named_by(from_variable: bool) -> &'static str {
    if from_variable {
        " (named by ALIBABA_CLOUD_PROFILE)"
    } else {
        ""
    }
}

fn line_suffix(line: Option<usize>) -> String {
    line.map(|line| format!(":{line}")).unwrap_or_default()
}
