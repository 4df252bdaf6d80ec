//! The gateway checks: common parameters, action and version, time, keys, tokens, signatures, nonces.
