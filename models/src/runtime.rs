//! ONNX Runtime loading (dynamic, from the store's library) and session building.
//!
//! The library is loaded once per process with `ort::init_from`; a missing,
//! unloadable or too-old library is a [`ModelError::RuntimeUnavailable`], never
//! a panic.

use crate::error::ModelError;
use crate::manifest::ModelId;
use crate::store::ModelStore;
use ort::environment::Environment;
use ort::session::Session;
use ort::session::builder::GraphOptimizationLevel;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};

static ENV: OnceLock<Environment> = OnceLock::new();
static INIT: Mutex<()> = Mutex::new(());

/// Load ONNX Runtime from `lib` (once per process) and return the environment.
///
/// The first successful call wins: later calls with another path reuse the
/// library already loaded.
pub fn environment(lib: &Path) -> Result<&'static Environment, ModelError> {
    if let Some(env) = ENV.get() {
        return Ok(env);
    }
    let _guard = INIT.lock().unwrap_or_else(|p| p.into_inner());
    if let Some(env) = ENV.get() {
        return Ok(env);
    }
    let unavailable = |detail: String| ModelError::RuntimeUnavailable {
        path: lib.to_path_buf(),
        detail,
    };
    if !lib.is_file() {
        return Err(unavailable("file not found".into()));
    }
    let builder = ort::init_from(lib).map_err(|e| unavailable(e.to_string()))?;
    let env = builder
        .with_name("saoy")
        .with_telemetry(false)
        .build()
        .map_err(|e| unavailable(e.to_string()))?;
    Ok(ENV.get_or_init(|| env))
}

/// The number of physical cores (the default inference thread count).
pub fn default_threads() -> usize {
    physical_cores().unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
}

fn physical_cores() -> Option<usize> {
    let info = std::fs::read_to_string("/proc/cpuinfo").ok()?;
    let mut cores = std::collections::BTreeSet::new();
    let mut phys = None;
    for line in info.lines() {
        let mut parts = line.splitn(2, ':');
        let key = parts.next().unwrap_or("").trim();
        let val = parts.next().unwrap_or("").trim();
        match key {
            "physical id" => phys = val.parse::<u32>().ok(),
            "core id" => {
                if let Ok(c) = val.parse::<u32>() {
                    cores.insert((phys.unwrap_or(0), c));
                }
            }
            _ => {}
        }
    }
    (!cores.is_empty()).then_some(cores.len())
}

/// Build an inference session for a model file.
///
/// `threads` is the intra-op thread count (0 means [`default_threads`]).
pub fn session_from_file(lib: &Path, model: &Path, threads: usize) -> Result<Session, ModelError> {
    let env = environment(lib)?;
    let fail = |detail: String| ModelError::Session {
        model: model.to_path_buf(),
        detail,
    };
    if !model.is_file() {
        return Err(fail("file not found; run `saoy models fetch`".into()));
    }
    let threads = if threads == 0 {
        default_threads()
    } else {
        threads
    };
    let builder = Session::builder(env).map_err(|e| fail(e.to_string()))?;
    let builder = builder
        .with_optimization_level(GraphOptimizationLevel::Level3)
        .map_err(|e| fail(e.to_string()))?;
    let builder = builder
        .with_intra_threads(threads)
        .map_err(|e| fail(e.to_string()))?;
    let mut builder = builder
        .with_inter_threads(1)
        .map_err(|e| fail(e.to_string()))?;
    builder
        .commit_from_file(model)
        .map_err(|e| fail(e.to_string()))
}

impl ModelStore {
    /// Path of the ONNX Runtime library in this store.
    pub fn runtime_library(&self) -> PathBuf {
        self.path(ModelId::OnnxRuntimeLibrary)
    }

    /// Build an inference session for `id` with `threads` intra-op threads
    /// (0 = [`default_threads`]), loading ONNX Runtime from this store first.
    pub fn session(&self, id: ModelId, threads: usize) -> Result<Session, ModelError> {
        session_from_file(&self.runtime_library(), &self.path(id), threads)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // No other test in this (unit-test) binary loads ONNX Runtime, so these
    // exercise the real first-load path.
    #[test]
    fn missing_library_is_a_typed_error_not_a_panic() {
        let err = environment(Path::new("/nonexistent/libonnxruntime.so.1.31.1")).unwrap_err();
        assert_eq!(err.code(), "models.runtime_unavailable");
        assert!(err.to_string().contains("saoy models fetch"));
    }

    #[test]
    fn garbage_library_is_a_typed_error_not_a_panic() {
        let dir = tempfile::tempdir().unwrap();
        let lib = dir.path().join("libonnxruntime.so.1.31.1");
        std::fs::write(&lib, b"\x7fELF but not really").unwrap();
        let err = session_from_file(&lib, Path::new("/nonexistent.onnx"), 1).unwrap_err();
        assert_eq!(err.code(), "models.runtime_unavailable", "{err}");
    }

    #[test]
    fn default_threads_is_positive() {
        let n = default_threads();
        assert!(n >= 1 && n <= std::thread::available_parallelism().map_or(1024, |p| p.get()));
    }
}
