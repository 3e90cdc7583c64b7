//! `Lent`: lends a block list to a `CloudResponder` while the test keeps
//! its own handle (to count requests, make it fail, look inside). Shared by
//! the unit tests of `respond::cloud` and `tests/cloud_aws.rs`, which
//! include it with `#[path]`; the including module imports `Arc`,
//! `async_trait` and the `BlockList` types it names.

use super::*;

/// Lends a block list to the responder while the test keeps a handle.
pub struct Lent<T>(pub Arc<T>);

#[async_trait]
impl<T: BlockList> BlockList for Lent<T> {
    fn name(&self) -> &str {
        self.0.name()
    }
    fn capabilities(&self) -> Capabilities {
        self.0.capabilities()
    }
    fn unsupported(&self, t: &BlockTarget) -> Option<String> {
        self.0.unsupported(t)
    }
    async fn contains(&self, t: &BlockTarget) -> Result<bool, CloudError> {
        self.0.contains(t).await
    }
    async fn add(&self, t: &BlockTarget, note: &str) -> Result<(), CloudError> {
        self.0.add(t, note).await
    }
    async fn remove(&self, t: &BlockTarget) -> Result<bool, CloudError> {
        self.0.remove(t).await
    }
    async fn list(&self) -> Result<Vec<ListedBlock>, CloudError> {
        self.0.list().await
    }
    fn describe_add(&self, t: &BlockTarget, note: &str) -> Vec<ApiRequest> {
        self.0.describe_add(t, note)
    }
    fn describe_remove(&self, t: &BlockTarget) -> Vec<ApiRequest> {
        self.0.describe_remove(t)
    }
}
