//! `soc iocs`: extract indicators of compromise from files or stdin.
//!
//! ```text
//! soc iocs report.txt                      # table on a terminal, jsonl when piped
//! soc iocs --kinds ipv4,domain,url a.txt b.txt --format csv
//! soc iocs --threads 2 reports/               # every file under a folder
//! cat mail.eml | soc iocs --no-private --allow ours.txt
//! soc iocs --refang report.txt             # print the text with indicators refanged
//! ```

use std::io::{self, BufRead, BufReader, Read, Write};
use std::num::NonZeroUsize;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use serde::Serialize;
use soc_core::ioc::{
    parse_kinds, refang, AllowList, ExtractOptions, Extractor, Found, IndicatorRef,
};

use crate::cmd::UsageError;
use crate::output::{Format, RowWriter};
use crate::parquet_out::ParquetOut;
use soc_core::columnar::IndicatorBatchBuilder;

/// Arguments of `soc iocs`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Input files or folders (every file under a folder, in name order);
    /// stdin when none is given or for `-`.
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
    /// Files extracted at the same time (default: one per core). The output
    /// is the same, in input order, whatever the number.
    #[arg(long, value_name = "N", env = "SOC_THREADS")]
    pub threads: Option<NonZeroUsize>,
}

enum Input {
    Stdin,
    File(PathBuf),
}

impl Input {
    fn name(&self) -> String {
        match self {
            Input::Stdin => "-".to_string(),
            Input::File(p) => p.display().to_string(),
        }
    }
}

/// The inputs named on the command line, folders replaced by the files
/// under them; whether any was a folder.
fn inputs(files: &[PathBuf]) -> anyhow::Result<(Vec<Input>, bool)> {
    if files.is_empty() {
        return Ok((vec![Input::Stdin], false));
    }
    let mut out = Vec::new();
    let mut folder = false;
    for p in files {
        if p.as_os_str() == "-" {
            out.push(Input::Stdin);
            continue;
        }
        match std::fs::metadata(p) {
            Ok(m) if m.is_dir() => {
                folder = true;
                files_under(p, &mut out)
                    .map_err(|e| UsageError(format!("{}: cannot list: {e}", p.display())))?;
            }
            Ok(_) => out.push(Input::File(p.clone())),
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                return Err(UsageError(format!("{}: no such file", p.display())).into())
            }
            Err(e) => return Err(UsageError(format!("{}: cannot open: {e}", p.display())).into()),
        }
    }
    Ok((out, folder))
}

/// The files under `dir`, depth first in name order. Symbolic links to
/// folders are not followed (no loops).
fn files_under(dir: &Path, out: &mut Vec<Input>) -> io::Result<()> {
    let mut entries = std::fs::read_dir(dir)?.collect::<io::Result<Vec<_>>>()?;
    entries.sort_by_key(|e| e.file_name());
    for e in entries {
        let path = e.path();
        if e.file_type()?.is_dir() {
            files_under(&path, out)?;
        } else if path.is_file() {
            out.push(Input::File(path));
        }
    }
    Ok(())
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
    let (inputs, folder) = inputs(&args.files)?;
    let stdout = io::stdout();
    if args.refang {
        let mut out = io::BufWriter::new(stdout.lock());
        for input in inputs {
            let name = input.name();
            let done = match &input {
                Input::Stdin => refang_stream(io::stdin().lock(), &mut out),
                Input::File(p) => std::fs::File::open(p).and_then(|f| refang_stream(f, &mut out)),
            };
            done.with_context(|| format!("reading {name}"))?;
        }
        out.flush()?;
        return Ok(ExitCode::SUCCESS);
    }
    let ex = Extractor::new(ExtractOptions {
        kinds,
        allow,
        no_private: args.no_private,
    });
    let several = inputs.len() > 1 || folder;
    if let Some(p) = args.out.parquet()? {
        let mut out = ParquetOut::create(p, IndicatorBatchBuilder::new())?;
        for input in &inputs {
            let name = input.name();
            let found = extract_one(&ex, input).with_context(|| format!("reading {name}"))?;
            for ind in found.iter() {
                out.append(|b| {
                    b.set_input(None, Some(&name));
                    b.append(&ind.to_indicator())
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
    let out = io::BufWriter::with_capacity(1 << 16, stdout.lock());
    let mut w = match format {
        Format::Jsonl => Rows::Jsonl(out),
        _ => Rows::Other(RowWriter::new(out, format, columns)),
    };
    let mut write = |name: &str, found: Result<Found, soc_core::IocError>| {
        let found = found.with_context(|| format!("reading {name}"))?;
        let file = several.then_some(name);
        for ind in found.iter() {
            match &mut w {
                Rows::Jsonl(out) => jsonl_row(out, &ind, file)?,
                Rows::Other(rows) => rows.write_ser(&row(&ind, file))?,
            }
        }
        anyhow::Ok(())
    };
    let paths: Option<Vec<PathBuf>> = inputs
        .iter()
        .map(|i| match i {
            Input::File(p) => Some(p.clone()),
            Input::Stdin => None,
        })
        .collect();
    match paths {
        // Files only: several at a time, written in input order.
        Some(paths) => {
            let threads = args
                .threads
                .or_else(|| std::thread::available_parallelism().ok())
                .map_or(1, NonZeroUsize::get);
            ex.extract_files(&paths, threads, |k, found| {
                write(&paths[k].display().to_string(), found)
            })?;
        }
        None => {
            for input in &inputs {
                write(&input.name(), extract_one(&ex, input))?;
            }
        }
    }
    match w {
        Rows::Jsonl(mut out) => out.flush()?,
        Rows::Other(rows) => drop(rows.finish()?),
    }
    Ok(ExitCode::SUCCESS)
}

/// The indicators of one input.
fn extract_one(ex: &Extractor, input: &Input) -> Result<Found, soc_core::IocError> {
    match input {
        Input::Stdin => ex.extract_reader_found(io::stdin().lock()),
        Input::File(p) => ex.extract_file_found(p),
    }
}

/// Where rows go: JSON Lines written directly (the hot path), or the
/// shared [`RowWriter`] for the other formats.
enum Rows<W: Write> {
    Jsonl(W),
    Other(RowWriter<W>),
}

/// One JSON Lines row, the same bytes as serde_json writes for [`Row`]:
/// the keys are constant text and most strings need no escaping, so
/// serde_json runs only on the strings that do (and on the numbers).
fn jsonl_row(out: &mut impl Write, ind: &IndicatorRef<'_>, file: Option<&str>) -> io::Result<()> {
    out.write_all(b"{\"kind\":\"")?;
    out.write_all(ind.kind.as_str().as_bytes())?;
    out.write_all(b"\",\"value\":")?;
    json_str(out, ind.value)?;
    out.write_all(b",\"raw\":")?;
    json_str(out, ind.raw)?;
    out.write_all(b",\"start\":")?;
    serde_json::to_writer(&mut *out, &ind.start)?;
    out.write_all(b",\"end\":")?;
    serde_json::to_writer(&mut *out, &ind.end)?;
    out.write_all(if ind.defanged {
        b",\"defanged\":true,\"count\":"
    } else {
        b",\"defanged\":false,\"count\":"
    })?;
    serde_json::to_writer(&mut *out, &ind.count)?;
    out.write_all(b",\"tags\":[")?;
    for (k, tag) in ind.tags().enumerate() {
        out.write_all(if k == 0 { b"\"" } else { b",\"" })?;
        out.write_all(tag.as_str().as_bytes())?;
        out.write_all(b"\"")?;
    }
    out.write_all(b"]")?;
    if let Some(file) = file {
        out.write_all(b",\"file\":")?;
        json_str(out, file)?;
    }
    out.write_all(b"}\n")
}

/// `s` as a JSON string: copied between quotes when nothing in it needs
/// escaping, else written by serde_json.
fn json_str(out: &mut impl Write, s: &str) -> io::Result<()> {
    // No early exit: the compiler turns this into a vector loop.
    let escape = s
        .bytes()
        .fold(false, |e, c| e | (c < 0x20) | (c == b'"') | (c == b'\\'));
    if escape {
        return Ok(serde_json::to_writer(out, s)?);
    }
    out.write_all(b"\"")?;
    out.write_all(s.as_bytes())?;
    out.write_all(b"\"")
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

fn row<'a>(ind: &IndicatorRef<'a>, file: Option<&'a str>) -> Row<'a> {
    Row {
        kind: ind.kind.as_str(),
        value: ind.value,
        raw: ind.raw,
        start: ind.start,
        end: ind.end,
        defanged: ind.defanged,
        count: ind.count,
        tags: ind.tags().map(|t| t.as_str()).collect(),
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

#[cfg(test)]
mod tests {
    use super::*;
    use soc_core::model::{Indicator, IndicatorKind, IndicatorTag};

    /// The direct JSON Lines row is byte for byte serde_json's, on text
    /// that needs escaping (quotes, backslashes, control bytes) and on
    /// text that does not (non-ASCII and DEL are not escaped).
    #[test]
    fn jsonl_rows_are_serde_jsons() {
        let raws = [
            "evil[.]example[.]com",
            "a\"b\\c",
            "tab\there\u{1}\u{1f}",
            "é\u{7f}\u{2028}",
            "",
        ];
        for (k, raw) in raws.into_iter().enumerate() {
            let mut ind = Indicator::new(IndicatorKind::Url, format!("http://x.example/{raw}"));
            ind.raw = raw.to_string();
            ind.start = k * 1_000_000_007;
            ind.end = usize::MAX;
            ind.count = u64::MAX - k as u64;
            ind.defanged = k % 2 == 0;
            ind.tags = [IndicatorTag::FromUrl, IndicatorTag::Base64][..k.min(2)].to_vec();
            for file in [None, Some("dir/a \"b\".txt")] {
                let mut mine = Vec::new();
                let r = IndicatorRef::from(&ind);
                jsonl_row(&mut mine, &r, file).unwrap();
                let mut want = serde_json::to_vec(&row(&r, file)).unwrap();
                want.push(b'\n');
                assert_eq!(
                    String::from_utf8(mine).unwrap(),
                    String::from_utf8(want).unwrap()
                );
            }
        }
    }
}
