//! `soc iocs`: extract indicators of compromise from files or stdin.
//!
//! ```text
//! soc iocs report.txt                      # table on a terminal, jsonl when piped
//! soc iocs --kinds ipv4,domain,url a.txt b.txt --format csv
//! cat mail.eml | soc iocs --no-private --allow ours.txt
//! soc iocs --refang report.txt             # print the text with indicators refanged
//! ```

use std::fs::File;
use std::io::{self, BufRead, BufReader, Read, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use serde::Serialize;
use soc_core::ioc::{parse_kinds, refang, AllowList, ExtractOptions, Extractor};
use soc_core::Indicator;

use crate::cmd::UsageError;
use crate::output::{Format, RowWriter};
use crate::parquet_out::ParquetOut;
use soc_core::columnar::IndicatorBatchBuilder;

/// Arguments of `soc iocs`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Input files; stdin when none is given or for `-`.
    #[arg(value_name = "FILE")]
    pub files: Vec<PathBuf>,
    /// `--format` (table, json, jsonl, csv, parquet) and `-o FILE`.
    #[command(flatten)]
    pub out: crate::parquet_out::OutputArgs,
    /// Only these kinds, comma-separated (e.g. `ipv4,domain,sha256`).
    ///
    /// Kinds: ipv4 ipv6 cidr domain url email md5 sha1 sha256 sha512 ssdeep
    /// cve attack_technique attack_tactic attack_mitigation asn mac btc eth
    /// xmr ltc bch doge dash xrp ada sol xtz zec trx registry_key file_path
    /// onion imphash authentihash arn tlp google_analytics_id
    /// google_adsense_id user_agent xmpp.
    #[arg(long, value_name = "KINDS")]
    pub kinds: Option<String>,
    /// Allow-list file: CIDRs, IPs and domains (with subdomains) to leave out.
    #[arg(long, value_name = "FILE")]
    pub allow: Option<PathBuf>,
    /// Leave out private, loopback, link-local and reserved addresses.
    #[arg(long)]
    pub no_private: bool,
    /// Print the input with defanged indicators refanged instead of extracting.
    #[arg(long)]
    pub refang: bool,
}

enum Input {
    Stdin,
    File(PathBuf, File),
}

impl Input {
    fn name(&self) -> String {
        match self {
            Input::Stdin => "-".to_string(),
            Input::File(p, _) => p.display().to_string(),
        }
    }

    fn reader(self) -> Box<dyn Read> {
        match self {
            Input::Stdin => Box::new(io::stdin().lock()),
            Input::File(_, f) => Box::new(f),
        }
    }
}

fn open_inputs(files: &[PathBuf]) -> anyhow::Result<Vec<Input>> {
    if files.is_empty() {
        return Ok(vec![Input::Stdin]);
    }
    files
        .iter()
        .map(|p| {
            if p.as_os_str() == "-" {
                return Ok(Input::Stdin);
            }
            match File::open(p) {
                Ok(f) => Ok(Input::File(p.clone(), f)),
                Err(e) if e.kind() == io::ErrorKind::NotFound => {
                    Err(UsageError(format!("{}: no such file", p.display())).into())
                }
                Err(e) => Err(UsageError(format!("{}: cannot open: {e}", p.display())).into()),
            }
        })
        .collect()
}

/// Runs `soc iocs`.
pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let kinds = match &args.kinds {
        Some(k) => Some(parse_kinds(k).map_err(|e| UsageError(format!("--kinds: {e}")))?),
        None => None,
    };
    let allow = match &args.allow {
        Some(p) => AllowList::from_file(p).map_err(|e| UsageError(format!("--allow: {e}")))?,
        None => AllowList::default(),
    };
    let inputs = open_inputs(&args.files)?;
    let stdout = io::stdout();
    if args.refang {
        let mut out = io::BufWriter::new(stdout.lock());
        for input in inputs {
            let name = input.name();
            refang_stream(input.reader(), &mut out).with_context(|| format!("reading {name}"))?;
        }
        out.flush()?;
        return Ok(ExitCode::SUCCESS);
    }
    let ex = Extractor::new(ExtractOptions {
        kinds,
        allow,
        no_private: args.no_private,
    });
    let several = inputs.len() > 1;
    if let Some(p) = args.out.parquet()? {
        let mut out = ParquetOut::create(p, IndicatorBatchBuilder::new())?;
        for input in inputs {
            let name = input.name();
            let found = ex
                .extract_reader(input.reader())
                .with_context(|| format!("reading {name}"))?;
            for ind in &found {
                out.append(|b| {
                    b.set_input(None, Some(&name));
                    b.append(ind)
                })?;
            }
        }
        out.finish()?;
        return Ok(ExitCode::SUCCESS);
    }
    let format = Format::resolve(args.out.rows());
    let columns: &[&str] = match (format, several) {
        (Format::Table, false) => &["kind", "value", "count", "defanged", "tags"],
        (Format::Table, true) => &["file", "kind", "value", "count", "defanged", "tags"],
        (_, false) => &[
            "kind", "value", "raw", "start", "end", "defanged", "count", "tags",
        ],
        (_, true) => &[
            "file", "kind", "value", "raw", "start", "end", "defanged", "count", "tags",
        ],
    };
    let mut w = RowWriter::new(io::BufWriter::new(stdout.lock()), format, columns);
    for input in inputs {
        let name = input.name();
        let found = ex
            .extract_reader(input.reader())
            .with_context(|| format!("reading {name}"))?;
        for ind in &found {
            w.write_ser(&row(ind, several.then_some(name.as_str())))?;
        }
    }
    w.finish()?;
    Ok(ExitCode::SUCCESS)
}

/// One output row: the indicator's fields in this order, then the file
/// when there are several inputs.
#[derive(Serialize)]
struct Row<'a> {
    kind: &'a str,
    value: &'a str,
    raw: &'a str,
    start: usize,
    end: usize,
    defanged: bool,
    count: u64,
    tags: Vec<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    file: Option<&'a str>,
}

fn row<'a>(ind: &'a Indicator, file: Option<&'a str>) -> Row<'a> {
    Row {
        kind: ind.kind.as_str(),
        value: &ind.value,
        raw: &ind.raw,
        start: ind.start,
        end: ind.end,
        defanged: ind.defanged,
        count: ind.count,
        tags: ind.tags.iter().map(|t| t.as_str()).collect(),
        file,
    }
}

/// Refangs line by line (defangs never span lines), in bounded memory.
fn refang_stream(r: impl Read, out: &mut impl Write) -> io::Result<()> {
    let mut r = BufReader::new(r);
    let mut line = Vec::new();
    loop {
        line.clear();
        if r.read_until(b'\n', &mut line)? == 0 {
            return Ok(());
        }
        out.write_all(refang(&String::from_utf8_lossy(&line)).as_bytes())?;
    }
}
