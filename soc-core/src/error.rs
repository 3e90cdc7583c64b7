//! Errors: one `thiserror` enum per domain, with the context in fields, and a
//! top-level [`Error`] that wraps them all.
//!
//! Messages say what went wrong *and* what to do about it, and never contain
//! secrets (API keys, passwords, tokens).

use std::net::IpAddr;
use std::path::PathBuf;
use std::time::Duration;

/// Any error soc-core can return.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Indicator extraction failed.
    #[error(transparent)]
    Ioc(#[from] IocError),
    /// Reading or parsing input failed.
    #[error(transparent)]
    Parse(#[from] ParseError),
    /// A log source failed.
    #[error(transparent)]
    Source(#[from] SourceError),
    /// An enricher failed.
    #[error(transparent)]
    Enrich(#[from] EnrichError),
    /// A scorer failed.
    #[error(transparent)]
    Score(#[from] ScoreError),
    /// A responder failed or refused.
    #[error(transparent)]
    Respond(#[from] RespondError),
    /// The configuration is invalid.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// The state store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// An I/O error outside any of the above.
    #[error("{context}: {source}")]
    Io {
        /// What was being done.
        context: String,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
}

/// Errors of IOC extraction.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum IocError {
    /// An unknown indicator kind was named (e.g. in `--kinds`).
    #[error("unknown indicator kind '{name}'; known kinds: {known}")]
    UnknownKind {
        /// The name given.
        name: String,
        /// Comma-separated list of valid names.
        known: String,
    },
    /// An allow-list entry is neither a CIDR, an IP nor a domain.
    #[error("{path}:{line}: allow-list entry '{entry}' is not an IP, CIDR or domain")]
    BadAllowEntry {
        /// The allow-list file (or `<inline>`).
        path: String,
        /// 1-based line number.
        line: usize,
        /// The offending entry.
        entry: String,
    },
    /// Reading the input failed.
    #[error("reading {path}: {source}")]
    Io {
        /// The file being read.
        path: String,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// A value given as one indicator is not a valid indicator (of the
    /// expected kind): see `Indicator::parse`.
    #[error("'{text}' is not {expected}")]
    NotAnIndicator {
        /// The text as given (trimmed, at most 200 characters).
        text: String,
        /// What was expected, e.g. "a valid domain".
        expected: String,
    },
}

/// Errors of reading and parsing logs and alert files.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ParseError {
    /// A line could not be parsed; reading goes on, this is reported and counted.
    #[error("{source_name}{}: {reason}", at_line(*line))]
    Malformed {
        /// The file (or `<stdin>`) the line came from.
        source_name: String,
        /// 1-based line number (0 when the error is not about one line).
        line: u64,
        /// Why it is malformed.
        reason: String,
    },
    /// The input could not be opened or read.
    #[error("reading {path}: {source}")]
    Io {
        /// The file being read.
        path: String,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// A field mapping or option is invalid.
    #[error("invalid option {option}: {reason}")]
    BadOption {
        /// The option name.
        option: String,
        /// Why it is invalid.
        reason: String,
    },
}

/// Errors of log sources.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SourceError {
    /// A file source failed.
    #[error("reading {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// A record could not be parsed.
    #[error(transparent)]
    Parse(#[from] ParseError),
    /// A remote source (e.g. Splunk) answered with an error.
    #[error("{source_name}: HTTP {status}: {message}")]
    Remote {
        /// The source name.
        source_name: String,
        /// HTTP status.
        status: u16,
        /// What the server said.
        message: String,
    },
    /// A remote source could not be reached.
    #[error("{source_name}: {message}")]
    Transport {
        /// The source name.
        source_name: String,
        /// What failed.
        message: String,
    },
    /// The state store failed (checkpoints).
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A source is configured wrongly (e.g. no path, two inputs, unset `${VAR}`).
    #[error("source {source_name}: {message}")]
    Config {
        /// The source name (or its position, e.g. `sources[2]`).
        source_name: String,
        /// What is wrong and what to do.
        message: String,
    },
}

/// Errors of enrichment providers.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum EnrichError {
    /// No API key configured.
    #[error("{provider}: {env_var} is not set; export it or set {config_key} in soc.toml")]
    MissingKey {
        /// Provider name.
        provider: String,
        /// The environment variable to set.
        env_var: String,
        /// The config key to set instead.
        config_key: String,
    },
    /// 401/403: the key is wrong, revoked or lacks permission.
    #[error("{provider}: credentials rejected (HTTP {status}): {message}")]
    Auth {
        /// Provider name.
        provider: String,
        /// HTTP status.
        status: u16,
        /// The server's message.
        message: String,
    },
    /// 429 or quota exhausted.
    #[error("{provider}: rate limited{}", retry_after.map(|d| format!(", retry after {}s", d.as_secs())).unwrap_or_default())]
    RateLimited {
        /// Provider name.
        provider: String,
        /// How long the server asked us to wait.
        retry_after: Option<Duration>,
    },
    /// Any other non-success HTTP answer (after retries where they apply).
    #[error("{provider}: HTTP {status}: {body}")]
    Api {
        /// Provider name.
        provider: String,
        /// HTTP status.
        status: u16,
        /// The (truncated) response body.
        body: String,
    },
    /// The request timed out (after retries).
    #[error("{provider}: timed out after {after:?}")]
    Timeout {
        /// Provider name.
        provider: String,
        /// The timeout.
        after: Duration,
    },
    /// Connection-level failure.
    #[error("{provider}: {message}")]
    Transport {
        /// Provider name.
        provider: String,
        /// What failed.
        message: String,
    },
    /// The response did not have the documented shape.
    #[error("{provider}: malformed response: {field}: {reason}")]
    Malformed {
        /// Provider name.
        provider: String,
        /// The field (or JSON path) that was wrong.
        field: String,
        /// Why.
        reason: String,
    },
    /// The provider does not handle this indicator kind.
    #[error("{provider} does not support {kind} indicators")]
    Unsupported {
        /// Provider name.
        provider: String,
        /// The indicator kind.
        kind: String,
    },
    /// `--offline` forbids network providers.
    #[error("{provider}: offline mode forbids network lookups")]
    Offline {
        /// Provider name.
        provider: String,
    },
    /// A local threat-intel list is unreadable.
    #[error("{path}{}: {reason}", at_line(*line as u64))]
    List {
        /// The list file.
        path: String,
        /// 1-based line number (0 when the whole file failed).
        line: usize,
        /// Why.
        reason: String,
    },
    /// The cache (state store) failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A provider name that soc does not know (a typo in config or code).
    #[error("unknown provider '{name}'; known providers: {known}")]
    UnknownProvider {
        /// The name as given.
        name: String,
        /// The known names, comma-separated.
        known: String,
    },
    /// A local threat-intel list file could not be read (a missing file is
    /// `FileNotFoundError` in Python).
    #[error("{path}: cannot read: {source}")]
    ListIo {
        /// The list file.
        path: String,
        /// The I/O error.
        source: std::io::Error,
    },
}

/// Errors of scorers.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ScoreError {
    /// The model file is unreadable or invalid.
    #[error("model {path}: {reason}")]
    Model {
        /// The model file.
        path: String,
        /// Why.
        reason: String,
    },
    /// Training data is unusable.
    #[error("training data {path}: {reason}")]
    Training {
        /// The CSV file.
        path: String,
        /// Why.
        reason: String,
    },
}

/// Errors of responders.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RespondError {
    /// The target is protected (allow-list, loopback, own address, private ...).
    #[error("refusing to act on {target}: {reason}")]
    Refused {
        /// The target as given.
        target: String,
        /// Why, e.g. "127.0.0.1 is loopback".
        reason: String,
    },
    /// The target is not a valid address.
    #[error("'{input}' is not an IP address")]
    InvalidTarget {
        /// The input as given.
        input: String,
    },
    /// An external command is missing.
    #[error("command '{program}' not found; install it (e.g. apt-get install {package})")]
    CommandMissing {
        /// The program.
        program: String,
        /// The package that provides it.
        package: String,
    },
    /// An external command failed.
    #[error("{argv} exited with {status}: {stderr}")]
    CommandFailed {
        /// The argv, joined for display.
        argv: String,
        /// Exit status.
        status: String,
        /// Its standard error.
        stderr: String,
    },
    /// HTTP responder failure.
    #[error("{responder}: HTTP {status}: {body}")]
    Http {
        /// Responder name.
        responder: String,
        /// HTTP status (0 when no response).
        status: u16,
        /// The (truncated) response body or transport error.
        body: String,
    },
    /// SMTP failure (refusal or transport).
    #[error("smtp: {message}")]
    Smtp {
        /// What the server or transport said.
        message: String,
    },
    /// SSH failure.
    #[error("ssh to {host}: {message}")]
    Ssh {
        /// The host.
        host: String,
        /// What failed.
        message: String,
    },
    /// Missing configuration for this responder.
    #[error("{responder}: {message}")]
    Config {
        /// Responder name.
        responder: String,
        /// What is missing.
        message: String,
    },
    /// A plug-in responder (e.g. a Python object) raised an error.
    #[error("{responder}: {message}")]
    Plugin {
        /// Responder name.
        responder: String,
        /// The error it raised.
        message: String,
    },
    /// Writing the audit log or state failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A cloud or appliance firewall API failed (see `respond::cloud`).
    #[error(transparent)]
    Cloud(#[from] CloudError),
    /// I/O error (e.g. ticket file).
    #[error("{context}: {source}")]
    Io {
        /// What was being done.
        context: String,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
}

impl RespondError {
    /// A refusal for a protected address, e.g. `127.0.0.1 is loopback`.
    pub fn refused(ip: IpAddr, why: &str) -> Self {
        RespondError::Refused {
            target: ip.to_string(),
            reason: format!("{ip} is {why}"),
        }
    }
}

/// Errors of configuration files.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// The file could not be read.
    #[error("reading config {path}: {source}")]
    Io {
        /// The config file.
        path: String,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// The file is not valid (syntax, unknown key, wrong type).
    #[error("{path}:{line}: {message}")]
    Invalid {
        /// The config file.
        path: String,
        /// 1-based line (0 when unknown).
        line: usize,
        /// What is wrong, naming the key.
        message: String,
    },
    /// A `${VAR}` reference names an unset environment variable.
    #[error("{path}: key {key} references ${{{var}}}, which is not set")]
    MissingEnv {
        /// The config file.
        path: String,
        /// The key.
        key: String,
        /// The variable.
        var: String,
    },
    /// A value is well-typed but not acceptable.
    #[error("{path}: {key}: {message}")]
    BadValue {
        /// The config file.
        path: String,
        /// The key.
        key: String,
        /// Why.
        message: String,
    },
}

/// Errors of the state store.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// SQLite failed.
    #[error("state store {path}: {source}")]
    Sqlite {
        /// The database file (or `:memory:`).
        path: String,
        /// The underlying error.
        #[source]
        source: rusqlite::Error,
    },
    /// A stored value could not be decoded.
    #[error("state store {path}: corrupt {what}: {reason}")]
    Corrupt {
        /// The database file.
        path: String,
        /// What was being decoded.
        what: String,
        /// Why.
        reason: String,
    },
    /// Another process is writing to this state file (see `StateStore::lock_writer`).
    #[error("state store {path} is in use by {holder} (another soc run?); this run did nothing, try again when it has finished")]
    Locked {
        /// The database file.
        path: String,
        /// Who holds the lock (`pid N` when known).
        holder: String,
    },
}

/// Errors of cloud and appliance firewall APIs (`respond::cloud`): each
/// names the backend (`cloudflare@cloudflare`, `opnsense@fw1`) and says
/// what to do.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CloudError {
    /// HTTP 401: the credentials were refused.
    #[error("{backend}: HTTP 401 unauthorized: the API credentials were refused; check them in [[response.cloud]] ({body})")]
    Unauthorized {
        /// Backend id.
        backend: String,
        /// The (truncated) response body.
        body: String,
    },
    /// HTTP 403: the credentials lack a permission.
    #[error("{backend}: HTTP 403 forbidden: the credentials lack the permission for this change ({body})")]
    Forbidden {
        /// Backend id.
        backend: String,
        /// The (truncated) response body.
        body: String,
    },
    /// HTTP 404: the zone, account, alias or rule does not exist.
    #[error("{backend}: HTTP 404 not found: check the configured zone/account/alias ({body})")]
    NotFound {
        /// Backend id.
        backend: String,
        /// The (truncated) response body.
        body: String,
    },
    /// HTTP 429 after the retries (or with a `Retry-After` too long to wait).
    #[error("{backend}: HTTP 429 rate limited{}", retry_after.map(|d| format!(", retry after {}s", d.as_secs())).unwrap_or_default())]
    RateLimited {
        /// Backend id.
        backend: String,
        /// The server's `Retry-After`, when it sent one.
        retry_after: Option<Duration>,
    },
    /// HTTP 5xx after the retries.
    #[error("{backend}: HTTP {status} server error ({body})")]
    Server {
        /// Backend id.
        backend: String,
        /// The status.
        status: u16,
        /// The (truncated) response body.
        body: String,
    },
    /// Another HTTP error status, or a 2xx whose body reports failure.
    #[error("{backend}: HTTP {status}: {body}")]
    Api {
        /// Backend id.
        backend: String,
        /// The status.
        status: u16,
        /// The (truncated) response body or the API's error message.
        body: String,
    },
    /// No answer within the timeout (after the retries).
    #[error("{backend}: no answer within {timeout_secs}s")]
    Timeout {
        /// Backend id.
        backend: String,
        /// The request timeout.
        timeout_secs: u64,
    },
    /// Connecting or sending failed (after the retries).
    #[error("{backend}: {message}")]
    Transport {
        /// Backend id.
        backend: String,
        /// The transport error, without the URL.
        message: String,
    },
    /// A 2xx answer soc cannot read.
    #[error("{backend}: unexpected response: {reason}")]
    BadResponse {
        /// Backend id.
        backend: String,
        /// What was wrong.
        reason: String,
    },
    /// The backend cannot hold this target (IPv6, a network, a full list).
    #[error("{backend} cannot block {target}: {reason}")]
    Unsupported {
        /// Backend id.
        backend: String,
        /// The target.
        target: String,
        /// Why.
        reason: String,
    },
    /// The backend's configuration is invalid or incomplete.
    #[error("{backend}: {message}")]
    Config {
        /// Backend id (or kind).
        backend: String,
        /// What to fix.
        message: String,
    },
}

impl CloudError {
    /// The HTTP status behind this error, when there is one.
    pub fn status(&self) -> Option<u16> {
        match self {
            CloudError::Unauthorized { .. } => Some(401),
            CloudError::Forbidden { .. } => Some(403),
            CloudError::NotFound { .. } => Some(404),
            CloudError::RateLimited { .. } => Some(429),
            CloudError::Server { status, .. } | CloudError::Api { status, .. } => Some(*status),
            _ => None,
        }
    }
}

/// `:N` for a 1-based line number, nothing for 0 ("not about one line").
fn at_line(line: u64) -> String {
    if line == 0 {
        String::new()
    } else {
        format!(":{line}")
    }
}
