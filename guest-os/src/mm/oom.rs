//! The out-of-memory killer's policy (Linux's mm/oom_kill.c): when reclaim
//! cannot free a frame for a user page, the process with the highest
//! *badness* is killed, not whoever faulted. Badness, as Linux 6.1's
//! oom_badness: resident pages + swapped-out pages + page-table pages,
//! plus oom_score_adj x (total pages / 1000), total pages = RAM frames +
//! swap slots; oom_score_adj (/proc/PID/oom_score_adj, -1000..=1000,
//! inherited by fork, kept by exec) -1000 makes a process never chosen,
//! 1000 makes it the first choice whatever its size. Pid 1 is never
//! chosen either (Linux's is_global_init). /proc/PID/oom_score shows the
//! badness scaled to 0..=2000 as Linux's proc_oom_score does
//! ([`oom_score`]). The choice itself walks the process table
//! ([`crate::proc::sched::oom_kill`]).
//!
//! vm.panic_on_oom ([`panic_on_oom`], bootarg `vm.panic_on_oom=N`,
//! /proc/sys/vm/panic_on_oom): 0 kills a process; 1 and 2 (svos has no
//! cpusets or memory policies that would make 1 differ) stop the kernel
//! instead, with Linux's panic message `Out of memory: system-wide
//! panic_on_oom is enabled` (`compulsory` for 2).

use super::addr_space::AddrSpace;
use super::address::PAGE_SIZE;
use core::sync::atomic::{AtomicUsize, Ordering::Relaxed};

/// What the OOM report gives of a process's memory (Linux's
/// dump_header/__oom_kill_process fields), in KiB.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct OomInfo {
    /// Size of every area (total-vm).
    pub total_vm_kb: usize,
    /// Resident anonymous pages (anon-rss; svos has no file pages).
    pub anon_rss_kb: usize,
    /// Swapped-out pages.
    pub swap_kb: usize,
    /// Page-table pages (pgtables).
    pub pgtables_kb: usize,
}

impl AddrSpace {
    /// This space's figures for the OOM killer.
    pub fn oom_info(&self) -> OomInfo {
        let kb = PAGE_SIZE / 1024;
        OomInfo {
            total_vm_kb: self.vmas.iter().map(|v| (v.end - v.start) / 1024).sum(),
            anon_rss_kb: self.frames.len() * kb,
            swap_kb: self.swapped.len() * kb,
            pgtables_kb: self.pt.table_pages() * kb,
        }
    }
}

/// Lowest oom_score_adj: the process is never chosen (OOM_SCORE_ADJ_MIN).
pub const OOM_SCORE_ADJ_MIN: i32 = -1000;
/// Highest oom_score_adj (OOM_SCORE_ADJ_MAX).
pub const OOM_SCORE_ADJ_MAX: i32 = 1000;

static PANIC_ON_OOM: AtomicUsize = AtomicUsize::new(0);

/// vm.panic_on_oom now: 0, 1 or 2.
pub fn panic_on_oom() -> usize {
    PANIC_ON_OOM.load(Relaxed)
}

/// Sets vm.panic_on_oom; -EINVAL outside 0..=2.
pub fn set_panic_on_oom(v: usize) -> Result<(), isize> {
    if v > 2 {
        return Err(crate::syscall::errno::EINVAL);
    }
    PANIC_ON_OOM.store(v, Relaxed);
    Ok(())
}

/// Reads the bootarg `vm.panic_on_oom=N` (a bad value is reported, 0 kept).
pub fn init(bootargs: &str) {
    if let Some(v) = bootargs.split_whitespace().find_map(|a| a.strip_prefix("vm.panic_on_oom=")) {
        if v.parse().ok().and_then(|n| set_panic_on_oom(n).ok()).is_none() {
            crate::println!("[svos] bad vm.panic_on_oom={}, using 0", v);
        }
    }
}

/// Called when the OOM killer is about to choose a victim: with
/// vm.panic_on_oom set, stops the kernel as Linux's check_panic_on_oom does.
pub fn check_panic_on_oom() {
    match panic_on_oom() {
        0 => {}
        2 => panic!("Out of memory: compulsory panic_on_oom is enabled"),
        _ => panic!("Out of memory: system-wide panic_on_oom is enabled"),
    }
}

/// Pages the badness is scaled by: RAM frames + swap slots (Linux's
/// totalram_pages() + total_swap_pages).
pub fn total_pages() -> usize {
    super::frame::stats().1 + super::swap::slots()
}

/// Linux's oom_badness for a process with `info` and `oom_score_adj`, on a
/// machine of `total_pages` (RAM frames + swap slots): `None` for
/// oom_score_adj -1000 (never killed). May be negative.
pub fn badness(info: &OomInfo, oom_score_adj: i32, total_pages: usize) -> Option<i64> {
    if oom_score_adj <= OOM_SCORE_ADJ_MIN {
        return None;
    }
    let kb = (PAGE_SIZE / 1024) as i64;
    let points = (info.anon_rss_kb + info.swap_kb + info.pgtables_kb) as i64 / kb;
    // As Linux: adj *= totalpages / 1000 (the division first).
    Some(points + oom_score_adj as i64 * (total_pages / 1000) as i64)
}

/// /proc/PID/oom_score (Linux's proc_oom_score): the badness scaled to
/// 0..=2000, (1000 + badness x 1000 / total pages) x 2 / 3; 0 for a
/// process never chosen (`badness` `None`).
pub fn oom_score(badness: Option<i64>, total_pages: usize) -> u64 {
    let Some(b) = badness else { return 0 };
    let total = total_pages.max(1) as i64;
    ((1000 + b * 1000 / total) * 2 / 3).max(0) as u64
}
