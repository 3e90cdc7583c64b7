//! `GET /events`: server-sent events. Every poll interval the newest alert
//! cursor is read; when it moves, an `alerts` event says how many alerts
//! are stored now, and the page's script refreshes what it shows. A
//! `hello` event on connect lets the page turn its live indicator on.

use std::convert::Infallible;
use std::time::Duration;

use axum::extract::State;
use axum::response::sse::{Event, KeepAlive, Sse};
use futures_util::stream::{self, Stream};

use crate::app::AppState;
use crate::auth::Principal;

/// `GET /events`.
pub(crate) async fn events(
    State(app): State<AppState>,
    _who: Principal,
) -> Sse<impl Stream<Item = Result<Event, Infallible>>> {
    let start = app
        .db(|s| s.alerts_cursor())
        .await
        .map(|c| c.1)
        .unwrap_or(0);
    let poll = app.live_poll;
    let feed = stream::unfold((app, start, true), move |(app, last, first)| async move {
        if first {
            let hello = Event::default().event("hello").data(last.to_string());
            return Some((Ok(hello), (app, last, false)));
        }
        let mut stop = app.shutdown.subscribe();
        loop {
            tokio::select! {
                _ = tokio::time::sleep(poll) => {}
                _ = stop.wait_for(|down| *down) => return None,
            }
            let now = app
                .db(|s| s.alerts_cursor())
                .await
                .map(|c| c.1)
                .unwrap_or(last);
            if now != last {
                let ev = Event::default().event("alerts").data(format!(
                    "{{\"cursor\":{now},\"new\":{}}}",
                    now.saturating_sub(last)
                ));
                return Some((Ok(ev), (app, now, false)));
            }
        }
    });
    Sse::new(feed).keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
}
