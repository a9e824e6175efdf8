//! The library's error type and the one mapping from outcomes to exit codes.

use crate::rabbitmq::client::ApiError;
use crate::report::Severity;
use crate::settings::SettingsError;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Api(#[from] ApiError),
    #[error(transparent)]
    Settings(#[from] SettingsError),
    #[error(transparent)]
    Prune(#[from] crate::prune::PruneError),
    #[error(transparent)]
    Journal(#[from] crate::fix::journal::JournalError),
    #[error(transparent)]
    Fix(#[from] crate::fix::FixError),
    #[error(transparent)]
    Workers(#[from] crate::workers::WorkerError),
    #[error(transparent)]
    Gather(#[from] crate::gather::GatherError),
    /// Bad arguments that clap cannot catch (an invalid regex, an unknown finding ID).
    #[error("{0}")]
    Usage(String),
    #[error("{0}")]
    Io(String),
}

impl From<crate::gather::BrokerError> for Error {
    /// A broker that could not be read at all, as the run's one error line.
    fn from(e: crate::gather::BrokerError) -> Self {
        match e {
            crate::gather::BrokerError::RabbitMq(e) => Error::Api(e),
            crate::gather::BrokerError::Redis(e) => Error::Io(e.to_string()),
        }
    }
}

impl Error {
    /// A hint printed after the error where the cause is known.
    pub fn hint(&self) -> Option<&'static str> {
        match self {
            Error::Settings(SettingsError::File { .. }) => {
                Some("see the Configuration section of the README for the keys a config file takes")
            }
            _ => None,
        }
    }
}

/// How a command ended.
#[derive(Debug)]
pub enum Outcome {
    /// A command that only lists or explains, and succeeded.
    Done,
    /// A diagnosis; its worst severity decides the exit code.
    Checked(Severity),
    /// The command could not do its job.
    Failed(Error),
}

/// The exit code of an outcome:
///
/// | code | meaning |
/// |------|---------|
/// | 0 | done, or every check ok |
/// | 1 | the worst finding is a warning |
/// | 2 | a critical finding |
/// | 3 | could not check: unreachable broker, refused credentials, bad arguments or config, or a check that could not run |
pub fn exit_code(outcome: &Outcome) -> u8 {
    match outcome {
        Outcome::Done => 0,
        Outcome::Checked(severity) => severity.exit_code(),
        Outcome::Failed(_) => 3,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exit_codes_follow_the_monitoring_plugin_convention() {
        assert_eq!(exit_code(&Outcome::Done), 0);
        assert_eq!(exit_code(&Outcome::Checked(Severity::Ok)), 0);
        assert_eq!(exit_code(&Outcome::Checked(Severity::Warn)), 1);
        assert_eq!(exit_code(&Outcome::Checked(Severity::Crit)), 2);
        assert_eq!(exit_code(&Outcome::Checked(Severity::Unknown)), 3);
        assert_eq!(exit_code(&Outcome::Failed(Error::Usage("x".into()))), 3);
    }
}
