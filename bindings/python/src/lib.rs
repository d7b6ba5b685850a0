#![doc = include_str!("../README.md")]
// pyo3's `#[pymodule]`/`#[pyclass]` macros expand to `extern "C"` entry points and raw CPython
// calls: the FFI boundary is unsafe by nature; all code written in this crate is safe Rust.
#![allow(unsafe_code)]

pub mod codes;
#[cfg(feature = "native")]
mod errors;
#[cfg(feature = "native")]
mod image_arg;
#[cfg(feature = "native")]
mod native;
#[cfg(feature = "native")]
mod types;

pub use codes::class_name;
