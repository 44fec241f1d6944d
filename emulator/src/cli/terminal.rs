//! The host terminal while svemu runs, as QEMU's `-nographic` leaves it:
//! raw mode (no echo, no line editing, no signals from the keyboard, so
//! Ctrl-C reaches the guest; output processing stays on, so the guest's
//! "\n" starts a new line), restored on every way out: a normal end, an
//! error, a panic, and SIGINT/SIGTERM/SIGHUP.
//!
//! The signals themselves end the run gracefully: the first sets
//! [`STOP_SIGNAL`], which the machine checks between rounds (it then
//! prints `--stats`, flushes the trace and exits with 128 + the signal
//! number); a second one restores the terminal and exits at once.

use std::sync::atomic::{AtomicI32, Ordering};
use std::sync::OnceLock;

/// The number of the signal that asked svemu to stop (0: none).
pub static STOP_SIGNAL: AtomicI32 = AtomicI32::new(0);

/// The terminal settings found at start, when standard input is a terminal
/// that svemu put in raw mode.
static SAVED: OnceLock<libc::termios> = OnceLock::new();

/// True when standard input is a terminal.
pub fn stdin_is_tty() -> bool {
    // SAFETY: isatty only inspects the descriptor.
    unsafe { libc::isatty(libc::STDIN_FILENO) == 1 }
}

/// Restores the terminal when dropped.
pub struct RawMode(());

impl Drop for RawMode {
    fn drop(&mut self) {
        restore();
    }
}

/// Put the terminal on standard input in raw mode, when it is one; the
/// returned guard restores it. A panic restores it too.
pub fn raw_mode() -> Option<RawMode> {
    if !stdin_is_tty() {
        return None;
    }
    // SAFETY: tcgetattr fills the zeroed termios for a descriptor that is a terminal.
    let mut t: libc::termios = unsafe { std::mem::zeroed() };
    if unsafe { libc::tcgetattr(libc::STDIN_FILENO, &mut t) } != 0 {
        return None;
    }
    SAVED.get_or_init(|| t);
    // As QEMU's qemu_chr_set_echo_stdio with signals off.
    t.c_iflag &= !(libc::IGNBRK | libc::BRKINT | libc::PARMRK | libc::ISTRIP | libc::INLCR | libc::IGNCR);
    t.c_iflag &= !(libc::ICRNL | libc::IXON);
    t.c_oflag |= libc::OPOST;
    t.c_lflag &= !(libc::ECHO | libc::ECHONL | libc::ICANON | libc::IEXTEN | libc::ISIG);
    t.c_cflag &= !(libc::CSIZE | libc::PARENB);
    t.c_cflag |= libc::CS8;
    t.c_cc[libc::VMIN] = 1;
    t.c_cc[libc::VTIME] = 0;
    // SAFETY: t is a valid termios for this terminal.
    unsafe { libc::tcsetattr(libc::STDIN_FILENO, libc::TCSANOW, &t) };
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        restore();
        previous(info);
    }));
    Some(RawMode(()))
}

/// Put back the settings found at start (async-signal-safe: tcsetattr only).
fn restore() {
    if let Some(t) = SAVED.get() {
        // SAFETY: t came from tcgetattr on the same descriptor.
        unsafe { libc::tcsetattr(libc::STDIN_FILENO, libc::TCSANOW, t) };
    }
}

extern "C" fn on_signal(sig: libc::c_int) {
    if STOP_SIGNAL.swap(sig, Ordering::Relaxed) != 0 {
        // The second signal: the run did not stop in time; leave now.
        restore();
        // SAFETY: _exit is async-signal-safe.
        unsafe { libc::_exit(128 + sig) };
    }
}

/// Catch SIGINT, SIGTERM and SIGHUP (see the module documentation).
pub fn catch_signals() {
    for sig in [libc::SIGINT, libc::SIGTERM, libc::SIGHUP] {
        // SAFETY: the handler only touches an atomic and async-signal-safe calls.
        unsafe {
            let mut sa: libc::sigaction = std::mem::zeroed();
            sa.sa_sigaction = on_signal as extern "C" fn(libc::c_int) as usize;
            libc::sigemptyset(&mut sa.sa_mask);
            libc::sigaction(sig, &sa, std::ptr::null_mut());
        }
    }
}
