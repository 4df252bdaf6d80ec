//! di-proto's integration tests: one binary, one module per behaviour.

mod canonicalization;
mod discovery_requests;
mod discovery_responses;
mod flows;
mod http_date;
mod lifecycle_responses;
mod parser_props;
mod request;
mod responses;
mod vector_runner;
mod vectors;
