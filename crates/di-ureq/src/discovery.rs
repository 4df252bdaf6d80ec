//! Finding tasks and creating or updating them the asynchronous way, on the blocking
//! [`Client`]: the listings paged to the end, and the config flow.

use di_proto::flow::{ConfigFlow, PageFlow};
use di_proto::ops::{
    GenerateDiSyncTaskConfigForCreating, GenerateDiSyncTaskConfigForUpdating, Paginated,
};
use di_proto::wait::WaitPolicy;

use crate::{Client, Error};

impl Client {
    /// Every record of a listing (`ListFiles`, `ListFolders`, `ListRefDISyncTasks`), page
    /// after page until the last ([`PageFlow`]), each page retried under the client's policy.
    ///
    /// ```no_run
    /// use di_ureq::Client;
    /// use di_ureq::di_proto::client::ClientConfig;
    /// use di_ureq::di_proto::ops::{FileType, ListFiles};
    ///
    /// let client = Client::from_default_chain(&ClientConfig::new().with_region("cn-shanghai"))?;
    /// let tasks = client.list_all(ListFiles::new(10000).with_file_types([FileType::REALTIME_SYNC]))?;
    /// for task in tasks {
    ///     println!("{:?} {:?}", task.file_id, task.file_name);
    /// }
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    /// A page's error, as [`Client::call`].
    pub fn list_all<P: Paginated>(&self, listing: P) -> Result<Vec<P::Item>, Error> {
        self.run(PageFlow::new(listing, self.config().retry_policy()))
    }

    /// The flow that generates a new real-time task's (or solution's) configuration, waits
    /// for it under `wait`, and creates the task; name it and set its folder on the flow,
    /// then [`Client::run`] it.
    pub fn config_create(
        &self,
        generate: GenerateDiSyncTaskConfigForCreating,
        wait: &WaitPolicy,
    ) -> ConfigFlow {
        ConfigFlow::create(generate, self.config().retry_policy(), *wait)
    }

    /// The flow that generates a task's new configuration, waits for it under `wait`, and
    /// updates the task; [`Client::run`] it.
    pub fn config_update(
        &self,
        generate: GenerateDiSyncTaskConfigForUpdating,
        wait: &WaitPolicy,
    ) -> ConfigFlow {
        ConfigFlow::update(generate, self.config().retry_policy(), *wait)
    }
}
