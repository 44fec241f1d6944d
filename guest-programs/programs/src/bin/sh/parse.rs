//! The shell's grammar (POSIX Shell Command Language 2.9/2.10, the subset
//! sh runs): a list of and-or lists separated by `;` or `&` (background),
//! each a chain of pipelines joined by `&&` / `||`, each a chain of simple
//! commands joined by `|`; a simple command is assignments, words and
//! redirections in any order after the assignments.

use crate::lex::{Part, RedirOp, Token, Word};
use alloc::string::String;
use alloc::vec::Vec;

/// One redirection of a command.
#[derive(Clone, Debug)]
pub struct Redir {
    /// The file descriptor it sets up.
    pub fd: u32,
    /// What it does.
    pub op: RedirOp,
    /// The file (or, for Dup, the fd number).
    pub target: Word,
}

/// A simple command.
#[derive(Clone, Debug, Default)]
pub struct Command {
    /// `NAME=value` words before the command name.
    pub assigns: Vec<(String, Word)>,
    /// The command name and its arguments.
    pub words: Vec<Word>,
    /// Redirections, applied in order.
    pub redirs: Vec<Redir>,
}

/// Commands joined by `|`.
pub type Pipeline = Vec<Command>;

/// Pipelines joined by `&&` (true) or `||` (false).
#[derive(Clone, Debug)]
pub struct AndOr {
    /// The first pipeline.
    pub first: Pipeline,
    /// The others, each with its operator (true: `&&`).
    pub rest: Vec<(bool, Pipeline)>,
}

/// One and-or list and whether it runs in the background (`&`).
#[derive(Clone, Debug)]
pub struct Item {
    /// The list.
    pub list: AndOr,
    /// Ended by `&`.
    pub background: bool,
}

/// Parses a line's tokens.
pub fn parse(tokens: Vec<Token>) -> Result<Vec<Item>, String> {
    let mut items = Vec::new();
    let mut it = tokens.into_iter().peekable();
    while it.peek().is_some() {
        if it.peek() == Some(&Token::Semi) {
            it.next();
            continue;
        }
        let first = pipeline(&mut it)?;
        let mut rest = Vec::new();
        let mut background = false;
        loop {
            match it.next() {
                Some(Token::AndIf) => rest.push((true, pipeline(&mut it)?)),
                Some(Token::OrIf) => rest.push((false, pipeline(&mut it)?)),
                Some(Token::Amp) => {
                    background = true;
                    break;
                }
                Some(Token::Semi) | None => break,
                Some(t) => return Err(alloc::format!("syntax error near {}", describe(&t))),
            }
        }
        items.push(Item { list: AndOr { first, rest }, background });
    }
    Ok(items)
}

fn describe(t: &Token) -> &'static str {
    match t {
        Token::Pipe => "|",
        Token::OrIf => "||",
        Token::AndIf => "&&",
        Token::Amp => "&",
        Token::Semi => ";",
        Token::Redir(..) => "a redirection",
        Token::Word(_) => "a word",
    }
}

fn pipeline<I: Iterator<Item = Token>>(it: &mut core::iter::Peekable<I>) -> Result<Pipeline, String> {
    let mut p = Vec::new();
    loop {
        p.push(command(it)?);
        if it.peek() == Some(&Token::Pipe) {
            it.next();
        } else {
            return Ok(p);
        }
    }
}

fn command<I: Iterator<Item = Token>>(it: &mut core::iter::Peekable<I>) -> Result<Command, String> {
    let mut c = Command::default();
    loop {
        match it.peek() {
            Some(Token::Word(_)) => {
                let Some(Token::Word(w)) = it.next() else { unreachable!() };
                match assignment(&w) {
                    Some(a) if c.words.is_empty() => c.assigns.push(a),
                    _ => c.words.push(w),
                }
            }
            Some(Token::Redir(..)) => {
                let Some(Token::Redir(fd, op)) = it.next() else { unreachable!() };
                match it.next() {
                    Some(Token::Word(target)) => c.redirs.push(Redir { fd, op, target }),
                    _ => return Err(String::from("syntax error: a redirection needs a file")),
                }
            }
            Some(t) if c.words.is_empty() && c.assigns.is_empty() && c.redirs.is_empty() => {
                return Err(alloc::format!("syntax error near {}", describe(t)))
            }
            _ => return Ok(c),
        }
    }
}

/// `NAME=value` as (NAME, value word), if `w` is one: the name unquoted,
/// a letter or `_` then letters, digits, `_`.
fn assignment(w: &Word) -> Option<(String, Word)> {
    let Some(Part::Lit(first, false)) = w.first() else { return None };
    let eq = first.find('=')?;
    let name = &first[..eq];
    let mut chars = name.chars();
    if !chars.next().is_some_and(|c| c == '_' || c.is_ascii_alphabetic())
        || !chars.all(|c| c == '_' || c.is_ascii_alphanumeric())
    {
        return None;
    }
    let mut value: Word = Vec::new();
    if eq + 1 < first.len() {
        value.push(Part::Lit(String::from(&first[eq + 1..]), false));
    }
    value.extend(w[1..].iter().cloned());
    Some((String::from(name), value))
}
