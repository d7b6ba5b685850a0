#![doc = include_str!("../README.md")]

pub mod cer;
pub mod error;
pub mod input;
pub mod model;
pub mod recognize;

pub use error::OcrError;
