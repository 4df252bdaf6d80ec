//! The seed corpus: `fuzz/corpus/<target>/`, shared by cargo-fuzz and the stable driver.
//!
//! [`write_seeds`] makes it from real inputs: the golden responses of di-proto's tests (whole
//! `.http` files, as the `response` target reads them), requests signed by di-proto for the
//! emulator (`emulator_request`), generator inputs that each give a signed call
//! (`emulator_signature`); `config.json` and INI credentials files, and generator inputs that
//! each draw a file with a profile that parses (`credential_files`); id lists and ranges at
//! every bound (`cli_ranges`).

use std::io;
use std::path::{Path, PathBuf};

use di_proto::ops::{DeleteDiSyncTask, Operation, TerminateDiSyncInstance};
use di_proto::{Endpoint, Format, RpcRequest, SignatureVersion, Signer, Timestamp};

use crate::emulator::{self, ENDPOINT, NOW};
use crate::mutate::Rng;
use crate::{cli_ranges, credential_files, http_text};

/// The workspace this crate belongs to.
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .nth(2)
        .map_or_else(|| PathBuf::from("."), Path::to_path_buf)
}

/// `fuzz/corpus/`, where each target's seeds live in a directory named after it.
pub fn default_dir() -> PathBuf {
    workspace_root().join("fuzz").join("corpus")
}

/// The files of `dir`, sorted by name (an absent directory is an empty corpus).
///
/// # Errors
/// When the directory exists but cannot be read.
pub fn load(dir: &Path) -> io::Result<Vec<Vec<u8>>> {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(error) if error.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(error) => return Err(error),
    };
    let mut paths: Vec<PathBuf> = entries
        .map(|entry| entry.map(|entry| entry.path()))
        .collect::<io::Result<_>>()?;
    paths.retain(|path| path.is_file());
    paths.sort();
    paths.iter().map(std::fs::read).collect()
}

/// Writes the seed corpus of every target under `dir`, replacing files of the same name;
/// returns how many files were written.
///
/// # Errors
/// When a golden response cannot be read or a file cannot be written.
pub fn write_seeds(dir: &Path) -> io::Result<usize> {
    let mut written = 0;
    let responses = workspace_root().join("crates/di-proto/tests/data/responses");
    let out = dir.join("response");
    std::fs::create_dir_all(&out)?;
    let mut golden: Vec<PathBuf> = std::fs::read_dir(&responses)?
        .map(|entry| entry.map(|entry| entry.path()))
        .collect::<io::Result<_>>()?;
    golden.retain(|path| {
        path.extension()
            .is_some_and(|extension| extension == "http")
    });
    golden.sort();
    for path in golden {
        let Some(name) = path.file_name() else {
            continue;
        };
        std::fs::copy(&path, out.join(name))?;
        written += 1;
    }

    let out = dir.join("emulator_request");
    std::fs::create_dir_all(&out)?;
    for (name, request) in signed_requests() {
        std::fs::write(out.join(name), http_text::write_request(&request))?;
        written += 1;
    }

    let out = dir.join("emulator_signature");
    std::fs::create_dir_all(&out)?;
    let mut rng = Rng::new(0x5eed);
    let mut kept = 0;
    while kept < 24 {
        let input = rng.bytes(160);
        if emulator::signs(&input) {
            std::fs::write(out.join(format!("drawn_{kept:02}")), input)?;
            kept += 1;
            written += 1;
        }
    }

    let out = dir.join("credential_files");
    std::fs::create_dir_all(&out)?;
    for (name, file) in credential_files::SEEDS {
        std::fs::write(out.join(name), file)?;
        written += 1;
    }
    let mut rng = Rng::new(0xc0_f1e5);
    let mut kept = 0;
    while kept < 8 {
        let input = rng.bytes(256);
        if credential_files::draws_a_profile(&input) {
            std::fs::write(out.join(format!("drawn_{kept:02}")), input)?;
            kept += 1;
            written += 1;
        }
    }

    let out = dir.join("cli_ranges");
    std::fs::create_dir_all(&out)?;
    for (name, list) in cli_ranges::SEEDS {
        std::fs::write(out.join(name), list)?;
        written += 1;
    }
    Ok(written)
}

/// Requests signed by di-proto at the emulator's fuzzing clock, that the emulator accepts:
/// every served action, both signatures, both formats, with and without an STS token, with
/// parameters in the query and in a form body.
fn signed_requests() -> Vec<(String, di_proto::http::Request<Vec<u8>>)> {
    let Ok(time) = Timestamp::parse(NOW) else {
        return Vec::new();
    };
    let Ok(endpoint) = Endpoint::parse(ENDPOINT) else {
        return Vec::new();
    };
    let mut requests = Vec::new();
    let calls: Vec<(&str, RpcRequest)> = [
        ("delete", DeleteDiSyncTask::new(10000, 100).to_rpc_request()),
        (
            "terminate",
            TerminateDiSyncInstance::new(10000, 101).to_rpc_request(),
        ),
        (
            "info",
            Ok(RpcRequest::new("GetDISyncInstanceInfo", "2020-05-18")
                .query_param("ProjectId", "10000")
                .query_param("FileId", "102")
                .query_param("TaskType", "DI_REALTIME")),
        ),
    ]
    .into_iter()
    .filter_map(|(name, request)| request.ok().map(|request| (name, request)))
    .chain([(
        "form",
        RpcRequest::new("DeleteDISyncTask", "2020-05-18")
            .with_method(di_proto::http::Method::POST)
            .query_param("ProjectId", "10000")
            .body_param("FileId", "103")
            .body_param("TaskType", "DI_REALTIME"),
    )])
    .collect();
    let mut nonce = 0;
    for (name, call) in &calls {
        for (version, version_name) in [(SignatureVersion::V1, "v1"), (SignatureVersion::V3, "v3")]
        {
            for (format, format_name) in [(Format::Json, "json"), (Format::Xml, "xml")] {
                for with_token in [false, true] {
                    nonce += 1;
                    let credentials = emulator::credentials(with_token);
                    let signed = Signer::new(&credentials, &endpoint)
                        .with_signature_version(version)
                        .with_format(format)
                        .sign(call, time, &format!("fuzz-seed-{nonce:04}"));
                    if let Ok(signed) = signed {
                        let sts = if with_token { "_sts" } else { "" };
                        requests.push((
                            format!("{name}_{version_name}_{format_name}{sts}.txt"),
                            signed.into_request(),
                        ));
                    }
                }
            }
        }
    }
    requests
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::TARGETS;

    #[test]
    fn every_target_runs_its_corpus() {
        for target in TARGETS {
            let corpus = load(&default_dir().join(target.name)).unwrap();
            assert!(
                corpus.len() >= 20,
                "{}: {} seeds",
                target.name,
                corpus.len()
            );
            for entry in &corpus {
                (target.run)(entry);
            }
        }
    }

    #[test]
    fn the_corpus_requests_pass_the_gateway() {
        let now = Timestamp::parse(NOW).unwrap();
        for entry in load(&default_dir().join("emulator_request")).unwrap() {
            let request = http_text::read_request(&entry).unwrap();
            let answer = emulator::responder().respond(request, now);
            assert_eq!(
                answer.status(),
                di_proto::http::StatusCode::OK,
                "{}\n{}",
                String::from_utf8_lossy(&entry),
                String::from_utf8_lossy(answer.body())
            );
        }
    }

    #[test]
    fn the_corpus_is_what_seed_corpus_writes() {
        let dir = std::env::temp_dir().join(format!("di-fuzz-seeds-{}", std::process::id()));
        write_seeds(&dir).unwrap();
        for target in TARGETS {
            let written = load(&dir.join(target.name)).unwrap();
            let committed = load(&default_dir().join(target.name)).unwrap();
            // cargo-fuzz adds what it finds: the seeds must be there, among others.
            assert!(
                written.iter().all(|seed| committed.contains(seed)),
                "fuzz/corpus/{} is stale: run `cargo run -p di-fuzz -- seed-corpus`",
                target.name
            );
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
