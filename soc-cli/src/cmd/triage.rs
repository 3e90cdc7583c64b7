//! `soc triage`: score alerts and explain the scores; `soc triage train`
//! fits the triage model on analyst-labelled alerts.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use serde_json::json;
use soc_core::score::features::{features, FEATURE_NAMES};
use soc_core::score::train::{train_csv, TrainOptions};
use soc_core::score::{ModelScorer, RiskThresholds, Scorer, WeightedConfig, WeightedScorer};

use crate::cmd::UsageError;
use crate::output::{Format, RowWriter};

/// Arguments of `soc triage`.
#[derive(Debug, clap::Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct Args {
    #[command(subcommand)]
    command: Option<Sub>,
    /// Alerts to score: a JSON array, one JSON object, or JSON lines of
    /// alerts (or of `{"alert": ...}` records from a previous stage); `-` for stdin.
    file: Option<PathBuf>,
    /// Weights for the weighted scorer (TOML or JSON; keys of `[score.weighted]`).
    #[arg(long, value_name = "FILE", conflicts_with = "model")]
    weights: Option<PathBuf>,
    /// Score with a trained model (from `soc triage train`) instead.
    #[arg(long, value_name = "FILE")]
    model: Option<PathBuf>,
    /// Score at which `medium` starts.
    #[arg(long, default_value_t = RiskThresholds::default().medium)]
    medium: f64,
    /// Score at which `high` starts.
    #[arg(long, default_value_t = RiskThresholds::default().high)]
    high: f64,
    /// Score at which `critical` starts.
    #[arg(long, default_value_t = RiskThresholds::default().critical)]
    critical: f64,
    /// Write the model features of each alert as CSV with an empty `label`
    /// column, to be labelled by an analyst and fed to `soc triage train`.
    #[arg(long, conflicts_with_all = ["weights", "model"])]
    features: bool,
    /// Output format (default: table on a terminal, jsonl when piped).
    #[arg(long, value_enum)]
    format: Option<Format>,
}

#[derive(Debug, clap::Subcommand)]
enum Sub {
    /// Train the triage model on a labelled CSV and report held-out accuracy,
    /// precision and recall against the constant baseline.
    Train(TrainArgs),
}

/// Arguments of `soc triage train`.
#[derive(Debug, clap::Args)]
struct TrainArgs {
    /// Labelled CSV: the feature columns (see `soc triage --features`) and `label` (1/0).
    csv: PathBuf,
    /// Where to write the model.
    #[arg(short, long, value_name = "FILE")]
    output: PathBuf,
    /// Gradient-descent iterations.
    #[arg(long, default_value_t = TrainOptions::default().epochs)]
    epochs: usize,
    /// Step size.
    #[arg(long, default_value_t = TrainOptions::default().learning_rate)]
    learning_rate: f64,
    /// L2 penalty.
    #[arg(long, default_value_t = TrainOptions::default().l2)]
    l2: f64,
    /// Share of rows held out for evaluation.
    #[arg(long, default_value_t = TrainOptions::default().test_fraction)]
    test_fraction: f64,
    /// Seed of the train/test split.
    #[arg(long, default_value_t = TrainOptions::default().seed)]
    seed: u64,
    /// Print the report as JSON.
    #[arg(long)]
    json: bool,
}

/// Runs `soc triage`.
pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    if let Some(Sub::Train(t)) = args.command {
        return train(t);
    }
    let Some(file) = args.file.as_deref() else {
        return Err(UsageError("soc triage needs a FILE of alerts (or `-` for stdin), or `soc triage train LABELED.csv -o model.json`".into()).into());
    };
    let alerts = soc_core::parse::alerts::read_soc_alerts(file)?;
    let stdout = std::io::stdout().lock();
    if args.features {
        let mut w = csv::Writer::from_writer(stdout);
        let mut header = vec!["alert_id"];
        header.extend(FEATURE_NAMES);
        header.push("label");
        w.write_record(&header)?;
        for a in &alerts {
            let mut row = vec![a.id.clone()];
            row.extend(features(a).iter().map(|v| v.to_string()));
            row.push(String::new());
            w.write_record(&row)?;
        }
        w.flush()?;
        return Ok(ExitCode::SUCCESS);
    }
    let thresholds = RiskThresholds {
        medium: args.medium,
        high: args.high,
        critical: args.critical,
    };
    thresholds.validate().map_err(UsageError)?;
    let scorer: Box<dyn Scorer> = match (&args.model, &args.weights) {
        (Some(m), _) => Box::new(ModelScorer::load(m)?.with_thresholds(thresholds)),
        (None, Some(w)) => Box::new(WeightedScorer::with_thresholds(
            WeightedConfig::load(w)?,
            thresholds,
        )),
        (None, None) => Box::new(WeightedScorer::with_thresholds(
            WeightedConfig::default(),
            thresholds,
        )),
    };
    let format = Format::resolve(args.format);
    let mut out = RowWriter::new(
        stdout,
        format,
        &["id", "kind", "src_ip", "score", "level", "explanation"],
    );
    for a in &alerts {
        let s = scorer.score(a);
        let mut factors = s.factors.clone();
        factors.sort_by(|x, y| y.contribution.abs().total_cmp(&x.contribution.abs()));
        let explanation = factors
            .iter()
            .map(|f| format!("{} {:+.1}", f.name, f.contribution))
            .collect::<Vec<_>>()
            .join("; ");
        out.write(&json!({
            "id": a.id,
            "kind": a.kind,
            "src_ip": a.src_ip,
            "score": (s.value * 10.0).round() / 10.0,
            "level": s.level,
            "explanation": explanation,
            "scorer": s.scorer,
            "factors": s.factors,
            "alert": a,
        }))?;
    }
    let _ = out.finish()?;
    Ok(ExitCode::SUCCESS)
}

fn train(t: TrainArgs) -> anyhow::Result<ExitCode> {
    let opts = TrainOptions {
        epochs: t.epochs,
        learning_rate: t.learning_rate,
        l2: t.l2,
        test_fraction: t.test_fraction,
        seed: t.seed,
    };
    let r = train_csv(&t.csv, &opts)?;
    r.model.save(&t.output)?;
    let mut out = std::io::stdout().lock();
    if t.json {
        let v = json!({
            "model": t.output,
            "train_rows": r.train_rows,
            "test_rows": r.test_rows,
            "accuracy": r.accuracy,
            "precision": r.precision,
            "recall": r.recall,
            "baseline_accuracy": r.baseline_accuracy,
            "baseline_label": r.baseline_label,
            "train_loss": r.train_loss,
        });
        writeln!(out, "{v}")?;
    } else {
        writeln!(out, "model written to {}", t.output.display())?;
        writeln!(
            out,
            "rows: {} train, {} held out (seed {})",
            r.train_rows, r.test_rows, t.seed
        )?;
        writeln!(out, "accuracy:  {:.3}", r.accuracy)?;
        writeln!(out, "precision: {:.3}", r.precision)?;
        writeln!(out, "recall:    {:.3}", r.recall)?;
        writeln!(
            out,
            "baseline:  {:.3} (always predicting {})",
            r.baseline_accuracy, r.baseline_label
        )?;
        if r.accuracy <= r.baseline_accuracy {
            writeln!(
                out,
                "warning: the model does not beat the constant baseline; label more alerts"
            )?;
        }
    }
    Ok(ExitCode::SUCCESS)
}
