//! The saoy certification workflow: issue, verify, revoke; verification codes, QR seal, registry.
