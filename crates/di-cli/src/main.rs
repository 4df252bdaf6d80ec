//! `di`, the command line of the DataWorks Data Integration client: tear down real-time sync
//! tasks (one or thousands, `--jobs` at a time), call any DataWorks RPC action, run the local
//! emulator, or watch the demo. Built on the blocking client `di-ureq`.
//!
//! Exit codes: 0 all done; 1 an operation failed; 2 usage or configuration error; 3 no usable
//! answer (network, timeout, throttling) after the retries; 130 interrupted. A batch exits with
//! the worst code among its tasks, in the order 130, 2, 1, 3, 0 (see `di --help`).
#![warn(missing_docs)]
#![warn(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used, clippy::panic))]
#![allow(
    rustdoc::broken_intra_doc_links,
    reason = "clap turns the doc comments of cli.rs into help text, where [abc] is a glob, not a link"
)]

mod cli;
mod commands;
mod demo;
mod dry_run;
mod emulator;
mod error;
mod listing;
mod logging;
mod output;
mod plan;
mod preflight;
mod regions;
mod report;
mod run;
mod settings;
mod signals;

use std::process::ExitCode;

use clap::{CommandFactory, Parser};

use di_proto::flow::TaskAction;

use crate::cli::{Cli, Command, wait_policy};
use crate::error::{Error, Exit};
use crate::plan::{Plan, names};

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(error) => {
            // Help and version go to stdout with 0; usage errors to stderr with 2.
            let _ = error.print();
            return ExitCode::from(u8::try_from(error.exit_code()).unwrap_or(2));
        }
    };
    // The emulator logs one line per request, as the di-emulator binary does.
    logging::init(
        logging::level(cli.global.verbose, cli.global.quiet),
        matches!(cli.command, Command::Emulator(_)),
    );
    match run(cli) {
        Ok(exit) => exit.exit_code(),
        Err(error) => {
            eprintln!("di: error: {error}");
            error.exit().exit_code()
        }
    }
}

/// Runs the subcommand.
fn run(cli: Cli) -> Result<Exit, Error> {
    let global = &cli.global;
    let plan = Plan::new;
    match cli.command {
        Command::CreateSyncTask(args) => commands::create(global, &args),
        Command::UpdateSyncTask(args) => commands::update(global, &args),
        Command::ListSyncTasks(args) => commands::list(global, &args),
        Command::GetSyncTask(args) => {
            let get = Plan::for_type(names::GET_TASK, TaskAction::ReadTask, args.task_type);
            commands::tasks(global, &args.tasks, &get)
        }
        Command::DeploySyncTask(args) => {
            let deploy = Plan::for_type(names::DEPLOY, TaskAction::Deploy, args.task_type);
            commands::tasks(global, &args.tasks, &deploy)
        }
        Command::StartSyncInstance(args) => {
            let start = Plan::for_type(
                names::START,
                TaskAction::Start {
                    start_param: args.start_param,
                },
                args.tasks.task_type,
            )
            .with_wait(
                args.wait.wait,
                wait_policy(
                    args.wait.settle.poll_interval,
                    args.wait.settle.wait_timeout,
                ),
            );
            commands::tasks(global, &args.tasks.tasks, &start)
        }
        Command::StopSyncInstance(args) => {
            let stop = plan(names::STOP, TaskAction::Stop).with_wait(
                args.wait.wait,
                wait_policy(
                    args.wait.settle.poll_interval,
                    args.wait.settle.wait_timeout,
                ),
            );
            commands::tasks(global, &args.tasks, &stop)
        }
        Command::GetSyncInstanceInfo(args) => {
            let status = Plan::for_type(names::STATUS, TaskAction::ReadStatus, args.task_type);
            commands::tasks(global, &args.tasks, &status)
        }
        Command::TerminateSyncInstance(args) => {
            let terminate = plan(names::TERMINATE, TaskAction::Terminate)
                .with_wait(
                    args.wait.wait,
                    wait_policy(
                        args.wait.settle.poll_interval,
                        args.wait.settle.wait_timeout,
                    ),
                )
                .ignoring_not_found(args.ignore_not_found);
            commands::tasks(global, &args.tasks, &terminate)
        }
        Command::DeleteSyncTask(args) => {
            let delete = plan(names::DELETE, TaskAction::Delete)
                .with_wait(
                    false,
                    wait_policy(args.settle.poll_interval, args.settle.wait_timeout),
                )
                .ignoring_not_found(args.ignore_not_found);
            commands::tasks(global, &args.tasks, &delete)
        }
        Command::Teardown(args) => {
            let teardown = plan(
                names::TEARDOWN,
                TaskAction::Teardown {
                    stop_first: args.stop_first,
                },
            )
            .with_wait(
                false,
                wait_policy(args.settle.poll_interval, args.settle.wait_timeout),
            )
            .ignoring_not_found(args.ignore_not_found);
            match &args.select_name {
                Some(glob) => commands::teardown_selected(global, &args, glob, &teardown),
                None => commands::tasks(global, &args.tasks, &teardown),
            }
        }
        Command::Call(args) => commands::call(global, &args),
        Command::Emulator(args) => emulator::run(args.args, global.quiet),
        Command::Demo(args) => demo::run(global, &args),
        Command::Completions { shell } => {
            let mut command = Cli::command();
            let mut script = Vec::new();
            clap_complete::generate(shell, &mut command, "di", &mut script);
            output::line(&String::from_utf8_lossy(&script));
            Ok(Exit::Success)
        }
    }
}
