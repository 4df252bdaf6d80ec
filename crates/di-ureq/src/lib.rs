//! Blocking client for the DataWorks Data Integration API (placeholder).
