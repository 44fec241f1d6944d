//! Cutting the trace: which events are written (`--trace-filter`), and
//! where the cut starts and how long it is (`--trace-from`, `--trace-count`).
//!
//! A filter is a comma-separated list of `key=value` conditions; all keys
//! given must hold, and a key given twice holds when either value does
//! (`priv=U,priv=S`):
//!
//! | key      | value                          | holds for an event ...                                   |
//! |----------|--------------------------------|----------------------------------------------------------|
//! | `hart`   | a hart id                      | of that hart                                             |
//! | `priv`   | `U`, `S` or `M`                | raised while the hart ran in that privilege              |
//! | `asid`   | a number                       | raised while satp.ASID had that value                    |
//! | `va`     | `LO..HI` (HI excluded) or `A`  | whose virtual address lies in the range (see below)      |
//! | `icount` | `LO..HI` (HI excluded), `LO..` | whose hart had retired that many instructions            |
//! | `cause`  | a number, or `page-fault`      | a trap with that cause (`page-fault`: 12, 13 and 15)     |
//! | `pid`    | a number                       | raised while the hart ran that process (kernel events)   |
//! | `proc`   | a process name                 | raised while the hart ran a process of that name         |
//!
//! Numbers are decimal or `0x` hexadecimal. The virtual address of an event
//! is: for walks, walk steps, TLB lookups and fills, the address translated
//! (or the page's base for fills and evictions); for a trap, its tval when
//! the trap is a page or access fault; for an instruction, the address of
//! its load or store. Events without one (xRETs, CSR writes, flushes of
//! everything) never hold under `va`; `cause` holds only for traps. The
//! process a hart runs is the one the kernel last reported switching it to
//! (`proc-switch`, see [`super::kernel`]) until that one exits; `pid` and
//! `proc` need a kernel that reports its processes (svos on svemu does).
//!
//! `--trace-from CAT[:FILTER]` starts the cut at the first event of
//! category `CAT` that holds under `FILTER` (e.g. `trap:cause=page-fault,priv=U`,
//! the first page fault raised in user mode), and includes the events the
//! same instruction raised before it (the TLB miss and the walk that led to
//! the fault). `--trace-count N` ends the cut after N written events.

use std::fmt;

use super::Category;
use crate::hart::Priv;

/// The fields of an event a filter looks at.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Stamp {
    /// Hart id.
    pub hart: u64,
    /// The privilege the hart ran in when the event happened (for a trap:
    /// the privilege it was taken from).
    pub prv: Priv,
    /// Instructions the hart had retired (its instret) when the event
    /// happened; the events of an instruction carry the count before it
    /// retires.
    pub icount: u64,
    /// satp.ASID when the event happened (0 under Bare).
    pub asid: u16,
}

impl Stamp {
    /// The stamp of hart `hart` now: its id, privilege, instret and satp.ASID.
    #[inline]
    pub fn of(hart: &crate::hart::Hart) -> Stamp {
        Stamp { hart: hart.id, prv: hart.prv, icount: hart.instret, asid: (hart.csr.satp >> 44) as u16 }
    }
}

/// What a filter tests of one event besides its [`Stamp`].
#[derive(Clone, Copy, Debug, Default)]
pub struct Subject {
    /// The virtual address the event is about, if any.
    pub va: Option<u64>,
    /// The trap cause (interrupt bit cleared), for traps.
    pub cause: Option<u64>,
}

/// A half-open range `lo..hi`.
type Range = (u64, u64);

/// A set of conditions on events (see the module documentation); the
/// empty filter holds for every event.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Filter {
    harts: Vec<u64>,
    privs: Vec<Priv>,
    asids: Vec<u16>,
    vas: Vec<Range>,
    icounts: Vec<Range>,
    causes: Vec<u64>,
    pids: Vec<u64>,
    names: Vec<String>,
}

/// A filter that cannot be parsed: the text and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FilterError(String);

impl fmt::Display for FilterError {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for FilterError {}

fn number(s: &str) -> Result<u64, FilterError> {
    let s = s.trim().replace('_', "");
    let r = match s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")) {
        Some(h) => u64::from_str_radix(h, 16),
        None => s.parse(),
    };
    r.map_err(|_| FilterError(format!("'{s}' is not a number (decimal, or hexadecimal with 0x)")))
}

/// `LO..HI`, `LO..` or a single value `A` (the range `A..A+1`).
fn range(s: &str) -> Result<Range, FilterError> {
    match s.split_once("..") {
        Some((lo, "")) => Ok((number(lo)?, u64::MAX)),
        Some((lo, hi)) => {
            let (lo, hi) = (number(lo)?, number(hi)?);
            if lo >= hi {
                return Err(FilterError(format!("empty range '{s}': LO..HI needs LO < HI")));
            }
            Ok((lo, hi))
        }
        None => {
            let a = number(s)?;
            Ok((a, a.saturating_add(1)))
        }
    }
}

impl Filter {
    /// Parse `key=value,...` (see the module documentation); the empty
    /// string is the filter that holds for everything.
    pub fn parse(text: &str) -> Result<Filter, FilterError> {
        let mut f = Filter::default();
        for cond in text.split(',').map(str::trim).filter(|c| !c.is_empty()) {
            let Some((key, value)) = cond.split_once('=') else {
                return Err(FilterError(format!(
                    "'{cond}' is not key=value (keys: hart, priv, asid, va, icount, cause, pid, proc)"
                )));
            };
            let value = value.trim();
            match key.trim() {
                "hart" => f.harts.push(number(value)?),
                "priv" => f.privs.push(match value {
                    "U" | "u" => Priv::U,
                    "S" | "s" => Priv::S,
                    "M" | "m" => Priv::M,
                    _ => return Err(FilterError(format!("priv '{value}': use U, S or M"))),
                }),
                "asid" => {
                    let a = number(value)?;
                    f.asids.push(u16::try_from(a).map_err(|_| FilterError(format!("asid {a} is over 65535")))?);
                }
                "va" => f.vas.push(range(value)?),
                "icount" => f.icounts.push(range(value)?),
                "cause" if value == "page-fault" => f.causes.extend([12, 13, 15]),
                "cause" => f.causes.push(number(value)?),
                "pid" => f.pids.push(number(value)?),
                "proc" => f.names.push(value.to_owned()),
                other => {
                    return Err(FilterError(format!(
                        "unknown filter key '{other}' (keys: hart, priv, asid, va, icount, cause, pid, proc)"
                    )))
                }
            }
        }
        Ok(f)
    }

    /// True when the filter has no condition.
    pub fn is_empty(&self) -> bool {
        *self == Filter::default()
    }

    /// True when every condition holds for the event.
    pub fn holds(&self, s: &Stamp, subject: &Subject) -> bool {
        let within = |rs: &[Range], v: u64| rs.iter().any(|&(lo, hi)| lo <= v && v < hi);
        (self.harts.is_empty() || self.harts.contains(&s.hart))
            && (self.privs.is_empty() || self.privs.contains(&s.prv))
            && (self.asids.is_empty() || self.asids.contains(&s.asid))
            && (self.icounts.is_empty() || within(&self.icounts, s.icount))
            && (self.vas.is_empty() || subject.va.is_some_and(|va| within(&self.vas, va)))
            && (self.causes.is_empty() || subject.cause.is_some_and(|c| self.causes.contains(&c)))
    }

    /// True when the filter names processes (`pid`, `proc`).
    pub fn names_process(&self) -> bool {
        !self.pids.is_empty() || !self.names.is_empty()
    }

    /// True when the process a hart runs (None: none the kernel reported)
    /// meets the `pid` and `proc` conditions.
    pub fn holds_process(&self, p: Option<&super::kernel::Process>) -> bool {
        (self.pids.is_empty() || p.is_some_and(|p| self.pids.contains(&p.pid)))
            && (self.names.is_empty() || p.is_some_and(|p| self.names.contains(&p.name)))
    }

    /// The first instruction count any event can hold at (0 when `icount`
    /// is not given), so a run may skip recording before it.
    pub fn icount_start(&self) -> u64 {
        self.icounts.iter().map(|r| r.0).min().unwrap_or(0)
    }
}

/// `--trace-from CAT[:FILTER]`: the event that starts the cut.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Start {
    /// Its category.
    pub category: Category,
    /// The conditions it must meet.
    pub filter: Filter,
}

impl Start {
    /// Parse `CAT` or `CAT:key=value,...`.
    pub fn parse(text: &str) -> Result<Start, FilterError> {
        let (cat, rest) = text.split_once(':').unwrap_or((text, ""));
        let category = Category::by_name(cat.trim()).ok_or_else(|| {
            let names: Vec<_> = Category::ALL.iter().map(|(n, _)| *n).collect();
            FilterError(format!("unknown trace category '{cat}' (known: {})", names.join(", ")))
        })?;
        Ok(Start { category, filter: Filter::parse(rest)? })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stamp(hart: u64, prv: Priv, icount: u64, asid: u16) -> Stamp {
        Stamp { hart, prv, icount, asid }
    }

    #[test]
    fn conditions_combine_with_and_repeated_keys_with_or() {
        let f = Filter::parse("priv=U,priv=S,asid=3,va=0x10000..0x11000").unwrap();
        let at = |va| Subject { va: Some(va), cause: None };
        assert!(f.holds(&stamp(0, Priv::U, 5, 3), &at(0x10008)));
        assert!(f.holds(&stamp(1, Priv::S, 5, 3), &at(0x10ff8)));
        assert!(!f.holds(&stamp(0, Priv::M, 5, 3), &at(0x10008)), "priv M is not asked for");
        assert!(!f.holds(&stamp(0, Priv::U, 5, 2), &at(0x10008)), "other asid");
        assert!(!f.holds(&stamp(0, Priv::U, 5, 3), &at(0x11000)), "HI is excluded");
        assert!(!f.holds(&stamp(0, Priv::U, 5, 3), &Subject::default()), "no va: not in the range");
    }

    #[test]
    fn icount_windows_causes_and_the_empty_filter() {
        let f = Filter::parse("icount=100..,cause=page-fault").unwrap();
        let trap = |c| Subject { va: None, cause: Some(c) };
        assert!(f.holds(&stamp(0, Priv::U, 100, 0), &trap(15)));
        assert!(!f.holds(&stamp(0, Priv::U, 99, 0), &trap(15)));
        assert!(!f.holds(&stamp(0, Priv::U, 100, 0), &trap(8)), "ecall is not a page fault");
        assert_eq!(f.icount_start(), 100);
        assert!(Filter::parse("").unwrap().holds(&stamp(7, Priv::M, 0, 9), &Subject::default()));
    }

    #[test]
    fn bad_filters_say_why() {
        for (text, why) in [
            ("prv=U", "unknown filter key 'prv'"),
            ("priv=X", "use U, S or M"),
            ("va=0x2000..0x1000", "empty range"),
            ("asid=70000", "over 65535"),
            ("hart", "not key=value"),
        ] {
            let e = Filter::parse(text).unwrap_err().to_string();
            assert!(e.contains(why), "{text}: {e}");
        }
        assert_eq!(Start::parse("trap:cause=13").unwrap().category, Category::Trap);
        assert!(Start::parse("nope").unwrap_err().to_string().contains("unknown trace category"));
    }
}
