//! Errors: [`HostError`] from host functions, and the plugin-level [`Error`] that
//! `execute` returns and the generated export turns into a return code.

use std::fmt;

/// Why a host function failed, from its negative return code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum HostErrorKind {
    /// A pointer or length outside the plugin's memory (-1).
    Memory,
    /// A malformed request: bad JSON, URL, method, argv or MIDI bytes (-2).
    Invalid,
    /// Not allowed: capability not granted, host not in `allowed_hosts`, scheme not
    /// http/https (-3).
    Denied,
    /// The request timed out; a command was killed (-4).
    Timeout,
    /// DNS, connection or TLS failure; a command that cannot be started (-5).
    Io,
    /// The HTTP response was larger than the host's cap and was cut (-6).
    TooLarge,
    /// Nobody receives it: no MIDI output, no handler in the application (-7).
    Unavailable,
    /// The application refused the request (-8).
    Rejected,
    /// A code this SDK does not know (a newer host).
    Other(i32),
}

impl HostErrorKind {
    /// The kind for a negative return code.
    pub fn from_code(code: i32) -> Self {
        match code {
            -1 => Self::Memory,
            -2 => Self::Invalid,
            -3 => Self::Denied,
            -4 => Self::Timeout,
            -5 => Self::Io,
            -6 => Self::TooLarge,
            -7 => Self::Unavailable,
            -8 => Self::Rejected,
            other => Self::Other(other),
        }
    }

    /// The code the host returns for this kind.
    pub fn code(self) -> i32 {
        match self {
            Self::Other(code) => code,
            known => known.code_const(),
        }
    }

    pub(crate) const fn code_const(self) -> i32 {
        match self {
            Self::Memory => -1,
            Self::Invalid => -2,
            Self::Denied => -3,
            Self::Timeout => -4,
            Self::Io => -5,
            Self::TooLarge => -6,
            Self::Unavailable => -7,
            Self::Rejected => -8,
            Self::Other(code) => code,
        }
    }

    fn describe(self) -> &'static str {
        match self {
            Self::Memory => "bad memory range",
            Self::Invalid => "invalid request",
            Self::Denied => "denied",
            Self::Timeout => "timed out",
            Self::Io => "failed",
            Self::TooLarge => "response too large",
            Self::Unavailable => "unavailable",
            Self::Rejected => "rejected",
            Self::Other(_) => "failed",
        }
    }
}

/// A host function failed: what kind of failure and the host's message.
#[derive(Debug, Clone)]
pub struct HostError {
    /// The kind of failure.
    pub kind: HostErrorKind,
    /// The host's explanation.
    pub message: String,
    /// For [`HostErrorKind::TooLarge`]: the response with its body cut at the cap.
    pub partial: Option<Box<crate::response::Response>>,
}

impl HostError {
    pub(crate) fn new(kind: HostErrorKind, message: impl Into<String>) -> Self {
        Self {
            kind,
            message: message.into(),
            partial: None,
        }
    }
}

impl fmt::Display for HostError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.kind.describe(), self.message)
    }
}

impl std::error::Error for HostError {}

/// What a plugin function returns on failure. The generated export logs the message
/// at error level and returns the code (non-zero; [`Error::DEFAULT_CODE`] unless set).
///
/// Any `std::error::Error` (a [`HostError`], a `serde_json::Error`, ...) converts into
/// it with `?`; for a plain message use [`Error::msg`].
///
/// ```
/// use conductor_plugin::Error;
/// let e = Error::msg("volume out of range").with_code(4);
/// assert_eq!(e.code(), 4);
/// assert_eq!(e.to_string(), "volume out of range");
/// ```
#[derive(Debug, Clone)]
pub struct Error {
    code: i32,
    message: String,
}

impl Error {
    /// The code returned for a failure that sets none.
    pub const DEFAULT_CODE: i32 = 1;
    /// The code returned when the params are not what the plugin's params type expects.
    pub const BAD_PARAMS: i32 = 2;
    /// The code returned when the trigger context cannot be read.
    pub const BAD_CONTEXT: i32 = 3;

    /// An error with a message and [`Error::DEFAULT_CODE`].
    pub fn msg(message: impl fmt::Display) -> Self {
        Self {
            code: Self::DEFAULT_CODE,
            message: message.to_string(),
        }
    }

    /// The same error returning `code` (0 is replaced by [`Error::DEFAULT_CODE`]: a
    /// failure never reads as success).
    pub fn with_code(mut self, code: i32) -> Self {
        self.code = if code == 0 { Self::DEFAULT_CODE } else { code };
        self
    }

    /// The code `execute` returns for this error.
    pub fn code(&self) -> i32 {
        self.code
    }

    /// The message.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl<E: std::error::Error> From<E> for Error {
    fn from(e: E) -> Self {
        let mut message = e.to_string();
        let mut source = e.source();
        while let Some(s) = source {
            message.push_str(": ");
            message.push_str(&s.to_string());
            source = s.source();
        }
        Error::msg(message)
    }
}

/// `Result` with the plugin-level [`Error`] as default error type.
pub type Result<T, E = Error> = std::result::Result<T, E>;
