//! glibc malloc tuning for the subcommands that run ONNX models.
//!
//! With ONNX Runtime's arena off (it keeps the high-water mark of every input
//! shape, see `saoy_ocr::model`), every intermediate tensor is a `malloc`.
//! glibc serves the large ones with fresh `mmap`s and trims freed heap
//! memory, so each operator page-faults its output in again: 1.1-1.9 M page
//! faults per A4 page. Keeping those blocks in the heap took the A4 page from
//! 3.86-4.51 s to 3.01-3.61 s and the kiosk issuance from 5.03 to 4.11 s,
//! with the same peak memory (ocr/README.md has the measurement).
//!
//! glibc reads its tunables only at process start and the workspace forbids
//! the `unsafe` a `mallopt` call needs, so the model-running subcommands
//! start the same binary once more with `GLIBC_TUNABLES` set (an `exec`: same
//! process id, same standard streams). Nothing happens when `GLIBC_TUNABLES`
//! is already set (the launcher decided), when `SAOY_MALLOC_TUNING=0`, or on
//! other platforms.

/// The tunables: no `mmap` below 2 GB, no trimming below 4 GB of free top,
/// one malloc arena. With freed blocks kept, every arena holds its own
/// high-water mark (glibc gives each new thread an arena, up to 8 per
/// core): one arena took the peak RSS of an A4 page from 387-542 MB
/// (median 523) to 374-505 MB (median 387), and of `saoy demo` from
/// 614-728 MB to 463-546 MB, at the same speed (A4 median 8.2 s both,
/// demo issuance 8.4-11.4 s vs 8.5-9.6 s; 2026-12-04, AVX2-only machine,
/// load ~1.7; ocr/README.md).
pub const TUNABLES: &str = "glibc.malloc.mmap_threshold=2000000000:glibc.malloc.trim_threshold=4000000000:glibc.malloc.arena_max=1";

/// Set in the re-executed process, so it never re-executes again.
const MARK: &str = "SAOY_MALLOC_TUNED";

/// What [`apply`] found or did; reported by `saoy demo --json`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tuning {
    /// This process was started with saoy's tunables.
    Applied,
    /// `GLIBC_TUNABLES` came from the environment: left as it is.
    Inherited,
    /// Turned off with `SAOY_MALLOC_TUNING=0`.
    Off,
    /// Not glibc on Linux, or the re-execution failed.
    Unavailable,
}

impl Tuning {
    pub fn as_str(self) -> &'static str {
        match self {
            Tuning::Applied => "applied",
            Tuning::Inherited => "inherited",
            Tuning::Off => "off",
            Tuning::Unavailable => "unavailable",
        }
    }
}

/// The decision, from the three environment variables involved.
fn decide(mark: Option<&str>, tunables: Option<&str>, setting: Option<&str>) -> Result<Tuning, ()> {
    if mark.is_some() && tunables == Some(TUNABLES) {
        return Ok(Tuning::Applied);
    }
    if tunables.is_some() {
        return Ok(Tuning::Inherited);
    }
    if setting == Some("0") {
        return Ok(Tuning::Off);
    }
    if mark.is_some() {
        // Re-executed, but the variable did not survive: do not loop.
        return Ok(Tuning::Unavailable);
    }
    Err(())
}

fn decide_from_env() -> Result<Tuning, ()> {
    let var = |k: &str| std::env::var(k).ok();
    decide(
        var(MARK).as_deref(),
        var("GLIBC_TUNABLES").as_deref(),
        var("SAOY_MALLOC_TUNING").as_deref(),
    )
}

/// Re-execute with the tunables if that is what [`decide`] asks for; returns
/// only when no re-execution happened (or it failed).
pub fn apply() -> Tuning {
    decide_from_env().unwrap_or_else(|()| reexec())
}

/// The state of this process (no re-execution).
pub fn current() -> Tuning {
    decide_from_env().unwrap_or(Tuning::Unavailable)
}

#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn reexec() -> Tuning {
    use std::os::unix::process::CommandExt;
    let Ok(exe) = std::env::current_exe() else {
        return Tuning::Unavailable;
    };
    // `exec` returns only if it failed; then carry on untuned.
    let _failed = std::process::Command::new(exe)
        .args(std::env::args_os().skip(1))
        .env("GLIBC_TUNABLES", TUNABLES)
        .env(MARK, "1")
        .exec();
    Tuning::Unavailable
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn reexec() -> Tuning {
    Tuning::Unavailable
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decisions() {
        // Fresh process: re-execute.
        assert_eq!(decide(None, None, None), Err(()));
        assert_eq!(decide(None, None, Some("1")), Err(()));
        // The re-executed process.
        assert_eq!(decide(Some("1"), Some(TUNABLES), None), Ok(Tuning::Applied));
        // A launcher's own tunables win, with or without our mark.
        assert_eq!(
            decide(None, Some("glibc.malloc.arena_max=2"), None),
            Ok(Tuning::Inherited)
        );
        assert_eq!(decide(Some("1"), Some("x"), None), Ok(Tuning::Inherited));
        assert_eq!(decide(None, None, Some("0")), Ok(Tuning::Off));
        // Marked but no variable: never loop.
        assert_eq!(decide(Some("1"), None, None), Ok(Tuning::Unavailable));
    }
}
