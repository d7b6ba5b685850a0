//! Exit codes shared by every subcommand (documented in `saoy --help`).

use std::process::ExitCode;

/// Success.
pub const OK: u8 = 0;
/// Negative result: invalid signature, no face match, revoked copy.
pub const NEGATIVE: u8 = 1;
/// Indeterminate result: e.g. no trust anchor for a signature.
pub const INDETERMINATE: u8 = 2;
/// Bad arguments.
pub const USAGE: u8 = 64;
/// Bad input data: corrupt image or PDF, no face, malformed code.
pub const DATA: u8 = 65;
/// Input file missing or unreadable.
pub const NO_INPUT: u8 = 66;
/// A required service or tool is unavailable.
pub const UNAVAILABLE: u8 = 69;
/// Internal error.
pub const SOFTWARE: u8 = 70;
/// I/O error writing output.
pub const IO: u8 = 74;

/// Write to standard output, with a newline when `newline`. A closed pipe (`saoy verify --json |
/// head -1`) ends the process quietly with 141 (128 + SIGPIPE, what a shell reports for a tool
/// killed by that signal) instead of the panic `println!` gives; any other write error is
/// reported with its stable code and exit code [`IO`].
pub fn write_stdout(args: std::fmt::Arguments<'_>, newline: bool) {
    use std::io::Write;
    let mut o = std::io::stdout().lock();
    let r = o
        .write_fmt(args)
        .and_then(|()| if newline { o.write_all(b"\n") } else { Ok(()) })
        .and_then(|()| o.flush());
    if let Err(e) = r {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            std::process::exit(141);
        }
        eprintln!("saoy: error [io_stdout]: cannot write to standard output: {e}");
        std::process::exit(i32::from(IO));
    }
}

/// Turn one of the constants above into an [`ExitCode`].
pub fn code(c: u8) -> ExitCode {
    ExitCode::from(c)
}

/// Print an error (text or JSON, with its stable code) and return the exit code.
pub fn fail(global: &crate::Global, stable_code: &str, message: &str, exit: u8) -> ExitCode {
    if global.json {
        let v = serde_json::json!({ "error": { "code": stable_code, "message": message } });
        outln!("{v}");
    } else {
        eprintln!("saoy: error [{stable_code}]: {message}");
    }
    code(exit)
}
