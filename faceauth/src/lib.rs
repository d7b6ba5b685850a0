//! Face detection, alignment, embedding, matching and active liveness for the saoy kiosk.
