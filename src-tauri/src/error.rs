//! Errors as the webview sees them: `{code, message, waitSeconds?}`.
//!
//! The `code` is the core's stable [`varna_core::ErrorCode`]; the UI translates it. The
//! `message` is an English explanation for logs and support, never answer content.

use serde::Serialize;
use varna_core::ErrorCode;

#[derive(Debug, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct CommandError {
    pub code: ErrorCode,
    pub message: String,
    /// For `rate_limited`: how long the user must wait before the next attempt.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub wait_seconds: Option<u64>,
}

impl From<varna_core::Error> for CommandError {
    fn from(e: varna_core::Error) -> Self {
        let wait_seconds = match &e {
            varna_core::Error::RateLimited { wait_seconds } => Some(*wait_seconds),
            _ => None,
        };
        CommandError {
            code: e.code(),
            message: e.to_string(),
            wait_seconds,
        }
    }
}

pub type CommandResult<T> = Result<T, CommandError>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn core_errors_become_code_and_message() {
        let e: CommandError = varna_core::Error::Locked.into();
        let json = serde_json::to_value(&e).unwrap();
        assert_eq!(json["code"], "locked");
        assert_eq!(json["message"], "the store is locked");
        assert!(json.get("waitSeconds").is_none());
    }

    #[test]
    fn rate_limits_carry_the_wait() {
        let e: CommandError = varna_core::Error::RateLimited { wait_seconds: 60 }.into();
        let json = serde_json::to_value(&e).unwrap();
        assert_eq!(json["code"], "rate_limited");
        assert_eq!(json["waitSeconds"], 60);
    }
}
