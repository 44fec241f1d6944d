//! sh: a small POSIX shell (the Shell Command Language's simple commands,
//! pipelines, lists and redirections).
//!
//! Usage: `sh` (commands from standard input; on a terminal with the
//! prompt `sh$ ` and job control), `sh FILE [ARG]...` (a script: each
//! command line is echoed as `$ line` before it runs), `sh -c COMMANDS
//! [NAME [ARG]...]`.
//!
//! - Lists: `a ; b`, `a && b`, `a || b`, `a &` (background; `$!` is its
//!   pid), pipelines `a | b | c`.
//! - Redirections: `< f`, `> f`, `>> f`, `N> f`, `N>&M` (`2>&1`), `N<&M`.
//! - Words: `'...'`, `"..."`, `\c`; parameters `$NAME`, `${NAME}`, `$?`
//!   (status of the last pipeline), `$!`, `$$`, `$#`, `$0`..`$9`;
//!   unquoted expansions are split at blanks. `NAME=value` sets a shell
//!   variable; before a command, it is set in that command's environment
//!   only. `#` starts a comment.
//! - Builtins: `cd [DIR]`, `export NAME[=value]...`, `unset NAME...`,
//!   `exit [N]`, `wait [PID]` (reaps children; each is reported),
//!   `echo [-n] ARGS`, `kill [-SIGNAL | -s SIGNAL] PID... | -l` (a
//!   negative PID is a process group), `pwd`, `true`, `false`, `:`.
//!   Anything else runs the program found through `PATH` (a name with a
//!   `/` is used as is).
//! - Reports (interactive and scripts, not `-c`): a foreground job's end
//!   as `[PID] exit S` (S = exit code, or 128 + signal with its name), a
//!   background job's start as `[PID] NAME &`.
//! - Ctrl-C: on a terminal each job runs in its own process group, made
//!   the terminal's foreground group while it runs, so Ctrl-C (SIGINT)
//!   stops the job and the shell goes on; at the prompt it discards the
//!   line. Scripts and `-c` run jobs in the shell's own group.
#![no_std]
#![no_main]

extern crate alloc;

mod lex;
mod parse;

use alloc::collections::BTreeMap;
use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;
use lex::{Part, RedirOp, Word};
use parse::{Command, Item, Pipeline};
use ulib::sys::open_flags::*;
use ulib::{print, println, sys};

/// Longest command line the shell runs (Linux's tty line limit, N_TTY_BUF_SIZE).
const MAX_LINE: usize = 4096;

/// The shell's state.
struct Shell {
    /// Variables: value and whether exported to commands' environments.
    vars: BTreeMap<String, (String, bool)>,
    /// `$0`, `$1`, ...
    params: Vec<String>,
    /// `$?`
    status: i32,
    /// `$!`
    last_bg: isize,
    /// Job control: each job in its own process group, the terminal's
    /// foreground group while it runs in the foreground.
    job_control: bool,
    /// Print `[PID] exit S` and `[PID] NAME &`.
    report: bool,
    /// The shell's own process group.
    pgid: isize,
    /// `$$`: the shell's pid (also in the children it forks to run commands).
    pid: isize,
}

/// What a command tells the shell to do next.
enum Flow {
    Continue,
    Exit(i32),
}

/// Signals 1..=31 by number (Linux's names without "SIG").
const SIGNALS: [&str; 31] = [
    "HUP", "INT", "QUIT", "ILL", "TRAP", "ABRT", "BUS", "FPE", "KILL", "USR1", "SEGV", "USR2", "PIPE", "ALRM", "TERM",
    "STKFLT", "CHLD", "CONT", "STOP", "TSTP", "TTIN", "TTOU", "URG", "XCPU", "XFSZ", "VTALRM", "PROF", "WINCH", "IO",
    "PWR", "SYS",
];

/// The reports' name of signal `sig` ("SIGSEGV"), for the common ones.
fn signal_name(sig: i32) -> Option<&'static str> {
    Some(match sig {
        2 => "SIGINT",
        3 => "SIGQUIT",
        4 => "SIGILL",
        9 => "SIGKILL",
        11 => "SIGSEGV",
        13 => "SIGPIPE",
        15 => "SIGTERM",
        _ => return None,
    })
}

/// A signal given as a number (0..=64) or a name, with or without "SIG".
fn parse_signal(s: &str) -> Option<usize> {
    if let Ok(n) = s.parse::<usize>() {
        return (n <= 64).then_some(n);
    }
    let name = s.strip_prefix("SIG").unwrap_or(s);
    SIGNALS.iter().position(|n| n.eq_ignore_ascii_case(name)).map(|i| i + 1)
}

fn report(pid: isize, st: i32) {
    let code = sys::status_code(st);
    match st & 0x7f {
        0 => println!("[{}] exit {}", pid, code),
        s => match signal_name(s) {
            Some(n) => println!("[{}] exit {} ({})", pid, code, n),
            None => println!("[{}] exit {} (signal {})", pid, code, s),
        },
    }
}

fn cstr(s: &str) -> Vec<u8> {
    let mut v = Vec::from(s.as_bytes());
    v.push(0);
    v
}

fn eprint(msg: &str) {
    sys::write(2, msg.as_bytes());
}

impl Shell {
    fn new(params: Vec<String>, job_control: bool, report: bool) -> Self {
        let mut vars = BTreeMap::new();
        for e in ulib::environ() {
            if let Some((k, v)) = e.split_once('=') {
                vars.insert(String::from(k), (String::from(v), true));
            }
        }
        vars.entry(String::from("PATH")).or_insert((String::from("/bin:/"), true));
        Shell { vars, params, status: 0, last_bg: 0, job_control, report, pgid: sys::getpgrp(), pid: sys::getpid() }
    }

    fn var(&self, name: &str) -> String {
        match name {
            "?" => format!("{}", self.status),
            "!" => format!("{}", self.last_bg),
            "$" => format!("{}", self.pid),
            "#" => format!("{}", self.params.len().saturating_sub(1)),
            n if n.len() == 1 && n.as_bytes()[0].is_ascii_digit() => {
                self.params.get((n.as_bytes()[0] - b'0') as usize).cloned().unwrap_or_default()
            }
            n => self.vars.get(n).map(|v| v.0.clone()).unwrap_or_default(),
        }
    }

    /// A word's fields after parameter expansion and field splitting
    /// (unquoted expansions split at blanks; a word that expands to
    /// nothing unquoted gives no field).
    fn expand(&self, w: &Word) -> Vec<String> {
        let mut fields: Vec<String> = Vec::new();
        let mut cur = String::new();
        let mut have = false;
        for p in w {
            match p {
                Part::Lit(s, quoted) => {
                    cur.push_str(s);
                    have |= *quoted || !s.is_empty();
                }
                Part::Var(n, true) => {
                    cur.push_str(&self.var(n));
                    have = true;
                }
                Part::Var(n, false) => {
                    let v = self.var(n);
                    let mut pieces = v.split([' ', '\t', '\n']).peekable();
                    let starts_blank = v.starts_with([' ', '\t', '\n']);
                    if starts_blank && have {
                        fields.push(core::mem::take(&mut cur));
                        have = false;
                    }
                    while let Some(piece) = pieces.next() {
                        if !piece.is_empty() {
                            cur.push_str(piece);
                            have = true;
                        }
                        if pieces.peek().is_some() && have {
                            fields.push(core::mem::take(&mut cur));
                            have = false;
                        }
                    }
                }
            }
        }
        if have {
            fields.push(cur);
        }
        fields
    }

    /// A word as one string (redirection targets, assignment values).
    fn expand_one(&self, w: &Word) -> String {
        self.expand(w).join(" ")
    }

    /// The environment for a command: exported variables plus `extra`.
    fn envp(&self, extra: &[(String, String)]) -> Vec<Vec<u8>> {
        let mut env: BTreeMap<&str, &str> =
            self.vars.iter().filter(|(_, v)| v.1).map(|(k, v)| (k.as_str(), v.0.as_str())).collect();
        for (k, v) in extra {
            env.insert(k, v);
        }
        env.into_iter().map(|(k, v)| cstr(&format!("{}={}", k, v))).collect()
    }

    /// Runs one input line.
    fn run_line(&mut self, line: &str) -> Flow {
        let items = match lex::tokenize(line).map_err(String::from).and_then(parse::parse) {
            Ok(i) => i,
            Err(e) => {
                eprint(&format!("sh: {}\n", e));
                self.status = 2;
                return Flow::Continue;
            }
        };
        for item in items {
            if let Flow::Exit(c) = self.run_item(&item) {
                return Flow::Exit(c);
            }
        }
        Flow::Continue
    }

    fn run_item(&mut self, item: &Item) -> Flow {
        if item.background {
            // The whole and-or list in a child shell; a single pipeline directly.
            let pid = if item.list.rest.is_empty() {
                self.spawn_pipeline(&item.list.first, false)
            } else {
                self.fork_list(item)
            };
            if pid > 0 {
                self.last_bg = pid;
                if self.report {
                    let name = item.list.first[0].words.first().map(|w| self.expand_one(w)).unwrap_or_default();
                    println!("[{}] {} &", pid, name);
                }
                self.status = 0;
            }
            return Flow::Continue;
        }
        let mut flow = self.run_pipeline(&item.list.first);
        for (and, p) in &item.list.rest {
            if let Flow::Exit(_) = flow {
                break;
            }
            if (self.status == 0) == *and {
                flow = self.run_pipeline(p);
            }
        }
        flow
    }

    /// Forks a child shell that runs the and-or list of `item` (in the
    /// foreground there) and exits with its status; its pid.
    fn fork_list(&mut self, item: &Item) -> isize {
        let pid = sys::fork();
        if pid == 0 {
            if self.job_control {
                sys::setpgid(0, 0);
            }
            self.job_control = false;
            self.report = false;
            let fg = Item { list: item.list.clone(), background: false };
            let code = match self.run_item(&fg) {
                Flow::Exit(c) => c,
                Flow::Continue => self.status,
            };
            sys::exit(code);
        }
        if pid > 0 && self.job_control {
            sys::setpgid(pid as usize, pid as usize);
        }
        pid
    }

    /// Runs a pipeline in the foreground and sets `$?`.
    fn run_pipeline(&mut self, p: &Pipeline) -> Flow {
        if p.len() == 1 && is_builtin(&p[0], self) {
            return self.run_builtin_here(&p[0]);
        }
        if p.len() == 1 && p[0].words.is_empty() {
            // Assignments (and redirections, which create their files).
            let vals: Vec<(String, String)> =
                p[0].assigns.iter().map(|(k, w)| (k.clone(), self.expand_one(w))).collect();
            for (k, v) in vals {
                let exported = self.vars.get(&k).is_some_and(|e| e.1);
                self.vars.insert(k, (v, exported));
            }
            let saved = self.save_fds(&p[0]);
            self.status = if self.redirect(&p[0]).is_ok() { 0 } else { 1 };
            self.restore_fds(saved);
            return Flow::Continue;
        }
        let last = self.spawn_pipeline(p, true);
        if last < 0 {
            self.status = 126;
        }
        Flow::Continue
    }

    /// Starts the processes of a pipeline, each with its stdin/stdout
    /// joined by pipes, in one process group (the first one's pid) under
    /// job control. In the foreground, waits for all of them, reports the
    /// last one and sets `$?` from it. Returns the last one's pid (or
    /// -errno if a fork failed).
    fn spawn_pipeline(&mut self, p: &Pipeline, foreground: bool) -> isize {
        let mut pids: Vec<isize> = Vec::new();
        let mut prev_read: Option<usize> = None;
        let mut group = 0usize;
        for (i, cmd) in p.iter().enumerate() {
            let last = i + 1 == p.len();
            let pipe = if last {
                None
            } else {
                match sys::pipe2(0) {
                    Ok(fds) => Some(fds),
                    Err(e) => {
                        eprint(&format!("sh: pipe: error {}\n", e));
                        break;
                    }
                }
            };
            let pid = sys::fork();
            if pid == 0 {
                if self.job_control {
                    sys::setpgid(0, group);
                    // Ctrl-C and friends take their default action again.
                    sys::sigaction(2, 0, 0);
                    sys::sigaction(3, 0, 0);
                }
                if let Some(r) = prev_read {
                    sys::dup3(r, 0, 0);
                    sys::close(r);
                }
                if let Some([r, w]) = pipe {
                    sys::dup3(w as usize, 1, 0);
                    sys::close(w as usize);
                    sys::close(r as usize);
                }
                self.job_control = false;
                self.report = false;
                sys::exit(self.exec_command(cmd));
            }
            if let Some(r) = prev_read.take() {
                sys::close(r);
            }
            if let Some([r, w]) = pipe {
                sys::close(w as usize);
                prev_read = Some(r as usize);
            }
            if pid < 0 {
                eprint(&format!("sh: fork failed: error {}\n", pid));
                if let Some(r) = prev_read.take() {
                    sys::close(r);
                }
                break;
            }
            if group == 0 {
                group = pid as usize;
            }
            if self.job_control {
                sys::setpgid(pid as usize, group);
            }
            pids.push(pid);
        }
        let Some(&last) = pids.last() else { return -1 };
        if !foreground {
            return last;
        }
        if self.job_control {
            sys::tcsetpgrp(0, group as i32);
        }
        for &pid in &pids {
            let mut st = 0;
            if sys::wait4(pid, &mut st, 0) == pid && pid == last {
                self.status = sys::status_code(st);
                if self.report {
                    report(pid, st);
                }
            }
        }
        if self.job_control {
            sys::tcsetpgrp(0, self.pgid as i32);
        }
        last
    }

    /// In a child: applies the command's redirections and runs it (a
    /// builtin, or execve through PATH). Returns the exit status when the
    /// command did not exec.
    fn exec_command(&mut self, cmd: &Command) -> i32 {
        if self.redirect(cmd).is_err() {
            return 1;
        }
        if is_builtin(cmd, self) {
            let argv: Vec<String> = cmd.words.iter().flat_map(|w| self.expand(w)).collect();
            return match self.builtin(&argv) {
                Flow::Exit(c) => c,
                Flow::Continue => self.status,
            };
        }
        let argv: Vec<String> = cmd.words.iter().flat_map(|w| self.expand(w)).collect();
        if argv.is_empty() {
            return 0;
        }
        let extra: Vec<(String, String)> = cmd.assigns.iter().map(|(k, w)| (k.clone(), self.expand_one(w))).collect();
        let env = self.envp(&extra);
        let mut envp: Vec<*const u8> = env.iter().map(|e| e.as_ptr()).collect();
        envp.push(core::ptr::null());
        let args: Vec<Vec<u8>> = argv.iter().map(|a| cstr(a)).collect();
        let mut ptrs: Vec<*const u8> = args.iter().map(|a| a.as_ptr()).collect();
        ptrs.push(core::ptr::null());
        let name = &argv[0];
        let dirs: Vec<String> = if name.contains('/') {
            alloc::vec![String::new()]
        } else {
            let path = extra.iter().find(|(k, _)| k == "PATH").map(|(_, v)| v.clone()).unwrap_or(self.var("PATH"));
            path.split(':').map(|d| if d.is_empty() { String::from("./") } else { format!("{}/", d) }).collect()
        };
        let mut err = sys::errno::ENOENT;
        for d in dirs {
            let full = cstr(&format!("{}{}", d, name));
            let e = sys::execve(full.as_ptr(), ptrs.as_ptr(), envp.as_ptr());
            if e != sys::errno::ENOENT {
                err = e;
            }
        }
        if err == sys::errno::ENOENT {
            eprint(&format!("sh: {}: not found\n", name));
            127
        } else {
            eprint(&format!("{}: cannot execute (error {})\n", name, err));
            126
        }
    }

    /// Applies a command's redirections to this process's fds.
    fn redirect(&self, cmd: &Command) -> Result<(), ()> {
        for r in &cmd.redirs {
            let target = self.expand_one(&r.target);
            let fd = r.fd as usize;
            let opened = match r.op {
                RedirOp::Dup => match target.parse::<usize>() {
                    Ok(src) => {
                        if sys::dup3(src, fd, 0) < 0 {
                            eprint(&format!("sh: {}: bad file descriptor\n", src));
                            return Err(());
                        }
                        continue;
                    }
                    Err(_) if target == "-" => {
                        sys::close(fd);
                        continue;
                    }
                    Err(_) => {
                        eprint(&format!("sh: {}: bad file descriptor\n", target));
                        return Err(());
                    }
                },
                RedirOp::In => sys::open_with(&cstr(&target), O_RDONLY, 0),
                RedirOp::Out => sys::open_with(&cstr(&target), O_WRONLY | O_CREAT | O_TRUNC, 0o666),
                RedirOp::Append => sys::open_with(&cstr(&target), O_WRONLY | O_CREAT | O_APPEND, 0o666),
            };
            if opened < 0 {
                eprint(&format!("sh: {}: {}\n", target, errno_text(opened)));
                return Err(());
            }
            if opened as usize != fd {
                sys::dup3(opened as usize, fd, 0);
                sys::close(opened as usize);
            }
        }
        Ok(())
    }

    /// Copies (close-on-exec, above 9) of the fds a command redirects.
    fn save_fds(&self, cmd: &Command) -> Vec<(usize, isize)> {
        let mut saved: Vec<(usize, isize)> = Vec::new();
        for r in &cmd.redirs {
            let fd = r.fd as usize;
            if !saved.iter().any(|s| s.0 == fd) {
                saved.push((fd, sys::dup_cloexec_above(fd, 10)));
            }
        }
        saved
    }

    fn restore_fds(&self, saved: Vec<(usize, isize)>) {
        for (fd, copy) in saved.into_iter().rev() {
            if copy >= 0 {
                sys::dup3(copy as usize, fd, 0);
                sys::close(copy as usize);
            } else {
                sys::close(fd);
            }
        }
    }

    /// A builtin command in the shell itself, its redirections undone after.
    fn run_builtin_here(&mut self, cmd: &Command) -> Flow {
        let saved = self.save_fds(cmd);
        let flow = if self.redirect(cmd).is_ok() {
            let argv: Vec<String> = cmd.words.iter().flat_map(|w| self.expand(w)).collect();
            self.builtin(&argv)
        } else {
            self.status = 1;
            Flow::Continue
        };
        self.restore_fds(saved);
        flow
    }

    /// Runs builtin `argv[0]`; sets `$?`.
    fn builtin(&mut self, argv: &[String]) -> Flow {
        let args: Vec<&str> = argv.iter().map(String::as_str).collect();
        self.status = 0;
        match args[0] {
            "exit" => {
                let code = args.get(1).map_or(self.status, |s| s.parse().unwrap_or(2));
                return Flow::Exit(code);
            }
            "true" | ":" => {}
            "false" => self.status = 1,
            "echo" => {
                let (newline, words) = match args.get(1) {
                    Some(&"-n") => (false, &args[2..]),
                    _ => (true, &args[1..]),
                };
                let mut line = words.join(" ");
                if newline {
                    line.push('\n');
                }
                print!("{}", line);
            }
            "pwd" => {
                let mut buf = [0u8; 4096];
                let n = sys::getcwd(&mut buf);
                if n > 0 {
                    println!("{}", core::str::from_utf8(&buf[..n as usize - 1]).unwrap_or("?"));
                } else {
                    self.status = 1;
                }
            }
            "cd" => {
                let dir = args.get(1).map_or_else(|| self.var("HOME"), |d| String::from(*d));
                let dir = if dir.is_empty() { String::from("/") } else { dir };
                let r = sys::chdir(&cstr(&dir));
                if r < 0 {
                    eprint(&format!("sh: cd: {}: {}\n", dir, errno_text(r)));
                    self.status = 1;
                } else {
                    let mut buf = [0u8; 4096];
                    let n = sys::getcwd(&mut buf);
                    if n > 0 {
                        let pwd = String::from(core::str::from_utf8(&buf[..n as usize - 1]).unwrap_or("/"));
                        let exported = self.vars.get("PWD").is_some_and(|v| v.1);
                        self.vars.insert(String::from("PWD"), (pwd, exported));
                    }
                }
            }
            "export" => {
                for a in &args[1..] {
                    match a.split_once('=') {
                        Some((k, v)) => {
                            self.vars.insert(String::from(k), (String::from(v), true));
                        }
                        None => {
                            let v = self.vars.get(*a).map(|v| v.0.clone()).unwrap_or_default();
                            self.vars.insert(String::from(*a), (v, true));
                        }
                    }
                }
                if args.len() == 1 {
                    for (k, (v, e)) in &self.vars {
                        if *e {
                            println!("export {}='{}'", k, v);
                        }
                    }
                }
            }
            "unset" => {
                for a in &args[1..] {
                    self.vars.remove(*a);
                }
            }
            "wait" => {
                let target: isize = args.get(1).and_then(|s| s.parse().ok()).unwrap_or(-1);
                let mut done: Vec<(isize, i32)> = Vec::new();
                loop {
                    let mut st = 0;
                    let r = sys::wait4(target, &mut st, 0);
                    if r <= 0 {
                        break;
                    }
                    done.push((r, st));
                    if target > 0 {
                        // POSIX: the status of the pid waited for; 0 without one.
                        self.status = sys::status_code(st);
                        break;
                    }
                }
                done.sort();
                if self.report {
                    for (pid, st) in done {
                        report(pid, st);
                    }
                }
            }
            "kill" => {
                if args.get(1) == Some(&"-l") {
                    for (i, n) in SIGNALS.iter().enumerate() {
                        print!(
                            "{:2}) SIG{}{}",
                            i + 1,
                            n,
                            if (i + 1) % 8 == 0 || i + 1 == SIGNALS.len() { "\n" } else { "\t" }
                        );
                    }
                    return Flow::Continue;
                }
                let (sig, pids) = match args.get(1..) {
                    Some(["-s", s, rest @ ..]) => (parse_signal(s), rest),
                    Some([s, rest @ ..]) if s.starts_with('-') && s.len() > 1 && !rest.is_empty() => {
                        (parse_signal(&s[1..]), rest)
                    }
                    Some(rest) => (Some(sys::SIGTERM), rest),
                    None => (None, &[][..]),
                };
                let pids: Option<Vec<isize>> = pids.iter().map(|p| p.parse::<isize>().ok()).collect();
                let (Some(sig), Some(pids)) = (sig, pids.filter(|p| !p.is_empty())) else {
                    eprint("sh: usage: kill [-SIGNAL | -s SIGNAL] PID... | kill -l\n");
                    self.status = 2;
                    return Flow::Continue;
                };
                for p in pids {
                    let r = sys::kill(p, sig);
                    if r < 0 {
                        eprint(&format!("sh: kill: {}: {}\n", p, errno_text(r)));
                        self.status = 1;
                    }
                }
            }
            _ => unreachable!("not a builtin"),
        }
        Flow::Continue
    }
}

/// The builtins (run in the shell process when alone in a pipeline).
const BUILTINS: [&str; 11] = ["exit", "true", ":", "false", "echo", "pwd", "cd", "export", "unset", "wait", "kill"];

fn is_builtin(cmd: &Command, sh: &Shell) -> bool {
    cmd.words.first().and_then(|w| sh.expand(w).into_iter().next()).is_some_and(|n| BUILTINS.contains(&n.as_str()))
}

/// The message for -errno `e` (the few a shell meets).
fn errno_text(e: isize) -> &'static str {
    use sys::errno::*;
    match e {
        ENOENT => "No such file or directory",
        EACCES => "Permission denied",
        ENOTDIR => "Not a directory",
        EISDIR => "Is a directory",
        ESRCH => "No such process",
        EPERM => "Operation not permitted",
        EINVAL => "Invalid argument",
        ENOSPC => "No space left on device",
        EROFS => "Read-only file system",
        _ => "error",
    }
}

fn read_file(name: &str) -> Option<Vec<u8>> {
    let fd = sys::open(&cstr(name));
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

/// SIGINT at the prompt: nothing to do but interrupt the read (the
/// terminal has discarded the line).
extern "C" fn on_interrupt(_sig: i32) {}

#[no_mangle]
fn main() -> i32 {
    let args: Vec<String> = (0..ulib::argc()).map(|i| String::from(ulib::arg(i))).collect();
    if args.get(1).map(String::as_str) == Some("-c") {
        let Some(cmds) = args.get(2) else {
            eprint("sh: -c: option requires an argument\n");
            return 2;
        };
        let params = if args.len() > 3 { args[3..].to_vec() } else { alloc::vec![args[0].clone()] };
        let mut sh = Shell::new(params, false, false);
        return match sh.run_line(cmds) {
            Flow::Exit(c) => c,
            Flow::Continue => sh.status,
        };
    }
    if let Some(name) = args.get(1) {
        let Some(script) = read_file(name) else {
            eprint(&format!("sh: cannot open {}\n", name));
            return 127;
        };
        let mut sh = Shell::new(args[1..].to_vec(), false, true);
        let text = core::str::from_utf8(&script).unwrap_or("");
        for line in text.lines() {
            let t = line.trim();
            if t.is_empty() || t.starts_with('#') {
                continue;
            }
            println!("$ {}", t);
            if let Flow::Exit(code) = sh.run_line(t) {
                return code;
            }
        }
        return sh.status;
    }
    let interactive = sys::isatty(0);
    let mut sh = Shell::new(alloc::vec![args.first().cloned().unwrap_or_default()], interactive, true);
    if interactive {
        // No SA_RESTART: Ctrl-C interrupts the prompt's read.
        sys::sigaction(2, on_interrupt as extern "C" fn(i32) as usize, 0);
        sys::sigaction(3, 1, 0);
    }
    loop {
        if interactive {
            print!("sh$ ");
        }
        let line = match read_line() {
            Line::Eof => {
                if interactive {
                    println!();
                }
                return sh.status;
            }
            Line::Interrupted => continue,
            Line::TooLong(len) => {
                println!("sh: line too long ({} bytes; at most {})", len, MAX_LINE);
                continue;
            }
            Line::Text(l) => l,
        };
        let line = core::str::from_utf8(&line).unwrap_or("");
        if let Flow::Exit(code) = sh.run_line(line) {
            return code;
        }
    }
}

/// One line of standard input.
enum Line {
    /// The line without its newline.
    Text(Vec<u8>),
    /// Longer than [`MAX_LINE`]: its length (its bytes were read and dropped).
    TooLong(usize),
    /// A signal (Ctrl-C) interrupted the read.
    Interrupted,
    /// End of file with nothing read.
    Eof,
}

/// Bytes of standard input read past the last line returned (a pipe or
/// file gives more than one line per read; a terminal gives one).
static mut PENDING: Vec<u8> = Vec::new();

/// One line of standard input, however many reads it takes (the terminal
/// returns at most a buffer's worth per read). Bytes past [`MAX_LINE`] are
/// read and dropped, so the line's end is still found.
fn read_line() -> Line {
    // SAFETY: the shell is single-threaded and the handler does not touch it.
    let pending = unsafe { &mut *core::ptr::addr_of_mut!(PENDING) };
    let mut line = Vec::new();
    let mut dropped = 0usize;
    let mut buf = [0u8; 512];
    loop {
        if pending.is_empty() {
            let n = sys::read(0, &mut buf);
            if n == sys::errno::EINTR {
                return Line::Interrupted;
            }
            if n <= 0 {
                return match line.len() + dropped {
                    0 => Line::Eof,
                    len if dropped > 0 => Line::TooLong(len),
                    _ => Line::Text(line),
                };
            }
            pending.extend_from_slice(&buf[..n as usize]);
        }
        let take = pending.iter().position(|&c| c == b'\n').map_or(pending.len(), |i| i + 1);
        for c in pending.drain(..take) {
            if c == b'\n' {
                return if dropped > 0 { Line::TooLong(line.len() + dropped) } else { Line::Text(line) };
            }
            if line.len() < MAX_LINE {
                line.push(c);
            } else {
                dropped += 1;
            }
        }
    }
}
