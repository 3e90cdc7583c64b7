//! AWS credentials and region from the standard chain, in the order the AWS
//! CLI and SDKs use:
//!
//! 1. the environment: `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`,
//!    `AWS_SESSION_TOKEN`;
//! 2. the shared credentials file (`AWS_SHARED_CREDENTIALS_FILE`, else
//!    `~/.aws/credentials`), section `[<profile>]`, then the shared config
//!    file (`AWS_CONFIG_FILE`, else `~/.aws/config`), section
//!    `[profile <profile>]` (`[default]` for the default profile).
//!
//! Keys are never written in `soc.toml`. The profile is the configured `profile`, else `AWS_PROFILE`, else
//! `default`. The region is the configured `region`, else `AWS_REGION`, else
//! `AWS_DEFAULT_REGION`, else the profile's `region` in the config file.
//!
//! Secrets never show in `Debug`: [`AwsCredentials`] prints the access key
//! id only.

use std::fmt;
use std::path::{Path, PathBuf};

use super::client::AwsError;

/// The profile and region a responder section names (both optional).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CredentialsConfig {
    /// The profile of the shared files (default: `AWS_PROFILE`, else `default`).
    pub profile: Option<String>,
    /// AWS region (default: `AWS_REGION`, `AWS_DEFAULT_REGION`, the profile's).
    pub region: Option<String>,
}

/// Resolved credentials. `Debug` shows the access key id and where it came
/// from, never the secret key or the session token.
#[derive(Clone, PartialEq, Eq)]
pub struct AwsCredentials {
    /// Access key id (not secret: it names the key).
    pub access_key_id: String,
    secret_access_key: String,
    session_token: Option<String>,
    /// Which link of the chain supplied them, e.g. `environment`.
    pub source: String,
}

impl fmt::Debug for AwsCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AwsCredentials")
            .field("access_key_id", &self.access_key_id)
            .field("secret_access_key", &crate::secret::REDACTED)
            .field(
                "session_token",
                &self.session_token.as_ref().map(|_| crate::secret::REDACTED),
            )
            .field("source", &self.source)
            .finish()
    }
}

impl AwsCredentials {
    /// Credentials from their parts.
    pub fn new(
        access_key_id: impl Into<String>,
        secret_access_key: impl Into<String>,
        session_token: Option<String>,
        source: &str,
    ) -> Self {
        AwsCredentials {
            access_key_id: access_key_id.into(),
            secret_access_key: secret_access_key.into(),
            session_token,
            source: source.to_string(),
        }
    }

    /// The signer's view (the SDK type, whose `Debug` is redacted too).
    pub(crate) fn to_sdk(&self) -> aws_credential_types::Credentials {
        aws_credential_types::Credentials::new(
            self.access_key_id.clone(),
            self.secret_access_key.clone(),
            self.session_token.clone(),
            None,
            "soc",
        )
    }

    /// Whether a session token is sent (`X-Amz-Security-Token`).
    pub fn has_session_token(&self) -> bool {
        self.session_token.is_some()
    }
}

/// Credentials and region for one responder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResolvedAws {
    /// The credentials, or why there are none (an error at the first live
    /// request, so that dry-runs work without credentials).
    pub credentials: Result<AwsCredentials, String>,
    /// The region requests are signed for.
    pub region: String,
}

/// Resolves credentials and region from the process environment and the
/// user's shared files (see the module docs).
pub(crate) fn resolve(config: &CredentialsConfig) -> Result<ResolvedAws, AwsError> {
    let env = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
    let home = env("HOME").map(PathBuf::from);
    resolve_with(config, &env, home.as_deref())
}

/// [`resolve`] with the environment and home directory given (for tests).
pub(crate) fn resolve_with(
    config: &CredentialsConfig,
    env: &dyn Fn(&str) -> Option<String>,
    home: Option<&Path>,
) -> Result<ResolvedAws, AwsError> {
    let cfg_err = AwsError::Config;
    let profile = config
        .profile
        .clone()
        .or_else(|| env("AWS_PROFILE"))
        .unwrap_or_else(|| "default".to_string());
    let files = SharedFiles::load(env, home, &profile)?;
    let region = config
        .region
        .clone()
        .or_else(|| env("AWS_REGION"))
        .or_else(|| env("AWS_DEFAULT_REGION"))
        .or_else(|| files.get("region"))
        .ok_or_else(|| {
            cfg_err(format!(
                "no AWS region: set region in the responder section, AWS_REGION, or region in profile '{profile}' of the AWS config file"
            ))
        })?;
    if !valid_region(&region) {
        return Err(cfg_err(format!("'{region}' is not an AWS region name")));
    }
    let credentials = credentials(env, &files, &profile).ok_or_else(|| {
        format!(
            "no AWS credentials: export AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or add profile '{profile}' to the shared credentials file (AWS_SHARED_CREDENTIALS_FILE or ~/.aws/credentials)"
        )
    });
    Ok(ResolvedAws {
        credentials,
        region,
    })
}

fn credentials(
    env: &dyn Fn(&str) -> Option<String>,
    files: &SharedFiles,
    profile: &str,
) -> Option<AwsCredentials> {
    if let (Some(id), Some(key)) = (env("AWS_ACCESS_KEY_ID"), env("AWS_SECRET_ACCESS_KEY")) {
        return Some(AwsCredentials::new(
            id,
            key,
            env("AWS_SESSION_TOKEN"),
            "environment",
        ));
    }
    if let (Some(id), Some(key)) = (
        files.get("aws_access_key_id"),
        files.get("aws_secret_access_key"),
    ) {
        return Some(AwsCredentials::new(
            id,
            key,
            files.get("aws_session_token"),
            &format!("profile {profile}"),
        ));
    }
    None
}

/// Region names as AWS spells them: `us-east-1`, `eu-central-2`, `us-gov-west-1`.
fn valid_region(region: &str) -> bool {
    !region.is_empty()
        && region.len() <= 32
        && region
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

/// The profile's sections of the shared credentials and config files.
struct SharedFiles {
    /// Key/value pairs, credentials file first.
    sections: Vec<Vec<(String, String)>>,
}

impl SharedFiles {
    fn load(
        env: &dyn Fn(&str) -> Option<String>,
        home: Option<&Path>,
        profile: &str,
    ) -> Result<Self, AwsError> {
        let aws_dir = home.map(|h| h.join(".aws"));
        let credentials_path = env("AWS_SHARED_CREDENTIALS_FILE")
            .map(PathBuf::from)
            .or_else(|| aws_dir.as_ref().map(|d| d.join("credentials")));
        let config_path = env("AWS_CONFIG_FILE")
            .map(PathBuf::from)
            .or_else(|| aws_dir.as_ref().map(|d| d.join("config")));
        let config_section = if profile == "default" {
            "default".to_string()
        } else {
            format!("profile {profile}")
        };
        let mut sections = Vec::new();
        for (path, section) in [(credentials_path, profile), (config_path, &config_section)] {
            if let Some(path) = path {
                sections.push(read_section(&path, section)?);
            }
        }
        Ok(SharedFiles { sections })
    }

    fn get(&self, key: &str) -> Option<String> {
        self.sections.iter().find_map(|s| {
            s.iter()
                .find(|(k, _)| k == key)
                .map(|(_, v)| v.clone())
                .filter(|v| !v.is_empty())
        })
    }
}

/// The pairs of `[section]` in the INI file at `path`; nothing when the file
/// does not exist.
fn read_section(path: &Path, section: &str) -> Result<Vec<(String, String)>, AwsError> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => {
            return Err(AwsError::Config(format!(
                "reading AWS shared file {}: {e}",
                path.display()
            )))
        }
    };
    // The error text would quote the file's lines (which hold keys): say where only.
    let ini = ini::Ini::load_from_str(&text).map_err(|e| {
        AwsError::Config(format!(
            "{}:{}: not an INI file the AWS CLI reads",
            path.display(),
            e.line
        ))
    })?;
    Ok(ini
        .section(Some(section))
        .map(|props| {
            props
                .iter()
                .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
                .collect()
        })
        .unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn env_of(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |k: &str| map.get(k).cloned()
    }

    #[test]
    fn environment_comes_before_the_shared_files() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join(".aws")).unwrap();
        std::fs::write(
            dir.path().join(".aws/credentials"),
            "[default]\naws_access_key_id = AKIDFILE\naws_secret_access_key = filesecret\n",
        )
        .unwrap();
        let env = env_of(&[
            ("AWS_ACCESS_KEY_ID", "AKIDENV"),
            ("AWS_SECRET_ACCESS_KEY", "envsecret"),
            ("AWS_SESSION_TOKEN", "envtoken"),
            ("AWS_REGION", "eu-west-1"),
        ]);
        let r = resolve_with(&CredentialsConfig::default(), &env, Some(dir.path())).unwrap();
        let c = r.credentials.as_ref().unwrap();
        assert_eq!(c.access_key_id, "AKIDENV");
        assert_eq!(c.source, "environment");
        assert!(c.has_session_token());
        assert_eq!(r.region, "eu-west-1");
        let shown = format!("{r:?}");
        assert!(
            !shown.contains("envsecret") && !shown.contains("envtoken"),
            "{shown}"
        );
    }

    #[test]
    fn profile_from_the_files_with_its_region_from_the_config_file() {
        let dir = tempfile::tempdir().unwrap();
        let creds = dir.path().join("creds");
        let conf = dir.path().join("conf");
        std::fs::write(
            &creds,
            "# comment\n[default]\naws_access_key_id=AKIDDEF\naws_secret_access_key=x\n\n[ops]\naws_access_key_id = AKIDOPS\naws_secret_access_key = opssecret\n",
        )
        .unwrap();
        std::fs::write(&conf, "[profile ops]\nregion = ap-south-1\n").unwrap();
        let env = env_of(&[
            ("AWS_SHARED_CREDENTIALS_FILE", creds.to_str().unwrap()),
            ("AWS_CONFIG_FILE", conf.to_str().unwrap()),
            ("AWS_PROFILE", "ops"),
        ]);
        let r = resolve_with(&CredentialsConfig::default(), &env, None).unwrap();
        let c = r.credentials.unwrap();
        assert_eq!(c.access_key_id, "AKIDOPS");
        assert_eq!(c.source, "profile ops");
        assert!(!c.has_session_token());
        assert_eq!(r.region, "ap-south-1");
    }

    #[test]
    fn missing_pieces_are_clear_errors() {
        let env = env_of(&[("AWS_REGION", "us-east-1")]);
        let e = resolve_with(&CredentialsConfig::default(), &env, None)
            .unwrap()
            .credentials
            .unwrap_err();
        assert!(e.contains("AWS_ACCESS_KEY_ID"), "{e}");
        let env = env_of(&[("AWS_ACCESS_KEY_ID", "A"), ("AWS_SECRET_ACCESS_KEY", "B")]);
        let e = resolve_with(&CredentialsConfig::default(), &env, None)
            .unwrap_err()
            .to_string();
        assert!(e.contains("no AWS region"), "{e}");
        let cfg = CredentialsConfig {
            region: Some("us-east-1; rm".into()),
            ..Default::default()
        };
        let e = resolve_with(&cfg, &env, None).unwrap_err().to_string();
        assert!(e.contains("not an AWS region"), "{e}");
    }

    #[test]
    fn a_broken_file_names_its_line_not_its_content() {
        let dir = tempfile::tempdir().unwrap();
        let creds = dir.path().join("creds");
        std::fs::write(&creds, "[default\naws_secret_access_key = topsecret\n").unwrap();
        let env = env_of(&[
            ("AWS_SHARED_CREDENTIALS_FILE", creds.to_str().unwrap()),
            ("AWS_REGION", "us-east-1"),
        ]);
        let e = resolve_with(&CredentialsConfig::default(), &env, None)
            .unwrap_err()
            .to_string();
        assert!(e.contains("creds:") && e.contains("not an INI file"), "{e}");
        assert!(!e.contains("topsecret"), "{e}");
    }
}
