//! Kernel console: `print!`/`println!` onto the UART.

use core::fmt::{self, Write};

struct Console;

impl Write for Console {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        crate::drivers::uart::write_bytes(s.as_bytes());
        Ok(())
    }
}

static LOCK: spin::Mutex<()> = spin::Mutex::new(());

#[doc(hidden)]
pub fn _print(args: fmt::Arguments) {
    let _g = LOCK.lock();
    let _ = Console.write_fmt(args);
}

/// Prints to the console (UART).
#[macro_export]
macro_rules! print {
    ($($arg:tt)*) => { $crate::console::_print(format_args!($($arg)*)) };
}

/// Prints a line to the console (UART).
#[macro_export]
macro_rules! println {
    () => { $crate::print!("\n") };
    ($($arg:tt)*) => { $crate::console::_print(format_args!("{}\n", format_args!($($arg)*))) };
}

static QUIET: core::sync::atomic::AtomicBool = core::sync::atomic::AtomicBool::new(false);

/// Bootarg `quiet`: [`info!`] lines (boot progress, process start and
/// exit, the summary) are not printed; reports of killed processes and
/// errors still are.
pub fn set_quiet(q: bool) {
    QUIET.store(q, core::sync::atomic::Ordering::Relaxed);
}

#[doc(hidden)]
pub fn _info(args: fmt::Arguments) {
    if !QUIET.load(core::sync::atomic::Ordering::Relaxed) {
        _print(args);
    }
}

/// Prints an informational line (boot progress, process start/exit),
/// unless the bootarg `quiet` was given.
#[macro_export]
macro_rules! info {
    ($($arg:tt)*) => { $crate::console::_info(format_args!("{}\n", format_args!($($arg)*))) };
}

/// Prints without taking the console lock (panic and fatal-trap paths only).
#[doc(hidden)]
pub fn _print_raw(args: fmt::Arguments) {
    let _ = Console.write_fmt(args);
}
