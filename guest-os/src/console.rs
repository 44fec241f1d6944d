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

/// Prints without taking the console lock (panic and fatal-trap paths only).
#[doc(hidden)]
pub fn _print_raw(args: fmt::Arguments) {
    let _ = Console.write_fmt(args);
}
