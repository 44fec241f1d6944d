//! The shell's lexer (POSIX Shell Command Language, 2.3 Token Recognition,
//! for the subset sh parses): words with their quoting kept, and the
//! operators `|` `||` `&` `&&` `;` `<` `>` `>>` `<&` `>&`, a redirection
//! operator optionally preceded by a file-descriptor number (`2>&1`).
//! `#` at the start of a word comments out the rest of the line.

use alloc::string::String;
use alloc::vec::Vec;

/// A piece of a word.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Part {
    /// Literal text; `quoted`: inside quotes or escaped (never split).
    Lit(String, bool),
    /// `$NAME`, `${NAME}` or a special parameter (`?`, `!`, `$`, `#`, a
    /// digit); `quoted`: inside double quotes (not field-split).
    Var(String, bool),
}

/// A word: its parts, in order.
pub type Word = Vec<Part>;

/// A redirection operator.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RedirOp {
    /// `<`: open for reading.
    In,
    /// `>`: create or truncate for writing.
    Out,
    /// `>>`: create, append.
    Append,
    /// `<&` / `>&`: duplicate a file descriptor.
    Dup,
}

/// A token.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Token {
    /// A word.
    Word(Word),
    /// A redirection: the fd it applies to (given, or the operator's
    /// default: 0 for `<` and `<&`, 1 for the others) and the operator;
    /// the target word follows.
    Redir(u32, RedirOp),
    /// `|`
    Pipe,
    /// `||`
    OrIf,
    /// `&&`
    AndIf,
    /// `&`
    Amp,
    /// `;`
    Semi,
}

/// Splits `line` into tokens; an unterminated quote is an error.
pub fn tokenize(line: &str) -> Result<Vec<Token>, &'static str> {
    let c: Vec<char> = line.chars().collect();
    let mut out = Vec::new();
    let mut word: Word = Vec::new();
    let mut i = 0;
    // Ends the current word (if any).
    fn flush(out: &mut Vec<Token>, word: &mut Word) {
        if !word.is_empty() {
            out.push(Token::Word(core::mem::take(word)));
        }
    }
    fn lit(word: &mut Word, ch: char, quoted: bool) {
        if let Some(Part::Lit(s, q)) = word.last_mut() {
            if *q == quoted {
                s.push(ch);
                return;
            }
        }
        word.push(Part::Lit(String::from(ch), quoted));
    }
    while i < c.len() {
        let ch = c[i];
        match ch {
            ' ' | '\t' | '\n' => {
                flush(&mut out, &mut word);
                i += 1;
            }
            '#' if word.is_empty() => break,
            '\\' => {
                if let Some(&n) = c.get(i + 1) {
                    lit(&mut word, n, true);
                }
                i += 2;
            }
            '\'' => {
                let end = c[i + 1..].iter().position(|&x| x == '\'').ok_or("unterminated '")?;
                if end == 0 {
                    word.push(Part::Lit(String::new(), true));
                }
                for &x in &c[i + 1..i + 1 + end] {
                    lit(&mut word, x, true);
                }
                i += end + 2;
            }
            '"' => {
                i += 1;
                let mut empty = true;
                loop {
                    match c.get(i) {
                        None => return Err("unterminated \""),
                        Some('"') => break,
                        Some('\\') if matches!(c.get(i + 1), Some('$' | '"' | '\\' | '`')) => {
                            lit(&mut word, c[i + 1], true);
                            i += 2;
                        }
                        Some('$') if var_at(&c, i).is_some() => {
                            let (name, len) = var_at(&c, i).unwrap_or_default();
                            word.push(Part::Var(name, true));
                            i += len;
                        }
                        Some(&x) => {
                            lit(&mut word, x, true);
                            i += 1;
                        }
                    }
                    empty = false;
                }
                if empty {
                    word.push(Part::Lit(String::new(), true));
                }
                i += 1;
            }
            '$' if var_at(&c, i).is_some() => {
                let (name, len) = var_at(&c, i).unwrap_or_default();
                word.push(Part::Var(name, false));
                i += len;
            }
            '|' | '&' | ';' => {
                flush(&mut out, &mut word);
                let double = c.get(i + 1) == Some(&ch) && ch != ';';
                out.push(match (ch, double) {
                    ('|', true) => Token::OrIf,
                    ('|', false) => Token::Pipe,
                    ('&', true) => Token::AndIf,
                    ('&', false) => Token::Amp,
                    _ => Token::Semi,
                });
                i += if double { 2 } else { 1 };
            }
            '<' | '>' => {
                // A word of digits right before the operator is its fd.
                let fd = match word.as_slice() {
                    [Part::Lit(s, false)] if !s.is_empty() && s.chars().all(|d| d.is_ascii_digit()) => {
                        let n = s.parse().ok();
                        word.clear();
                        n
                    }
                    _ => None,
                };
                flush(&mut out, &mut word);
                let next = c.get(i + 1).copied();
                let (op, len) = match (ch, next) {
                    ('>', Some('>')) => (RedirOp::Append, 2),
                    (_, Some('&')) => (RedirOp::Dup, 2),
                    ('<', _) => (RedirOp::In, 1),
                    _ => (RedirOp::Out, 1),
                };
                out.push(Token::Redir(fd.unwrap_or(if ch == '<' { 0 } else { 1 }), op));
                i += len;
            }
            x => {
                lit(&mut word, x, false);
                i += 1;
            }
        }
    }
    flush(&mut out, &mut word);
    Ok(out)
}

/// The parameter named at `c[i]` (a `$`): its name and the characters
/// it takes, or None if `$` is literal there.
fn var_at(c: &[char], i: usize) -> Option<(String, usize)> {
    let next = *c.get(i + 1)?;
    if "?!$#".contains(next) || next.is_ascii_digit() {
        return Some((String::from(next), 2));
    }
    if next == '{' {
        let end = c[i + 2..].iter().position(|&x| x == '}')?;
        let name: String = c[i + 2..i + 2 + end].iter().collect();
        return Some((name, end + 3));
    }
    if next == '_' || next.is_ascii_alphabetic() {
        let len = c[i + 1..].iter().take_while(|x| **x == '_' || x.is_ascii_alphanumeric()).count();
        return Some((c[i + 1..i + 1 + len].iter().collect(), len + 1));
    }
    None
}
