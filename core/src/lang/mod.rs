//! The op language: `Op` (one operation, printable), the parser and the suggestions.

pub mod op;
pub mod script;
pub mod suggest;
pub mod vocab;
