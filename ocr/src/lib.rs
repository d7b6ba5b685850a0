//! Vietnamese document recognition: scanned image to text lines to document fields (CCCD, MRZ, QR).
