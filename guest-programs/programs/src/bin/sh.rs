//! sh: a small shell.
//!
//! Usage: `sh` (interactive: reads lines from fd 0, prompt `sh$ `) or
//! `sh FILE` (runs the script FILE from the initrd, echoing each command
//! line as `$ line`, and exits at its end).
//!
//! Syntax: commands separated by `;` or newlines; `cmd args... &` runs in
//! the background; `#` starts a comment. Builtins: `echo ARGS`, `wait`
//! (reaps every child, reports them in pid order), `kill [-9|-15] PID`,
//! `exit [N]`. The word `$!` is the pid of the last background job. Anything else runs the initrd program of that name with the
//! arguments. A foreground command's end is reported as `[PID] exit S`
//! (S = exit code, or 128 + signal with the signal's name).
#![no_std]
#![no_main]

extern crate alloc;
use alloc::string::String;
use alloc::vec::Vec;
use ulib::{print, println, sys};

fn report(pid: isize, st: i32) {
    let code = sys::status_code(st);
    match st & 0x7f {
        0 => println!("[{}] exit {}", pid, code),
        9 => println!("[{}] exit {} (SIGKILL)", pid, code),
        15 => println!("[{}] exit {} (SIGTERM)", pid, code),
        11 => println!("[{}] exit {} (SIGSEGV)", pid, code),
        4 => println!("[{}] exit {} (SIGILL)", pid, code),
        s => println!("[{}] exit {} (signal {})", pid, code, s),
    }
}

/// pid of the last background job (`$!`).
static mut LAST_BG: isize = 0;

/// Returns Some(code) if the shell should exit.
fn run_command(words: &[&str], background: bool) -> Option<i32> {
    match words[0] {
        "exit" => return Some(words.get(1).and_then(|s| s.parse().ok()).unwrap_or(0)),
        "echo" => {
            let mut line = String::new();
            for (i, w) in words[1..].iter().enumerate() {
                if i > 0 {
                    line.push(' ');
                }
                line.push_str(w);
            }
            line.push('\n');
            print!("{}", line);
        }
        "wait" => {
            let mut done: Vec<(isize, i32)> = Vec::new();
            loop {
                let mut st = 0;
                let r = sys::wait4(-1, &mut st, 0);
                if r <= 0 {
                    break;
                }
                done.push((r, st));
            }
            done.sort();
            for (pid, st) in done {
                report(pid, st);
            }
        }
        "kill" => {
            let (sig, pid) = match words {
                [_, s, p] if s.starts_with('-') => (s[1..].parse().unwrap_or(0), *p),
                [_, p] => (sys::SIGTERM, *p),
                _ => {
                    println!("sh: usage: kill [-9|-15] PID");
                    return None;
                }
            };
            let r = sys::kill(pid.parse().unwrap_or(0), sig);
            if r < 0 {
                println!("sh: kill: error {}", r);
            }
        }
        _ => {
            let pid = ulib::spawn(words);
            if pid < 0 {
                println!("sh: fork failed: {}", pid);
            } else if background {
                unsafe { LAST_BG = pid };
                println!("[{}] {} &", pid, words[0]);
            } else {
                let mut st = 0;
                if sys::wait4(pid, &mut st, 0) == pid {
                    report(pid, st);
                }
            }
        }
    }
    None
}

/// Runs one input line. Returns Some(code) on `exit`.
fn run_line(line: &str) -> Option<i32> {
    let line = line.split('#').next().unwrap_or("");
    let mut cur = String::new();
    let mut cmds: Vec<(String, bool)> = Vec::new();
    for c in line.chars() {
        match c {
            ';' | '&' => {
                cmds.push((core::mem::take(&mut cur), c == '&'));
            }
            c => cur.push(c),
        }
    }
    cmds.push((cur, false));
    for (cmd, bg) in cmds {
        let last = alloc::format!("{}", unsafe { LAST_BG });
        let words: Vec<&str> = cmd.split_whitespace().map(|w| if w == "$!" { last.as_str() } else { w }).collect();
        if words.is_empty() {
            continue;
        }
        if let Some(code) = run_command(&words, bg) {
            return Some(code);
        }
    }
    None
}

fn read_file(name: &str) -> Option<Vec<u8>> {
    let mut path = Vec::from(name.as_bytes());
    path.push(0);
    let fd = sys::open(&path);
    if fd < 0 {
        return None;
    }
    let mut out = Vec::new();
    let mut buf = [0u8; 512];
    loop {
        let n = sys::read(fd as usize, &mut buf);
        if n <= 0 {
            break;
        }
        out.extend_from_slice(&buf[..n as usize]);
    }
    sys::close(fd as usize);
    Some(out)
}

#[no_mangle]
fn main() -> i32 {
    if ulib::argc() > 1 {
        let name = ulib::arg(1);
        let Some(script) = read_file(name) else {
            println!("sh: cannot open {}", name);
            return 127;
        };
        let text = core::str::from_utf8(&script).unwrap_or("");
        for line in text.lines() {
            let t = line.trim();
            if t.is_empty() || t.starts_with('#') {
                continue;
            }
            println!("$ {}", t);
            if let Some(code) = run_line(t) {
                return code;
            }
        }
        return 0;
    }
    loop {
        print!("sh$ ");
        let Some((line, len)) = read_line() else {
            println!();
            return 0;
        };
        if len > MAX_LINE {
            println!("sh: line too long ({} bytes; at most {})", len, MAX_LINE);
            continue;
        }
        let line = core::str::from_utf8(&line).unwrap_or("");
        if let Some(code) = run_line(line) {
            return code;
        }
    }
}

/// Longest command line the shell runs (Linux's tty line limit, N_TTY_BUF_SIZE).
const MAX_LINE: usize = 4096;

/// One line of standard input, without its newline, and its full length,
/// however many reads it takes (the terminal returns at most a buffer's
/// worth per read); `None` at end of file with nothing read. Bytes past
/// [`MAX_LINE`] are read and dropped, so the line's end is still found.
fn read_line() -> Option<(Vec<u8>, usize)> {
    let mut line = Vec::new();
    let mut dropped = 0usize;
    let mut buf = [0u8; 512];
    loop {
        let n = sys::read(0, &mut buf);
        if n <= 0 {
            let len = line.len() + dropped;
            return if len == 0 { None } else { Some((line, len)) };
        }
        for &c in &buf[..n as usize] {
            if c == b'\n' {
                let len = line.len() + dropped;
                return Some((line, len));
            }
            if line.len() < MAX_LINE {
                line.push(c);
            } else {
                dropped += 1;
            }
        }
    }
}
