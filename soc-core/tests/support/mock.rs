//! Short forms for the mockito set-ups the HTTP tests repeat: a reply with
//! a status and a body, a mock that must never be called, canned answers,
//! and the failing lookups of the cloud block lists.
//!
//! Chain what a test needs on top (`.match_header(..)`, `.expect(n)`), then
//! `.create_async().await` (or `.create()` in a blocking test).

use mockito::{Matcher, Mock, Server};
use soc_core::respond::cloud::{BlockList, CloudError};
use soc_core::respond::firewall::BlockTarget;

/// A mock of `method path` answering `status` with `body`.
pub fn reply(
    server: &mut Server,
    method: &str,
    path: impl Into<Matcher>,
    status: usize,
    body: impl AsRef<[u8]>,
) -> Mock {
    server
        .mock(method, path)
        .with_status(status)
        .with_body(body)
}

/// A `GET path` answering 200 with `body`.
pub fn get(server: &mut Server, path: impl Into<Matcher>, body: impl AsRef<[u8]>) -> Mock {
    reply(server, "GET", path, 200, body)
}

/// A created mock that fails its `assert_async` when any `method` request
/// reaches the server.
pub async fn never(server: &mut Server, method: &str) -> Mock {
    server
        .mock(method, Matcher::Any)
        .expect(0)
        .create_async()
        .await
}

/// A canned answer: a status, an optional `Retry-After`, a body, and how
/// many requests it must serve (checked by `assert_async`).
pub struct Answer {
    pub status: usize,
    pub retry_after: Option<&'static str>,
    pub body: String,
    pub times: usize,
}

impl Answer {
    pub fn new(
        status: usize,
        retry_after: Option<&'static str>,
        body: impl Into<String>,
        times: usize,
    ) -> Answer {
        let body = body.into();
        Answer {
            status,
            retry_after,
            body,
            times,
        }
    }

    /// A `method path` mock giving this answer; chain more, then create it.
    pub fn on(self, server: &mut Server, method: &str, path: impl Into<Matcher>) -> Mock {
        let m = server
            .mock(method, path)
            .with_status(self.status)
            .with_body(self.body)
            .expect(self.times);
        match self.retry_after {
            Some(secs) => m.with_header("retry-after", secs),
            None => m,
        }
    }
}

/// The error of `list.contains(target)` when `GET path` (any query)
/// answers `answer`, after checking it was served as often as it
/// expects; the mock is gone after.
pub async fn failed_contains(
    server: &mut Server,
    list: &impl BlockList,
    target: &BlockTarget,
    path: &str,
    answer: Answer,
) -> CloudError {
    let m = answer
        .on(server, "GET", path)
        .match_query(Matcher::Any)
        .create_async()
        .await;
    let e = list.contains(target).await.unwrap_err();
    m.assert_async().await;
    m.remove_async().await;
    e
}
