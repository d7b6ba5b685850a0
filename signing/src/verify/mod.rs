//! PDF signature verification (runs natively and in the browser).
