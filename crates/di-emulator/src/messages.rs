//! The wording of the service's refusals (`Data.Status = fail`): the one DataWorks documents,
//! and the rest, worded as [`Messages`] asks.

use crate::config::ConfigError;

/// How the emulator words the refusals DataWorks does not document (`Data.Status = fail`
/// with a `Message`), so that a test can prove a client never decides from a message's
/// phrases: [`Config::with_messages`](crate::Config::with_messages), or `--fail-messages` for
/// the binaries.
///
/// The one documented failure, an unknown or deleted task, is always worded
/// `fileId:[N] is invalid.`, whatever the choice.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Messages {
    /// Plain English that names the task's state (the default):
    /// `fileId:[N] is not deployed.`, `fileId:[N] is not running.`,
    /// `fileId:[N] is already running.`, `fileId:[N] is changing state (KILLING); try again
    /// later.`, `fileId:[N] is still running; terminate it with TerminateDISyncInstance
    /// first.`, `fileId:[N] is deployed; terminate it with TerminateDISyncInstance first.`,
    /// `fileId:[N] is updated only with the TaskContent that
    /// QueryDISyncTaskConfigProcessResult returned for it (GenerateDISyncTaskConfigForUpdating
    /// first).`
    #[default]
    Default,
    /// A neutral text that names no state, only a number per reason:
    /// `fileId:[N]: the request was refused (reason R).`, where R is 1 for not deployed, 2 for
    /// not running, 3 for already running, 4 for a change still settling, 5 for deleting a
    /// running task, 6 for deleting a deployed (not running) task, 7 for updating a real-time
    /// task or solution with a script no config process generated for it.
    Opaque,
    /// One text for every undocumented refusal, built to fool a client that matches phrases:
    /// `fileId:[N] cannot be deleted in its current state: it is not deployed or not running
    /// (not found, does not exist, already stopped, already running).`
    Misleading,
}

impl std::str::FromStr for Messages {
    type Err = ConfigError;

    /// Reads `default`, `opaque` or `misleading`, as `--fail-messages` takes them.
    fn from_str(text: &str) -> Result<Self, ConfigError> {
        match text {
            "default" => Ok(Messages::Default),
            "opaque" => Ok(Messages::Opaque),
            "misleading" => Ok(Messages::Misleading),
            _ => Err(ConfigError::InvalidValue {
                option: "--fail-messages",
                value: text.to_owned(),
                reason: "expected default, opaque or misleading",
            }),
        }
    }
}

/// Why the service refused a change of a task that exists (every undocumented refusal).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Refused {
    /// Start, stop or terminate of an undeployed task.
    NotDeployed,
    /// Stop of a task that is not running.
    NotRunning,
    /// Start of a running task.
    AlreadyRunning,
    /// Any other change while the last one settles; carries the run status meanwhile.
    ChangingState(&'static str),
    /// Delete of a running task.
    StillRunning,
    /// Delete of a deployed task that is not running.
    StillDeployed,
    /// `UpdateDISyncTask` of a real-time task or solution without the script a config
    /// process for updating it generated.
    NotGenerated,
}

impl Refused {
    /// The number [`Messages::Opaque`] gives this reason.
    fn number(self) -> u8 {
        match self {
            Refused::NotDeployed => 1,
            Refused::NotRunning => 2,
            Refused::AlreadyRunning => 3,
            Refused::ChangingState(_) => 4,
            Refused::StillRunning => 5,
            Refused::StillDeployed => 6,
            Refused::NotGenerated => 7,
        }
    }
}

/// The documented message for an unknown or deleted task, the same in every [`Messages`].
pub(crate) fn invalid(file_id: i64) -> String {
    format!("fileId:[{file_id}] is invalid.")
}

/// The message of refusal `reason` for task `file_id`, worded as `messages` asks.
pub(crate) fn refused(messages: Messages, file_id: i64, reason: Refused) -> String {
    match messages {
        Messages::Default => match reason {
            Refused::NotDeployed => format!("fileId:[{file_id}] is not deployed."),
            Refused::NotRunning => format!("fileId:[{file_id}] is not running."),
            Refused::AlreadyRunning => format!("fileId:[{file_id}] is already running."),
            Refused::ChangingState(status) => {
                format!("fileId:[{file_id}] is changing state ({status}); try again later.")
            }
            Refused::StillRunning => format!(
                "fileId:[{file_id}] is still running; terminate it with TerminateDISyncInstance first."
            ),
            Refused::StillDeployed => format!(
                "fileId:[{file_id}] is deployed; terminate it with TerminateDISyncInstance first."
            ),
            Refused::NotGenerated => format!(
                "fileId:[{file_id}] is updated only with the TaskContent that \
                 QueryDISyncTaskConfigProcessResult returned for it \
                 (GenerateDISyncTaskConfigForUpdating first)."
            ),
        },
        Messages::Opaque => format!(
            "fileId:[{file_id}]: the request was refused (reason {}).",
            reason.number()
        ),
        Messages::Misleading => format!(
            "fileId:[{file_id}] cannot be deleted in its current state: it is not deployed or \
             not running (not found, does not exist, already stopped, already running)."
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const EVERY_REASON: [Refused; 7] = [
        Refused::NotDeployed,
        Refused::NotRunning,
        Refused::AlreadyRunning,
        Refused::ChangingState("KILLING"),
        Refused::StillRunning,
        Refused::StillDeployed,
        Refused::NotGenerated,
    ];

    #[test]
    fn reads_the_names_the_binaries_take() {
        assert_eq!("default".parse(), Ok(Messages::Default));
        assert_eq!("opaque".parse(), Ok(Messages::Opaque));
        assert_eq!("misleading".parse(), Ok(Messages::Misleading));
        assert_eq!(Messages::default(), Messages::Default);
        let error = "Opaque".parse::<Messages>().unwrap_err();
        assert_eq!(
            error.to_string(),
            "invalid --fail-messages \"Opaque\": expected default, opaque or misleading"
        );
    }

    #[test]
    fn opaque_messages_name_no_state_and_number_each_reason() {
        let messages: Vec<String> = EVERY_REASON
            .iter()
            .map(|&reason| refused(Messages::Opaque, 7, reason))
            .collect();
        assert_eq!(
            messages,
            (1..=7)
                .map(|number| format!("fileId:[7]: the request was refused (reason {number})."))
                .collect::<Vec<_>>()
        );
    }

    #[test]
    fn misleading_messages_are_one_text_with_every_phrase() {
        let expected = "fileId:[7] cannot be deleted in its current state: it is not deployed or \
                        not running (not found, does not exist, already stopped, already running).";
        for reason in EVERY_REASON {
            assert_eq!(refused(Messages::Misleading, 7, reason), expected);
        }
        for phrase in [
            "deleted",
            "not deployed",
            "not running",
            "already running",
            "not found",
            "does not exist",
            "already stopped",
        ] {
            assert!(expected.contains(phrase), "{phrase}");
        }
        assert_eq!(invalid(7), "fileId:[7] is invalid.");
    }
}
