//! Memory management: typed addresses, the physical frame allocator, Sv39 page
//! tables, per-process address spaces and the kernel heap.

pub mod addr_space;
pub mod address;
pub mod asid;
pub mod commit;
pub mod cow;
pub mod fault;
pub mod filemap;
pub mod frame;
pub mod heap;
pub mod huge_memory;
pub mod hugetlb;
pub mod kernel_space;
pub mod kmem_cache;
pub mod kstack;
pub mod kswapd;
pub mod mlock;
pub mod mmap;
pub mod mremap;
pub mod oom;
pub mod page_table;
pub mod policy;
pub mod slab;
pub mod smaps;
pub mod swap;
pub mod swap_cache;
pub mod vma;
pub mod vmscan;
pub mod vmstat;

pub use address::{PhysAddr, PhysPageNum, VirtAddr, VirtPageNum, PAGE_SIZE, PHYS_OFFSET};

/// Frames free or held by the kernel heap or the page cache: what the kernel's leak check at
/// power off compares (the heap keeps some arenas it has grown, holding
/// long-lived objects such as the run queue's buffer, so counting its
/// frames as used would report those as leaks; heap bytes are checked on
/// their own, [`heap::stats`]; the page cache keeps files' pages after
/// their readers exit, as Linux does).
pub fn frames_unused_by_processes() -> usize {
    frame::stats().0 + heap::stats().frames + filemap::meminfo().cached
}
