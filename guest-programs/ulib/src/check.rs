//! Self-checking test programs: one line per check, a count of failures.

use crate::println;

/// Counts failed checks; prints one line per check.
#[derive(Default)]
pub struct Checks {
    /// Checks that failed so far.
    pub failed: u32,
}

impl Checks {
    /// Prints `ok   name = got` if `got == want`, else `FAIL name = got
    /// (want want)` and counts a failure.
    pub fn eq(&mut self, name: &str, got: isize, want: isize) {
        if got == want {
            println!("  ok   {} = {}", name, got);
        } else {
            println!("  FAIL {} = {} (want {})", name, got, want);
            self.failed += 1;
        }
    }

    /// Prints `prog: N failed` and returns the exit code: 0 if none failed, 1 otherwise.
    pub fn finish(&self, prog: &str) -> i32 {
        println!("{}: {} failed", prog, self.failed);
        if self.failed == 0 {
            0
        } else {
            1
        }
    }
}
