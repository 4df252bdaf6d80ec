//! Finding tasks and changing them the documented way, over both transports against the
//! emulator: a listing paged to its end, a real-time task created and then updated through
//! the asynchronous config flow, a batch task updated directly, and the task types each
//! action refuses before anything is sent.

mod common;

use std::time::Duration;

use common::{Env, PROJECT};
use di_emulator::{Config, SeedTask};
use di_proto::client::ClientError;
use di_proto::flow::{ConfigFlow, ConfigOutcome};
use di_proto::ops::{
    ChangeResponse, FileDetails, FileRecord, FileType, GenerateDiSyncTaskConfigForCreating,
    GenerateDiSyncTaskConfigForUpdating, GetFile, ListFiles, TaskType, UpdateDiSyncTask,
};
use di_proto::wait::WaitPolicy;
use di_proto::{Error as ApiError, ParamLocation};

const SCRIPT: &str = r#"{"type":"job","version":"2.0","steps":[],"setting":{}}"#;

/// What these tests ask of a client.
trait Discovery: Sized {
    fn new(env: &Env) -> Self;
    fn list(&self, listing: ListFiles) -> Result<Vec<FileRecord>, ClientError>;
    fn get_file(&self, file_id: i64) -> Result<FileDetails, ClientError>;
    fn config_create(&self, generate: GenerateDiSyncTaskConfigForCreating) -> ConfigFlow;
    fn config_update(&self, generate: GenerateDiSyncTaskConfigForUpdating) -> ConfigFlow;
    fn run(&self, flow: ConfigFlow) -> Result<ConfigOutcome, ClientError>;
    fn update(&self, update: &UpdateDiSyncTask) -> Result<ChangeResponse, ClientError>;
}

/// Processes finish at once, so that the flows poll once and never sleep.
fn wait() -> WaitPolicy {
    WaitPolicy::default().with_timeout(Duration::from_secs(10))
}

struct Ureq(di_ureq::Client);

impl Discovery for Ureq {
    fn new(env: &Env) -> Self {
        Ureq(di_ureq::Client::new(&env.config(), common::demo()).unwrap())
    }
    fn list(&self, listing: ListFiles) -> Result<Vec<FileRecord>, ClientError> {
        self.0.list_all(listing)
    }
    fn get_file(&self, file_id: i64) -> Result<FileDetails, ClientError> {
        self.0.call(&GetFile::new(PROJECT, file_id))
    }
    fn config_create(&self, generate: GenerateDiSyncTaskConfigForCreating) -> ConfigFlow {
        self.0.config_create(generate, &wait())
    }
    fn config_update(&self, generate: GenerateDiSyncTaskConfigForUpdating) -> ConfigFlow {
        self.0.config_update(generate, &wait())
    }
    fn run(&self, flow: ConfigFlow) -> Result<ConfigOutcome, ClientError> {
        self.0.run(flow)
    }
    fn update(&self, update: &UpdateDiSyncTask) -> Result<ChangeResponse, ClientError> {
        self.0.update_di_sync_task(update)
    }
}

struct Reqwest(di_reqwest::Client, tokio::runtime::Handle);

impl Discovery for Reqwest {
    fn new(env: &Env) -> Self {
        Reqwest(
            di_reqwest::Client::new(&env.config(), common::demo()).unwrap(),
            env.runtime.handle().clone(),
        )
    }
    fn list(&self, listing: ListFiles) -> Result<Vec<FileRecord>, ClientError> {
        self.1.block_on(self.0.list_all(listing))
    }
    fn get_file(&self, file_id: i64) -> Result<FileDetails, ClientError> {
        self.1
            .block_on(self.0.call(&GetFile::new(PROJECT, file_id)))
    }
    fn config_create(&self, generate: GenerateDiSyncTaskConfigForCreating) -> ConfigFlow {
        self.0.config_create(generate, &wait())
    }
    fn config_update(&self, generate: GenerateDiSyncTaskConfigForUpdating) -> ConfigFlow {
        self.0.config_update(generate, &wait())
    }
    fn run(&self, flow: ConfigFlow) -> Result<ConfigOutcome, ClientError> {
        self.1.block_on(self.0.run(flow))
    }
    fn update(&self, update: &UpdateDiSyncTask) -> Result<ChangeResponse, ClientError> {
        self.1.block_on(self.0.update_di_sync_task(update))
    }
}

/// Tasks 1..=50 come with every `Env`; 51..=1000 are named `orders_N` and
/// `customers_N` in two folders.
fn thousand_tasks() -> Env {
    let mut config = Config::default().with_process_delay(Duration::ZERO);
    for file in 51..=1000 {
        let (name, folder) = if file % 2 == 0 {
            (format!("orders_{file}"), "Workflow/orders")
        } else {
            (format!("customers_{file}"), "Workflow/customers")
        };
        config = config.with_seed_task(SeedTask::new(PROJECT, file).named(name).in_folder(folder));
    }
    Env::with(config)
}

fn lists_a_thousand_tasks_in_pages_of_a_hundred<T: Discovery>() {
    let env = thousand_tasks();
    let client = T::new(&env);
    let before = env.requests();
    let files = client
        .list(
            ListFiles::new(PROJECT)
                .with_file_types([FileType::REALTIME_SYNC])
                .with_page_size(100),
        )
        .unwrap();
    assert_eq!(env.requests() - before, 10, "ten pages, one call each");
    let ids: Vec<i64> = files.iter().map(|file| file.file_id.unwrap()).collect();
    let mut sorted = ids.clone();
    sorted.sort_unstable();
    sorted.dedup();
    assert_eq!(sorted, (1..=1000).collect::<Vec<_>>(), "every task once");
    assert!(files.iter().all(|file| file.file_type == Some(900)));

    let orders = client
        .list(
            ListFiles::new(PROJECT)
                .with_folder("Workflow/orders")
                .with_absolute_folder_path(true),
        )
        .unwrap();
    assert_eq!(orders.len(), 475, "the even ids from 52 to 1000");
    assert!(orders.iter().all(|file| {
        file.file_name.as_deref().unwrap().starts_with("orders_")
            && file.absolute_folder_path.as_deref() == Some("Workflow/orders")
    }));
}

fn creates_then_updates_a_realtime_task_through_the_config_flow<T: Discovery>() {
    let env = Env::with(Config::default().with_process_delay(Duration::ZERO));
    let client = T::new(&env);
    let generate = GenerateDiSyncTaskConfigForCreating::new(PROJECT, TaskType::DiRealtime, SCRIPT)
        .with_client_token("conformance-create-1");
    let created = client
        .run(
            client
                .config_create(generate)
                .with_task_name("orders_live")
                .with_task_param(r#"{"FileFolderPath":"Workflow/orders"}"#),
        )
        .unwrap();
    assert!(created.process_id > 0);
    assert_eq!(created.polls, 1);
    let file = client.get_file(created.file_id).unwrap().file;
    assert_eq!(file.file_name.as_deref(), Some("orders_live"));
    assert_eq!(file.file_type, Some(900));

    let change = r#"{"type":"job","version":"2.0","steps":[{"name":"added"}],"setting":{}}"#;
    let generate = GenerateDiSyncTaskConfigForUpdating::new(
        PROJECT,
        TaskType::DiRealtime,
        created.file_id,
        change,
    );
    let updated = client.run(client.config_update(generate)).unwrap();
    assert_eq!(updated.file_id, created.file_id);
    assert!(updated.process_id > created.process_id);
    assert!(!updated.request_id.is_empty());
}

fn a_failed_process_ends_the_flow_with_the_services_reason<T: Discovery>() {
    let env = Env::with(Config::default().with_process_delay(Duration::ZERO));
    let client = T::new(&env);
    // A script that is JSON but not an object: the emulator's process fails, as the
    // service's does for a script it cannot read.
    let generate = GenerateDiSyncTaskConfigForCreating::new(PROJECT, TaskType::DiRealtime, "[]");
    match client.run(client.config_create(generate)) {
        Err(ClientError::Api(ApiError::TaskFailed(failure))) => {
            assert_eq!(failure.action, "QueryDISyncTaskConfigProcessResult");
        }
        other => panic!("{other:?}"),
    }
}

fn updates_a_batch_task_directly<T: Discovery>() {
    let env = Env::with(
        Config::default()
            .with_seed_task(SeedTask::new(PROJECT, 500).of_type(di_emulator::TaskType::DiOffline)),
    );
    let client = T::new(&env);
    let update = UpdateDiSyncTask::new(PROJECT, 500).with_task_content(SCRIPT);
    let request = di_proto::ops::Operation::to_rpc_request(&update).unwrap();
    assert!(
        request
            .params()
            .any(|param| param == ("TaskType", "DI_OFFLINE", ParamLocation::Query))
    );
    client.update(&update).unwrap();
    let file = client.get_file(500).unwrap().file;
    assert_eq!(file.file_type, Some(23));
    assert_eq!(file.content.as_deref(), Some(SCRIPT));

    // A real-time task is not updated this way: refused before anything is sent.
    let before = env.requests();
    let mut realtime = UpdateDiSyncTask::new(PROJECT, 7).with_task_content(SCRIPT);
    realtime.task_type = TaskType::DiRealtime;
    match client.update(&realtime) {
        Err(ClientError::Api(ApiError::UnsupportedTaskType {
            action, task_type, ..
        })) => {
            assert_eq!(action, "UpdateDISyncTask");
            assert_eq!(task_type, TaskType::DiRealtime);
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(env.requests(), before);
}

macro_rules! discovery {
    ($module:ident, $client:ty) => {
        mod $module {
            use super::*;

            #[test]
            fn lists_a_thousand_tasks_in_pages_of_a_hundred() {
                super::lists_a_thousand_tasks_in_pages_of_a_hundred::<$client>();
            }

            #[test]
            fn creates_then_updates_a_realtime_task_through_the_config_flow() {
                super::creates_then_updates_a_realtime_task_through_the_config_flow::<$client>();
            }

            #[test]
            fn a_failed_process_ends_the_flow_with_the_services_reason() {
                super::a_failed_process_ends_the_flow_with_the_services_reason::<$client>();
            }

            #[test]
            fn updates_a_batch_task_directly() {
                super::updates_a_batch_task_directly::<$client>();
            }
        }
    };
}

discovery!(over_ureq, Ureq);
discovery!(over_reqwest, Reqwest);
