//! Device files of /dev: console and tty (the UART and its line
//! discipline), null, zero, full, urandom and random ([`crate::random`]).

/// A character device (Linux's major:minor in [`Dev::rdev`]).
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Dev {
    /// The console (/dev/console, /dev/tty, and fds 0-2 of `init=` programs).
    Console,
    /// Reads end of file, writes vanish.
    Null,
    /// Reads zeros, writes vanish.
    Zero,
    /// Reads zeros, writes fail with -ENOSPC.
    Full,
    /// Random bytes (urandom and random alike).
    Urandom,
}

impl Dev {
    /// Every device with its name under /dev.
    pub const ALL: [(&'static str, Dev); 7] = [
        ("console", Dev::Console),
        ("tty", Dev::Console),
        ("null", Dev::Null),
        ("zero", Dev::Zero),
        ("full", Dev::Full),
        ("urandom", Dev::Urandom),
        ("random", Dev::Urandom),
    ];

    /// st_rdev: (major << 8) | minor, as Linux numbers them (devices.txt).
    pub fn rdev(self) -> u64 {
        match self {
            Dev::Console => (5 << 8) | 1,
            Dev::Null => (1 << 8) | 3,
            Dev::Zero => (1 << 8) | 5,
            Dev::Full => (1 << 8) | 7,
            Dev::Urandom => (1 << 8) | 9,
        }
    }

    /// Permission bits.
    pub fn mode(self) -> u32 {
        match self {
            Dev::Console => 0o620,
            _ => 0o666,
        }
    }
}
