//! The host side of the console the UART drives: where transmitted bytes go,
//! where received bytes come from, and the conditions on the console that
//! end a run.
//!
//! Output goes to standard output or to a buffer. Standard output is
//! written in chunks: at every newline when it is a terminal, when
//! [`OUT_CHUNK`] bytes wait, [`FLUSH_CYCLES`] after a byte (so a
//! prompt shows while the guest waits), when the machine idles, and when the
//! run ends. A write error
//! ends the run ([`ConsoleEnd::Closed`] for a reader that went away, EPIPE;
//! [`ConsoleEnd::WriteError`] for any other).
//!
//! Input comes from nowhere, from a fixed byte script (`--console-input`),
//! from an expect-style script (`--console-script`, [`ExpectScript`]), or
//! from the host's standard input (read by a background thread; on a
//! terminal, QEMU's `-nographic` escapes apply: Ctrl-A x quits, Ctrl-A h
//! prints help, Ctrl-A c says there is no monitor, Ctrl-A Ctrl-A sends one
//! Ctrl-A).
//!
//! Scripted bytes are paced so that a run is deterministic and no byte is
//! offered before the guest waits for input: the next byte is offered when
//! the receiver is empty and the guest has enabled the received-data
//! interrupt, or has polled the empty receiver [`SCRIPT_PATIENCE`] times in
//! a row, or [`IDLE_PATIENCE`] times with every hart gone idle (WFI) since
//! the last byte.

use std::collections::VecDeque;
use std::io::{IsTerminal, Read, Write};
use std::sync::mpsc::{self, Receiver, TryRecvError};

/// Polls of an empty receiver after which scripted input offers its next
/// byte.
pub const SCRIPT_PATIENCE: u32 = 1000;

/// Polls of an empty receiver after which scripted input offers its next
/// byte to a machine whose harts are all idle (in WFI): a guest that polls
/// from its timer tick while it waits for input gets a byte every 16 ticks,
/// not every 1000.
pub const IDLE_PATIENCE: u32 = 16;

/// Default instructions an `expect` of a [`ExpectScript`] may wait (all
/// harts) before the run ends with [`ConsoleEnd::ScriptTimeout`].
pub const DEFAULT_EXPECT_TIMEOUT: u64 = 10_000_000_000;

/// Bytes of standard output kept before they are written out.
pub const OUT_CHUNK: usize = 4096;

/// Cycles (1 ms of guest time) after which buffered standard output is
/// written out.
pub const FLUSH_CYCLES: u64 = 100_000;

/// Ctrl-A, QEMU's escape character.
const ESCAPE: u8 = 0x01;

/// Where transmitted bytes go.
pub enum ConsoleOut {
    /// The host's standard output.
    Stdout(std::io::Stdout),
    /// An in-memory buffer (tests read it back).
    Buffer(Vec<u8>),
}

/// Where received bytes come from.
pub enum ConsoleIn {
    /// Nothing is ever received.
    None,
    /// A fixed script of bytes, received in order, paced (see the module
    /// documentation).
    Script(VecDeque<u8>),
    /// An expect-style script: lines sent when the console shows what the
    /// script waits for.
    Expect(ExpectScript),
    /// The host's standard input, read by a background thread so that the
    /// machine never blocks on it; `escapes`: Ctrl-A sequences are
    /// commands (QEMU `-nographic`), as when standard input is a terminal.
    Stdin {
        /// Interpret Ctrl-A escapes.
        escapes: bool,
    },
}

/// Why the console ends the run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ConsoleEnd {
    /// The user typed Ctrl-A x.
    Quit,
    /// Standard output's reader went away (EPIPE).
    Closed,
    /// Writing standard output failed otherwise (the error text).
    WriteError(String),
    /// The console showed the string the run was to end on.
    Matched(String),
    /// An `expect` of the console script waited longer than its timeout.
    ScriptTimeout {
        /// What it waited for.
        expect: String,
        /// Its timeout, in instructions.
        instructions: u64,
    },
}

/// One step of an [`ExpectScript`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ScriptStep {
    /// Wait until the console shows these bytes (after what the previous
    /// `expect` matched).
    Expect(Vec<u8>),
    /// Type these bytes.
    Send(Vec<u8>),
    /// Later `expect`s may wait this many instructions.
    Timeout(u64),
}

/// An expect-style console script (`--console-script FILE`), one directive
/// a line; blank lines and lines starting with `#` are ignored:
///
/// - `expect TEXT`: wait until the console shows TEXT;
/// - `send TEXT`: type TEXT and a newline;
/// - `type TEXT`: type TEXT alone;
/// - `timeout N`: later `expect`s may wait N instructions (all harts;
///   default [`DEFAULT_EXPECT_TIMEOUT`]); past it the run ends with exit
///   status 124.
///
/// TEXT is the rest of the line after one space, with the escapes `\n`,
/// `\r`, `\t`, `\e` (ESC), `\\`, `\s` (a space, for text ending in one) and
/// `\xHH`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExpectScript {
    steps: Vec<ScriptStep>,
    next: usize,
    timeout: u64,
    /// Instruction count when the current `expect` began waiting.
    since: Option<u64>,
    /// The console output since the last match (its last bytes only).
    seen: Vec<u8>,
}

impl ExpectScript {
    /// Parse a script; errors name the line.
    pub fn parse(text: &str) -> Result<ExpectScript, String> {
        let mut steps = Vec::new();
        for (n, line) in text.lines().enumerate() {
            let line = line.strip_suffix('\r').unwrap_or(line);
            if line.trim().is_empty() || line.trim_start().starts_with('#') {
                continue;
            }
            let (word, rest) = line.split_once(' ').unwrap_or((line, ""));
            let text = || unescape(rest).map_err(|e| format!("line {}: {e}", n + 1));
            steps.push(match word {
                "expect" if !rest.is_empty() => ScriptStep::Expect(text()?),
                "send" => ScriptStep::Send([text()?, b"\n".to_vec()].concat()),
                "type" => ScriptStep::Send(text()?),
                "timeout" => ScriptStep::Timeout(
                    rest.trim()
                        .replace('_', "")
                        .parse()
                        .map_err(|_| format!("line {}: timeout takes a number of instructions, not '{rest}'", n + 1))?,
                ),
                "expect" => return Err(format!("line {}: expect needs a text", n + 1)),
                _ => {
                    return Err(format!(
                        "line {}: unknown directive '{word}' (known: expect, send, type, timeout)",
                        n + 1
                    ))
                }
            });
        }
        Ok(ExpectScript { steps, next: 0, timeout: DEFAULT_EXPECT_TIMEOUT, since: None, seen: Vec::new() })
    }

    /// Run the steps that need no waiting (send, timeout), appending typed
    /// bytes to `typed`.
    fn advance(&mut self, typed: &mut VecDeque<u8>) {
        while let Some(step) = self.steps.get(self.next) {
            match step {
                ScriptStep::Expect(_) => return,
                ScriptStep::Send(b) => typed.extend(b),
                ScriptStep::Timeout(t) => self.timeout = *t,
            }
            self.next += 1;
        }
    }

    /// The console printed `b`.
    fn output(&mut self, b: u8, typed: &mut VecDeque<u8>) {
        let Some(ScriptStep::Expect(want)) = self.steps.get(self.next) else { return };
        self.seen.push(b);
        if self.seen.ends_with(want) {
            self.seen.clear();
            self.since = None;
            self.next += 1;
            self.advance(typed);
        } else if self.seen.len() >= 2 * want.len().max(64) {
            let keep = want.len();
            self.seen.drain(..self.seen.len() - keep);
        }
    }

    /// The end of the run when the current `expect` has waited longer than
    /// its timeout at `instructions` retired.
    fn check(&mut self, instructions: u64) -> Option<ConsoleEnd> {
        let Some(ScriptStep::Expect(want)) = self.steps.get(self.next) else { return None };
        let since = *self.since.get_or_insert(instructions);
        (instructions - since > self.timeout).then(|| ConsoleEnd::ScriptTimeout {
            expect: String::from_utf8_lossy(want).into_owned(),
            instructions: self.timeout,
        })
    }
}

fn unescape(s: &str) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            let mut b = [0; 4];
            out.extend_from_slice(c.encode_utf8(&mut b).as_bytes());
            continue;
        }
        out.push(match chars.next() {
            Some('n') => b'\n',
            Some('r') => b'\r',
            Some('t') => b'\t',
            Some('e') => 0x1b,
            Some('s') => b' ',
            Some('\\') => b'\\',
            Some('x') => {
                let hex: String = chars.by_ref().take(2).collect();
                u8::from_str_radix(&hex, 16).map_err(|_| format!("\\x needs two hex digits, not '{hex}'"))?
            }
            other => return Err(format!("unknown escape '\\{}'", other.map_or(String::new(), String::from))),
        });
    }
    Ok(out)
}

/// What the standard-input thread hands over.
enum HostInput {
    Byte(u8),
    Quit,
}

/// Scripted input and its pacing state.
struct Paced {
    typed: VecDeque<u8>,
    script: Option<ExpectScript>,
}

enum Source {
    None,
    Paced(Paced),
    Stdin { escapes: bool, rx: Option<Receiver<HostInput>> },
}

/// Both ends of the console and the end conditions seen on it.
pub struct Console {
    source: Source,
    out: ConsoleOut,
    /// Standard-output bytes not yet written.
    pending: Vec<u8>,
    /// Guest reads of the empty receiver in a row.
    empty_polls: u32,
    /// Every hart went idle since the last scripted byte.
    idle: bool,
    /// The string that ends the run when the console shows it, and the
    /// output seen so far (its last bytes only).
    end_on: Option<(Vec<u8>, Vec<u8>)>,
    end: Option<ConsoleEnd>,
    /// Standard output failed: later output is dropped.
    broken: bool,
    /// Cycle at which the oldest pending output byte was seen.
    pending_since: Option<u64>,
    /// Standard output is a terminal: written out at every newline.
    line_flush: bool,
}

/// A console with no input whose output goes to a buffer.
impl Default for Console {
    fn default() -> Self {
        Console::new(ConsoleIn::None, ConsoleOut::Buffer(Vec::new()))
    }
}

impl Console {
    /// A console with these ends.
    pub fn new(input: ConsoleIn, out: ConsoleOut) -> Console {
        let source = match input {
            ConsoleIn::None => Source::None,
            ConsoleIn::Script(typed) => Source::Paced(Paced { typed, script: None }),
            ConsoleIn::Expect(mut script) => {
                let mut typed = VecDeque::new();
                script.advance(&mut typed);
                Source::Paced(Paced { typed, script: Some(script) })
            }
            ConsoleIn::Stdin { escapes } => Source::Stdin { escapes, rx: None },
        };
        let line_flush = matches!(&out, ConsoleOut::Stdout(s) if s.is_terminal());
        Console {
            source,
            out,
            pending: Vec::new(),
            empty_polls: 0,
            idle: false,
            end_on: None,
            end: None,
            broken: false,
            pending_since: None,
            line_flush,
        }
    }

    /// End the run when the console shows `text`.
    pub fn end_on_output(&mut self, text: &[u8]) {
        self.end_on = Some((text.to_vec(), Vec::new()));
    }

    /// Print `b`. After the `--end-on-output` text showed, output is
    /// dropped: the console ends with it.
    pub fn write(&mut self, b: u8) {
        if matches!(self.end, Some(ConsoleEnd::Matched(_))) {
            return;
        }
        match &mut self.out {
            ConsoleOut::Buffer(v) => v.push(b),
            ConsoleOut::Stdout(_) => {
                self.pending.push(b);
                if (b == b'\n' && self.line_flush) || self.pending.len() >= OUT_CHUNK {
                    self.flush();
                }
            }
        }
        if let Source::Paced(Paced { typed, script: Some(s) }) = &mut self.source {
            s.output(b, typed);
        }
        if let Some((want, seen)) = &mut self.end_on {
            seen.push(b);
            if seen.ends_with(want) && self.end.is_none() {
                self.end = Some(ConsoleEnd::Matched(String::from_utf8_lossy(want).into_owned()));
            } else if seen.len() >= 2 * want.len().max(64) {
                let keep = want.len();
                seen.drain(..seen.len() - keep);
            }
        }
    }

    /// Write out what standard output holds.
    pub fn flush(&mut self) {
        let ConsoleOut::Stdout(s) = &mut self.out else { return };
        self.pending_since = None;
        if self.pending.is_empty() || self.broken {
            self.pending.clear();
            return;
        }
        let r = s.write_all(&self.pending).and_then(|()| s.flush());
        self.pending.clear();
        if let Err(e) = r {
            self.broken = true;
            self.end = Some(if e.kind() == std::io::ErrorKind::BrokenPipe {
                ConsoleEnd::Closed
            } else {
                ConsoleEnd::WriteError(e.to_string())
            });
        }
    }

    /// The guest read the receiver and found it empty.
    pub fn polled_empty(&mut self) {
        self.empty_polls = self.empty_polls.saturating_add(1);
    }

    /// Time is at cycle `now`: standard output is written out once its
    /// oldest byte is [`FLUSH_CYCLES`] old (a prompt shows while the guest
    /// waits, whatever it does meanwhile).
    pub fn tick(&mut self, now: u64) {
        match self.pending_since {
            Some(t) if now.saturating_sub(t) >= FLUSH_CYCLES => self.flush(),
            None if !self.pending.is_empty() => self.pending_since = Some(now),
            _ => {}
        }
    }

    /// Every hart is idle (in WFI): the guest waits for something.
    pub fn machine_idle(&mut self) {
        self.idle = true;
        self.flush();
    }

    /// The next received byte, when one may arrive now; `rx_interrupt`: the
    /// guest has enabled the received-data interrupt.
    pub fn next_byte(&mut self, rx_interrupt: bool) -> Option<u8> {
        match &mut self.source {
            Source::None => None,
            Source::Paced(p) => {
                let idle_wait = self.idle && self.empty_polls >= IDLE_PATIENCE;
                if !(rx_interrupt || idle_wait || self.empty_polls >= SCRIPT_PATIENCE) {
                    return None;
                }
                let b = p.typed.pop_front()?;
                self.empty_polls = 0;
                self.idle = false;
                Some(b)
            }
            Source::Stdin { escapes, rx } => {
                let rx = rx.get_or_insert_with(|| spawn_stdin_reader(*escapes));
                match rx.try_recv() {
                    Ok(HostInput::Byte(b)) => Some(b),
                    Ok(HostInput::Quit) => {
                        self.end.get_or_insert(ConsoleEnd::Quit);
                        None
                    }
                    Err(TryRecvError::Empty) => None,
                    Err(TryRecvError::Disconnected) => {
                        // End of input: nothing more will ever arrive.
                        self.source = Source::None;
                        None
                    }
                }
            }
        }
    }

    /// True when received bytes may still arrive later from the host (an
    /// open standard input): an idle guest is then waiting for its user.
    pub fn input_may_arrive(&self) -> bool {
        matches!(self.source, Source::Stdin { .. })
    }

    /// True when scripted bytes are waiting to be typed.
    pub fn script_pending(&self) -> bool {
        matches!(&self.source, Source::Paced(p) if !p.typed.is_empty())
    }

    /// The condition that ends the run, if one holds, at `instructions`
    /// retired (taken: reported once).
    pub fn take_end(&mut self, instructions: u64) -> Option<ConsoleEnd> {
        if self.end.is_none() {
            if let Source::Paced(Paced { script: Some(s), .. }) = &mut self.source {
                self.end = s.check(instructions);
            }
        }
        self.end.take()
    }

    /// Empty the output buffer (when the output is one).
    pub fn clear_output(&mut self) {
        if let ConsoleOut::Buffer(v) = &mut self.out {
            v.clear();
        }
    }

    /// Everything transmitted so far, when the output is a buffer.
    pub fn output(&self) -> Option<&[u8]> {
        match &self.out {
            ConsoleOut::Buffer(v) => Some(v),
            ConsoleOut::Stdout(_) => None,
        }
    }
}

const HELP: &str = "\r\nC-a h    print this help\r\nC-a x    exit svemu\r\nC-a c    (QEMU: switch to the monitor; svemu has none)\r\nC-a C-a  sends C-a\r\n";

fn spawn_stdin_reader(escapes: bool) -> Receiver<HostInput> {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut buf = [0u8; 256];
        let mut stdin = std::io::stdin();
        let mut after_escape = false;
        while let Ok(n) = stdin.read(&mut buf) {
            if n == 0 {
                break;
            }
            for &b in &buf[..n] {
                let send = if !escapes {
                    Some(HostInput::Byte(b))
                } else if after_escape {
                    after_escape = false;
                    match b {
                        b'x' | b'X' => Some(HostInput::Quit),
                        ESCAPE => Some(HostInput::Byte(ESCAPE)),
                        b'h' | b'H' | b'?' => {
                            diag_text!("{HELP}");
                            None
                        }
                        b'c' | b'C' => {
                            diag_text!("\r\nsvemu: there is no monitor (C-a x exits, C-a h lists the keys)\r\n");
                            None
                        }
                        _ => None,
                    }
                } else if b == ESCAPE {
                    after_escape = true;
                    None
                } else {
                    Some(HostInput::Byte(b))
                };
                if let Some(s) = send {
                    let quit = matches!(s, HostInput::Quit);
                    if tx.send(s).is_err() || quit {
                        return;
                    }
                }
            }
        }
    });
    rx
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn script_parses_escapes_and_reports_bad_lines() {
        let s = ExpectScript::parse("# c\n\nexpect $\\s\nsend ls -l\ntype \\x03\\e\ntimeout 1_000\n").unwrap();
        assert_eq!(
            s.steps,
            vec![
                ScriptStep::Expect(b"$ ".to_vec()),
                ScriptStep::Send(b"ls -l\n".to_vec()),
                ScriptStep::Send(vec![3, 0x1b]),
                ScriptStep::Timeout(1000)
            ]
        );
        assert!(ExpectScript::parse("expect\n").unwrap_err().contains("line 1"));
        assert!(ExpectScript::parse("send ok\nwait 3\n").unwrap_err().contains("line 2: unknown directive 'wait'"));
        assert!(ExpectScript::parse("send \\xZZ").unwrap_err().contains("two hex digits"));
        assert!(ExpectScript::parse("timeout soon").is_err());
    }

    #[test]
    fn expect_sends_only_after_the_text_and_times_out() {
        let script = ExpectScript::parse("expect login:\nsend root\ntimeout 100\nexpect #\n").unwrap();
        let mut c = Console::new(ConsoleIn::Expect(script), ConsoleOut::Buffer(Vec::new()));
        assert_eq!(c.next_byte(true), None, "nothing typed before the prompt");
        for &b in b"login" {
            c.write(b);
        }
        assert_eq!(c.next_byte(true), None);
        c.write(b':');
        let typed: Vec<u8> = std::iter::from_fn(|| c.next_byte(true)).collect();
        assert_eq!(typed, b"root\n");
        assert_eq!(c.take_end(1000), None, "the timeout starts when the expect begins waiting");
        assert_eq!(c.take_end(1100), None);
        assert_eq!(c.take_end(1101), Some(ConsoleEnd::ScriptTimeout { expect: "#".into(), instructions: 100 }));
    }

    #[test]
    fn paced_input_waits_for_a_waiting_guest() {
        let mut c = Console::new(ConsoleIn::Script(b"abc".iter().copied().collect()), ConsoleOut::Buffer(Vec::new()));
        assert_eq!(c.next_byte(false), None);
        c.machine_idle();
        assert_eq!(c.next_byte(false), None, "idle, but the guest has not looked for input");
        for _ in 1..IDLE_PATIENCE {
            c.polled_empty();
        }
        assert_eq!(c.next_byte(false), None, "not looked often enough");
        c.polled_empty();
        assert_eq!(c.next_byte(false), Some(b'a'));
        assert_eq!(c.next_byte(false), None, "one byte per wait");
        for _ in 0..IDLE_PATIENCE {
            c.polled_empty();
        }
        assert_eq!(c.next_byte(false), None, "looked, but not idle since the last byte");
        c.machine_idle();
        assert_eq!(c.next_byte(false), Some(b'b'));
        for _ in 0..SCRIPT_PATIENCE {
            c.polled_empty();
        }
        assert_eq!(c.next_byte(false), Some(b'c'), "a guest that polls without idling");
        assert_eq!(c.next_byte(true), None, "the script is done");
    }

    #[test]
    fn end_on_output_matches_across_writes() {
        let mut c = Console::new(ConsoleIn::None, ConsoleOut::Buffer(Vec::new()));
        c.end_on_output(b"Power down");
        for &b in b"xx Power" {
            c.write(b);
        }
        assert_eq!(c.take_end(0), None);
        for &b in b" down\n" {
            c.write(b);
        }
        assert_eq!(c.take_end(0), Some(ConsoleEnd::Matched("Power down".into())));
    }
}
