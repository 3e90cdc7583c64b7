//! `GET /labels.csv`: alerts closed as true or false positives, as the
//! labelled CSV `soc triage train` reads (`alert_id`, the model features,
//! `label` 1/0). Closing an alert as a false positive in the dashboard is
//! how an analyst teaches the triage model.

use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};

use soc_core::score::features::{features, FEATURE_NAMES};

use crate::app::AppState;
use crate::auth::Principal;
use crate::error::HttpError;

/// `GET /labels.csv`.
pub(crate) async fn labels(
    State(app): State<AppState>,
    _who: Principal,
) -> Result<Response, HttpError> {
    let rows = app.db(|s| s.triage_labels()).await?;
    let mut w = csv::Writer::from_writer(Vec::new());
    let csv_err = |e: csv::Error| HttpError::Internal(format!("writing CSV: {e}"));
    let mut header_row = vec!["alert_id"];
    header_row.extend(FEATURE_NAMES);
    header_row.push("label");
    w.write_record(&header_row).map_err(csv_err)?;
    for (alert, label) in &rows {
        let mut row = vec![alert.id.clone()];
        row.extend(features(alert).iter().map(|v| v.to_string()));
        row.push(if *label { "1" } else { "0" }.to_string());
        w.write_record(&row).map_err(csv_err)?;
    }
    let body = w
        .into_inner()
        .map_err(|e| HttpError::Internal(e.to_string()))?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"soc-labels.csv\"",
            ),
        ],
        body,
    )
        .into_response())
}
