//! Model store and ONNX Runtime loader.
