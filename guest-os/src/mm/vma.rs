//! Virtual memory areas (VMAs): the ranges of a user address space that may
//! be accessed, with their permissions and kind, kept in a B-tree keyed by
//! start address (as Linux keeps them in its maple tree).
//!
//! Lookup of the area containing an address, insertion and removal are
//! O(log n) in the number of areas. A process may have at most
//! [`MAX_MAP_COUNT`] areas (Linux's vm.max_map_count default): creating or
//! splitting past it fails ([`VmaError::TooMany`], -ENOMEM for mmap, munmap
//! and mprotect, as in Linux).
//!
//! The free-range search for mmap ([`VmaSet::find_free`]) goes top-down from
//! a cached point, as Linux's `free_area_cache` did (2.6 .. 3.7): the start
//! of the last area it placed, moved up again when an area above it is
//! removed. Areas placed one after another therefore cost O(log n) each; a
//! search that must skip holes too small for it walks those areas once
//! (linear in the number of areas, never quadratic).

use super::page_table::PteFlags;
use alloc::collections::BTreeMap;

/// Most areas per address space: Linux's default vm.max_map_count
/// (`DEFAULT_MAX_MAP_COUNT` = 65530, include/linux/mm.h).
pub const MAX_MAP_COUNT: usize = 65_530;

/// Most bytes the stack area may grow to (Linux's default RLIMIT_STACK,
/// 8 MiB), counted down from its top.
pub const STACK_RLIMIT: usize = 8 * 1024 * 1024;

/// Free bytes the stack keeps below itself when it grows: it never grows
/// to within this of the next lower area (Linux's stack_guard_gap, 256
/// pages).
pub const STACK_GUARD_GAP: usize = 256 * super::PAGE_SIZE;

/// What an area holds.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum VmaKind {
    /// A PT_LOAD segment of the program's ELF.
    Elf,
    /// The brk heap.
    Heap,
    /// The user stack.
    Stack,
    /// An anonymous private mapping made by mmap.
    Anon,
    /// A mapping of a file's pages made by mmap ([`Vma::file`] says which),
    /// or MAP_SHARED | MAP_ANONYMOUS memory (an unnamed file).
    File,
}

impl VmaKind {
    /// True if pages of this kind are given zeroed frames at the first
    /// access (stack, heap, anonymous mmap); ELF segments get theirs when
    /// created, file mappings from the page cache at the first access.
    pub fn is_demand_zero(self) -> bool {
        matches!(self, VmaKind::Heap | VmaKind::Stack | VmaKind::Anon)
    }

    /// True for ELF segments.
    pub fn is_elf(self) -> bool {
        self == VmaKind::Elf
    }

    /// True for the kinds munmap, mremap and MAP_FIXED may remove (those
    /// mmap makes).
    pub fn is_mmap(self) -> bool {
        matches!(self, VmaKind::Anon | VmaKind::File)
    }
}

/// The file behind a file-backed area.
#[derive(Clone)]
pub struct FileMap {
    /// The file (its page cache).
    pub file: crate::fs::RegRef,
    /// The file page that the area's first page maps (mmap's offset / 4096).
    pub pgoff: usize,
    /// MAP_SHARED: stores reach the file; else MAP_PRIVATE (copy-on-write).
    pub shared: bool,
    /// What /proc/PID/maps names it: the path it was opened by.
    pub name: alloc::sync::Arc<str>,
    /// Its inode number (maps' inode column).
    pub ino: u64,
}

impl core::fmt::Debug for FileMap {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "{}@{:#x}{}", self.name, self.pgoff, if self.shared { " shared" } else { "" })
    }
}

/// An area's huge-page setting (Linux's VM_HUGEPAGE, VM_NOHUGEPAGE and
/// VM_HUGETLB flags; see [`super::huge_memory`]).
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq)]
pub enum VmaHuge {
    /// No advice: transparent megapages only under the `always` policy.
    #[default]
    Default,
    /// madvise(MADV_HUGEPAGE): megapages under `always` and `madvise`.
    Advised,
    /// madvise(MADV_NOHUGEPAGE): never a transparent megapage.
    Refused,
    /// mmap(MAP_HUGETLB): every 2 MiB of it is a megapage from the hugetlb
    /// pool, never split or swapped.
    Hugetlb,
}

/// A virtual memory area: `[start, end)` in bytes, page aligned, with user
/// permissions `perm` (U is implied), and the file it maps, if any.
#[derive(Clone, Debug)]
pub struct Vma {
    pub start: usize,
    pub end: usize,
    pub perm: PteFlags,
    pub kind: VmaKind,
    pub file: Option<FileMap>,
    /// mlock'd: every page stays resident (faulted in at mlock, never swapped).
    pub locked: bool,
    /// Charged to the commit charge (Linux's VM_ACCOUNT, [`super::commit`]):
    /// set for private writable areas, kept when mprotect takes W away.
    pub account: bool,
    /// Huge-page advice or hugetlb backing.
    pub huge: VmaHuge,
}

impl Vma {
    /// The part `[s, e)` of this area (inside it), its file offset moved with its start.
    pub fn slice(&self, s: usize, e: usize) -> Vma {
        let mut v = self.clone();
        if let Some(f) = v.file.as_mut() {
            f.pgoff += (s - self.start) / super::PAGE_SIZE;
        }
        v.start = s;
        v.end = e;
        v
    }

    /// True if reclaim may evict this area's pages: a demand-zero area
    /// (stack, heap, anonymous mmap) not mlock'd.
    pub fn evictable(&self) -> bool {
        self.kind.is_demand_zero() && !self.locked && self.huge != VmaHuge::Hugetlb
    }

    /// Its size in pages.
    pub fn pages(&self) -> usize {
        (self.end - self.start) / super::PAGE_SIZE
    }

    /// True if an area made with `perm` over `file` is charged to the
    /// commit charge (Linux's accountable_mapping): writable and not
    /// MAP_SHARED.
    pub fn accountable(perm: PteFlags, file: Option<&FileMap>) -> bool {
        perm.contains(PteFlags::W) && !file.is_some_and(|f| f.shared)
    }

    /// The file page of user address `va` (inside a file-backed area).
    pub fn file_page(&self, va: usize) -> Option<usize> {
        self.file.as_ref().map(|f| f.pgoff + (va - self.start) / super::PAGE_SIZE)
    }
}

/// Why an area operation was refused.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum VmaError {
    /// The range overlaps an area.
    Overlap,
    /// The range overlaps an area of a kind the operation may not touch.
    WrongKind,
    /// A page of the range is in no area.
    Unmapped,
    /// The operation would leave more than [`MAX_MAP_COUNT`] areas.
    TooMany,
    /// The commit charge it needs was refused ([`super::commit`]: -ENOMEM).
    NoCommit,
}

/// The areas of one address space. Dropping it releases its commit charge.
#[derive(Default)]
pub struct VmaSet {
    /// Non-empty areas by start address; none overlap.
    map: BTreeMap<usize, Vma>,
    /// The brk heap `[start, end)` (may be empty; in `map` only when not).
    heap: Option<(usize, usize, PteFlags)>,
    /// Top-down search starts here (see the module doc); 0 = from the top.
    free_cache: usize,
    /// The largest hole above `free_cache` (bytes).
    cached_hole: usize,
    /// The areas not made by mmap (ELF, heap, stack: a handful), start -> end,
    /// so checks against them do not walk every area.
    fixed: BTreeMap<usize, usize>,
    /// Pages of the accounted areas: this set's part of the commit charge
    /// ([`super::commit`]), kept by every operation that changes an area.
    committed: usize,
}

impl Drop for VmaSet {
    fn drop(&mut self) {
        super::commit::unacct(self.committed);
    }
}

impl VmaSet {
    /// An empty set.
    pub fn new() -> Self {
        VmaSet::default()
    }

    /// Pages of its accounted areas (its part of Committed_AS).
    pub fn committed(&self) -> usize {
        self.committed
    }

    /// Charges `pages` more to this set if the overcommit policy grants
    /// them ([`super::commit::vm_enough_memory`]); [`VmaError::NoCommit`] otherwise.
    fn charge(&mut self, pages: usize) -> Result<(), VmaError> {
        if pages == 0 {
            return Ok(());
        }
        // total_vm only matters to mode 2's user reserve: summed only then.
        let total_vm = if super::commit::mode() == super::commit::OVERCOMMIT_NEVER {
            self.iter().map(Vma::pages).sum()
        } else {
            0
        };
        super::commit::vm_enough_memory(pages, total_vm).map_err(|_| VmaError::NoCommit)?;
        self.committed += pages;
        Ok(())
    }

    /// Releases `pages` of this set's charge.
    fn uncharge(&mut self, pages: usize) {
        self.committed -= pages;
        super::commit::unacct(pages);
    }

    /// A copy of the areas for a fork's child, charged as Linux's dup_mmap
    /// charges each accounted area; [`VmaError::NoCommit`] (fork's
    /// -ENOMEM) with nothing charged if the policy refuses one.
    pub fn fork_copy(&self) -> Result<VmaSet, VmaError> {
        let mut child = VmaSet {
            map: self.map.clone(),
            heap: self.heap,
            free_cache: self.free_cache,
            cached_hole: self.cached_hole,
            fixed: self.fixed.clone(),
            committed: 0,
        };
        for v in self.map.values().filter(|v| v.account) {
            // On failure `child` drops, releasing what it was charged so far.
            child.charge(v.pages())?;
        }
        Ok(child)
    }

    /// Number of areas (the empty heap not counted).
    pub fn len(&self) -> usize {
        self.map.len()
    }

    /// True if there is no area.
    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    /// The areas in address order.
    pub fn iter(&self) -> impl Iterator<Item = &Vma> {
        self.map.values()
    }

    /// The area containing `va`, in O(log n).
    pub fn find(&self, va: usize) -> Option<&Vma> {
        self.map.range(..=va).next_back().map(|(_, v)| v).filter(|v| va < v.end)
    }

    /// The areas overlapping `[s, e)`, in address order.
    pub fn overlapping(&self, s: usize, e: usize) -> impl Iterator<Item = &Vma> {
        let first = self.map.range(..s).next_back().map(|(_, v)| v).filter(|v| v.end > s);
        first.into_iter().chain(self.map.range(s..e.max(s)).map(|(_, v)| v))
    }

    /// True if no area overlaps `[s, e)`.
    pub fn is_free(&self, s: usize, e: usize) -> bool {
        self.overlapping(s, e).next().is_none()
    }

    /// Adds `v` (non-empty, free range), charging it if accounted.
    /// [`VmaError::Overlap`], [`VmaError::TooMany`] or
    /// [`VmaError::NoCommit`] leave the set unchanged.
    pub fn insert(&mut self, v: Vma) -> Result<(), VmaError> {
        if !self.is_free(v.start, v.end) {
            return Err(VmaError::Overlap);
        }
        if self.map.len() >= MAX_MAP_COUNT {
            return Err(VmaError::TooMany);
        }
        if v.account {
            self.charge(v.pages())?;
        }
        if !v.kind.is_mmap() {
            self.fixed.insert(v.start, v.end);
        }
        self.map.insert(v.start, v);
        Ok(())
    }

    /// True if an area not made by mmap overlaps `[s, e)` (O(number of such areas)).
    pub fn fixed_overlaps(&self, s: usize, e: usize) -> bool {
        self.fixed.iter().any(|(&vs, &ve)| vs < e && s < ve)
    }

    /// Areas that straddle `s` or `e` (a removal of `[s, e)` splits them), in O(log n).
    pub fn splits(&self, s: usize, e: usize) -> usize {
        let at = |a: usize| self.find(a).filter(|v| v.start < a).map(|v| (v.start, v.end));
        match (at(s), at(e)) {
            (Some(x), Some(y)) if x == y => 1,
            (x, y) => usize::from(x.is_some()) + usize::from(y.is_some()),
        }
    }

    /// The highest page-aligned start of a free range of `len` bytes (page
    /// aligned, non-zero) inside `[lo, hi)`, searching down from `hi` (or
    /// from the cached point, see the module doc), or `None`. Records the
    /// result as the next search's starting point.
    pub fn find_free(&mut self, len: usize, lo: usize, hi: usize) -> Option<usize> {
        // Holes above the cached point are all smaller than cached_hole + 1:
        // a request that fits none of them starts at the cached point, so the
        // result is the same as a full top-down first-fit search.
        let use_cache = self.free_cache > lo && self.free_cache < hi && len > self.cached_hole;
        let from = if use_cache { self.free_cache } else { hi };
        let (found, skipped) = self.search_down(len, lo, from);
        self.cached_hole = if use_cache { self.cached_hole.max(skipped) } else { skipped };
        if let Some(start) = found {
            self.free_cache = start;
        }
        found
    }

    /// First fit searching down from `hi`: the start found, and the largest
    /// hole skipped on the way.
    fn search_down(&self, len: usize, lo: usize, hi: usize) -> (Option<usize>, usize) {
        let mut end = hi;
        let mut skipped = 0;
        let Some(need) = lo.checked_add(len) else { return (None, 0) };
        // The area containing hi - 1 (if it starts below hi), then lower ones.
        for v in self.map.range(..hi).rev().map(|(_, v)| v) {
            if v.end < end {
                let gap = end - v.end.max(lo);
                if gap >= len {
                    return (Some(end - len), skipped);
                }
                skipped = skipped.max(gap);
            }
            end = end.min(v.start);
            if end < need {
                return (None, skipped);
            }
        }
        ((end >= need).then(|| end - len), skipped)
    }

    /// Removes `[s, e)` from the areas (splitting those that straddle an
    /// end), releasing the commit charge of the accounted pages removed. Refused, with nothing changed, if an area of the range was not
    /// made by mmap ([`VmaKind::is_mmap`]), or if a split would exceed
    /// [`MAX_MAP_COUNT`].
    pub fn remove_range(&mut self, s: usize, e: usize) -> Result<(), VmaError> {
        let hit: alloc::vec::Vec<Vma> = self.overlapping(s, e).cloned().collect();
        if hit.iter().any(|v| !v.kind.is_mmap()) {
            return Err(VmaError::WrongKind);
        }
        let splits = hit.iter().filter(|v| v.start < s && e < v.end).count();
        if self.map.len() + splits > MAX_MAP_COUNT {
            return Err(VmaError::TooMany);
        }
        for v in hit {
            self.map.remove(&v.start);
            if v.account {
                self.uncharge((v.end.min(e) - v.start.max(s)) / super::PAGE_SIZE);
            }
            if v.start < s {
                self.map.insert(v.start, v.slice(v.start, s));
            }
            if e < v.end {
                self.map.insert(e, v.slice(e, v.end));
            }
        }
        if e > self.free_cache {
            self.free_cache = 0;
            self.cached_hole = 0;
        }
        Ok(())
    }

    /// Gives the areas over `[s, e)` permissions `perm`, splitting those
    /// that straddle an end. Refused, with nothing changed, if a page of
    /// the range is in no area ([`VmaError::Unmapped`]), in an area of none
    /// of `kinds` ([`VmaError::WrongKind`]), or splits exceed [`MAX_MAP_COUNT`].
    ///
    /// Making a private area writable charges its pages unless it is
    /// accounted already (Linux's mprotect_fixup): [`VmaError::NoCommit`]
    /// when refused, nothing changed. Taking W away keeps the charge.
    pub fn protect_range(&mut self, s: usize, e: usize, perm: PteFlags, kinds: &[VmaKind]) -> Result<(), VmaError> {
        let becomes_accounted =
            |v: &Vma| !v.account && v.huge != VmaHuge::Hugetlb && Vma::accountable(perm, v.file.as_ref());
        let charge: usize = self
            .overlapping(s, e)
            .filter(|v| becomes_accounted(v))
            .map(|v| (v.end.min(e) - v.start.max(s)) / super::PAGE_SIZE)
            .sum();
        self.charge(charge)?;
        let r = self.modify_range(s, e, kinds, |v| {
            if becomes_accounted(v) {
                v.account = true;
            }
            v.perm = perm
        });
        if r.is_err() {
            self.uncharge(charge);
        }
        r
    }

    /// Sets or clears `locked` (mlock) on the areas over `[s, e)`, splitting
    /// those that straddle an end. Errors as [`Self::protect_range`] (any kind).
    /// The heap and the stack are never split (brk and exec keep them
    /// whole): one straddling an end is changed whole.
    pub fn lock_range(&mut self, s: usize, e: usize, locked: bool) -> Result<(), VmaError> {
        let whole = |a: usize| self.find(a).filter(|v| matches!(v.kind, VmaKind::Heap | VmaKind::Stack));
        let s = whole(s).map_or(s, |v| v.start);
        let e = if e > s { whole(e - 1).map_or(e, |v| v.end) } else { e };
        let all = [VmaKind::Elf, VmaKind::Heap, VmaKind::Stack, VmaKind::Anon, VmaKind::File];
        self.modify_range(s, e, &all, |v| v.locked = locked)
    }

    /// Sets the huge-page advice of the areas over `[s, e)` (madvise
    /// MADV_HUGEPAGE, MADV_NOHUGEPAGE), splitting those that straddle an
    /// end; hugetlb areas keep theirs. Errors as [`Self::protect_range`].
    pub fn advise_huge(&mut self, s: usize, e: usize, huge: VmaHuge) -> Result<(), VmaError> {
        let all = [VmaKind::Elf, VmaKind::Heap, VmaKind::Stack, VmaKind::Anon, VmaKind::File];
        self.modify_range(s, e, &all, |v| {
            if v.huge != VmaHuge::Hugetlb {
                v.huge = huge;
            }
        })
    }

    /// Applies `f` to the areas over `[s, e)` (the parts inside the range,
    /// split off the areas that straddle an end); refused as [`Self::protect_range`].
    fn modify_range(&mut self, s: usize, e: usize, kinds: &[VmaKind], f: impl Fn(&mut Vma)) -> Result<(), VmaError> {
        let hit: alloc::vec::Vec<Vma> = self.overlapping(s, e).cloned().collect();
        let mut covered = s;
        for v in &hit {
            if !kinds.contains(&v.kind) {
                return Err(VmaError::WrongKind);
            }
            if v.start > covered {
                return Err(VmaError::Unmapped);
            }
            covered = covered.max(v.end);
        }
        if covered < e {
            return Err(VmaError::Unmapped);
        }
        let splits = hit.iter().map(|v| usize::from(v.start < s) + usize::from(e < v.end)).sum::<usize>();
        if self.map.len() + splits > MAX_MAP_COUNT {
            return Err(VmaError::TooMany);
        }
        for v in hit {
            self.map.remove(&v.start);
            if v.start < s {
                self.map.insert(v.start, v.slice(v.start, s));
            }
            let mid = v.start.max(s);
            let mut m = v.slice(mid, v.end.min(e));
            f(&mut m);
            self.map.insert(mid, m);
            if e < v.end {
                self.map.insert(e, v.slice(e, v.end));
            }
        }
        Ok(())
    }

    /// Moves the end of the mmap'd area that ends at `end` to `new_end`
    /// (larger), if `[end, new_end)` is free, charging the new pages of an
    /// accounted area. [`VmaError::Unmapped`] if no such area,
    /// [`VmaError::Overlap`] if the range is taken, [`VmaError::NoCommit`].
    pub fn extend(&mut self, end: usize, new_end: usize) -> Result<(), VmaError> {
        let v = self.find(end - 1).filter(|v| v.end == end && v.kind.is_mmap()).ok_or(VmaError::Unmapped)?;
        let (start, account) = (v.start, v.account);
        if !self.is_free(end, new_end) {
            return Err(VmaError::Overlap);
        }
        if account {
            self.charge((new_end - end) / super::PAGE_SIZE)?;
        }
        if let Some(v) = self.map.get_mut(&start) {
            v.end = new_end;
        }
        Ok(())
    }

    /// The stack area's `[start, end)`, if there is one (O(number of
    /// ELF, heap and stack areas)).
    pub fn stack(&self) -> Option<(usize, usize)> {
        self.fixed.keys().filter_map(|s| self.map.get(s)).find(|v| v.kind == VmaKind::Stack).map(|v| (v.start, v.end))
    }

    /// Moves the stack area's start down to `new_start` (page aligned),
    /// if that keeps it within [`STACK_RLIMIT`] of its top and
    /// [`STACK_GUARD_GAP`] above the next lower area, and the commit charge
    /// of the new pages is granted (Linux's acct_stack_growth). False otherwise.
    pub fn grow_stack(&mut self, new_start: usize) -> bool {
        let Some((start, end)) = self.stack() else { return false };
        if new_start >= start || end - new_start > STACK_RLIMIT {
            return false;
        }
        if !self.is_free(new_start.saturating_sub(STACK_GUARD_GAP), start) {
            return false;
        }
        let account = self.map.get(&start).is_some_and(|v| v.account);
        if account && self.charge((start - new_start) / super::PAGE_SIZE).is_err() {
            return false;
        }
        let Some(v) = self.map.remove(&start) else { return false };
        self.fixed.remove(&start);
        self.fixed.insert(new_start, end);
        self.map.insert(new_start, Vma { start: new_start, ..v });
        true
    }

    /// Unlocks every area (a fork's child: locks are not inherited).
    pub fn clear_locks(&mut self) {
        for v in self.map.values_mut() {
            v.locked = false;
        }
    }

    /// The brk heap's `[start, end)`, if created.
    pub fn heap(&self) -> Option<(usize, usize)> {
        self.heap.map(|(s, e, _)| (s, e))
    }

    /// Sets the heap to `[start, new_end)` (created at `start` with `perm`
    /// the first time). Growing is refused ([`VmaError::Overlap`]) if
    /// another area is in the way, [`VmaError::NoCommit`] if its charge is
    /// refused; the caller frees pages beyond a smaller end.
    pub fn resize_heap(&mut self, start: usize, new_end: usize, perm: PteFlags) -> Result<(), VmaError> {
        let (s, old_end, perm) = self.heap.unwrap_or((start, start, perm));
        let locked = self.map.get(&s).is_some_and(|v| v.locked);
        let new_end = new_end.max(s);
        if new_end > old_end && !self.overlapping(old_end, new_end).all(|v| v.kind == VmaKind::Heap) {
            return Err(VmaError::Overlap);
        }
        if old_end == s && new_end > s && self.map.len() >= MAX_MAP_COUNT {
            return Err(VmaError::TooMany);
        }
        // The heap is always accounted (Linux's do_brk_flags charges VM_ACCOUNT).
        if new_end > old_end {
            self.charge((new_end - old_end) / super::PAGE_SIZE)?;
        } else {
            self.uncharge((old_end - new_end) / super::PAGE_SIZE);
        }
        self.map.remove(&s);
        self.fixed.remove(&s);
        if new_end > s {
            let v = Vma {
                start: s,
                end: new_end,
                perm,
                kind: VmaKind::Heap,
                file: None,
                locked,
                account: true,
                huge: VmaHuge::Default,
            };
            self.map.insert(s, v);
            self.fixed.insert(s, new_end);
        }
        self.heap = Some((s, new_end, perm));
        Ok(())
    }
}
