//! Answers in JSON or XML, as the gateway and the service write them.
