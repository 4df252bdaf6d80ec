//! The `di-emulator` binary: serves a local DataWorks Data Integration endpoint until SIGINT
//! or SIGTERM. The first line on stdout is the base URL to send requests to; with the demo
//! AccessKey, the two `export` lines that make `di` use it follow on stderr, then the log (one
//! line per request).

use std::io::{IsTerminal, Write};
use std::process::ExitCode;

use di_emulator::Config;

const USAGE: &str = "\
Usage: di-emulator [OPTIONS]

Serves a local DataWorks Data Integration endpoint, for tests and for trying di without an
account: the sync task's whole lifecycle (CreateDISyncTask, UpdateDISyncTask,
GetDISyncTask, DeployDISyncTask, StartDISyncInstance, StopDISyncInstance,
GetDISyncInstanceInfo, TerminateDISyncInstance, DeleteDISyncTask), the asynchronous config
processes (GenerateDISyncTaskConfigForCreating, GenerateDISyncTaskConfigForUpdating,
QueryDISyncTaskConfigProcessResult), discovery (ListFiles, GetFile, ListFolders,
ListRefDISyncTasks) and STS (AssumeRole, AssumeRoleWithOIDC), checking signatures, required
parameters and each action's task types as the service does. Prints the base URL as the
first line on stdout; with the demo AccessKey (no --access-key), prints on stderr the two
export lines that make di use it (LTAI5tDemoAccessKeyId / DemoAccessKeySecretForLocalUse1,
not a real key); logs one line per request to stderr; stops on SIGINT or SIGTERM.

Options:
  --listen ADDR                 Address to listen on [default: 127.0.0.1:0]
  --allow-non-loopback          Allow a listen address that is not loopback
  --access-key ID:SECRET[:PROJECT,...]
                                Accept this AccessKey (for these workspaces only, when
                                given); repeatable; replaces the demo key
  --sts-token TOKEN             Accept this STS token; repeatable
  --task PROJECT_ID:FILE_ID[-FILE_ID][,name=PATTERN][,folder=PATH][,type=TYPE]
                                Hold these deployed, running tasks; repeatable; replaces the
                                demo tasks (10000:100-104). PATTERN names them, {id} being
                                the file id zero-padded to 5 digits [default: task_{id}];
                                PATH (no comma) is their folder [default: Business
                                Flow/emulator/Data Integration]; TYPE is DI_REALTIME (files
                                of FileType 900), DI_OFFLINE (FileType 23) or DI_SOLUTION
                                [default: DI_REALTIME]
  --project-identifier PROJECT_ID:NAME
                                Accept NAME as ProjectIdentifier for the workspace (ListFiles,
                                GetFile, ListFolders); repeatable [default: 10000:di_demo]
  --settle-delay-ms N           Stops, starts and undeploys settle after N ms (KILLING /
                                WAIT until then; other changes of the task fail) [default: 0]
  --never-settle                They never settle (for testing waits that time out)
  --process-delay-ms N          Config processes (GenerateDISyncTaskConfigFor...) finish after
                                N ms; until then QueryDISyncTaskConfigProcessResult answers
                                Data.Status=running, a value the documentation does not list
                                (read anything but success and fail as still running)
                                [default: 500]
  --fail-messages WORDING       How Data.Status=fail messages other than the documented
                                \"fileId:[N] is invalid.\" read: default (they name the state),
                                opaque (a reason number only) or misleading (one text with
                                every phrase a matcher looks for) [default: default]
  --clock-skew SECONDS          Run the emulator's clock this far ahead (behind when
                                negative) of the machine's
  --idle-timeout-ms MS          Close a keep-alive connection idle this long
  --tls                         Serve HTTPS (the URL is https://...) with a certificate
                                generated at start for 127.0.0.1, ::1, localhost and each
                                --tls-name, issued by a CA generated with it
  --tls-name NAME               Make the generated certificate valid for NAME too (a DNS
                                name or an IP address); repeatable; with --tls
  --tls-ca-out FILE             Write the generated CA's certificate (PEM) to FILE before
                                printing the URL: what clients trust (di --ca-bundle FILE);
                                with --tls
  --tls-cert FILE --tls-key FILE
                                Serve HTTPS with this certificate chain and private key (PEM)
  --rate-limit QPS[:BURST][@ACTION]
                                Throttle each AccessKey past QPS calls per second (BURST at
                                once, QPS by default), of every action or of ACTION only:
                                HTTP 429 Throttling.User (Throttling.Api for an action) with
                                x-acs-retry-after; repeatable, every rule applies
  --latency-ms MEAN[:JITTER]    Answer every API request after MEAN ms, give or take JITTER
  -h, --help                    Print this help

Control routes (loopback peers only): POST/DELETE /_emulator/faults (POST a JSON object:
fault, and count or per_mille; with count, an action member serves the fault to that
action's requests only), GET /_emulator/counters, GET /_emulator/tasks/{project}/{file}.

Parameters the official SDKs put in the query may make it long (an UpdateDISyncTask script):
the emulator sets no limit of its own, but a request target over 65,534 bytes is answered 414
by the HTTP layer.
";

#[tokio::main]
async fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.iter().any(|arg| arg == "--help" || arg == "-h") {
        print!("{USAGE}");
        return ExitCode::SUCCESS;
    }
    let config = match Config::from_args(args) {
        Ok(config) => config,
        Err(error) => {
            eprintln!("di-emulator: {error}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .with_max_level(tracing::Level::INFO)
        .init();

    let demo_key = config.accepts_demo_key();
    let emulator = match di_emulator::start(config).await {
        Ok(emulator) => emulator,
        Err(error) => {
            eprintln!("di-emulator: cannot serve: {error}");
            return ExitCode::FAILURE;
        }
    };
    let mut stdout = std::io::stdout().lock();
    if let Err(error) = writeln!(stdout, "{}", emulator.base_url()).and_then(|()| stdout.flush()) {
        // Whoever started us cannot read the URL; serve anyway, it may know the port.
        tracing::warn!(%error, "cannot write the base URL to stdout");
    }
    drop(stdout);
    if demo_key {
        eprintln!("{}", Config::demo_key_exports());
    }

    emulator.serve_until_signal().await;
    ExitCode::SUCCESS
}

#[cfg(test)]
mod tests {
    use super::USAGE;

    /// The help names every action the emulator answers, not the three of its first version.
    #[test]
    fn the_help_names_every_action_served() {
        for action in [
            "CreateDISyncTask",
            "UpdateDISyncTask",
            "GetDISyncTask",
            "DeployDISyncTask",
            "StartDISyncInstance",
            "StopDISyncInstance",
            "GetDISyncInstanceInfo",
            "TerminateDISyncInstance",
            "DeleteDISyncTask",
            "GenerateDISyncTaskConfigForCreating",
            "GenerateDISyncTaskConfigForUpdating",
            "QueryDISyncTaskConfigProcessResult",
            "ListFiles",
            "GetFile",
            "ListFolders",
            "ListRefDISyncTasks",
            "--process-delay-ms",
            "AssumeRole",
            "AssumeRoleWithOIDC",
        ] {
            assert!(USAGE.contains(action), "{action} in the help");
        }
        assert!(USAGE.contains("export lines"));
    }
}
