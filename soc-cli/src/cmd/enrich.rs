//! `soc enrich`: threat-intelligence lookups for one indicator
//! (`soc enrich ip 198.51.100.23`) or for every distinct indicator in a file
//! (`soc enrich report.txt`), one row per indicator with each provider's
//! verdict and key facts.

use std::collections::BTreeMap;
use std::io::{IsTerminal, Read};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;
use serde_json::{json, Map, Value};
use soc_core::enrich::{enrichable, provider_of, EnrichConfig, EnrichmentService, ProviderName};
use soc_core::model::{Enrichment, Indicator, IndicatorKind, Verdict};
use soc_core::store::StateStore;
use soc_core::EnrichError;

use crate::cmd::UsageError;
use crate::output::{Format, RowWriter};
use crate::parquet_out::{EnrichmentRows, ParquetOut};

/// Arguments of `soc enrich`.
#[derive(Debug, clap::Args)]
#[command(after_help = "\
Examples:
  soc enrich ip 198.51.100.23
  soc enrich hash 44d88612fea8a8f36de82e1278abb02f --providers vt
  soc enrich report.txt --format csv > enriched.csv
  soc enrich iocs.txt --offline --lists feodo.txt firehol_level1.netset

Keys: VIRUSTOTAL_API_KEY, ABUSEIPDB_API_KEY, GREYNOISE_API_KEY (optional).
Base URLs: SOC_VIRUSTOTAL_URL, SOC_ABUSEIPDB_URL, SOC_GREYNOISE_URL, SOC_INTERNETDB_URL, SOC_RDAP_URL;
resolver for rdns: SOC_RDNS_RESOLVER (IP:port).")]
pub struct Args {
    /// `ip`, `domain`, `url` or `hash` followed by VALUE; or a FILE whose
    /// indicators are extracted and enriched (`-` reads standard input).
    #[arg(value_name = "KIND|FILE")]
    pub target: String,
    /// The indicator, when KIND is given.
    #[arg(value_name = "VALUE")]
    pub value: Option<String>,
    /// Providers to ask (comma-separated): virustotal (vt), abuseipdb,
    /// greynoise, internetdb, rdap, rdns, lists, attack. Default: those that
    /// need no key plus those whose key is set.
    #[arg(long, value_delimiter = ',')]
    pub providers: Vec<String>,
    /// Indicators looked up at once.
    #[arg(long, default_value_t = 8)]
    pub concurrency: usize,
    /// Rate limit for a paid plan, e.g. `virustotal=1000/min`, `abuseipdb=50000/day` (repeatable).
    #[arg(long, value_name = "PROVIDER=N/min")]
    pub rate: Vec<String>,
    /// Cache database (default: ~/.cache/soc/state.db).
    #[arg(long, value_name = "PATH")]
    pub cache: Option<PathBuf>,
    /// Neither read nor write the cache.
    #[arg(long)]
    pub no_cache: bool,
    /// Local sources only (lists, ATT&CK): no network lookups.
    #[arg(long)]
    pub offline: bool,
    /// Local threat-intel lists (IP/CIDR, FireHOL, Spamhaus DROP, abuse.ch CSV, domains, hashes).
    #[arg(long, num_args = 1.., value_name = "FILE")]
    pub lists: Vec<PathBuf>,
    /// `--format` (table, json, jsonl, csv, parquet) and `-o FILE`.
    #[command(flatten)]
    pub out: crate::parquet_out::OutputArgs,
}

/// Runs `soc enrich`.
pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let parquet = args.out.parquet()?;
    let (indicators, skipped) = indicators(&args)?;
    let config = config(&args)?;
    let store = if args.no_cache {
        None
    } else {
        let path = args.cache.clone().unwrap_or_else(default_cache);
        Some(Arc::new(StateStore::open(&path).with_context(|| {
            format!(
                "opening cache {} (use --no-cache to run without)",
                path.display()
            )
        })?))
    };
    let rt = crate::cmd::runtime()?;
    let service = {
        let _guard = rt.enter();
        EnrichmentService::from_config(&config, store, args.offline).map_err(|e| match e {
            EnrichError::Unsupported { .. } | EnrichError::MissingKey { .. } => {
                anyhow::Error::new(UsageError(e.to_string()))
            }
            other => anyhow::Error::new(soc_core::Error::from(other)),
        })?
    };
    let providers = service.provider_names();
    let bar = progress(indicators.len());
    let results = rt.block_on(service.enrich_many_with_progress(&indicators, |n| {
        if let Some(b) = &bar {
            b.set_position(n as u64);
        }
    }));
    if let Some(b) = bar {
        b.finish_and_clear();
    }

    let mut columns = vec![
        "indicator",
        "kind",
        "verdict",
        "score",
        "country",
        "as_owner",
    ];
    columns.extend(providers.iter().map(String::as_str));
    let mut errors = 0usize;
    if let Some(p) = parquet {
        let mut out = ParquetOut::create(p, EnrichmentRows::new(&providers))?;
        for (ind, res) in &results {
            let (row, n_err) = row(ind, res);
            errors += n_err;
            out.append(|b| b.append(&row))?;
        }
        out.finish()?;
    } else {
        let stdout = std::io::stdout().lock();
        let mut out = RowWriter::new(stdout, Format::resolve(args.out.rows()), &columns);
        for (ind, res) in &results {
            let (row, n_err) = row(ind, res);
            errors += n_err;
            out.write(&row)?;
        }
        drop(out.finish()?);
    }

    let stats = service.stats();
    let mut summary = format!(
        "soc enrich: {} indicators, {} requests, {} cache hits, {} errors",
        indicators.len(),
        stats.requests,
        stats.cache_hits,
        stats.errors
    );
    if skipped > 0 {
        summary.push_str(&format!(
            ", {skipped} indicators of kinds no provider handles"
        ));
    }
    if stats.deferred > 0 {
        summary.push_str(&format!(
            ", {} lookups deferred (daily quota spent; run again later)",
            stats.deferred
        ));
    }
    if !stats.quota.is_empty() {
        let q: Vec<String> = stats
            .quota
            .iter()
            .map(|(p, n)| format!("{p} {n}"))
            .collect();
        summary.push_str(&format!("; quota left: {}", q.join(", ")));
    }
    crate::esay!("{summary}");
    Ok(if errors > 0 {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

fn default_cache() -> PathBuf {
    let base = std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))
        .unwrap_or_else(|| PathBuf::from("."));
    base.join("soc").join("state.db")
}

fn progress(len: usize) -> Option<indicatif::ProgressBar> {
    if len < 2 || !std::io::stderr().is_terminal() {
        return None;
    }
    let bar = indicatif::ProgressBar::new(len as u64);
    if let Ok(style) = indicatif::ProgressStyle::with_template(
        "{spinner} enriching {pos}/{len} [{bar:30}] {elapsed_precise} eta {eta}",
    ) {
        bar.set_style(style.progress_chars("=> "));
    }
    Some(bar)
}

/// The enrichment config these flags give.
fn config(args: &Args) -> anyhow::Result<EnrichConfig> {
    let mut cfg = EnrichConfig {
        providers: args
            .providers
            .iter()
            .filter(|p| !p.trim().is_empty())
            .cloned()
            .collect(),
        concurrency: args.concurrency.max(1),
        cache: !args.no_cache,
        ..EnrichConfig::default()
    };
    for p in &cfg.providers {
        p.parse::<ProviderName>()
            .map_err(|e| UsageError(e.to_string()))?;
    }
    cfg.lists.paths = args.lists.clone();
    for spec in &args.rate {
        let (provider, per_min, per_day) = parse_rate(spec).map_err(UsageError)?;
        let Some(pc) = cfg.provider_mut(provider) else {
            return Err(UsageError(format!("--rate {spec}: {provider} has no rate limit")).into());
        };
        if per_min.is_some() {
            pc.rate_per_min = per_min;
        }
        if per_day.is_some() {
            pc.per_day = per_day;
        }
    }
    Ok(cfg)
}

/// `PROVIDER=N/min`, `PROVIDER=N/day` or `PROVIDER=N` (per minute).
fn parse_rate(spec: &str) -> Result<(ProviderName, Option<u32>, Option<u32>), String> {
    let bad = || {
        format!(
            "--rate '{spec}': expected PROVIDER=N/min or PROVIDER=N/day, e.g. virustotal=1000/min"
        )
    };
    let (name, rate) = spec.split_once('=').ok_or_else(bad)?;
    let provider: ProviderName = name.parse().map_err(|e: EnrichError| e.to_string())?;
    let (n, unit) = rate.split_once('/').unwrap_or((rate, "min"));
    let n: u32 = n.trim().parse().map_err(|_| bad())?;
    match unit.trim() {
        "min" | "m" | "minute" => Ok((provider, Some(n), None)),
        "day" | "d" => Ok((provider, None, Some(n))),
        _ => Err(bad()),
    }
}

/// The indicators to enrich, and how many extracted ones no provider handles.
fn indicators(args: &Args) -> anyhow::Result<(Vec<Indicator>, usize)> {
    if let Some(value) = &args.value {
        let ind = single(&args.target, value).map_err(UsageError)?;
        return Ok((vec![ind], 0));
    }
    if matches!(args.target.as_str(), "ip" | "domain" | "url" | "hash") {
        return Err(UsageError(format!(
            "soc enrich {} needs a VALUE, e.g. soc enrich ip 198.51.100.23",
            args.target
        ))
        .into());
    }
    let text = if args.target == "-" {
        let mut s = String::new();
        std::io::stdin()
            .read_to_string(&mut s)
            .context("reading standard input")?;
        s
    } else {
        let bytes = std::fs::read(&args.target).map_err(|e| {
            UsageError(format!(
                "cannot read '{}': {e} (give a file, or ip|domain|url|hash VALUE)",
                args.target
            ))
        })?;
        String::from_utf8_lossy(&bytes).into_owned()
    };
    let mut seen = std::collections::HashSet::new();
    let mut out = Vec::new();
    let mut skipped = 0;
    for ind in extract_indicators_with_ioc_module(&text) {
        if !seen.insert((ind.kind, ind.value.clone())) {
            continue;
        }
        if enrichable(ind.kind) {
            out.push(ind);
        } else {
            skipped += 1;
        }
    }
    Ok((out, skipped))
}

/// Indicator extraction for FILE mode, by the shared IOC extractor
/// (`soc_core::ioc::extract`, from the IOC branch).
fn extract_indicators_with_ioc_module(text: &str) -> Vec<Indicator> {
    soc_core::ioc::extract(text)
}

/// Parses `soc enrich KIND VALUE` with the core rule, [`Indicator::parse`]
/// (`ip` and `hash` stand for any address or hash kind).
fn single(kind: &str, value: &str) -> Result<Indicator, String> {
    let (want, check): (Option<IndicatorKind>, fn(IndicatorKind) -> bool) = match kind {
        "ip" => (None, IndicatorKind::is_ip),
        "hash" => (None, IndicatorKind::is_hash),
        "domain" => (Some(IndicatorKind::Domain), |_| true),
        "url" => (Some(IndicatorKind::Url), |_| true),
        other => {
            return Err(format!(
                "unknown indicator kind '{other}'; use ip, domain, url or hash (or give a FILE)"
            ))
        }
    };
    match Indicator::parse(want, value) {
        Ok(ind) if check(ind.kind) => Ok(ind),
        Ok(ind) => Err(format!("'{}' is a {}, not {kind}", value.trim(), ind.kind)),
        Err(e) => Err(e.to_string()),
    }
}

/// One output row for an indicator; returns it and the number of errors.
fn row(ind: &Indicator, results: &[Result<Enrichment, EnrichError>]) -> (Value, usize) {
    let mut row = Map::new();
    row.insert("indicator".into(), ind.value.clone().into());
    row.insert("kind".into(), ind.kind.as_str().into());
    let mut verdict = Verdict::Unknown;
    let mut score = 0u8;
    let mut country = None;
    let mut as_owner = None;
    let mut errors = BTreeMap::new();
    let mut enrichments = Vec::new();
    let mut tags: Vec<String> = Vec::new();
    for r in results {
        match r {
            Ok(e) => {
                verdict = verdict.max(e.verdict);
                score = score.max(e.score);
                country = country.or_else(|| e.facts.country.clone());
                as_owner = as_owner.or_else(|| e.facts.as_owner.clone());
                for t in &e.facts.tags {
                    if !tags.contains(t) {
                        tags.push(t.clone());
                    }
                }
                row.insert(
                    e.provider.clone(),
                    format!("{}: {}", e.verdict, e.summary).into(),
                );
                let mut slim = e.clone();
                slim.raw = Value::Null;
                enrichments.push(serde_json::to_value(slim).unwrap_or(Value::Null));
            }
            Err(err) => {
                let provider = provider_of(err).to_string();
                row.insert(provider.clone(), format!("error: {err}").into());
                errors.insert(provider, err.to_string());
            }
        }
    }
    row.insert("verdict".into(), verdict.as_str().into());
    row.insert("score".into(), score.into());
    row.insert("country".into(), country.map_or(Value::Null, Value::from));
    row.insert("as_owner".into(), as_owner.map_or(Value::Null, Value::from));
    row.insert("tags".into(), json!(tags));
    row.insert("enrichments".into(), Value::Array(enrichments));
    let n = errors.len();
    if !errors.is_empty() {
        row.insert("errors".into(), json!(errors));
    }
    (Value::Object(row), n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn single_indicators_are_validated() {
        assert_eq!(
            single("ip", "2001:DB8::1").unwrap().kind,
            IndicatorKind::Ipv6
        );
        assert_eq!(
            single("hash", "DA39A3EE5E6B4B0D3255BFEF95601890AFD80709")
                .unwrap()
                .kind,
            IndicatorKind::Sha1
        );
        assert_eq!(
            single("domain", "Evil.Example.COM.").unwrap().value,
            "evil.example.com"
        );
        // The same rule as extraction: the name must end in a public suffix.
        assert!(single("domain", "evil.invalidtld").is_err());
        assert!(single("ip", "da39a3ee5e6b4b0d3255bfef95601890afd80709").is_err());
        assert!(single("ip", "999.1.1.1").is_err());
        assert!(single("hash", "xyz").is_err());
        assert!(single("url", "evil.example").is_err());
        assert!(single("email", "a@b.c").is_err());
    }

    #[test]
    fn rates_parse() {
        assert_eq!(
            parse_rate("vt=1000/min").unwrap(),
            (ProviderName::Virustotal, Some(1000), None)
        );
        assert_eq!(
            parse_rate("abuseipdb=50000/day").unwrap(),
            (ProviderName::Abuseipdb, None, Some(50000))
        );
        assert_eq!(
            parse_rate("greynoise=30").unwrap(),
            (ProviderName::Greynoise, Some(30), None)
        );
        assert!(parse_rate("vt").is_err());
        assert!(parse_rate("vt=fast").is_err());
        assert!(parse_rate("nosuch=1/min").is_err());
    }
}
