//! `soc_core.serve(config, listen=...)`: the live dashboard (`soc serve`)
//! from a notebook or script.
//!
//! With `block=True` (the default) it serves until Ctrl-C (the GIL is
//! released between signal checks); with `block=False` it returns a
//! [`Dashboard`] running in the background, with `.url` and `.stop()`.

use std::net::SocketAddr;
use std::sync::Mutex;
use std::time::Duration;

use pyo3::exceptions::{PyOSError, PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyString};

use soc_core::pipeline::PipelineConfig;
use soc_serve::{AuthConfig, ServeConfig, ServeError};

use crate::convert::{from_py_data, runtime};
use crate::errors::{config_error, to_py};

fn serve_err(e: ServeError) -> PyErr {
    match e {
        ServeError::Store(s) => to_py(s),
        ServeError::Firewall(r) => to_py(r),
        ServeError::Io { .. } => PyOSError::new_err(e.to_string()),
        other => config_error(other.to_string()),
    }
}

/// A dashboard serving in the background.
#[pyclass(module = "soc_core", name = "Dashboard")]
pub struct Dashboard {
    /// The dashboard's address, `http://127.0.0.1:PORT/`.
    #[pyo3(get)]
    url: String,
    stop: Mutex<Option<tokio::sync::oneshot::Sender<()>>>,
    task: Mutex<Option<tokio::task::JoinHandle<Result<(), ServeError>>>>,
}

#[pymethods]
impl Dashboard {
    /// Stops serving (idempotent) and waits for the server to finish.
    fn stop(&self, py: Python<'_>) -> PyResult<()> {
        if let Some(tx) = self.stop.lock().unwrap_or_else(|p| p.into_inner()).take() {
            let _ = tx.send(());
        }
        let task = self.task.lock().unwrap_or_else(|p| p.into_inner()).take();
        if let Some(task) = task {
            let res = py.allow_threads(|| runtime().block_on(task));
            match res {
                Ok(r) => r.map_err(serve_err)?,
                Err(e) => return Err(PyOSError::new_err(format!("dashboard task failed: {e}"))),
            }
        }
        Ok(())
    }

    /// Whether it is still serving.
    #[getter]
    fn running(&self) -> bool {
        self.task
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .as_ref()
            .is_some_and(|t| !t.is_finished())
    }

    fn __enter__(slf: Py<Self>) -> Py<Self> {
        slf
    }

    fn __exit__(&self, py: Python<'_>, _a: PyObject, _b: PyObject, _c: PyObject) -> PyResult<bool> {
        self.stop(py)?;
        Ok(false)
    }

    fn __repr__(&self) -> String {
        let running = if self.running() { "True" } else { "False" };
        format!("Dashboard(url='{}', running={running})", self.url)
    }
}

/// Serves the dashboard on the state store of `config` (a `soc.toml` path
/// or a dict of the same shape). Loopback by default; another address
/// needs `SOC_SERVE_TOKEN` / `SOC_SERVE_PASSWORD_HASH` in the environment.
#[pyfunction]
#[pyo3(signature = (config, listen="127.0.0.1:8080", *, state=None, user=None, block=true))]
fn serve(
    py: Python<'_>,
    config: &Bound<'_, PyAny>,
    listen: &str,
    state: Option<std::path::PathBuf>,
    user: Option<String>,
    block: bool,
) -> PyResult<Option<Dashboard>> {
    let pipeline = if config.is_instance_of::<PyDict>() {
        PipelineConfig::from_json_value(&from_py_data(config)?).map_err(to_py)?
    } else if config.is_instance_of::<PyString>() || config.hasattr("__fspath__")? {
        let path: std::path::PathBuf = config.extract()?;
        PipelineConfig::load(&path).map_err(to_py)?
    } else {
        return Err(PyTypeError::new_err("config must be a path or a dict"));
    };
    let addr: SocketAddr = listen
        .parse()
        .map_err(|e| PyValueError::new_err(format!("listen '{listen}': {e}; use ADDRESS:PORT")))?;
    let auth = AuthConfig::from_env().map_err(serve_err)?;
    let mut cfg = ServeConfig::new(state.unwrap_or(pipeline.store.path), addr, auth);
    cfg.firewall = pipeline.firewall;
    cfg.dry_run = pipeline.response.dry_run;
    if let Some(u) = user {
        cfg.actor = u;
    }
    cfg.check().map_err(serve_err)?;
    // Build the app first so that a bad store fails here, not in the task.
    let _ = soc_serve::router(&cfg).map_err(serve_err)?;
    let listener = py
        .allow_threads(|| runtime().block_on(tokio::net::TcpListener::bind(addr)))
        .map_err(|e| PyOSError::new_err(format!("listening on {addr}: {e}")))?;
    let bound = listener.local_addr().unwrap_or(addr);
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let task = runtime().spawn(async move {
        soc_serve::serve_on(listener, &cfg, async {
            let _ = rx.await;
        })
        .await
    });
    let dash = Dashboard {
        url: format!("http://{bound}/"),
        stop: Mutex::new(Some(tx)),
        task: Mutex::new(Some(task)),
    };
    if !block {
        return Ok(Some(dash));
    }
    let out = py.import("sys")?.getattr("stderr")?;
    out.call_method1(
        "write",
        (format!("soc serve: dashboard on {}\n", dash.url),),
    )?;
    loop {
        py.allow_threads(|| std::thread::sleep(Duration::from_millis(200)));
        if let Err(e) = py.check_signals() {
            dash.stop(py)?;
            return Err(e);
        }
        if !dash.running() {
            dash.stop(py)?;
            return Ok(None);
        }
    }
}

/// Registers `serve` and `Dashboard`.
pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<Dashboard>()?;
    m.add_function(wrap_pyfunction!(serve, m)?)?;
    Ok(())
}
