//! `parse_ssh`, `detect_bruteforce` and `ssh_summary`.

use super::*;

enum SshInput {
    File {
        reader: LineReader,
        parser: SshParser,
    },
    Lines {
        iter: PyObject,
        parser: SshParser,
        line: u64,
    },
}

/// Iterator of `Event`s from an auth log (see `parse_ssh`).
#[pyclass(module = "soc_core", unsendable)]
pub(crate) struct SshEvents {
    input: Option<SshInput>,
    buf: VecDeque<CoreEvent>,
    stats: ParseStats,
}

fn fill_file(
    reader: &mut LineReader,
    parser: &mut SshParser,
    buf: &mut VecDeque<CoreEvent>,
    stats: &mut ParseStats,
) -> bool {
    let name = reader.name().to_string();
    while buf.len() < BATCH {
        let Some((no, line)) = reader.next_str() else {
            return false;
        };
        stats.lines += 1;
        match line {
            Ok(l) => match parser.parse_line(
                l,
                Origin {
                    file: name.clone(),
                    line: no,
                },
            ) {
                Some(e) => {
                    stats.events += 1;
                    buf.push_back(e);
                }
                None => stats.skipped += 1,
            },
            Err(e) => stats.malformed(e),
        }
    }
    true
}

#[pymethods]
impl SshEvents {
    fn __iter__(slf: PyRef<'_, Self>) -> PyRef<'_, Self> {
        slf
    }
    fn __next__(&mut self, py: Python<'_>) -> PyResult<Option<PyEvent>> {
        loop {
            if let Some(e) = self.buf.pop_front() {
                return Ok(Some(PyEvent { inner: e }));
            }
            let Some(input) = self.input.as_mut() else {
                return Ok(None);
            };
            let more = match input {
                SshInput::File { reader, parser } => {
                    let (buf, stats) = (&mut self.buf, &mut self.stats);
                    py.allow_threads(|| fill_file(reader, parser, buf, stats))
                }
                SshInput::Lines { iter, parser, line } => {
                    let it = iter.bind(py);
                    match it.call_method0("__next__") {
                        Ok(obj) => {
                            *line += 1;
                            self.stats.lines += 1;
                            let s: String = obj.extract().map_err(|_| {
                                type_error(format!(
                                    "parse_ssh: line {} is {}, not str",
                                    *line,
                                    obj.get_type()
                                        .name()
                                        .map(|n| n.to_string())
                                        .unwrap_or_default()
                                ))
                            })?;
                            match parser.parse_line(
                                s.trim_end_matches(['\n', '\r']),
                                Origin {
                                    file: "<lines>".into(),
                                    line: *line,
                                },
                            ) {
                                Some(e) => {
                                    self.stats.events += 1;
                                    self.buf.push_back(e);
                                }
                                None => self.stats.skipped += 1,
                            }
                            true
                        }
                        Err(e) if e.is_instance_of::<pyo3::exceptions::PyStopIteration>(py) => {
                            false
                        }
                        Err(e) => return Err(e),
                    }
                }
            };
            if !more {
                self.input = None;
            }
        }
    }
    /// Counts so far: lines, events, skipped, malformed, and the first errors.
    #[getter]
    fn stats(&self, py: Python<'_>) -> PyResult<PyObject> {
        stats_dict(py, &self.stats)
    }
    /// The events not yet read, as one Arrow batch (`soc.events`).
    #[pyo3(name = "to_arrow")]
    fn drain_to_arrow(&mut self, py: Python<'_>) -> PyResult<crate::columnar::ArrowBatch> {
        crate::columnar::drain_events(|| Ok(self.__next__(py)?.map(|e| e.inner)))
    }
    /// Always raises `TypeError`: a live parse cannot be pickled.
    fn __reduce__(&self) -> PyResult<PyObject> {
        Err(not_picklable("SshEvents", "an auth log"))
    }
}

fn ssh_opts(year: Option<i32>, tz: &str, stateful: bool) -> SshOptions {
    SshOptions {
        year,
        tz: tz.to_string(),
        stateful,
        ..SshOptions::default()
    }
}

/// Parses an OpenSSH auth log: `source` is a path (`.gz` transparent) or an
/// iterable of lines. Returns an iterator of `Event`s.
#[pyfunction]
#[pyo3(signature = (source, year = None, tz = "UTC", stateful = true))]
pub(super) fn parse_ssh(
    py: Python<'_>,
    source: &Bound<'_, PyAny>,
    year: Option<i32>,
    tz: &str,
    stateful: bool,
) -> PyResult<SshEvents> {
    let parser = SshParser::try_new(ssh_opts(year, tz, stateful)).map_err(to_py)?;
    let input = if source.is_instance_of::<PyString>() || source.hasattr("__fspath__")? {
        let path: PathBuf = source.extract()?;
        let reader = py
            .allow_threads(|| LineReader::open(&path))
            .map_err(to_py)?;
        SshInput::File { reader, parser }
    } else {
        let iter = source
            .try_iter()
            .map_err(|_| type_error("parse_ssh: source must be a path or an iterable of str"))?;
        SshInput::Lines {
            iter: iter.into_any().unbind(),
            parser,
            line: 0,
        }
    };
    Ok(SshEvents {
        input: Some(input),
        buf: VecDeque::new(),
        stats: ParseStats::default(),
    })
}

fn collect_events(events: &Bound<'_, PyAny>) -> PyResult<Vec<CoreEvent>> {
    let mut v = Vec::new();
    for item in events.try_iter()? {
        let item = item?;
        let e: PyRef<'_, PyEvent> = item
            .extract()
            .map_err(|_| type_error("detect_bruteforce: events must be soc_core.Event objects"))?;
        v.push(e.inner.clone());
    }
    Ok(v)
}

/// Runs the SSH detectors over `events` (an iterable of `Event`, e.g. from
/// `parse_ssh`) and returns their `Alert`s: the same detectors and rules as `soc run` and
/// `soc ssh --alerts`. Rust: `soc_core::detect::DetectorSet`.
/// Keyword arguments override the `DetectConfig` defaults
/// (`brute_force_threshold=5`, `scan_threshold=10`, ...); an unknown keyword is a `ConfigError`
/// naming the valid ones.
#[pyfunction]
#[pyo3(signature = (events, **config))]
pub(super) fn detect_bruteforce(
    py: Python<'_>,
    events: &Bound<'_, PyAny>,
    config: Option<&Bound<'_, PyDict>>,
) -> PyResult<Vec<PyAlert>> {
    let cfg: DetectConfig = match config {
        Some(c) => serde_json::from_value(crate::convert::from_py_data(c.as_any())?)
            .map_err(|e| crate::errors::kwargs_error("detect_bruteforce()", &e))?,
        None => DetectConfig::default(),
    };
    let evs = collect_events(events)?;
    let alerts = py.allow_threads(move || {
        let mut d = DetectorSet::new(cfg);
        let mut out: Vec<CoreAlert> = evs.iter().flat_map(|e| d.observe(e)).collect();
        out.extend(d.finish());
        out
    });
    Ok(alerts.into_iter().map(|a| PyAlert { inner: a }).collect())
}

/// Summary statistics of SSH events: `source` is a path, an iterable of
/// lines, or an iterable of `Event`. Returns a dict.
#[pyfunction]
#[pyo3(signature = (source, top = 10, year = None, tz = "UTC"))]
pub(super) fn ssh_summary(
    py: Python<'_>,
    source: &Bound<'_, PyAny>,
    top: usize,
    year: Option<i32>,
    tz: &str,
) -> PyResult<PyObject> {
    let mut s = SshSummary::default();
    if source.is_instance_of::<PyString>() || source.hasattr("__fspath__")? {
        let path: PathBuf = source.extract()?;
        let mut parser = SshParser::try_new(ssh_opts(year, tz, true)).map_err(to_py)?;
        py.allow_threads(|| -> Result<(), soc_core::ParseError> {
            let mut reader = LineReader::open(&path)?;
            while let Some((_, line)) = reader.next_str() {
                // The borrowed fast path counts exactly what `add` counts.
                if let Some(r) = line.ok().and_then(|l| parser.parse_ref(l)) {
                    s.add_record(&r);
                }
            }
            Ok(())
        })
        .map_err(to_py)?;
    } else {
        let mut parser = SshParser::try_new(ssh_opts(year, tz, true)).map_err(to_py)?;
        for (i, item) in source.try_iter()?.enumerate() {
            let item = item?;
            if let Ok(e) = item.extract::<PyRef<'_, PyEvent>>() {
                s.add(&e.inner);
            } else {
                let l: String = item
                    .extract()
                    .map_err(|_| type_error("ssh_summary: items must be str or Event"))?;
                if let Some(e) = parser.parse_line(
                    &l,
                    Origin {
                        file: String::new(),
                        line: i as u64 + 1,
                    },
                ) {
                    s.add(&e);
                }
            }
        }
    }
    let d = PyDict::new(py);
    d.set_item("events", s.events)?;
    d.set_item("failures", s.failures)?;
    d.set_item("probes", s.probes)?;
    d.set_item("successes", s.successes)?;
    d.set_item("accepted", s.accepted)?;
    d.set_item("distinct_probe_sources", s.distinct_probe_sources())?;
    d.set_item("distinct_sources", s.distinct_sources())?;
    d.set_item("top_sources", s.top_sources(top))?;
    d.set_item("top_users", s.top_users(top))?;
    d.set_item("by_kind", to_py_data(py, &s.by_kind)?)?;
    d.set_item("failures_per_hour", to_py_data(py, &s.failures_per_hour)?)?;
    Ok(d.into_any().unbind())
}
