//! The `credential_files` target: any bytes through di-credentials' two file parsers, the
//! aliyun CLI's `config.json` ([`cli_config::parse`]) and the INI credentials file
//! ([`ini::parse`]), for several profile names, with the properties every outcome keeps.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use arbitrary::{Result, Unstructured};
use di_credentials::{Error, Profile, Source, cli_config, ini};
use serde_json::{Map, Value};

use crate::generate;

/// Where the target says the CLI's file is (errors name it).
const CONFIG_PATH: &str = "/home/fuzz/.aliyun/config.json";
/// Where the target says the INI file is.
const INI_PATH: &str = "/home/fuzz/.alibabacloud/credentials";
/// The most profile (section) names of a file tried, besides the file's own choice,
/// `default` and an absent one.
const MAX_NAMES: usize = 4;
/// A profile name no file of the generator or the corpus has.
const ABSENT: &str = "absent-profile";

/// The members of a `config.json` profile that hold a secret.
const CONFIG_SECRET_FIELDS: [&str; 2] = ["access_key_secret", "sts_token"];
/// The keys of an INI section that hold a secret (the parser reads the first only; a value
/// under the others must not come out either).
const INI_SECRET_KEYS: [&str; 3] = ["access_key_secret", "security_token", "sts_token"];

/// The secrets the generator and the corpus plant: secret-looking ([`looks_secret`]).
pub(crate) const SECRETS: [&str; 4] = [
    "FuzzSecret0AccessKey9Planted",
    "CAIS.Fuzz1Sts/Token+Planted==",
    "kE7fuzzPlantedRoleSourceSecret",
    "Zz9.fuzz-Planted_Secret=",
];

/// Runs one input through both parsers, as a `config.json` and as an INI file. Bytes that
/// are not UTF-8 also draw one file of each kind through `arbitrary::Unstructured` (profiles
/// of every mode with their fields, sections with keys, comments, quotes, BOM, CRLF).
///
/// Properties, for the profile the file names, `default`, an absent name and the file's
/// first names: an error is the parser's own ([`Error::File`] or [`Error::Profile`], for
/// its source and path, naming the profile asked for; a line within the file); its
/// `Display` has no control character; a successful parse agrees with a plain reading of the
/// file (which profile, which kind of credentials, the AccessKey id, the role, the token's
/// presence); and no secret-looking value under a secret field or key (AccessKey secret, STS
/// token) comes out in an error's `Display` or `Debug`, or a profile's `Debug`, unless the
/// file has it elsewhere too.
pub fn credential_files(data: &[u8]) {
    check_config(data);
    check_ini(data);
    if std::str::from_utf8(data).is_err() {
        let mut u = Unstructured::new(data);
        if let Ok(config) = drawn_config(&mut u) {
            check_config(&config);
        }
        if let Ok(file) = drawn_ini(&mut u) {
            check_ini(&file);
        }
    }
}

/// Whether a value looks like a secret that no message can hold by chance: at least 8
/// characters, letters of both cases and a digit, nothing but ASCII letters, digits and
/// `+/=_.-` (no message of the parsers has such a word: `Some(12)` has parentheses,
/// `profiles[3]` brackets).
fn looks_secret(value: &str) -> bool {
    value.len() >= 8
        && value
            .bytes()
            .all(|byte| byte.is_ascii_alphanumeric() || b"+/=_.-".contains(&byte))
        && value.bytes().any(|byte| byte.is_ascii_uppercase())
        && value.bytes().any(|byte| byte.is_ascii_lowercase())
        && value.bytes().any(|byte| byte.is_ascii_digit())
}

/// The secret-looking values a file holds under secret fields, and nowhere else.
#[derive(Debug, Default)]
struct Secrets(Vec<String>);

impl Secrets {
    /// `candidates` (values under secret fields) that look like secrets and are not in
    /// `elsewhere` (the file's other texts).
    fn new(candidates: Vec<String>, elsewhere: &str) -> Self {
        let mut secrets: Vec<String> = candidates
            .into_iter()
            .filter(|value| looks_secret(value) && !elsewhere.contains(value.as_str()))
            .collect();
        secrets.sort();
        secrets.dedup();
        Secrets(secrets)
    }

    fn check_absent(&self, shown: &str, at: &str) {
        for secret in &self.0 {
            assert!(
                !shown.contains(secret.as_str()),
                "{at}: the secret {secret:?} is shown: {shown}"
            );
        }
    }
}

/// What holds for any error of a file parser: its kind, source, path and profile, the line,
/// a `Display` without control characters.
fn check_error(error: &Error, source: Source, path: &Path, profile: &str, file: &[u8], at: &str) {
    match error {
        Error::File {
            source_name,
            path: named,
            line,
            reason,
        } => {
            assert_eq!(*source_name, source, "{at}: {error:?}");
            assert_eq!(named, path, "{at}: {error:?}");
            assert!(!reason.is_empty(), "{at}: {error:?}");
            if let Some(line) = line {
                let lines = file.iter().filter(|byte| **byte == b'\n').count() + 1;
                assert!(
                    (1..=lines).contains(line),
                    "{at}: line {line} of {lines}: {error:?}"
                );
            }
        }
        Error::Profile {
            source_name,
            path: named,
            profile: named_profile,
            reason,
        } => {
            assert_eq!(*source_name, source, "{at}: {error:?}");
            assert_eq!(named, path, "{at}: {error:?}");
            assert_eq!(named_profile, profile, "{at}: {error:?}");
            assert!(!reason.is_empty(), "{at}: {error:?}");
        }
        other => panic!("{at}: a file parser gave {other:?}"),
    }
    let shown = error.to_string();
    assert!(
        !shown.chars().any(char::is_control),
        "{at}: a control character in {shown:?}"
    );
}

// ---------------------------------------------------------------------------------------
// config.json

/// A string member, empty counting as absent (as the parser reads it).
fn member<'a>(object: &'a Map<String, Value>, field: &str) -> Option<&'a str> {
    object
        .get(field)
        .and_then(Value::as_str)
        .filter(|value| !value.is_empty())
}

/// Every string of a JSON value: those under secret fields into `secrets`, the others (and
/// every member name) into `elsewhere`.
fn config_texts(value: &Value, secrets: &mut Vec<String>, elsewhere: &mut String) {
    match value {
        Value::String(text) => {
            elsewhere.push_str(text);
            elsewhere.push('\n');
        }
        Value::Array(values) => {
            for value in values {
                config_texts(value, secrets, elsewhere);
            }
        }
        Value::Object(members) => {
            for (name, value) in members {
                elsewhere.push_str(name);
                elsewhere.push('\n');
                match value {
                    Value::String(secret) if CONFIG_SECRET_FIELDS.contains(&name.as_str()) => {
                        secrets.push(secret.clone());
                    }
                    _ => config_texts(value, secrets, elsewhere),
                }
            }
        }
        Value::Null | Value::Bool(_) | Value::Number(_) => {}
    }
}

fn check_config(bytes: &[u8]) {
    let path = Path::new(CONFIG_PATH);
    let document: Option<Value> = serde_json::from_slice(bytes).ok();
    let secrets = document.as_ref().map_or_else(Secrets::default, |document| {
        let (mut candidates, mut elsewhere) = (Vec::new(), String::new());
        config_texts(document, &mut candidates, &mut elsewhere);
        Secrets::new(candidates, &elsewhere)
    });
    let root = document.as_ref().and_then(Value::as_object);
    let profiles = root
        .and_then(|root| root.get("profiles"))
        .and_then(Value::as_array);
    let mut names = vec![None, Some("default"), Some(ABSENT)];
    if let Some(profiles) = profiles {
        let listed = profiles
            .iter()
            .filter_map(|profile| profile.get("name").and_then(Value::as_str));
        names.extend(listed.take(MAX_NAMES).map(Some));
    }
    for name in names {
        let at = format!("config.json, profile {name:?}");
        let expected_name = name
            .or_else(|| {
                root.and_then(|root| root.get("current"))
                    .and_then(Value::as_str)
                    .filter(|current| !current.is_empty())
            })
            .unwrap_or("default");
        match cli_config::parse(bytes, path, name) {
            Ok((chosen, profile)) => {
                assert!(
                    root.is_some(),
                    "{at}: Ok for a file that is not a JSON object: {chosen:?} {profile:?}"
                );
                assert_eq!(chosen, expected_name, "{at}");
                let entry = profiles
                    .into_iter()
                    .flatten()
                    .filter_map(Value::as_object)
                    .find(|entry| entry.get("name").and_then(Value::as_str) == Some(&chosen));
                match (entry, &profile) {
                    (None, None) => {}
                    (Some(entry), Some(profile)) => {
                        check_config_profile(entry, profile, &at);
                        secrets.check_absent(&format!("{profile:?}"), &at);
                    }
                    (entry, profile) => {
                        panic!("{at}: the file has {entry:?}, the parser read {profile:?}")
                    }
                }
            }
            Err(error) => {
                check_error(&error, Source::CliProfile, path, expected_name, bytes, &at);
                if document.is_none() {
                    assert!(
                        matches!(error, Error::File { line: Some(_), .. }),
                        "{at}: not JSON, yet {error:?}"
                    );
                }
                secrets.check_absent(&format!("{error}\n{error:?}"), &at);
            }
        }
    }
}

/// A profile read from `entry` is what its mode and fields say.
fn check_config_profile(entry: &Map<String, Value>, profile: &Profile, at: &str) {
    let mode = member(entry, "mode").unwrap_or_default();
    let seconds = entry
        .get("expired_seconds")
        .and_then(Value::as_u64)
        .filter(|seconds| *seconds > 0);
    match (mode, profile) {
        ("AK" | "StsToken", Profile::Static(credentials)) => {
            assert_eq!(
                Some(credentials.access_key_id()),
                member(entry, "access_key_id"),
                "{at}"
            );
            assert_eq!(credentials.has_security_token(), mode == "StsToken", "{at}");
        }
        ("EcsRamRole", Profile::EcsRamRole { role_name }) => {
            assert_eq!(role_name.as_deref(), member(entry, "ram_role_name"), "{at}");
        }
        ("RamRoleArn", Profile::RamRoleArn { source, role }) => {
            assert_eq!(
                Some(source.access_key_id()),
                member(entry, "access_key_id"),
                "{at}"
            );
            assert_eq!(
                source.has_security_token(),
                member(entry, "sts_token").is_some(),
                "{at}"
            );
            assert_eq!(
                Some(role.role_arn.as_str()),
                member(entry, "ram_role_arn"),
                "{at}"
            );
            assert_eq!(role.duration_seconds, seconds, "{at}");
        }
        (
            "OIDC",
            Profile::Oidc {
                provider_arn,
                token_file,
                role,
            },
        ) => {
            assert_eq!(
                Some(provider_arn.as_str()),
                member(entry, "oidc_provider_arn"),
                "{at}"
            );
            assert_eq!(
                Some(token_file),
                member(entry, "oidc_token_file").map(PathBuf::from).as_ref(),
                "{at}"
            );
            assert_eq!(
                Some(role.role_arn.as_str()),
                member(entry, "ram_role_arn"),
                "{at}"
            );
            assert_eq!(role.duration_seconds, seconds, "{at}");
        }
        (mode, profile) => panic!("{at}: mode {mode:?} read as {profile:?}"),
    }
}

// ---------------------------------------------------------------------------------------
// INI

/// A plain reading of an INI file, for the sections it has when it parses.
#[derive(Debug, Default)]
struct IniModel {
    /// Section -> key -> value (the last of a repeated key), quotes removed.
    sections: BTreeMap<String, BTreeMap<String, String>>,
    secrets: Secrets,
}

impl IniModel {
    fn read(text: &str) -> Self {
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let mut model = IniModel::default();
        let (mut candidates, mut elsewhere) = (Vec::new(), String::new());
        let mut current: Option<String> = None;
        for line in text.lines() {
            let trimmed = line.trim();
            if trimmed.is_empty() || trimmed.starts_with('#') || trimmed.starts_with(';') {
                elsewhere.push_str(line);
                elsewhere.push('\n');
                continue;
            }
            if let Some(name) = trimmed
                .strip_prefix('[')
                .and_then(|rest| rest.strip_suffix(']'))
            {
                let name = name.trim().to_owned();
                model.sections.entry(name.clone()).or_default();
                current = Some(name);
                elsewhere.push_str(line);
                elsewhere.push('\n');
                continue;
            }
            let Some(at) = trimmed.find(['=', ':']) else {
                elsewhere.push_str(line);
                elsewhere.push('\n');
                continue;
            };
            let key = trimmed[..at].trim();
            let mut value = trimmed[at + 1..].trim();
            if value.len() >= 2
                && ((value.starts_with('"') && value.ends_with('"'))
                    || (value.starts_with('\'') && value.ends_with('\'')))
            {
                value = &value[1..value.len() - 1];
            }
            if INI_SECRET_KEYS.contains(&key) {
                candidates.push(value.to_owned());
                elsewhere.push_str(&trimmed[..=at]);
            } else {
                elsewhere.push_str(line);
            }
            elsewhere.push('\n');
            if let Some(section) = &current {
                model
                    .sections
                    .entry(section.clone())
                    .or_default()
                    .insert(key.to_owned(), value.to_owned());
            }
        }
        model.secrets = Secrets::new(candidates, &elsewhere);
        model
    }
}

fn check_ini(bytes: &[u8]) {
    let path = Path::new(INI_PATH);
    let model = std::str::from_utf8(bytes).ok().map(IniModel::read);
    let mut names = vec!["default", ABSENT];
    if let Some(model) = &model {
        names.extend(model.sections.keys().take(MAX_NAMES).map(String::as_str));
    }
    let no_secrets = Secrets::default();
    let secrets = model.as_ref().map_or(&no_secrets, |model| &model.secrets);
    for section in names {
        let at = format!("INI, section {section:?}");
        match ini::parse(bytes, path, section) {
            Ok(profile) => {
                let Some(model) = &model else {
                    panic!("{at}: Ok for bytes that are not UTF-8: {profile:?}")
                };
                match (model.sections.get(section), &profile) {
                    (None, None) => {}
                    (Some(keys), Some(profile)) => {
                        check_ini_profile(keys, profile, &at);
                        secrets.check_absent(&format!("{profile:?}"), &at);
                    }
                    (keys, profile) => {
                        panic!("{at}: the file has {keys:?}, the parser read {profile:?}")
                    }
                }
            }
            Err(error) => {
                check_error(&error, Source::ProfileFile, path, section, bytes, &at);
                if model.is_none() {
                    assert!(
                        matches!(error, Error::File { line: Some(_), .. }),
                        "{at}: not UTF-8, yet {error:?}"
                    );
                }
                secrets.check_absent(&format!("{error}\n{error:?}"), &at);
            }
        }
    }
}

/// A profile read from a section is what its type and keys say.
fn check_ini_profile(keys: &BTreeMap<String, String>, profile: &Profile, at: &str) {
    let key = |name: &str| {
        keys.get(name)
            .map(String::as_str)
            .filter(|value| !value.is_empty())
    };
    let seconds = key("role_session_expiration").and_then(|text| text.parse::<u64>().ok());
    match (key("type").unwrap_or_default(), profile) {
        ("access_key", Profile::Static(credentials)) => {
            assert_eq!(
                Some(credentials.access_key_id()),
                key("access_key_id"),
                "{at}"
            );
            assert!(!credentials.has_security_token(), "{at}");
        }
        ("ecs_ram_role", Profile::EcsRamRole { role_name }) => {
            assert_eq!(role_name.as_deref(), key("role_name"), "{at}");
        }
        ("ram_role_arn", Profile::RamRoleArn { source, role }) => {
            assert_eq!(Some(source.access_key_id()), key("access_key_id"), "{at}");
            assert_eq!(Some(role.role_arn.as_str()), key("role_arn"), "{at}");
            assert_eq!(role.duration_seconds, seconds, "{at}");
        }
        (
            "oidc_role_arn",
            Profile::Oidc {
                provider_arn,
                token_file,
                role,
            },
        ) => {
            assert_eq!(
                Some(provider_arn.as_str()),
                key("oidc_provider_arn"),
                "{at}"
            );
            assert_eq!(
                Some(token_file),
                key("oidc_token_file_path").map(PathBuf::from).as_ref(),
                "{at}"
            );
            assert_eq!(Some(role.role_arn.as_str()), key("role_arn"), "{at}");
            assert_eq!(role.duration_seconds, seconds, "{at}");
        }
        (kind, profile) => panic!("{at}: type {kind:?} read as {profile:?}"),
    }
}

// ---------------------------------------------------------------------------------------
// Drawn files

const PROFILE_NAMES: &[&str] = &[
    "default", "dev", "prod", "sts", "arn", "oidc", "Default", "",
];

const MODES: &[&str] = &[
    "AK",
    "StsToken",
    "RamRoleArn",
    "EcsRamRole",
    "OIDC",
    "CredentialsURI",
    "CloudSSO",
    "RsaKeyPair",
    "ChainableRamRoleArn",
    "External",
    "ak",
    "",
];

/// The fields of a `config.json` profile: those di reads, and some it does not.
const CONFIG_FIELDS: &[&str] = &[
    "access_key_id",
    "access_key_secret",
    "sts_token",
    "ram_role_name",
    "ram_role_arn",
    "ram_session_name",
    "expired_seconds",
    "policy",
    "external_id",
    "sts_region",
    "enable_vpc",
    "oidc_provider_arn",
    "oidc_token_file",
    "region_id",
    "output_format",
    "language",
    "credentials_uri",
    "source_profile",
];

/// The fields each mode needs.
fn mode_fields(mode: &str) -> &'static [&'static str] {
    match mode {
        "AK" => &["access_key_id", "access_key_secret"],
        "StsToken" => &["access_key_id", "access_key_secret", "sts_token"],
        "RamRoleArn" => &[
            "access_key_id",
            "access_key_secret",
            "ram_role_arn",
            "ram_session_name",
            "expired_seconds",
        ],
        "EcsRamRole" => &["ram_role_name"],
        "OIDC" => &["ram_role_arn", "oidc_provider_arn", "oidc_token_file"],
        "CredentialsURI" => &["credentials_uri"],
        _ => &[],
    }
}

const KEY_IDS: &[&str] = &[
    "LTAI5tFuzzKeyId01",
    "STS.NFuzzKeyId",
    "id,with,commas",
    "a b",
];
const ARNS: &[&str] = &[
    "acs:ram::1234567890:role/fuzz",
    "acs:ram::1234567890:oidc-provider/fuzz",
    "/var/run/secrets/tokens/oidc-token",
];
const SECONDS: &[&str] = &[
    "0",
    "900",
    "3600",
    "-1",
    "1.5",
    "18446744073709551615",
    "18446744073709551616",
    "\"900\"",
    "null",
];

/// A string literal of one of `values` or any text.
fn string_of(u: &mut Unstructured<'_>, out: &mut Vec<u8>, values: &[&str]) -> Result<()> {
    let value = if u.ratio(3, 4)? {
        (*u.choose(values)?).to_owned()
    } else {
        generate::text(u)?
    };
    generate::json_string(u, out, &value)
}

/// A JSON value for `field`: mostly of the type the CLI writes, sometimes any.
fn config_value(u: &mut Unstructured<'_>, out: &mut Vec<u8>, field: &str) -> Result<()> {
    if u.ratio(1, 12)? {
        return generate::json_value(u, out, 2);
    }
    match field {
        "access_key_secret" | "sts_token" => string_of(u, out, &SECRETS),
        "access_key_id" => string_of(u, out, KEY_IDS),
        "ram_role_arn" | "oidc_provider_arn" | "oidc_token_file" => string_of(u, out, ARNS),
        "expired_seconds" => {
            out.extend_from_slice(u.choose(SECONDS)?.as_bytes());
            Ok(())
        }
        "enable_vpc" => {
            out.extend_from_slice(u.choose(&["true", "false", "\"true\"", "1"])?.as_bytes());
            Ok(())
        }
        _ => string_of(
            u,
            out,
            &["cn-hangzhou", "json", "en", "", "{\"Statement\":[]}"],
        ),
    }
}

/// A separator between members or elements, sometimes with a line break.
fn comma(u: &mut Unstructured<'_>, out: &mut Vec<u8>) -> Result<()> {
    out.extend_from_slice(u.choose(&[",", ",\n    ", ", ", "\r\n,"])?.as_bytes());
    Ok(())
}

fn config_profile(u: &mut Unstructured<'_>, out: &mut Vec<u8>) -> Result<()> {
    if u.ratio(1, 16)? {
        return generate::json_value(u, out, 3);
    }
    let mut members: Vec<(String, Option<String>)> = Vec::new();
    if u.ratio(15, 16)? {
        members.push(("name".to_owned(), None));
    }
    let mode = if u.ratio(7, 8)? {
        (*u.choose(MODES)?).to_owned()
    } else {
        generate::text(u)?
    };
    if u.ratio(15, 16)? {
        members.push(("mode".to_owned(), Some(mode.clone())));
    }
    for field in mode_fields(&mode) {
        if u.ratio(7, 8)? {
            members.push(((*field).to_owned(), None));
        }
    }
    for _ in 0..u.int_in_range(0..=3)? {
        members.push(((*u.choose(CONFIG_FIELDS)?).to_owned(), None));
    }
    out.push(b'{');
    for (index, (field, text)) in members.iter().enumerate() {
        if index > 0 {
            comma(u, out)?;
        }
        generate::json_string(u, out, field)?;
        out.push(b':');
        match (field.as_str(), text) {
            (_, Some(text)) => generate::json_string(u, out, text)?,
            ("name", None) => string_of(u, out, PROFILE_NAMES)?,
            (_, None) => config_value(u, out, field)?,
        }
    }
    out.push(b'}');
    Ok(())
}

/// A `config.json`: `current` (a profile's name, or not), `profiles` (of every mode, with
/// their fields, sometimes of the wrong type), and what the CLI writes besides.
fn drawn_config(u: &mut Unstructured<'_>) -> Result<Vec<u8>> {
    let mut out = Vec::new();
    if u.ratio(1, 32)? {
        out.extend_from_slice("\u{feff}".as_bytes());
    }
    out.push(b'{');
    let mut first = true;
    if u.ratio(3, 4)? {
        out.extend_from_slice(b"\"current\":");
        if u.ratio(7, 8)? {
            string_of(u, &mut out, PROFILE_NAMES)?;
        } else {
            generate::json_value(u, &mut out, 3)?;
        }
        first = false;
    }
    if u.ratio(15, 16)? {
        if !first {
            comma(u, &mut out)?;
        }
        out.extend_from_slice(b"\"profiles\":");
        if u.ratio(15, 16)? {
            out.push(b'[');
            for index in 0..u.int_in_range(0..=6)? {
                if index > 0 {
                    comma(u, &mut out)?;
                }
                config_profile(u, &mut out)?;
            }
            out.push(b']');
        } else {
            generate::json_value(u, &mut out, 3)?;
        }
        first = false;
    }
    if u.ratio(1, 4)? {
        if !first {
            comma(u, &mut out)?;
        }
        out.extend_from_slice(b"\"meta_path\":\"\",\"language\":\"en\"");
    }
    out.push(b'}');
    if u.ratio(1, 16)? {
        let cut = u.int_in_range(0..=out.len())?;
        out.truncate(cut);
    }
    Ok(out)
}

const SECTION_NAMES: &[&str] = &["default", "dev", "prod", "arn", "oidc", " spaced ", ""];

const TYPES: &[&str] = &[
    "access_key",
    "ecs_ram_role",
    "ram_role_arn",
    "oidc_role_arn",
    "rsa_key_pair",
    "bearer",
    "credentials_uri",
    "ACCESS_KEY",
    "",
];

/// The keys each type needs.
fn type_keys(kind: &str) -> &'static [&'static str] {
    match kind {
        "access_key" => &["access_key_id", "access_key_secret"],
        "ecs_ram_role" => &["role_name"],
        "ram_role_arn" => &[
            "access_key_id",
            "access_key_secret",
            "role_arn",
            "role_session_name",
            "role_session_expiration",
        ],
        "oidc_role_arn" => &["role_arn", "oidc_provider_arn", "oidc_token_file_path"],
        _ => &[],
    }
}

const INI_KEYS: &[&str] = &[
    "type",
    "access_key_id",
    "access_key_secret",
    "security_token",
    "role_name",
    "role_arn",
    "role_session_name",
    "role_session_expiration",
    "policy",
    "external_id",
    "sts_region",
    "enable_vpc",
    "oidc_provider_arn",
    "oidc_token_file_path",
    "region_id",
    "public_key_id",
];

fn ini_value(u: &mut Unstructured<'_>, key: &str) -> Result<String> {
    if u.ratio(1, 8)? {
        return generate::text(u);
    }
    Ok(match key {
        "type" => (*u.choose(TYPES)?).to_owned(),
        "access_key_secret" | "security_token" => (*u.choose(&SECRETS)?).to_owned(),
        "access_key_id" => (*u.choose(KEY_IDS)?).to_owned(),
        "role_arn" | "oidc_provider_arn" | "oidc_token_file_path" => (*u.choose(ARNS)?).to_owned(),
        "role_session_expiration" => {
            (*u.choose(&["900", "3600", "0", "-1", "soon", "18446744073709551616"])?).to_owned()
        }
        "enable_vpc" => (*u.choose(&["true", "false", "TRUE", "yes"])?).to_owned(),
        _ => (*u.choose(&["cn-hangzhou", "worker", "", "a = b", "# not a comment"])?).to_owned(),
    })
}

/// One `key = value` line (or a broken one), with odd spacing, quotes and separators.
fn ini_line(u: &mut Unstructured<'_>, out: &mut String, key: &str) -> Result<()> {
    let value = ini_value(u, key)?;
    if u.ratio(1, 8)? {
        out.push_str(u.choose(&[" ", "\t", "  \t"])?);
    }
    out.push_str(key);
    let separator = *u.choose(&[" = ", "=", ": ", ":", "\t=\t", "  =", " "])?;
    out.push_str(separator);
    let quoted = match u.int_in_range(0..=7)? {
        0 => format!("\"{value}\""),
        1 => format!("'{value}'"),
        2 => format!("\"{value}'"),
        _ => value,
    };
    out.push_str(&quoted);
    if u.ratio(1, 8)? {
        out.push_str(u.choose(&[" ", "\t", " # trailing", "\u{a0}"])?);
    }
    Ok(())
}

/// An INI credentials file: sections of every type with their keys, comments, blank lines,
/// odd spacing and quotes, broken headers and lines, a BOM, CRLF, stray bytes.
fn drawn_ini(u: &mut Unstructured<'_>) -> Result<Vec<u8>> {
    let mut out = String::new();
    if u.ratio(1, 8)? {
        out.push('\u{feff}');
    }
    let newline = *u.choose(&["\n", "\n", "\r\n"])?;
    let end = |u: &mut Unstructured<'_>, out: &mut String| -> Result<()> {
        out.push_str(if u.ratio(1, 16)? {
            u.choose(&["\r\n", "\n", "\r", "\n\n", "\n  \t\n"])?
        } else {
            newline
        });
        Ok(())
    };
    if u.ratio(1, 16)? {
        ini_line(u, &mut out, "type")?;
        end(u, &mut out)?;
    }
    for _ in 0..u.int_in_range(0..=5)? {
        if u.ratio(1, 4)? {
            out.push_str(u.choose(&["# a comment", "; a comment", "  # indented", "#"])?);
            end(u, &mut out)?;
        }
        let name = if u.ratio(7, 8)? {
            (*u.choose(SECTION_NAMES)?).to_owned()
        } else {
            generate::text(u)?
        };
        let header = match u.int_in_range(0..=15)? {
            0 => format!("[{name}"),
            1 => format!("{name}]"),
            2 => format!("  [ {name} ]  "),
            3 => format!("[{name}] # comment"),
            _ => format!("[{name}]"),
        };
        out.push_str(&header);
        end(u, &mut out)?;
        let kind = if u.ratio(7, 8)? {
            (*u.choose(TYPES)?).to_owned()
        } else {
            generate::text(u)?
        };
        if u.ratio(15, 16)? {
            out.push_str("type = ");
            out.push_str(&kind);
            end(u, &mut out)?;
        }
        for key in type_keys(&kind) {
            if u.ratio(7, 8)? {
                ini_line(u, &mut out, key)?;
                end(u, &mut out)?;
            }
        }
        for _ in 0..u.int_in_range(0..=2)? {
            let key = if u.ratio(7, 8)? {
                (*u.choose(INI_KEYS)?).to_owned()
            } else {
                generate::text(u)?
            };
            ini_line(u, &mut out, &key)?;
            end(u, &mut out)?;
        }
    }
    let mut bytes = out.into_bytes();
    if u.ratio(1, 32)? {
        let at = u.int_in_range(0..=bytes.len())?;
        bytes.insert(at, *u.choose(&[0xff, 0xc3, 0x80, 0xfe])?);
    }
    Ok(bytes)
}

/// Whether `data` draws a `config.json` or an INI file with a profile that parses (the
/// corpus keeps such inputs, so that mutations start from deep paths).
pub(crate) fn draws_a_profile(data: &[u8]) -> bool {
    if std::str::from_utf8(data).is_ok() {
        return false;
    }
    let mut u = Unstructured::new(data);
    let config_parses = drawn_config(&mut u).is_ok_and(|config| {
        let document: Option<Value> = serde_json::from_slice(&config).ok();
        let names: Vec<&str> = document
            .as_ref()
            .and_then(|document| document.get("profiles"))
            .and_then(Value::as_array)
            .map(|profiles| {
                profiles
                    .iter()
                    .filter_map(|profile| profile.get("name").and_then(Value::as_str))
                    .collect()
            })
            .unwrap_or_default();
        names.into_iter().any(|name| {
            matches!(
                cli_config::parse(&config, Path::new(CONFIG_PATH), Some(name)),
                Ok((_, Some(_)))
            )
        })
    });
    let ini_parses = drawn_ini(&mut u).is_ok_and(|file| {
        let sections = std::str::from_utf8(&file)
            .map(|text| IniModel::read(text).sections)
            .unwrap_or_default();
        sections
            .keys()
            .any(|section| matches!(ini::parse(&file, Path::new(INI_PATH), section), Ok(Some(_))))
    });
    config_parses || ini_parses
}

/// Seed files: `config.json` files of several profiles and modes (each supported one, and
/// modes di does not read), INI files with several sections, comments, odd whitespace, a BOM,
/// CRLF line ends and missing keys. Their secrets are [`SECRETS`].
pub(crate) const SEEDS: &[(&str, &str)] = &[
    (
        "config_every_mode.json",
        r#"{
	"current": "ak",
	"profiles": [
		{
			"name": "ak",
			"mode": "AK",
			"access_key_id": "LTAI5tFuzzKeyId01",
			"access_key_secret": "FuzzSecret0AccessKey9Planted",
			"sts_token": "",
			"ram_role_name": "",
			"ram_role_arn": "",
			"ram_session_name": "",
			"source_profile": "",
			"private_key": "",
			"key_pair_name": "",
			"expired_seconds": 0,
			"verified": "",
			"region_id": "cn-hangzhou",
			"output_format": "json",
			"language": "en",
			"site": "",
			"retry_timeout": 0,
			"connect_timeout": 0,
			"retry_count": 0,
			"process_command": "",
			"credentials_uri": ""
		},
		{
			"name": "sts",
			"mode": "StsToken",
			"access_key_id": "STS.NFuzzKeyId",
			"access_key_secret": "kE7fuzzPlantedRoleSourceSecret",
			"sts_token": "CAIS.Fuzz1Sts/Token+Planted==",
			"region_id": "cn-shanghai"
		},
		{
			"name": "arn",
			"mode": "RamRoleArn",
			"access_key_id": "LTAI5tFuzzKeyId01",
			"access_key_secret": "FuzzSecret0AccessKey9Planted",
			"ram_role_arn": "acs:ram::1234567890:role/fuzz",
			"ram_session_name": "di-fuzz",
			"expired_seconds": 900,
			"sts_region": "cn-beijing",
			"enable_vpc": true,
			"external_id": "abc",
			"policy": "{\"Statement\":[{\"Action\":\"*\",\"Effect\":\"Allow\",\"Resource\":\"*\"}],\"Version\":\"1\"}"
		},
		{
			"name": "ecs",
			"mode": "EcsRamRole",
			"ram_role_name": "worker"
		},
		{
			"name": "oidc",
			"mode": "OIDC",
			"ram_role_arn": "acs:ram::1234567890:role/fuzz",
			"oidc_provider_arn": "acs:ram::1234567890:oidc-provider/fuzz",
			"oidc_token_file": "/var/run/secrets/tokens/oidc-token",
			"ram_session_name": "oidc-session"
		},
		{
			"name": "uri",
			"mode": "CredentialsURI",
			"credentials_uri": "http://127.0.0.1:8080/credentials"
		},
		{
			"name": "sso",
			"mode": "CloudSSO",
			"cloud_sso_sign_in_url": "https://signin.example/device/login"
		}
	],
	"meta_path": "",
	"language": "en"
}
"#,
    ),
    (
        "config_current_sts.json",
        r#"{"current":"sts","profiles":[{"name":"default","mode":"AK","access_key_id":"LTAI5tFuzzKeyId01","access_key_secret":"FuzzSecret0AccessKey9Planted"},{"name":"sts","mode":"StsToken","access_key_id":"STS.NFuzzKeyId","access_key_secret":"kE7fuzzPlantedRoleSourceSecret","sts_token":"CAIS.Fuzz1Sts/Token+Planted=="}]}"#,
    ),
    (
        "config_no_current.json",
        "{\n  \"profiles\": [\n    {\"name\": \"default\", \"mode\": \"EcsRamRole\"},\n    {\"name\": \"other\", \"mode\": \"AK\", \"access_key_id\": \"LTAI5tFuzzKeyId01\", \"access_key_secret\": \"Zz9.fuzz-Planted_Secret=\"}\n  ]\n}\n",
    ),
    (
        "config_crlf.json",
        "{\r\n  \"current\": \"arn\",\r\n  \"profiles\": [\r\n    {\r\n      \"name\": \"arn\",\r\n      \"mode\": \"RamRoleArn\",\r\n      \"access_key_id\": \"LTAI5tFuzzKeyId01\",\r\n      \"access_key_secret\": \"FuzzSecret0AccessKey9Planted\",\r\n      \"sts_token\": \"CAIS.Fuzz1Sts/Token+Planted==\",\r\n      \"ram_role_arn\": \"acs:ram::1234567890:role/fuzz\",\r\n      \"expired_seconds\": 3600\r\n    }\r\n  ]\r\n}\r\n",
    ),
    (
        "config_unsupported_modes.json",
        r#"{"current":"chain","profiles":[
{"name":"chain","mode":"ChainableRamRoleArn","source_profile":"ak","ram_role_arn":"acs:ram::1234567890:role/fuzz"},
{"name":"rsa","mode":"RsaKeyPair","private_key":"-----BEGIN RSA PRIVATE KEY-----","key_pair_name":"kp"},
{"name":"ext","mode":"External","process_command":"fetch-credentials --json"},
{"name":"lower","mode":"ak","access_key_id":"LTAI5tFuzzKeyId01","access_key_secret":"FuzzSecret0AccessKey9Planted"},
{"name":"ak","mode":"AK","access_key_id":"LTAI5tFuzzKeyId01","access_key_secret":"FuzzSecret0AccessKey9Planted"}
]}"#,
    ),
    (
        "config_missing_fields.json",
        r#"{"current":"nosecret","profiles":[
{"name":"nosecret","mode":"AK","access_key_id":"LTAI5tFuzzKeyId01"},
{"name":"notoken","mode":"StsToken","access_key_id":"STS.NFuzzKeyId","access_key_secret":"kE7fuzzPlantedRoleSourceSecret"},
{"name":"noarn","mode":"RamRoleArn","access_key_id":"LTAI5tFuzzKeyId01","access_key_secret":"FuzzSecret0AccessKey9Planted"},
{"name":"nooidc","mode":"OIDC","ram_role_arn":"acs:ram::1234567890:role/fuzz"},
{"name":"nomode","access_key_id":"LTAI5tFuzzKeyId01","access_key_secret":"FuzzSecret0AccessKey9Planted"}
]}"#,
    ),
    (
        "config_wrong_types.json",
        r#"{"current":"ak","profiles":[
{"name":"ak","mode":"AK","access_key_id":12,"access_key_secret":"FuzzSecret0AccessKey9Planted"},
{"name":"secret","mode":"AK","access_key_id":"LTAI5tFuzzKeyId01","access_key_secret":["FuzzSecret0AccessKey9Planted"]},
{"name":"seconds","mode":"RamRoleArn","access_key_id":"LTAI5tFuzzKeyId01","access_key_secret":"FuzzSecret0AccessKey9Planted","ram_role_arn":"acs:ram::1234567890:role/fuzz","expired_seconds":-900},
{"name":"vpc","mode":"RamRoleArn","access_key_id":"LTAI5tFuzzKeyId01","access_key_secret":"FuzzSecret0AccessKey9Planted","ram_role_arn":"acs:ram::1234567890:role/fuzz","enable_vpc":"yes"},
{"name":"badid","mode":"AK","access_key_id":"LTAI 5t,Fuzz","access_key_secret":"FuzzSecret0AccessKey9Planted"},
"not an object"
]}"#,
    ),
    (
        "config_bad_shapes.json",
        r#"{"current":7,"profiles":{"name":"ak"}}"#,
    ),
    (
        "config_escapes.json",
        "{\"current\":\"\\u0064ev\",\"profiles\":[{\"name\":\"dev\",\"mode\":\"\\u0041K\",\"access_key_id\":\"LTAI5tFuzzKeyId01\",\"access_key_secret\":\"Fuzz\\u0053ecret0AccessKey9Planted\"},{\"name\":\"line\\nbreak\",\"mode\":\"Ecs\\u0000RamRole\"}]}",
    ),
    (
        "config_truncated.json",
        "{\n  \"current\": \"ak\",\n  \"profiles\": [\n    {\"name\": \"ak\", \"mode\": \"AK\", \"access_key_id\": \"LTAI5tFuzzKeyId01\",\n     \"access_key_secret\": \"FuzzSecret0AccessKey9Pla",
    ),
    ("config_empty_object.json", "{}"),
    (
        "config_bom.json",
        "\u{feff}{\"current\":\"default\",\"profiles\":[{\"name\":\"default\",\"mode\":\"EcsRamRole\",\"ram_role_name\":\"worker\"}]}",
    ),
    (
        "credentials_every_type.ini",
        "[default]
type = access_key
access_key_id = LTAI5tFuzzKeyId01
access_key_secret = FuzzSecret0AccessKey9Planted

[ecs]
type = ecs_ram_role
role_name = worker

[arn]
type = ram_role_arn
access_key_id = LTAI5tFuzzKeyId01
access_key_secret = kE7fuzzPlantedRoleSourceSecret
role_arn = acs:ram::1234567890:role/fuzz
role_session_name = di-fuzz
role_session_expiration = 3600
policy = {\"Statement\":[]}
external_id = abc
sts_region = cn-beijing
enable_vpc = true

[oidc]
type = oidc_role_arn
role_arn = acs:ram::1234567890:role/fuzz
oidc_provider_arn = acs:ram::1234567890:oidc-provider/fuzz
oidc_token_file_path = /var/run/secrets/tokens/oidc-token
role_session_name = oidc-session
",
    ),
    (
        "credentials_bom_crlf.ini",
        "\u{feff}; written on Windows\r\n[default]\r\ntype = access_key\r\naccess_key_id = LTAI5tFuzzKeyId01\r\naccess_key_secret = \"FuzzSecret0AccessKey9Planted\"\r\n\r\n[dev]\r\ntype=ecs_ram_role\r\n",
    ),
    (
        "credentials_odd_whitespace.ini",
        "  # indented comment\n\t[ default ]  \n  type\t=\taccess_key\n access_key_id:LTAI5tFuzzKeyId01\naccess_key_secret   =   'Zz9.fuzz-Planted_Secret='   \n\n   \n[arn]\ntype = ram_role_arn\naccess_key_id = LTAI5tFuzzKeyId01\naccess_key_secret = FuzzSecret0AccessKey9Planted\nrole_arn = acs:ram::1234567890:role/fuzz\nrole_session_expiration = soon\n",
    ),
    (
        "credentials_missing_keys.ini",
        "[default]\ntype = access_key\naccess_key_id = LTAI5tFuzzKeyId01\n\n[notype]\naccess_key_id = LTAI5tFuzzKeyId01\naccess_key_secret = FuzzSecret0AccessKey9Planted\n\n[noarn]\ntype = ram_role_arn\naccess_key_id = LTAI5tFuzzKeyId01\naccess_key_secret = FuzzSecret0AccessKey9Planted\n\n[nooidc]\ntype = oidc_role_arn\nrole_arn = acs:ram::1234567890:role/fuzz\n",
    ),
    (
        "credentials_unsupported_types.ini",
        "[default]\ntype = rsa_key_pair\npublic_key_id = pk\nprivate_key_file = /keys/rsa.pem\n\n[bearer]\ntype = bearer\nbearer_token = FuzzSecret0AccessKey9Planted\n\n[upper]\ntype = ACCESS_KEY\naccess_key_id = LTAI5tFuzzKeyId01\naccess_key_secret = kE7fuzzPlantedRoleSourceSecret\n",
    ),
    (
        "credentials_repeated.ini",
        "[default]\ntype = ecs_ram_role\n[other]\ntype = access_key\n[default]\ntype = access_key\naccess_key_id = LTAI5tFuzzKeyId01\naccess_key_id = STS.NFuzzKeyId\naccess_key_secret = FuzzSecret0AccessKey9Planted\n",
    ),
    (
        "credentials_broken_header.ini",
        "[default]\ntype = access_key\naccess_key_id = LTAI5tFuzzKeyId01\naccess_key_secret = FuzzSecret0AccessKey9Planted\n[dev\ntype = access_key\n",
    ),
    (
        "credentials_key_before_section.ini",
        "access_key_secret = FuzzSecret0AccessKey9Planted\n[default]\ntype = access_key\n",
    ),
    (
        "credentials_line_without_separator.ini",
        "[default]\ntype = access_key\naccess_key_id LTAI5tFuzzKeyId01\naccess_key_secret = FuzzSecret0AccessKey9Planted\n",
    ),
    (
        "credentials_empty_values.ini",
        "[default]\ntype =\naccess_key_id = \"\"\naccess_key_secret = ''\n[]\n",
    ),
    (
        "credentials_quotes.ini",
        "[default]\ntype = \"access_key\"\naccess_key_id = 'LTAI5tFuzzKeyId01'\naccess_key_secret = \"FuzzSecret0AccessKey9Planted'\n[q]\ntype = ecs_ram_role\nrole_name = \"\n",
    ),
];
