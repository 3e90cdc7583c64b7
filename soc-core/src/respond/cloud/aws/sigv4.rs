//! AWS Signature Version 4 for one request, with the `aws-sigv4` crate (the
//! signer the AWS SDKs use), without the rest of the SDK.
//!
//! [`sign`] returns the headers to add (`Authorization`, `X-Amz-Date`,
//! `X-Amz-Security-Token` for temporary credentials); nothing here logs.
//! [`shown_headers`] is the redacted view dry-runs and errors print.

use std::time::SystemTime;

use aws_sigv4::http_request::{sign as sdk_sign, SignableBody, SignableRequest, SigningSettings};
use aws_sigv4::sign::v4;
use aws_smithy_runtime_api::client::identity::Identity;

use super::client::{AwsError, AwsRequest};
use super::credentials::AwsCredentials;
use crate::secret::REDACTED;

/// Headers whose values are credentials or derived from them.
const SECRET_HEADERS: [&str; 2] = ["authorization", "x-amz-security-token"];

/// What a request is signed for.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Scope<'a> {
    /// The region, e.g. `us-east-1`.
    pub region: &'a str,
    /// The signing name of the service: `wafv2`, `ec2`.
    pub service: &'a str,
}

/// The SigV4 headers for `request` (a `POST`), signed at `time`. Its `url`
/// must be the exact (encoded) URL that is sent.
pub(crate) fn sign(
    credentials: &AwsCredentials,
    scope: Scope<'_>,
    request: &AwsRequest,
    time: SystemTime,
) -> Result<Vec<(String, String)>, AwsError> {
    let fail = |what: &str, e: &dyn std::fmt::Display| {
        AwsError::Config(format!("cannot sign the AWS request ({what}): {e}"))
    };
    let identity: Identity = credentials.to_sdk().into();
    let params = v4::SigningParams::builder()
        .identity(&identity)
        .region(scope.region)
        .name(scope.service)
        .time(time)
        .settings(SigningSettings::default())
        .build()
        .map_err(|e| fail("parameters", &e))?
        .into();
    let signable = SignableRequest::new(
        "POST",
        request.url.as_str(),
        request
            .headers
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str())),
        SignableBody::Bytes(request.body.as_bytes()),
    )
    .map_err(|e| fail("request", &e))?;
    let (instructions, _signature) = sdk_sign(signable, &params)
        .map_err(|e| fail("signature", &e))?
        .into_parts();
    Ok(instructions
        .headers()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect())
}

/// `headers` as shown in dry-runs and logs: credentials replaced by
/// [`REDACTED`] (the access key id in the credential scope stays hidden too).
pub(crate) fn shown_headers(headers: &[(String, String)]) -> Vec<(String, String)> {
    headers
        .iter()
        .map(|(k, v)| {
            if SECRET_HEADERS.contains(&k.to_ascii_lowercase().as_str()) {
                (k.clone(), REDACTED.to_string())
            } else {
                (k.clone(), v.clone())
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn creds(token: Option<&str>) -> AwsCredentials {
        AwsCredentials::new(
            "AKIDEXAMPLE",
            "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
            token.map(str::to_string),
            "test",
        )
    }

    #[test]
    fn signs_with_the_documented_scope_and_redacts_for_display() {
        // 2015-08-30T12:36:00Z, the date of AWS's published SigV4 examples.
        let time = SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(1_440_938_160);
        let request = |body: &str| AwsRequest {
            action: "DescribeNetworkAcls".into(),
            url: "https://ec2.us-east-1.amazonaws.com/".into(),
            headers: vec![(
                "content-type".to_string(),
                "application/x-www-form-urlencoded; charset=utf-8".to_string(),
            )],
            body: body.into(),
        };
        let scope = Scope {
            region: "us-east-1",
            service: "ec2",
        };
        let signed_body =
            |body: &str| sign(&creds(Some("tok3n")), scope, &request(body), time).unwrap();
        let signed = signed_body("Action=DescribeNetworkAcls&Version=2016-11-15");
        let get = |name: &str| {
            signed
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(name))
                .map(|(_, v)| v.clone())
                .unwrap_or_default()
        };
        let auth = get("authorization");
        assert!(
            auth.starts_with(
                "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/ec2/aws4_request, SignedHeaders="
            ),
            "{auth}"
        );
        assert!(auth.contains("x-amz-security-token"), "{auth}");
        assert_eq!(get("x-amz-date"), "20150830T123600Z");
        assert_eq!(get("x-amz-security-token"), "tok3n");
        // The same input signs the same; another body signs differently.
        assert_eq!(
            signed,
            signed_body("Action=DescribeNetworkAcls&Version=2016-11-15")
        );
        assert_ne!(
            signed,
            signed_body("Action=DescribeVpcs&Version=2016-11-15")
        );

        let shown = format!("{:?}", shown_headers(&signed));
        assert!(
            !shown.contains("tok3n") && !shown.contains("Signature="),
            "{shown}"
        );
        assert!(shown.contains("20150830T123600Z"), "{shown}");
    }
}
