//! The kernel heap: `buddy_system_allocator` over a static region in .bss.

use buddy_system_allocator::LockedHeap;

/// Kernel heap size in bytes: 8 MiB minus the static kernel-stack page
/// tables ([`super::kstack`], 4 pages) and thirteen pages of code growth (one
/// for processes, three for SMP, two for demand paging, mmap, mprotect and
/// copy-on-write, seven for the virtio-blk driver and swap), so the kernel
/// image (and the free-frame counts on the console) kept their size. The
/// stacks of harts 1..N come from this heap ([`crate::smp::HART_STACK_SIZE`]
/// each).
pub const KERNEL_HEAP_SIZE: usize = 8 * 1024 * 1024 - 17 * 4096;

#[repr(align(4096))]
struct HeapSpace(#[allow(dead_code)] [u8; KERNEL_HEAP_SIZE]);

static mut HEAP_SPACE: HeapSpace = HeapSpace([0; KERNEL_HEAP_SIZE]);

#[global_allocator]
static HEAP: LockedHeap<32> = LockedHeap::empty();

/// Hands the static region to the allocator. Call once, before any allocation.
pub fn init() {
    // SAFETY: called once at boot; HEAP_SPACE is used by nothing else.
    unsafe {
        let start = core::ptr::addr_of_mut!(HEAP_SPACE) as usize;
        HEAP.lock().init(start, KERNEL_HEAP_SIZE);
    }
}
