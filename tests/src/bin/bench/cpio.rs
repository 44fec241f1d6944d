//! File names in a cpio archive in the "newc" format (the initrd format of
//! `make guest`), so a workload whose program is not in the initrd is
//! reported as such instead of booting svos into an error.

/// Size of a newc header: the 6-byte magic and 13 fields of 8 hex digits.
const HEADER: usize = 110;

/// The names of the entries of the newc archive `bytes`, in order, up to
/// the `TRAILER!!!` entry; `None` when the archive is malformed (bad magic,
/// a field that is not hex, or an entry running past the end).
pub fn names(bytes: &[u8]) -> Option<Vec<String>> {
    let mut out = Vec::new();
    let mut at = 0usize;
    loop {
        let header = bytes.get(at..at.checked_add(HEADER)?)?;
        if &header[..6] != b"070701" && &header[..6] != b"070702" {
            return None;
        }
        // Field i (0-based) starts at 6 + 8 i: filesize is field 6, namesize field 11.
        let field = |i: usize| -> Option<usize> {
            let hex = std::str::from_utf8(&header[6 + 8 * i..14 + 8 * i]).ok()?;
            usize::from_str_radix(hex, 16).ok()
        };
        let (file_size, name_size) = (field(6)?, field(11)?);
        let name_start = at + HEADER;
        let name = bytes.get(name_start..name_start.checked_add(name_size)?)?;
        let name = String::from_utf8_lossy(name.strip_suffix(b"\0").unwrap_or(name)).into_owned();
        if name == "TRAILER!!!" {
            return Some(out);
        }
        // Header plus name, then the data, are each padded to 4 bytes.
        let data_start = (name_start + name_size).next_multiple_of(4);
        at = data_start.checked_add(file_size)?.next_multiple_of(4);
        if at > bytes.len() {
            return None;
        }
        out.push(name);
    }
}

#[cfg(test)]
mod tests {
    use super::names;

    /// One newc entry, built as cpio -H newc lays it out.
    fn entry(name: &str, data: &[u8]) -> Vec<u8> {
        let mut v = format!(
            "070701{:08x}{:08x}{:08x}{:08x}{:08x}{:08x}{:08x}{:08x}{:08x}{:08x}{:08x}{:08x}{:08x}",
            0,
            0o100644,
            0,
            0,
            1,
            0,
            data.len(),
            0,
            0,
            0,
            0,
            name.len() + 1,
            0
        )
        .into_bytes();
        v.extend_from_slice(name.as_bytes());
        v.push(0);
        while v.len() % 4 != 0 {
            v.push(0);
        }
        v.extend_from_slice(data);
        while v.len() % 4 != 0 {
            v.push(0);
        }
        v
    }

    #[test]
    fn lists_the_entries_in_order() {
        let mut a = entry("sh", b"#!");
        a.extend(entry("memory-user", &[1, 2, 3, 4, 5]));
        a.extend(entry("worker", b""));
        a.extend(entry("TRAILER!!!", b""));
        assert_eq!(names(&a), Some(vec!["sh".to_string(), "memory-user".to_string(), "worker".to_string()]));
    }

    #[test]
    fn rejects_what_is_not_newc() {
        assert_eq!(
            names(b"not a cpio archive at all, just some text that is long enough to hold a header ........."),
            None
        );
        let mut a = entry("hello", &[7; 100]);
        a.truncate(a.len() - 50);
        assert_eq!(names(&a), None, "truncated data");
        assert_eq!(names(&[]), None);
    }
}
