//! Open files: the console and read-only initrd files.

/// One open file description (each fd owns its own; fork copies them, so
/// unlike Linux a parent and child do not share offsets).
#[derive(Clone, Debug)]
pub enum File {
    /// The console: reads the tty line discipline, writes the UART.
    Console,
    /// A file of the initrd, read-only, with its read offset.
    Initrd {
        /// The file's bytes.
        data: &'static [u8],
        /// Current offset in bytes.
        pos: usize,
        /// Inode number (1-based index in the archive) for fstat.
        ino: usize,
    },
}
