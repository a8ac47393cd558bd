//! Errors as the webview sees them: `{code, message}`.
//!
//! The `code` is the core's stable [`varna_core::ErrorCode`]; the UI translates it. The
//! `message` is an English explanation for logs and support, never answer content.

use serde::Serialize;
use varna_core::ErrorCode;

#[derive(Debug, Serialize)]
pub struct CommandError {
    pub code: ErrorCode,
    pub message: String,
}

impl From<varna_core::Error> for CommandError {
    fn from(e: varna_core::Error) -> Self {
        CommandError {
            code: e.code(),
            message: e.to_string(),
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
    }
}
