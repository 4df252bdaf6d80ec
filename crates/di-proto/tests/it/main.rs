//! di-proto's integration tests: one binary, one module per behaviour.

mod canonicalization;
mod request;
mod vector_runner;
mod vectors;
