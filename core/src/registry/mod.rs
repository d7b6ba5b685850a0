//! The registry of issued copies: code → document digests, kind, office, officer, issue time,
//! status and seal key, with an append-only audit log of every state change and lookup.
//!
//! No biometric data is stored, and the citizen's ID number only as a keyed hash
//! ([`CitizenIdHasher`], HMAC-SHA256 under a registry secret).
//!
//! Life of a row (the commit order of the workflow, see `Issuer`):
//! `reserve` (status `pending`, code allocated, unique) → PDF written and renamed into place →
//! `activate` (status `valid`, document digest recorded) → optionally `revoke`. A pending row whose
//! PDF never appeared is `abandon`ed (status `failed`) by recovery.

use crate::code::{CodeError, VerificationCode};
use crate::kind::DocumentKind;
use crate::seal::KeyId;
use serde::{Deserialize, Serialize};
use std::fmt;

#[cfg(feature = "postgres")]
pub mod postgres;
#[cfg(feature = "sqlite")]
pub mod sqlite;

/// How many fresh codes `reserve` tries before giving up (a collision of 95-bit random codes is
/// astronomically rare; several in a row mean a broken random source).
pub const MAX_CODE_ATTEMPTS: usize = 8;

/// Registry failures. Verification outcomes (unknown, revoked) are data, not errors.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RegistryError {
    /// The database cannot be reached (connection refused, pool timeout, server down).
    #[error("the registry database is unavailable: {detail}")]
    Unavailable {
        /// Driver error text.
        detail: String,
    },
    /// The disk or the database is full.
    #[error("the registry storage is full: {detail}")]
    StorageFull {
        /// Driver error text.
        detail: String,
    },
    /// Any other database error.
    #[error("registry database error during {operation}: {detail}")]
    Database {
        /// What the registry was doing.
        operation: &'static str,
        /// Driver error text.
        detail: String,
    },
    /// No copy has this code.
    #[error("no certified copy has code {code}")]
    NotFound {
        /// The code.
        code: VerificationCode,
    },
    /// The operation is not allowed in the copy's current state.
    #[error("cannot {action} copy {code}: its status is {status}")]
    InvalidState {
        /// The code.
        code: VerificationCode,
        /// What was attempted.
        action: &'static str,
        /// The current status.
        status: StatusKind,
    },
    /// The same request id is being issued right now (its row is pending).
    #[error("request {request_id} is already being issued")]
    RequestInProgress {
        /// The request id.
        request_id: String,
    },
    /// The request id was used before for a different issuance.
    #[error("request id {request_id} was already used for a different issuance")]
    RequestConflict {
        /// The request id.
        request_id: String,
    },
    /// No free code after [`MAX_CODE_ATTEMPTS`] tries.
    #[error("no free verification code after {attempts} attempts")]
    CodeSpaceExhausted {
        /// Attempts made.
        attempts: usize,
    },
    /// The code source failed.
    #[error("cannot generate a verification code: {0}")]
    Code(CodeError),
    /// A stored row cannot be read back (bad code, unknown status).
    #[error("corrupt registry row: {detail}")]
    Corrupt {
        /// What is wrong.
        detail: String,
    },
    /// Invalid input (empty request id, short HMAC secret …).
    #[error("invalid registry input: {detail}")]
    InvalidInput {
        /// What is wrong.
        detail: String,
    },
}

impl RegistryError {
    /// Stable machine code.
    pub fn code(&self) -> &'static str {
        match self {
            RegistryError::Unavailable { .. } => "registry_unavailable",
            RegistryError::StorageFull { .. } => "registry_storage_full",
            RegistryError::Database { .. } => "registry_database",
            RegistryError::NotFound { .. } => "registry_not_found",
            RegistryError::InvalidState { .. } => "registry_invalid_state",
            RegistryError::RequestInProgress { .. } => "registry_request_in_progress",
            RegistryError::RequestConflict { .. } => "registry_request_conflict",
            RegistryError::CodeSpaceExhausted { .. } => "registry_code_space_exhausted",
            RegistryError::Code(_) => "registry_code_source",
            RegistryError::Corrupt { .. } => "registry_corrupt",
            RegistryError::InvalidInput { .. } => "registry_invalid_input",
        }
    }
}

/// Status of a copy without its details.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum StatusKind {
    /// Reserved; the PDF is being produced.
    Pending,
    /// Issued and valid.
    Valid,
    /// Revoked.
    Revoked,
    /// Issuance failed; the code was never published.
    Failed,
}

impl StatusKind {
    /// Database/string form.
    pub fn as_str(self) -> &'static str {
        match self {
            StatusKind::Pending => "pending",
            StatusKind::Valid => "valid",
            StatusKind::Revoked => "revoked",
            StatusKind::Failed => "failed",
        }
    }

    /// Parse the database form.
    pub fn parse(s: &str) -> Result<Self, RegistryError> {
        Ok(match s {
            "pending" => StatusKind::Pending,
            "valid" => StatusKind::Valid,
            "revoked" => StatusKind::Revoked,
            "failed" => StatusKind::Failed,
            other => {
                return Err(RegistryError::Corrupt {
                    detail: format!("unknown status {other:?}"),
                });
            }
        })
    }
}

impl fmt::Display for StatusKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Status of a copy with its details.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Status {
    /// Reserved; the PDF is being produced.
    Pending,
    /// Issued and valid.
    Valid,
    /// Revoked, with why and when.
    Revoked {
        /// Reason given by the revoking officer.
        reason: String,
        /// Unix seconds.
        at: u64,
    },
    /// Issuance failed; the code was never published.
    Failed {
        /// Why.
        reason: String,
        /// Unix seconds.
        at: u64,
    },
}

impl Status {
    /// The kind of this status.
    pub fn kind(&self) -> StatusKind {
        match self {
            Status::Pending => StatusKind::Pending,
            Status::Valid => StatusKind::Valid,
            Status::Revoked { .. } => StatusKind::Revoked,
            Status::Failed { .. } => StatusKind::Failed,
        }
    }
}

/// Keyed hash of a citizen ID number (HMAC-SHA256 under the registry secret). The number itself is
/// never stored.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct CitizenIdHash(pub [u8; 32]);

impl fmt::Debug for CitizenIdHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "CitizenIdHash({}…)", hex::encode(&self.0[..4]))
    }
}

impl Serialize for CitizenIdHash {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&hex::encode(self.0))
    }
}

/// Computes [`CitizenIdHash`]es. The secret is zeroized on drop and never printed.
pub struct CitizenIdHasher {
    secret: zeroize::Zeroizing<Vec<u8>>,
}

impl fmt::Debug for CitizenIdHasher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("CitizenIdHasher(<secret>)")
    }
}

impl CitizenIdHasher {
    /// Minimum secret length in bytes.
    pub const MIN_SECRET: usize = 32;

    /// A hasher with this registry secret (≥ 32 bytes).
    pub fn new(secret: &[u8]) -> Result<Self, RegistryError> {
        if secret.len() < Self::MIN_SECRET {
            return Err(RegistryError::InvalidInput {
                detail: format!(
                    "the citizen-ID HMAC secret has {} bytes, at least {} are required",
                    secret.len(),
                    Self::MIN_SECRET
                ),
            });
        }
        Ok(Self {
            secret: zeroize::Zeroizing::new(secret.to_vec()),
        })
    }

    /// Hash an ID number; only its digits count (spaces, dots are ignored).
    pub fn hash(&self, id_number: &str) -> CitizenIdHash {
        use hmac::{KeyInit, Mac};
        let digits: String = id_number.chars().filter(char::is_ascii_digit).collect();
        let mut mac = match hmac::Hmac::<sha2::Sha256>::new_from_slice(&self.secret) {
            Ok(m) => m,
            // HMAC accepts keys of any length; this arm cannot be reached.
            Err(_) => return CitizenIdHash([0; 32]),
        };
        mac.update(b"saoy/citizen-id/v1\0");
        mac.update(digits.as_bytes());
        CitizenIdHash(mac.finalize().into_bytes().into())
    }
}

/// Everything known about a copy before its PDF exists (the `reserve` input).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct IssueRequest {
    /// Idempotency key chosen by the caller (kiosk session id); 1..=128 printable ASCII.
    pub request_id: String,
    /// Document kind.
    pub kind: DocumentKind,
    /// Issuing office or kiosk id.
    pub office_id: String,
    /// Certifying officer id.
    pub officer_id: String,
    /// Keyed hash of the citizen's ID number.
    pub citizen: CitizenIdHash,
    /// Seal key id.
    pub seal_key_id: KeyId,
    /// Issue time (Unix seconds), as in the seal.
    pub issued_at: u64,
    /// Page-image digest, as in the seal.
    pub content_digest: [u8; 32],
    /// A note recorded in the `reserve` audit entry (e.g. an officer override); no personal data.
    pub note: Option<String>,
}

impl IssueRequest {
    /// A request (see the field docs).
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        request_id: impl Into<String>,
        kind: DocumentKind,
        office_id: impl Into<String>,
        officer_id: impl Into<String>,
        citizen: CitizenIdHash,
        seal_key_id: KeyId,
        issued_at: u64,
        content_digest: [u8; 32],
    ) -> Self {
        Self {
            request_id: request_id.into(),
            kind,
            office_id: office_id.into(),
            officer_id: officer_id.into(),
            citizen,
            seal_key_id,
            issued_at,
            content_digest,
            note: None,
        }
    }

    /// The `reserve` audit detail: request id and note.
    pub(crate) fn audit_detail(&self) -> String {
        match &self.note {
            Some(n) => format!("{} | {n}", self.request_id),
            None => self.request_id.clone(),
        }
    }

    /// Check the identifiers.
    pub fn validate(&self) -> Result<(), RegistryError> {
        for (what, v) in [
            ("request id", &self.request_id),
            ("office id", &self.office_id),
            ("officer id", &self.officer_id),
        ] {
            if v.is_empty() || v.len() > 128 || !v.chars().all(|c| c.is_ascii_graphic()) {
                return Err(RegistryError::InvalidInput {
                    detail: format!("{what} must be 1 to 128 printable ASCII characters"),
                });
            }
        }
        Ok(())
    }
}

/// One registry row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Record {
    /// The verification code.
    pub code: VerificationCode,
    /// The request id it was issued for.
    pub request_id: String,
    /// Current status.
    pub status: Status,
    /// Document kind.
    pub kind: DocumentKind,
    /// Issuing office or kiosk.
    pub office_id: String,
    /// Certifying officer.
    pub officer_id: String,
    /// Keyed hash of the citizen's ID number.
    pub citizen: CitizenIdHash,
    /// Seal key id.
    pub seal_key_id: KeyId,
    /// Issue time (Unix seconds).
    pub issued_at: u64,
    /// Page-image digest (the seal's).
    #[serde(serialize_with = "ser_hex")]
    pub content_digest: [u8; 32],
    /// SHA-256 of the signed PDF, once active.
    #[serde(serialize_with = "ser_hex_opt")]
    pub document_digest: Option<[u8; 32]>,
}

fn ser_hex<S: serde::Serializer>(v: &[u8; 32], s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&hex::encode(v))
}

fn ser_hex_opt<S: serde::Serializer>(v: &Option<[u8; 32]>, s: S) -> Result<S::Ok, S::Error> {
    match v {
        Some(v) => s.serialize_str(&hex::encode(v)),
        None => s.serialize_none(),
    }
}

/// Result of [`Registry::reserve`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Reservation {
    /// A fresh pending row with this code.
    New(Record),
    /// The request id was already issued (valid or revoked): the existing row (idempotent replay).
    Existing(Record),
}

/// One audit-log entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuditEvent {
    /// Monotonic id.
    pub id: i64,
    /// Unix seconds.
    pub at: u64,
    /// The code concerned.
    pub code: String,
    /// `reserve`, `reserve_retry`, `activate`, `abandon`, `revoke` or `lookup`.
    pub action: String,
    /// Who: officer id, office id, or the lookup channel.
    pub actor: String,
    /// Details (status seen by a lookup, reasons); never personal data.
    pub detail: String,
}

/// Who asks in a lookup (recorded in the audit log; no personal data).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Requester(pub String);

impl Requester {
    /// A requester label, e.g. `portal`, `cli`, `kiosk:HN-001`.
    pub fn new(s: impl Into<String>) -> Self {
        Self(s.into())
    }
}

/// Source of fresh verification codes (the OS CSPRNG by default; tests inject collisions).
pub trait CodeSource: Send + Sync {
    /// A fresh code.
    fn next_code(&self) -> Result<VerificationCode, CodeError>;
}

/// Codes from the OS CSPRNG.
#[derive(Debug, Clone, Copy, Default)]
pub struct OsCodeSource;

impl CodeSource for OsCodeSource {
    fn next_code(&self) -> Result<VerificationCode, CodeError> {
        VerificationCode::generate()
    }
}

/// One status change of the registry's state machine. The rules (which status a change starts
/// from, where it goes, who is recorded, what the audit entry says) live here once; every backend
/// only applies a `Transition` atomically.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Transition<'a> {
    /// Audit action name.
    pub action: &'static str,
    /// Status the row must have.
    pub from: StatusKind,
    /// Status it gets.
    pub to: StatusKind,
    /// Reason stored with the new status.
    pub reason: Option<&'a str>,
    /// The signed PDF's SHA-256 (activation only).
    pub document_digest: Option<[u8; 32]>,
    /// Who made the change (audit).
    pub actor: &'a str,
}

impl<'a> Transition<'a> {
    /// pending → valid once the PDF is in place.
    pub fn activate(document_digest: [u8; 32]) -> Self {
        Transition {
            action: "activate",
            from: StatusKind::Pending,
            to: StatusKind::Valid,
            reason: None,
            document_digest: Some(document_digest),
            actor: "issuer",
        }
    }

    /// pending → failed (the PDF never appeared).
    pub fn abandon(reason: &'a str) -> Self {
        Transition {
            action: "abandon",
            from: StatusKind::Pending,
            to: StatusKind::Failed,
            reason: Some(reason),
            document_digest: None,
            actor: "recovery",
        }
    }

    /// valid → revoked; a revocation needs a non-empty reason.
    pub fn revoke(reason: &'a str, actor: &'a str) -> Result<Self, RegistryError> {
        if reason.trim().is_empty() {
            return Err(RegistryError::InvalidInput {
                detail: "a revocation needs a reason".into(),
            });
        }
        Ok(Transition {
            action: "revoke",
            from: StatusKind::Valid,
            to: StatusKind::Revoked,
            reason: Some(reason),
            document_digest: None,
            actor,
        })
    }

    /// The audit-log detail of this change.
    pub fn audit_detail(&self) -> String {
        match (self.reason, self.document_digest) {
            (Some(r), _) => r.to_string(),
            (None, Some(d)) => format!("document sha256 {}", hex::encode(d)),
            (None, None) => String::new(),
        }
    }
}

/// The registry of issued copies. Implementations: [`sqlite::SqliteRegistry`],
/// [`postgres::PgRegistry`]. All methods are safe to call from many threads and processes at once.
pub trait Registry: Send + Sync {
    /// Reserve a fresh unique code for a request, as a `pending` row; or, when the request id was
    /// already issued, return the existing row (idempotent). A pending duplicate is
    /// [`RegistryError::RequestInProgress`]; a failed earlier attempt is reset to pending with its
    /// code (never published).
    fn reserve(&self, req: &IssueRequest) -> Result<Reservation, RegistryError>;

    /// Mark a pending copy valid once its PDF is in place, recording the PDF's SHA-256.
    fn activate(
        &self,
        code: &VerificationCode,
        document_digest: [u8; 32],
    ) -> Result<Record, RegistryError>;

    /// Mark a pending copy failed (its PDF never appeared).
    fn abandon(&self, code: &VerificationCode, reason: &str) -> Result<Record, RegistryError>;

    /// Revoke a valid copy.
    fn revoke(
        &self,
        code: &VerificationCode,
        reason: &str,
        actor: &str,
    ) -> Result<Record, RegistryError>;

    /// Look a code up (audited). `None` for an unknown code. With the default lookup audit batch
    /// of 1 the audit entry is committed before this returns; with a batch of `n` it is
    /// committed with the batch, by [`Registry::flush`], or when the registry is dropped.
    fn lookup(
        &self,
        code: &VerificationCode,
        who: &Requester,
    ) -> Result<Option<Record>, RegistryError>;

    /// Read a row without auditing (internal use: recovery, consistency checks).
    fn get(&self, code: &VerificationCode) -> Result<Option<Record>, RegistryError>;

    /// Pending rows created at least `older_than_secs` seconds ago (for recovery).
    fn pending(&self, older_than_secs: u64) -> Result<Vec<Record>, RegistryError>;

    /// Every row, ordered by code (for audits and consistency checks; use on small registries).
    fn all(&self) -> Result<Vec<Record>, RegistryError>;

    /// The audit log of a code, oldest first.
    fn audit(&self, code: &VerificationCode) -> Result<Vec<AuditEvent>, RegistryError>;

    /// Write buffered lookup audit entries now.
    fn flush(&self) -> Result<(), RegistryError>;
}

/// A lookup audit entry waiting in the buffer.
#[derive(Debug, Clone)]
pub(crate) struct PendingAudit {
    pub at: u64,
    pub code: String,
    pub actor: String,
    pub detail: String,
}

/// The lookup audit entries not yet committed, and the **group commit** that writes them: every
/// entry gets a sequence number; a caller that needs its entry committed either finds it already
/// committed, or waits while another caller writes a batch, or (when nobody is writing) takes
/// every buffered entry and writes them in one transaction itself. So concurrent lookups share
/// one commit (one fsync) however many there are, and only one thread at a time touches the
/// database for them; the others sleep until their entry is in.
///
/// Before taking a batch, the writer waits (at most [`MAX_GATHER`]) for the lookups that are
/// reading at that moment to add their entries, and for as many entries as the last **round**
/// had (the last batch plus the entries that arrived while it was written: their callers were
/// all waiting for that commit and are likely to look up again). So one commit serves all of
/// them, instead of the callers splitting into two cohorts that alternate, each waiting for the
/// other's commit (half the entries per commit). A lone lookup never waits; the first lookup
/// after a burst may wait once, at most [`MAX_GATHER`].
///
/// Lookup entries are written only through this queue (never by other writes), so "every entry
/// up to `durable` is committed" holds: a batch holds every uncommitted entry when it is taken,
/// and a failed batch is put back, in order, before the next writer takes one.
pub(crate) struct AuditQueue {
    state: std::sync::Mutex<AuditQueueState>,
    /// A batch was committed or failed.
    changed: std::sync::Condvar,
    /// The lookups a gathering writer waits for have added their entries.
    gathered: std::sync::Condvar,
    /// [`MAX_GATHER`]; a field so a test can widen it on a loaded machine.
    max_gather: std::time::Duration,
}

impl Default for AuditQueue {
    fn default() -> Self {
        Self {
            state: Default::default(),
            changed: Default::default(),
            gathered: Default::default(),
            max_gather: MAX_GATHER,
        }
    }
}

/// How long a batch writer waits for lookups still reading, and for those of the last round,
/// to add their entries. Of the order of one commit with `synchronous=FULL` (an fsync of the
/// WAL): waiting longer would cost more than the commit it saves.
const MAX_GATHER: std::time::Duration = std::time::Duration::from_micros(500);

/// A lookup between the start of its read and the buffering of its audit entry (see
/// [`AuditQueue::start`]).
pub(crate) struct Reading<'a>(&'a AuditQueue);

impl Reading<'_> {
    /// Buffer the lookup's entry: its sequence number and how many entries now wait.
    pub fn push(self, entry: PendingAudit) -> (u64, usize) {
        let queue = self.0;
        // The entry is in before the lookup stops counting as reading.
        std::mem::forget(self);
        let mut s = queue.state();
        s.entries.push(entry);
        s.pushed += 1;
        let out = (s.pushed, s.entries.len());
        queue.stop_reading(s);
        out
    }
}

impl Drop for Reading<'_> {
    /// A lookup that failed before buffering its entry.
    fn drop(&mut self) {
        self.0.stop_reading(self.0.state());
    }
}

#[derive(Default)]
struct AuditQueueState {
    /// Entries not committed and not being written, oldest first.
    entries: Vec<PendingAudit>,
    /// Sequence number of the last entry pushed.
    pushed: u64,
    /// Every entry up to this sequence number is committed.
    durable: u64,
    /// A caller is writing a batch (or gathering one).
    writing: bool,
    /// Lookups reading, whose entries are not buffered yet.
    reading: usize,
    /// The writer waits for `reading` to reach 0 and `entries` to reach `target`.
    gathering: bool,
    /// How many entries the gathering writer waits for.
    target: usize,
    /// Entries of the last round: the last batch written plus the entries buffered when its
    /// commit ended.
    round: usize,
}

impl AuditQueue {
    fn state(&self) -> std::sync::MutexGuard<'_, AuditQueueState> {
        // The state is consistent between statements; a panicking writer put nothing half-done
        // (its batch is lost to the panic, as an unwritten buffer is to a crash).
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Buffer an entry: its sequence number and how many entries now wait to be written.
    pub fn push(&self, entry: PendingAudit) -> (u64, usize) {
        let mut s = self.state();
        s.entries.push(entry);
        s.pushed += 1;
        let out = (s.pushed, s.entries.len());
        let wake = s.gathering && s.reading == 0 && s.entries.len() >= s.target;
        drop(s);
        if wake {
            self.gathered.notify_one();
        }
        out
    }

    /// A lookup starts reading: a batch writer gathering entries waits for it (bounded).
    pub fn start(&self) -> Reading<'_> {
        self.state().reading += 1;
        Reading(self)
    }

    fn stop_reading(&self, mut s: std::sync::MutexGuard<'_, AuditQueueState>) {
        s.reading = s.reading.saturating_sub(1);
        let wake = s.gathering && s.reading == 0 && s.entries.len() >= s.target;
        drop(s);
        if wake {
            self.gathered.notify_one();
        }
    }

    /// Entries buffered and not being written.
    pub fn buffered(&self) -> usize {
        self.state().entries.len()
    }

    /// Sequence number of the last entry pushed.
    #[cfg(test)]
    pub fn pushed(&self) -> u64 {
        self.state().pushed
    }

    /// Return once every entry pushed so far is committed (see [`AuditQueue::commit_through`]).
    pub fn commit_all(
        &self,
        write: impl Fn(&[PendingAudit]) -> Result<(), RegistryError>,
    ) -> Result<(), RegistryError> {
        let last = self.state().pushed;
        self.commit(last, false, write)
    }

    /// Return once every entry up to sequence number `seq` is committed, writing the buffered
    /// entries with `write` (one transaction) when no other caller is writing. An error of this
    /// caller's own batch is returned; a batch of another caller that failed is retried by this
    /// caller once, so each caller fails at most with its own attempt.
    pub fn commit_through(
        &self,
        seq: u64,
        write: impl Fn(&[PendingAudit]) -> Result<(), RegistryError>,
    ) -> Result<(), RegistryError> {
        self.commit(seq, true, write)
    }

    /// [`AuditQueue::commit_through`]; with `round`, the writer also waits for the entries of
    /// the last round (a flush does not).
    fn commit(
        &self,
        seq: u64,
        round: bool,
        write: impl Fn(&[PendingAudit]) -> Result<(), RegistryError>,
    ) -> Result<(), RegistryError> {
        let mut s = self.state();
        loop {
            if s.durable >= seq {
                return Ok(());
            }
            if s.writing {
                s = self.changed.wait(s).unwrap_or_else(|p| p.into_inner());
                continue;
            }
            s.writing = true;
            s.target = if round { s.round } else { 0 };
            if s.reading > 0 || s.entries.len() < s.target {
                let until = std::time::Instant::now() + self.max_gather;
                s.gathering = true;
                while s.reading > 0 || s.entries.len() < s.target {
                    let now = std::time::Instant::now();
                    if now >= until {
                        break;
                    }
                    s = self
                        .gathered
                        .wait_timeout(s, until - now)
                        .unwrap_or_else(|p| p.into_inner())
                        .0;
                }
                s.gathering = false;
            }
            let batch = std::mem::take(&mut s.entries);
            let last = s.pushed;
            drop(s);
            let result = if batch.is_empty() {
                Ok(())
            } else {
                write(&batch)
            };
            s = self.state();
            s.writing = false;
            match result {
                Ok(()) => {
                    s.durable = s.durable.max(last);
                    s.round = batch.len() + s.entries.len();
                }
                Err(_) => {
                    // Not written: put the batch back in front of what arrived meanwhile.
                    let newer = std::mem::replace(&mut s.entries, batch);
                    s.entries.extend(newer);
                }
            }
            drop(s);
            self.changed.notify_all();
            return result;
        }
    }
}

/// Check that an existing row matches a repeated request (same issuance, same citizen).
pub(crate) fn same_issuance(r: &Record, req: &IssueRequest) -> bool {
    r.kind == req.kind
        && r.office_id == req.office_id
        && r.citizen == req.citizen
        && r.content_digest == req.content_digest
}

pub(crate) fn digest32(v: &[u8], what: &str) -> Result<[u8; 32], RegistryError> {
    v.try_into().map_err(|_| RegistryError::Corrupt {
        detail: format!("{what} has {} bytes, expected 32", v.len()),
    })
}

pub(crate) fn key_id8(v: &str) -> Result<KeyId, RegistryError> {
    let b = hex::decode(v).map_err(|_| RegistryError::Corrupt {
        detail: format!("bad seal key id {v:?}"),
    })?;
    let a: [u8; 8] = b.try_into().map_err(|_| RegistryError::Corrupt {
        detail: format!("bad seal key id {v:?}"),
    })?;
    Ok(KeyId(a))
}

pub(crate) fn parse_code(v: &str) -> Result<VerificationCode, RegistryError> {
    VerificationCode::parse(v).map_err(|e| RegistryError::Corrupt {
        detail: format!("bad code {v:?}: {e}"),
    })
}

/// Build a [`Status`] from the stored columns.
pub(crate) fn status_from(
    kind: &str,
    reason: Option<String>,
    at: u64,
) -> Result<Status, RegistryError> {
    Ok(match StatusKind::parse(kind)? {
        StatusKind::Pending => Status::Pending,
        StatusKind::Valid => Status::Valid,
        StatusKind::Revoked => Status::Revoked {
            reason: reason.unwrap_or_default(),
            at,
        },
        StatusKind::Failed => Status::Failed {
            reason: reason.unwrap_or_default(),
            at,
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[test]
    fn citizen_hash_is_keyed_and_normalized() {
        let a = CitizenIdHasher::new(&[7u8; 32]).unwrap();
        let b = CitizenIdHasher::new(&[8u8; 32]).unwrap();
        assert_eq!(a.hash("001 099 012345"), a.hash("001099012345"));
        assert_ne!(a.hash("001099012345"), b.hash("001099012345"));
        assert_ne!(a.hash("001099012345"), a.hash("001099012346"));
        assert!(!format!("{a:?}").contains('7'));
        assert_eq!(
            CitizenIdHasher::new(&[1u8; 16]).unwrap_err().code(),
            "registry_invalid_input"
        );
    }

    fn entry(code: &str) -> PendingAudit {
        PendingAudit {
            at: 1,
            code: code.into(),
            actor: "t".into(),
            detail: "valid".into(),
        }
    }

    #[test]
    fn a_failed_audit_batch_is_kept_in_order_and_written_by_the_next_commit() {
        let q = AuditQueue::default();
        let (s1, _) = q.push(entry("a"));
        let (s2, n) = q.push(entry("b"));
        assert_eq!((s1, s2, n), (1, 2, 2));
        let e = q
            .commit_through(s1, |_| {
                Err(RegistryError::Unavailable {
                    detail: "down".into(),
                })
            })
            .unwrap_err();
        assert_eq!(e.code(), "registry_unavailable");
        assert_eq!(q.push(entry("c")), (3, 3));
        let written = Mutex::new(Vec::new());
        let write = |b: &[PendingAudit]| {
            written
                .lock()
                .unwrap()
                .push(b.iter().map(|a| a.code.clone()).collect::<Vec<_>>());
            Ok(())
        };
        q.commit_through(s1, write).unwrap();
        assert_eq!(*written.lock().unwrap(), [vec!["a", "b", "c"]]);
        assert_eq!(q.buffered(), 0);
        // Committed entries are not written again; nothing new means no write at all.
        q.commit_through(s2, write).unwrap();
        q.commit_all(write).unwrap();
        assert_eq!(written.lock().unwrap().len(), 1);
    }

    #[test]
    fn the_writer_waits_for_the_lookups_of_the_last_round() {
        // This test is about who is in the batch, not timing.
        let q = AuditQueue {
            max_gather: std::time::Duration::from_secs(60),
            ..AuditQueue::default()
        };
        let written = Mutex::new(Vec::new());
        let write = |b: &[PendingAudit]| {
            written
                .lock()
                .unwrap()
                .push(b.iter().map(|a| a.code.clone()).collect::<Vec<_>>());
            Ok(())
        };
        // A lone lookup does not wait (the first round is empty).
        let (s1, _) = q.push(entry("a"));
        q.commit_through(s1, write).unwrap();
        // A round of three.
        for c in ["b", "c", "d"] {
            q.push(entry(c));
        }
        q.commit_all(write).unwrap();
        // The next writer waits until the three callers of that round are back.
        std::thread::scope(|s| {
            let (q, write) = (&q, &write);
            let first = s.spawn(move || {
                let (seq, _) = q.push(entry("e"));
                q.commit_through(seq, write).unwrap();
            });
            while !q.state().gathering {
                std::thread::yield_now();
            }
            assert_eq!(written.lock().unwrap().len(), 2);
            q.push(entry("f"));
            let (seq, _) = q.push(entry("g"));
            first.join().unwrap();
            q.commit_through(seq, write).unwrap();
        });
        assert_eq!(
            *written.lock().unwrap(),
            [vec!["a"], vec!["b", "c", "d"], vec!["e", "f", "g"]]
        );
        assert_eq!(q.state().round, 3);
    }

    #[test]
    fn concurrent_commits_share_batches_and_return_only_once_their_entry_is_written() {
        let q = AuditQueue::default();
        let written = Mutex::new(std::collections::HashSet::new());
        let batches = AtomicUsize::new(0);
        let (threads, each) = (8, 50);
        std::thread::scope(|s| {
            for t in 0..threads {
                let (q, written, batches) = (&q, &written, &batches);
                s.spawn(move || {
                    for i in 0..each {
                        let code = format!("{t}-{i}");
                        let (seq, _) = q.push(entry(&code));
                        q.commit_through(seq, |b| {
                            std::thread::sleep(std::time::Duration::from_micros(200));
                            let mut w = written.lock().unwrap();
                            for a in b {
                                assert!(w.insert(a.code.clone()), "{} written twice", a.code);
                            }
                            batches.fetch_add(1, Ordering::SeqCst);
                            Ok(())
                        })
                        .unwrap();
                        assert!(
                            written.lock().unwrap().contains(&code),
                            "{code} not written"
                        );
                    }
                });
            }
        });
        assert_eq!(written.lock().unwrap().len(), threads * each);
        assert!(batches.load(Ordering::SeqCst) <= threads * each);
        assert_eq!(q.buffered(), 0);
    }
}
