//! Conversions between Rust serde values and Python objects, plus the shared
//! tokio runtime for calls that wait on the network.

use std::sync::OnceLock;

use pyo3::prelude::*;
use pyo3::types::{PyAnyMethods, PyTuple, PyType};
use pyo3::{BoundObject, PyClass};
use serde::Serialize;

/// What `__reduce__` returns for an object that pickles as a call of its
/// own type: the type and the constructor's positional arguments.
pub(crate) type Reduced<'py> = (Bound<'py, PyType>, Bound<'py, PyTuple>);

/// The [`Reduced`] of `slf`, rebuilt by unpickling as `type(slf)(*args)`.
pub(crate) fn rebuilt_by_type<'py, T, A>(slf: &Bound<'py, T>, args: A) -> PyResult<Reduced<'py>>
where
    T: PyClass,
    A: IntoPyObject<'py, Target = PyTuple>,
    A::Error: Into<PyErr>,
{
    let args = args.into_pyobject(slf.py()).map_err(Into::into)?;
    Ok((slf.as_any().get_type(), args.into_bound()))
}

/// Any serializable value as plain Python data (dict/list/str/int/float/bool/None).
pub(crate) fn to_py_data<T: Serialize + ?Sized>(py: Python<'_>, value: &T) -> PyResult<PyObject> {
    let text = serde_json::to_string(value)
        .map_err(|e| pyo3::exceptions::PyValueError::new_err(e.to_string()))?;
    let json = py.import("json")?;
    Ok(json.call_method1("loads", (text,))?.unbind())
}

/// Plain Python data (anything `json.dumps` accepts) as a JSON value.
pub(crate) fn from_py_data(obj: &Bound<'_, PyAny>) -> PyResult<serde_json::Value> {
    let json = obj.py().import("json")?;
    let text: String = json.call_method1("dumps", (obj,))?.extract()?;
    serde_json::from_str(&text).map_err(|e| pyo3::exceptions::PyValueError::new_err(e.to_string()))
}

/// The process-wide runtime used by bindings that do I/O.
pub(crate) fn runtime() -> &'static tokio::runtime::Runtime {
    static RT: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    RT.get_or_init(|| {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap_or_else(|e| panic!("cannot start the tokio runtime: {e}"))
    })
}

/// Builds a Python-style repr, `Name(field=value, ...)`, with each value
/// shown by Python's own `repr()` (`'1.2.3.4'`, `None`, `False`).
pub(crate) struct Repr<'py> {
    py: Python<'py>,
    out: String,
    first: bool,
}

impl<'py> Repr<'py> {
    /// Starts `class(`.
    pub(crate) fn new(py: Python<'py>, class: &str) -> Self {
        Repr {
            py,
            out: format!("{class}("),
            first: true,
        }
    }

    /// Appends `name=repr(value)`.
    pub(crate) fn field<T>(mut self, name: &str, value: T) -> Self
    where
        T: pyo3::IntoPyObject<'py>,
    {
        if !self.first {
            self.out.push_str(", ");
        }
        self.first = false;
        self.out.push_str(name);
        self.out.push('=');
        let shown = pyo3::IntoPyObjectExt::into_bound_py_any(value, self.py)
            .and_then(|v| v.repr())
            .map(|r| r.to_string())
            .unwrap_or_else(|_| "?".into());
        self.out.push_str(&shown);
        self
    }

    /// Closes the parenthesis.
    pub(crate) fn finish(mut self) -> String {
        self.out.push(')');
        self.out
    }
}
