//! Generators of fictional specimen documents (CCCD front/back, A4 forms) with ground truth, for tests and demos.
