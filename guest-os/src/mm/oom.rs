//! The out-of-memory killer's measure (Linux's mm/oom_kill.c): when reclaim
//! cannot free a frame for a user page, the process with the highest
//! *badness* is killed, not whoever faulted. Badness, as Linux's
//! oom_badness: resident pages + swapped-out pages + page-table pages,
//! plus oom_score_adj x total pages / 1000 (oom_score_adj in -1000..=1000;
//! -1000 never chosen). The choice itself walks the process table
//! ([`crate::proc::sched::oom_kill`]).

use super::addr_space::AddrSpace;
use super::address::PAGE_SIZE;

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

/// Linux's oom_badness for a process with `info` and `oom_score_adj`, on a
/// machine of `total_pages` (RAM frames + swap slots): `None` for
/// oom_score_adj -1000 (never killed).
pub fn badness(info: &OomInfo, oom_score_adj: i32, total_pages: usize) -> Option<i64> {
    if oom_score_adj <= -1000 {
        return None;
    }
    let kb = (PAGE_SIZE / 1024) as i64;
    let points = (info.anon_rss_kb + info.swap_kb + info.pgtables_kb) as i64 / kb;
    Some(points + oom_score_adj as i64 * total_pages as i64 / 1000)
}
