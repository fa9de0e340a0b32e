//! iron
