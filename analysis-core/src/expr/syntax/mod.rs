//! Syntax: the lexer, the parser and the tree it builds, following Go expr v1.17.8's grammar,
//! precedence and error texts. Knows nothing of types or values.

pub(crate) mod ast;
pub(crate) mod builtins;
pub(crate) mod lexer;
mod parser;
mod parser_calls;
mod parser_members;

pub(crate) use parser::parse;
