//! One AWS service endpoint: builds the two wire protocols soc speaks (JSON
//! 1.1 with `X-Amz-Target` for WAF v2, the EC2 Query protocol), signs with
//! SigV4 and sends through the shared retrying HTTP layer
//! ([`crate::http::RetryingClient`]: backoff with jitter, `Retry-After`).
//! Throttling (`ThrottlingException`, `RequestLimitExceeded`, 429) and 5xx
//! are retried; any other AWS error comes back as [`AwsError::Api`] with its code.

use std::time::{Duration, SystemTime};

use super::credentials::AwsCredentials;
use super::sigv4::{self, Scope};
use crate::http::{truncate, Outcome, RetryPolicy, RetryingClient};
use crate::respond::cloud::{ApiRequest, HttpSettings};
use crate::secret::REDACTED;

/// The EC2 Query API version soc speaks.
pub(crate) const EC2_VERSION: &str = "2016-11-15";

/// AWS error codes that mean "slow down": retried like a 5xx.
const THROTTLING: [&str; 4] = [
    "Throttling",
    "ThrottlingException",
    "RequestLimitExceeded",
    "TooManyRequestsException",
];

/// One request, before signing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct AwsRequest {
    /// The API action, e.g. `UpdateIPSet`.
    pub action: String,
    /// The endpoint URL (with its `/` path).
    pub url: String,
    /// Protocol headers (`content-type`, `x-amz-target`).
    pub headers: Vec<(String, String)>,
    /// The body: JSON or form-encoded.
    pub body: String,
}

impl AwsRequest {
    /// A JSON 1.1 request: `X-Amz-Target: <target_prefix>.<action>`.
    pub fn json(url: &str, target_prefix: &str, action: &str, body: &serde_json::Value) -> Self {
        AwsRequest {
            action: action.to_string(),
            url: url.to_string(),
            headers: vec![
                (
                    "content-type".into(),
                    "application/x-amz-json-1.1".to_string(),
                ),
                ("x-amz-target".into(), format!("{target_prefix}.{action}")),
            ],
            body: body.to_string(),
        }
    }

    /// An EC2 Query request: `Action=<action>&Version=2016-11-15&<params>`.
    pub fn query(url: &str, action: &str, params: &[(String, String)]) -> Self {
        let mut form = url::form_urlencoded::Serializer::new(String::new());
        form.append_pair("Action", action);
        form.append_pair("Version", EC2_VERSION);
        for (k, v) in params {
            form.append_pair(k, v);
        }
        AwsRequest {
            action: action.to_string(),
            url: url.to_string(),
            headers: vec![(
                "content-type".into(),
                "application/x-www-form-urlencoded; charset=utf-8".to_string(),
            )],
            body: form.finish(),
        }
    }

    /// The request as dry-runs and audit records show it: method, URL,
    /// protocol headers, the signature redacted, and the body.
    pub fn to_api(&self) -> ApiRequest {
        let mut r = ApiRequest::new("POST", &self.url);
        for (k, v) in sigv4::shown_headers(&self.headers) {
            r = r.header(&k, &v);
        }
        r = r.header("Authorization", &format!("AWS4-HMAC-SHA256 {REDACTED}"));
        r.body = Some(self.body.clone());
        r
    }
}

/// What went wrong talking to AWS (mapped to the responder's error type
/// by the backend glue in [`super`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum AwsError {
    /// AWS answered with an error status.
    Api {
        /// HTTP status.
        status: u16,
        /// The AWS error code, e.g. `WAFOptimisticLockException` (may be empty).
        code: String,
        /// The message, truncated.
        message: String,
    },
    /// No answer (after the retries).
    Transport {
        /// The request timed out.
        timeout: bool,
        /// The error, without the URL.
        message: String,
    },
    /// A 2xx answer soc cannot read.
    BadResponse(String),
    /// Configuration or credentials are missing or wrong.
    Config(String),
    /// The list cannot take the target (wrong family, rule limit reached).
    Unsupported(String),
}

impl AwsError {
    /// The AWS error code, when AWS sent one.
    pub fn code(&self) -> Option<&str> {
        match self {
            AwsError::Api { code, .. } if !code.is_empty() => Some(code),
            _ => None,
        }
    }
}

impl std::fmt::Display for AwsError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            AwsError::Api {
                status,
                code,
                message,
            } if code.is_empty() => write!(f, "HTTP {status}: {message}"),
            AwsError::Api {
                status,
                code,
                message,
            } => write!(f, "HTTP {status} {code}: {message}"),
            AwsError::Transport { message, .. } => write!(f, "{message}"),
            AwsError::BadResponse(r) => write!(f, "unexpected response: {r}"),
            AwsError::Config(m) | AwsError::Unsupported(m) => write!(f, "{m}"),
        }
    }
}

/// Endpoint, region and credentials of one service, and the HTTP client.
#[derive(Debug)]
pub(crate) struct AwsClient {
    http: RetryingClient,
    credentials: Result<AwsCredentials, String>,
    region: String,
    service: &'static str,
}

impl AwsClient {
    /// A client for `service` (its SigV4 signing name) in `region`. Missing
    /// credentials are an error at the first request, so dry-runs work
    /// without them.
    pub fn new(
        responder: &str,
        service: &'static str,
        region: &str,
        credentials: Result<AwsCredentials, String>,
        http: HttpSettings,
    ) -> Result<Self, AwsError> {
        let timeout = Duration::from_secs(http.timeout_secs.max(1));
        let client = RetryingClient::builder(timeout).build().map_err(|e| {
            AwsError::Config(format!("cannot build HTTP client: {}", e.without_url()))
        })?;
        let policy = RetryPolicy {
            max_retries: http.max_retries,
            backoff: Duration::from_millis(http.backoff_ms),
            max_retry_after: Duration::from_secs(30),
        };
        Ok(AwsClient {
            http: RetryingClient::new(client, policy, responder),
            credentials,
            region: region.to_string(),
            service,
        })
    }

    /// HTTP requests sent so far (retries included).
    pub fn requests(&self) -> u64 {
        self.http.requests()
    }

    /// Signs and sends `request`; the body of a 2xx answer, else the error.
    pub async fn call(&self, request: &AwsRequest) -> Result<String, AwsError> {
        let credentials = self
            .credentials
            .as_ref()
            .map_err(|e| AwsError::Config(e.clone()))?;
        let scope = Scope {
            region: &self.region,
            service: self.service,
        };
        let signed = sigv4::sign(credentials, scope, request, SystemTime::now())?;
        let outcome = self
            .http
            .send(
                |c| {
                    let mut b = c.post(&request.url).body(request.body.clone());
                    for (k, v) in request.headers.iter().chain(signed.iter()) {
                        b = b.header(k.as_str(), v.as_str());
                    }
                    b
                },
                |o| match o {
                    Outcome::Failed(f) => f.transient,
                    Outcome::Reply(r) => {
                        r.status >= 500
                            || r.status == 429
                            || THROTTLING.contains(&error_code(&r.body).as_str())
                    }
                },
            )
            .await;
        match outcome {
            Outcome::Failed(f) => Err(AwsError::Transport {
                timeout: f.timeout,
                message: f.message,
            }),
            Outcome::Reply(r) if (200..300).contains(&r.status) => Ok(r.body),
            Outcome::Reply(r) => Err(AwsError::Api {
                status: r.status,
                code: error_code(&r.body),
                message: truncate(&error_message(&r.body), 300),
            }),
        }
    }
}

/// An EC2 error answer: `<Response><Errors><Error><Code>`, `<Message>`.
#[derive(serde::Deserialize)]
struct XmlErrors {
    #[serde(rename = "Errors")]
    errors: XmlErrorList,
}

#[derive(serde::Deserialize)]
struct XmlErrorList {
    #[serde(rename = "Error", default)]
    error: Vec<XmlError>,
}

#[derive(serde::Deserialize)]
struct XmlError {
    #[serde(rename = "Code", default)]
    code: String,
    #[serde(rename = "Message", default)]
    message: String,
}

fn xml_error(body: &str) -> Option<XmlError> {
    let parsed: XmlErrors = quick_xml::de::from_str(body).ok()?;
    parsed.errors.error.into_iter().next()
}

/// The error code of a JSON (`__type`, possibly `namespace#Code`) or EC2
/// XML (`<Code>`) error body; empty when there is none.
pub(crate) fn error_code(body: &str) -> String {
    if let Ok(v) = serde_json::from_str::<serde_json::Value>(body) {
        let t = v
            .get("__type")
            .or_else(|| v.get("code"))
            .and_then(|t| t.as_str())
            .unwrap_or("");
        return t.rsplit('#').next().unwrap_or("").to_string();
    }
    xml_error(body).map(|e| e.code).unwrap_or_default()
}

/// The error message of a JSON or EC2 XML error body, else the body.
fn error_message(body: &str) -> String {
    if let Ok(v) = serde_json::from_str::<serde_json::Value>(body) {
        if let Some(m) = ["message", "Message"]
            .iter()
            .find_map(|k| v.get(*k).and_then(|m| m.as_str()))
        {
            return m.to_string();
        }
    }
    xml_error(body)
        .map(|e| e.message)
        .unwrap_or_else(|| body.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_codes_of_both_protocols() {
        let json =
            r#"{"__type":"com.amazonaws.waf#WAFOptimisticLockException","Message":"stale token"}"#;
        assert_eq!(error_code(json), "WAFOptimisticLockException");
        assert_eq!(error_message(json), "stale token");
        let xml = "<?xml version=\"1.0\"?><Response><Errors><Error><Code>NetworkAclEntryLimitExceeded</Code><Message>too many &amp; more</Message></Error></Errors><RequestID>1</RequestID></Response>";
        assert_eq!(error_code(xml), "NetworkAclEntryLimitExceeded");
        assert_eq!(error_message(xml), "too many & more");
        assert_eq!(error_code("<html>oops"), "");
        assert_eq!(error_message("plain"), "plain");
    }

    #[test]
    fn requests_as_dry_runs_show_them() {
        let q = AwsRequest::query(
            "https://ec2.us-east-1.amazonaws.com/",
            "CreateNetworkAclEntry",
            &[("CidrBlock".into(), "198.51.100.7/32".into())],
        );
        assert_eq!(
            q.body,
            "Action=CreateNetworkAclEntry&Version=2016-11-15&CidrBlock=198.51.100.7%2F32"
        );
        let shown = q.to_api().to_string();
        assert!(
            shown.starts_with("POST https://ec2.us-east-1.amazonaws.com/\n"),
            "{shown}"
        );
        assert!(
            shown.contains("Authorization: AWS4-HMAC-SHA256 <redacted>"),
            "{shown}"
        );
        let j = AwsRequest::json(
            "https://wafv2.us-east-1.amazonaws.com/",
            "AWSWAF_20190729",
            "GetIPSet",
            &serde_json::json!({"Name": "n"}),
        );
        let shown = j.to_api().to_string();
        assert!(
            shown.contains("x-amz-target: AWSWAF_20190729.GetIPSet"),
            "{shown}"
        );
        assert!(shown.ends_with("\n\n{\"Name\":\"n\"}"), "{shown}");
    }
}
