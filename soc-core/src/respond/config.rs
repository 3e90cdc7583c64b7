//! The `[respond]` section of `soc.toml`.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use super::cloud::CloudConfig;
use super::notify::{EmailConfig, SlackConfig, WebhookConfig};
use super::playbook::PlaybookConfig;
use super::remote::RemoteFirewallConfig;
use super::siem::{ElasticConfig, SinkConfig, SplunkHecConfig};
use super::ticket::{JiraConfig, TheHiveConfig, TicketFileConfig};

/// Response settings: mode, suppression, audit log, playbook and the
/// responders to build. Every responder section is optional; only
/// configured ones exist.
///
/// ```
/// use soc_core::respond::ResponseConfig;
/// let cfg: ResponseConfig = toml::from_str(r#"
///     suppress_secs = 600
///     [slack]
///     url = "${SOC_SLACK_WEBHOOK}"
/// "#).unwrap();
/// assert!(cfg.dry_run, "dry-run until the config turns it off");
/// assert_eq!(cfg.suppress_secs, 600);
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ResponseConfig {
    /// Only describe actions (the default). Set `false` to act.
    pub dry_run: bool,
    /// An action with the same responder, target and alert kind is not
    /// repeated within this many seconds (0: never suppress).
    pub suppress_secs: u64,
    /// JSONL audit log (besides the state store).
    pub audit_log: Option<PathBuf>,
    /// Which actions run at which level.
    pub playbook: PlaybookConfig,
    /// E-mail notifications.
    pub email: Option<EmailConfig>,
    /// Generic JSON webhook.
    pub webhook: Option<WebhookConfig>,
    /// Slack incoming webhook.
    pub slack: Option<SlackConfig>,
    /// Splunk HTTP Event Collector.
    pub splunk_hec: Option<SplunkHecConfig>,
    /// Elasticsearch `_bulk`.
    pub elasticsearch: Option<ElasticConfig>,
    /// Generic HTTPS JSON sink.
    pub sink: Option<SinkConfig>,
    /// TheHive 5 alerts.
    pub thehive: Option<TheHiveConfig>,
    /// Jira issues.
    pub jira: Option<JiraConfig>,
    /// Local JSONL ticket file.
    pub ticket_file: Option<TicketFileConfig>,
    /// Remote firewalls over SSH (`[[response.firewall.remote]]`); blocks
    /// go to every one of them (and this host's unless `local = false`).
    pub firewall: RemoteFirewallConfig,
    /// Cloud and appliance firewalls (`[[response.cloud.cloudflare]]`,
    /// `[[response.cloud.opnsense]]`, `[[response.cloud.pfsense]]`); blocks
    /// go to every one of them too.
    pub cloud: CloudConfig,
}

impl Default for ResponseConfig {
    fn default() -> Self {
        ResponseConfig {
            dry_run: true,
            suppress_secs: 86_400,
            audit_log: None,
            playbook: PlaybookConfig::default(),
            email: None,
            webhook: None,
            slack: None,
            splunk_hec: None,
            elasticsearch: None,
            sink: None,
            thehive: None,
            jira: None,
            ticket_file: None,
            firewall: RemoteFirewallConfig::default(),
            cloud: CloudConfig::default(),
        }
    }
}
