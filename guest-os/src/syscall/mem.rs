//! Memory system calls: brk.

use crate::mm::addr_space::VmaKind;
use crate::mm::address::page_ceil;
use crate::mm::page_table::PteFlags;
use crate::proc::exec::{USER_STACK_SIZE, USER_STACK_TOP};
use crate::proc::sched;

/// Largest heap svos grants through brk, in bytes.
pub const BRK_MAX: usize = 64 * 1024 * 1024;

/// brk(2), Linux semantics: `addr` below the heap start (e.g. 0) returns the
/// current break; otherwise the break moves to `addr`, mapping zeroed pages
/// R+W+U or freeing pages; on failure (limit, collision, out of memory) the
/// old break is returned.
pub fn sys_brk(addr: usize) -> usize {
    let p = sched::current();
    if addr < p.brk_start || addr > p.brk_start + BRK_MAX || addr > USER_STACK_TOP - USER_STACK_SIZE {
        return p.brk;
    }
    let new_end = page_ceil(addr);
    let Some(space) = p.space.as_mut() else { return p.brk };
    match space.resize_area(VmaKind::Heap, p.brk_start, new_end, PteFlags::R | PteFlags::W) {
        Ok(()) => {
            p.brk = addr;
            addr
        }
        Err(_) => p.brk,
    }
}
