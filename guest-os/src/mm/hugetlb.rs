//! hugetlb (Linux's mm/hugetlb.c): mmap(MAP_HUGETLB) memory backed by
//! 2 MiB megapages from a fixed pool.
//!
//! - **The pool**: `hugepages=N` at boot (Linux's kernel parameter) takes N
//!   order-9 blocks from the buddy allocator; /proc/sys/vm/nr_hugepages
//!   reads the pool's size and a write grows it (as far as free blocks
//!   allow) or shrinks it (by the free pages only). Default 0, as on Linux:
//!   MAP_HUGETLB then fails with -ENOMEM. At most [`MAX_POOL`] pages.
//!   /proc/meminfo's HugePages_Total, HugePages_Free and Hugetlb show it.
//! - **mmap**: MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB, with
//!   MAP_HUGE_2MB or no size (the default size): the length is rounded up
//!   to 2 MiB, the address is 2 MiB aligned (-EINVAL for a MAP_FIXED address
//!   that is not); all its pages are taken from the pool at once and
//!   mapped (so HugePages_Rsvd is always 0: svos reserves by allocating),
//!   -ENOMEM if the pool has too few free pages. -EINVAL for a file
//!   mapping or another page size (MAP_HUGE_1GB), as Linux; MAP_SHARED
//!   hugetlb memory is not implemented (-EINVAL).
//! - The pages are never split, swapped or counted in RSS (Linux counts
//!   them apart too: smaps' Private_Hugetlb, KernelPageSize 2048 kB);
//!   munmap and mprotect must cover whole 2 MiB pages (-EINVAL otherwise,
//!   as Linux's hugetlb_vm_op_split), mremap and MADV_DONTNEED of them are
//!   -EINVAL. fork copies them into pages of the pool for the child (fork
//!   fails with -ENOMEM if the pool has too few); exit and munmap give them
//!   back to the pool.

use super::addr_space::AddrSpace;
use super::address::{PhysPageNum, VirtAddr, VirtPageNum};
use super::fault::{Access, FaultError, Resolved};
use super::huge_memory::{HPAGE_ORDER, HPAGE_PAGES, HPAGE_SIZE};
use super::page_table::{MapError, PteFlags};
use super::vma::{Vma, VmaHuge, VmaKind};
use alloc::collections::BTreeMap;
use spin::Mutex;

/// Most pages the pool holds (1 GiB).
pub const MAX_POOL: usize = 512;

struct Pool {
    /// First PPN of each free page, `free[..nfree]`.
    free: [usize; MAX_POOL],
    nfree: usize,
    /// Pages in the pool, free or mapped.
    total: usize,
}

static POOL: Mutex<Pool> = Mutex::new(Pool { free: [0; MAX_POOL], nfree: 0, total: 0 });

/// Applies the bootarg `hugepages=N` (see the module docs).
pub fn init(bootargs: &str) {
    if let Some(n) = bootargs.split_whitespace().find_map(|a| a.strip_prefix("hugepages=")) {
        match n.parse::<usize>() {
            Ok(n) => {
                let got = set_pool_size(n);
                if got != n {
                    crate::println!("[svos] hugepages={}: only {} free 2 MiB blocks", n, got);
                }
            }
            Err(_) => crate::println!("[svos] hugepages={}: not a number", n),
        }
    }
}

/// Grows or shrinks the pool towards `n` pages (at most [`MAX_POOL`]):
/// growing takes free order-9 blocks while there are any, shrinking gives
/// back free pages only. Returns the pool's size afterwards.
pub fn set_pool_size(n: usize) -> usize {
    let n = n.min(MAX_POOL);
    loop {
        let mut p = POOL.lock();
        if p.total < n {
            drop(p);
            let Some(block) = super::frame::alloc_block(HPAGE_ORDER) else { break };
            let mut p = POOL.lock();
            let i = p.nfree;
            p.free[i] = block.0;
            p.nfree += 1;
            p.total += 1;
        } else if p.total > n && p.nfree > 0 {
            p.nfree -= 1;
            let block = p.free[p.nfree];
            p.total -= 1;
            drop(p);
            // SAFETY: a free pool page is an order-9 block nothing uses.
            unsafe { super::frame::free_block(PhysPageNum(block), HPAGE_ORDER) };
        } else {
            break;
        }
    }
    POOL.lock().total
}

/// (pages in the pool, free pages).
pub fn pool() -> (usize, usize) {
    let p = POOL.lock();
    (p.total, p.nfree)
}

/// `n` zeroed free pages of the pool, or none if it has fewer.
fn take(n: usize) -> Option<alloc::vec::Vec<HugetlbPage>> {
    let mut got = alloc::vec::Vec::with_capacity(n);
    {
        let mut p = POOL.lock();
        if p.nfree < n {
            return None;
        }
        for _ in 0..n {
            p.nfree -= 1;
            got.push(HugetlbPage(PhysPageNum(p.free[p.nfree])));
        }
    }
    for page in &got {
        for i in 0..HPAGE_PAGES {
            // SAFETY: the page is ours alone now.
            unsafe { PhysPageNum(page.0 .0 + i).bytes_mut().fill(0) };
        }
    }
    Some(got)
}

/// One 2 MiB page of the pool mapped by a space; dropping it gives it back.
#[derive(Debug)]
pub(super) struct HugetlbPage(PhysPageNum);

impl Drop for HugetlbPage {
    fn drop(&mut self) {
        let mut p = POOL.lock();
        let i = p.nfree;
        p.free[i] = self.0 .0;
        p.nfree += 1;
    }
}

/// True if `a` lies strictly inside a 2 MiB page (not on its boundary).
fn inside_page(a: usize) -> bool {
    !a.is_multiple_of(HPAGE_SIZE)
}

impl AddrSpace {
    /// Maps `[start, end)` (2 MiB aligned, free) as a hugetlb area with user
    /// permissions `perm`, every page taken from the pool now.
    /// [`MapError::OutOfMemory`] if the pool has too few free pages (or a
    /// page-table page is missing), [`MapError::AlreadyMapped`] if the range
    /// is not free, [`MapError::HugePage`] if it is not aligned.
    pub fn map_hugetlb(&mut self, start: usize, end: usize, perm: PteFlags) -> Result<(), MapError> {
        if inside_page(start) || inside_page(end) || start >= end {
            return Err(MapError::HugePage);
        }
        if !self.vmas.is_free(start, end) {
            return Err(MapError::AlreadyMapped);
        }
        if self.vmas.len() >= super::vma::MAX_MAP_COUNT {
            return Err(MapError::OutOfMemory);
        }
        let pages = take((end - start) / HPAGE_SIZE).ok_or(MapError::OutOfMemory)?;
        let mut mapped = BTreeMap::new();
        for (i, page) in pages.into_iter().enumerate() {
            let vpn = VirtAddr(start + i * HPAGE_SIZE).floor();
            if let Err(e) = self.pt.map_mega(vpn, page.0, perm | PteFlags::U | PteFlags::HUGETLB) {
                for v in mapped.keys() {
                    self.pt.zap_mega(*v);
                }
                return Err(e);
            }
            mapped.insert(vpn, page);
        }
        let locked = self.lock_future;
        // Not charged to Committed_AS: the pool is reserved already (Linux's
        // accountable_mapping leaves hugetlb files out).
        let vma =
            Vma { start, end, perm, kind: VmaKind::Anon, file: None, locked, huge: VmaHuge::Hugetlb, account: false };
        self.vmas.insert(vma).map_err(|_| MapError::OutOfMemory)?;
        self.hugetlb.append(&mut mapped);
        Ok(())
    }

    /// A fault in hugetlb area `vma` at `va` (the access allowed by the
    /// area): the page's megapage mapped again (after PROT_NONE), or its A
    /// (and D) set under Svade, or a stale TLB entry fenced.
    pub(super) fn hugetlb_fault(&mut self, va: usize, access: Access, vma: &Vma) -> Result<Resolved, FaultError> {
        let vpn = VirtAddr(va & !(HPAGE_SIZE - 1)).floor();
        let ppn = self.hugetlb.get(&vpn).ok_or(FaultError::Segv)?.0;
        let Some(leaf) = self.pt.mega_leaf(vpn) else {
            self.pt
                .map_mega(vpn, ppn, vma.perm | PteFlags::U | PteFlags::HUGETLB)
                .map_err(|_| FaultError::OutOfMemory)?;
            self.usage.minor_faults += 1;
            super::vmstat::PGFAULT_MINOR.inc();
            return Ok(Resolved::Minor);
        };
        let flags = leaf.flags();
        if !flags.contains(access.needs()) {
            return Err(FaultError::Segv);
        }
        let dirty = access == Access::Store;
        let missing = !flags.contains(PteFlags::A) || (dirty && !flags.contains(PteFlags::D));
        if missing {
            self.pt.set_accessed(vpn, dirty);
        }
        super::page_table::sfence_vma(va);
        if missing {
            super::vmstat::AD_FAULTS.inc();
            return Ok(Resolved::AccessedDirty);
        }
        Ok(Resolved::Spurious)
    }

    /// True unless `s` or `e` falls strictly inside a 2 MiB page of a
    /// hugetlb area (munmap and mprotect must split there: -EINVAL).
    pub fn hugetlb_split_ok(&self, s: usize, e: usize) -> bool {
        let bad = |a: usize| inside_page(a) && self.vmas.find(a).is_some_and(|v| v.huge == VmaHuge::Hugetlb);
        !bad(s) && !bad(e)
    }

    /// True if a hugetlb area overlaps `[s, e)`.
    pub fn hugetlb_overlaps(&self, s: usize, e: usize) -> bool {
        self.vmas.overlapping(s, e).any(|v| v.huge == VmaHuge::Hugetlb)
    }

    /// Removes the hugetlb pages of `[s, e)` from the page table and returns
    /// them (the caller frees them after its TLB shootdown).
    pub(super) fn take_hugetlb(&mut self, s: usize, e: usize) -> BTreeMap<VirtPageNum, HugetlbPage> {
        let (first, end) = (VirtAddr(s).floor(), VirtAddr(e).ceil());
        let taken: BTreeMap<VirtPageNum, HugetlbPage> = self.hugetlb.extract_if(first..end, |_, _| true).collect();
        for vpn in taken.keys() {
            self.pt.zap_mega(*vpn);
        }
        taken
    }

    /// mprotect of the hugetlb pages of `[s, e)`: their leaves get `perm`
    /// (removed for no permission, mapped again otherwise).
    pub(super) fn protect_hugetlb(&mut self, s: usize, e: usize, perm: PteFlags) {
        let (first, end) = (VirtAddr(s).floor(), VirtAddr(e).ceil());
        let pages: alloc::vec::Vec<(VirtPageNum, PhysPageNum)> =
            self.hugetlb.range(first..end).map(|(v, p)| (*v, p.0)).collect();
        let rwx = PteFlags(perm.0 & (PteFlags::R.0 | PteFlags::W.0 | PteFlags::X.0));
        for (vpn, ppn) in pages {
            if rwx.0 == 0 {
                self.pt.zap_mega(vpn);
            } else if !self.pt.protect_mega(vpn, rwx | PteFlags::U) {
                let _ = self.pt.map_mega(vpn, ppn, rwx | PteFlags::U | PteFlags::HUGETLB);
            }
        }
    }

    /// fork: `child` gets a copy of each hugetlb page in a page of the
    /// pool, mapped as the parent maps it. [`MapError::OutOfMemory`] if the
    /// pool has too few free pages.
    pub(super) fn fork_hugetlb(&self, child: &mut AddrSpace) -> Result<(), MapError> {
        let pages = take(self.hugetlb.len()).ok_or(MapError::OutOfMemory)?;
        for ((vpn, ours), theirs) in self.hugetlb.iter().zip(pages) {
            for i in 0..HPAGE_PAGES {
                // SAFETY: both pages are owned (ours read, theirs written).
                unsafe {
                    PhysPageNum(theirs.0 .0 + i).bytes_mut().copy_from_slice(PhysPageNum(ours.0 .0 + i).bytes_mut())
                };
            }
            if let Some(leaf) = self.pt.mega_leaf(*vpn) {
                let perm = PteFlags(leaf.flags().0 & (PteFlags::R.0 | PteFlags::W.0 | PteFlags::X.0));
                child.pt.map_mega(*vpn, theirs.0, perm | PteFlags::U | PteFlags::HUGETLB)?;
            }
            child.hugetlb.insert(*vpn, theirs);
        }
        Ok(())
    }

    /// Bytes of hugetlb pages in `[s, e)` (smaps' Private_Hugetlb).
    pub fn hugetlb_bytes(&self, s: usize, e: usize) -> u64 {
        let (first, end) = (VirtAddr(s).floor(), VirtAddr(e).ceil());
        (self.hugetlb.range(first..end).count() * HPAGE_SIZE) as u64
    }
}
