//! The console as a user meets it through the `svemu` command: raw
//! terminal mode, QEMU's Ctrl-A escapes and prompt flushing (on a
//! pseudo-terminal, driven by python's pty module), `--console-script`,
//! and the ways a run ends besides power-off (`--end-on-output`, a signal,
//! a console that stops taking output), each with its exit status.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Command, Stdio};

use svemu::machine::Exit;
use svemu_tests::{bare, parse_memory, run_svemu, svos_image, RunOptions};

/// The `svemu` command `make all` builds.
fn svemu() -> PathBuf {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/release/svemu");
    assert!(p.exists(), "{} is missing: `make all` builds it", p.display());
    p
}

fn run(args: &[&str]) -> (i32, String, String) {
    let out = Command::new("timeout").arg("120").arg(svemu()).arg("run").args(args).output().expect("svemu runs");
    let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
    (out.status.code().unwrap_or(-1), text(&out.stdout), text(&out.stderr))
}

fn script(name: &str, text: &str) -> PathBuf {
    let p = std::env::temp_dir().join(format!("svemu-console-{}-{name}", std::process::id()));
    std::fs::write(&p, text).unwrap();
    p
}

#[test]
fn console_script_types_each_line_after_what_it_expects() {
    let echo = bare("console_echo");
    let s = script("ok", "# the echo program\nexpect prompt>\\s\ntype ab\\x03\\x01\nsend q\n");
    let (code, out, err) = run(&["--kernel", echo.to_str().unwrap(), "--console-script", s.to_str().unwrap()]);
    assert_eq!((code, out.as_str()), (0, "prompt> 61 62 03 01 71 \n"), "{err}");
    // A text that never shows: status 124 after the timeout, saying what was awaited.
    let s = script("never", "timeout 200000\nexpect login:\nsend root\n");
    let (code, out, err) = run(&["--kernel", echo.to_str().unwrap(), "--console-script", s.to_str().unwrap()]);
    assert_eq!((code, out.as_str()), (124, "prompt> "), "{err}");
    assert!(err.contains("\"login:\" did not show within 200000 instructions"), "{err}");
    let s = script("bad", "expect x\nwait 5\n");
    let (code, _, err) = run(&["--kernel", echo.to_str().unwrap(), "--console-script", s.to_str().unwrap()]);
    assert_eq!(code, 1);
    assert!(err.contains("line 2: unknown directive 'wait'"), "{err}");
}

#[test]
fn end_on_output_ends_a_run_that_never_powers_off_and_prints_stats() {
    let flood = bare("console_flood");
    let (code, out, err) = run(&["--kernel", flood.to_str().unwrap(), "--end-on-output", "line\nline\n", "--stats"]);
    assert_eq!((code, out.as_str()), (0, "line\nline\n"), "the console ends with the text: {err}");
    assert!(err.contains("instructions retired"), "{err}");
}

#[test]
fn a_full_standard_error_loses_the_diagnostics_but_not_the_run() {
    // `--stats` and the end-of-run line go to standard error; with it on
    // /dev/full they are lost, and the run still ends as it would (status 0,
    // console intact), not with a panic (status 101).
    let flood = bare("console_flood");
    let full = std::fs::File::create("/dev/full").expect("/dev/full");
    let out = Command::new("timeout")
        .arg("60")
        .arg(svemu())
        .args(["run", "--kernel", flood.to_str().unwrap(), "--end-on-output", "line\n", "--stats"])
        .stderr(full)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(String::from_utf8_lossy(&out.stdout), "line\n");
}

#[test]
fn a_console_that_takes_no_more_output_ends_the_run_with_status_1() {
    let flood = bare("console_flood");
    let full = std::fs::File::create("/dev/full").expect("/dev/full");
    let out = Command::new("timeout")
        .arg("60")
        .arg(svemu())
        .args(["run", "--kernel", flood.to_str().unwrap()])
        .stdout(full)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("cannot write the console to standard output: No space left on device"), "{err}");

    // A reader that goes away (`| head -1`): status 1, quietly.
    let mut child = Command::new("timeout")
        .arg("60")
        .arg(svemu())
        .args(["run", "--kernel", flood.to_str().unwrap()])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut first).unwrap();
    assert_eq!(first, "line\n");
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(String::from_utf8_lossy(&out.stderr), "", "EPIPE ends the run quietly");
}

#[test]
fn sigterm_ends_the_run_with_stats_and_status_143() {
    let flood = bare("console_flood");
    let child = Command::new(svemu())
        .args(["run", "--kernel", flood.to_str().unwrap(), "--stats"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(300));
    let st = Command::new("kill").args(["-TERM", &child.id().to_string()]).status().unwrap();
    assert!(st.success());
    let out = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(143), "{err}");
    assert!(err.contains("instructions retired") && err.contains("stopped by signal 15"), "{err}");
}

/// Drives svemu on a pseudo-terminal that is its controlling terminal:
/// the prompt must show before any newline, Ctrl-C and Ctrl-A Ctrl-A must
/// reach the guest as bytes 03 and 01 while the terminal is raw, Ctrl-A x
/// must end svemu with status 0, and the terminal settings must be back;
/// then SIGTERM must end a second run with status 143, settings back too.
const PTY_DRIVER: &str = r#"
import fcntl, os, select, signal, subprocess, sys, termios, time
svemu, kernel = sys.argv[1:3]
master, slave = os.openpty()
before = termios.tcgetattr(slave)
def start():
    return subprocess.Popen([svemu, "run", "--kernel", kernel], stdin=slave, stdout=slave, stderr=slave,
                            start_new_session=True, preexec_fn=lambda: fcntl.ioctl(0, termios.TIOCSCTTY, 0))
p = start()
buf = b""
def until(text):
    global buf
    end = time.time() + 30
    while text not in buf:
        r, _, _ = select.select([master], [], [], max(0, end - time.time()))
        if not r:
            print("TIMEOUT waiting for %r; got %r" % (text, buf)); p.kill(); sys.exit(1)
        buf += os.read(master, 4096)
until(b"prompt> ")
during = termios.tcgetattr(slave)
print("raw", during[3] & (termios.ECHO | termios.ICANON | termios.ISIG) == 0)
os.write(master, b"\x03\x01\x01")
until(b"03 01 ")
os.write(master, b"\x01x")
print("status", p.wait(timeout=30))
until(b"terminated (Ctrl-A x)")
print("restored", termios.tcgetattr(slave) == before)
# SIGTERM ends a run in raw mode too: status 143, settings back.
buf = b""
p = start()
until(b"prompt> ")
raw = termios.tcgetattr(slave)[3] & termios.ECHO == 0
p.send_signal(signal.SIGTERM)
print("sigterm", p.wait(timeout=30), raw, termios.tcgetattr(slave) == before)
"#;

#[test]
fn the_terminal_is_raw_ctrl_c_reaches_the_guest_and_ctrl_a_x_quits() {
    let echo = bare("console_echo");
    let out = Command::new("python3").args(["-c", PTY_DRIVER]).arg(svemu()).arg(&echo).output().expect("python3 runs");
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        text,
        "raw True\nstatus 0\nrestored True\nsigterm 143 True True\n",
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Scripted input reaches a guest that polls the UART from its timer tick
/// and sleeps in WFI between ticks (svos's shell) within a few ticks per
/// byte, not after 1000 polls: 50 commands typed to `init=sh`.
#[test]
fn scripted_input_reaches_a_tick_polling_shell_without_delay() {
    let img = svos_image();
    let input = [b"echo hello world\n".repeat(50), b"\x04".to_vec()].concat();
    let run = run_svemu(&RunOptions {
        initrd: Some(&img.initrd),
        append: Some("init=sh"),
        memory: parse_memory(&img.memory),
        console_input: &input,
        max_instructions: Some(1_000_000_000),
        ..RunOptions::new(&img.kernel)
    });
    assert_eq!(run.exit, Exit::PowerOff(0), "{}", run.console);
    assert_eq!(run.console.matches("\nhello world\n").count(), 50, "{}", run.console);
    // About 25 ticks (~25,000 instructions) per byte; 1000 ticks per byte took 372 million.
    assert!(run.instructions < 60_000_000, "{} instructions for 851 bytes", run.instructions);
}

#[test]
fn a_guest_that_jumps_into_nowhere_is_named_with_where_it_jumped() {
    let nowhere = bare("jump_nowhere");
    let (code, out, err) = run(&["--kernel", nowhere.to_str().unwrap(), "-m", "128M"]);
    assert_eq!((code, out.as_str()), (1, ""), "{err}");
    assert_eq!(
        err.trim_end(),
        "svemu: error: hart 0 took instruction access fault at pc 0x90000000 (tval 0x90000000) and cannot \
         enter its trap handler at 0x0: instruction access fault (tval 0x0); the guest jumped into nowhere"
    );
}
