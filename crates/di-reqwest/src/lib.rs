//! Async client for the DataWorks Data Integration API (placeholder).
