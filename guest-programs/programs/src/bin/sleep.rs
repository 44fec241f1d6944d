//! sleep MS: nanosleep for MS milliseconds (default 10), then exit 0.
#![no_std]
#![no_main]

use ulib::sys;

#[no_mangle]
fn main() -> i32 {
    let ms: u64 = ulib::arg(1).parse().unwrap_or(10);
    if sys::sleep_ns(ms * 1_000_000) != 0 {
        return 1;
    }
    0
}
