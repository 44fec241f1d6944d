//! A bump allocator on the brk heap (single-threaded programs). Memory is
//! only reclaimed when the most recent allocation is freed.

use core::alloc::{GlobalAlloc, Layout};
use core::cell::UnsafeCell;

struct BrkHeap {
    /// (next free byte, current break); 0 until first use.
    state: UnsafeCell<(usize, usize)>,
}

// SAFETY: svos programs are single-threaded.
unsafe impl Sync for BrkHeap {}

const GROW: usize = 16 * 1024;

unsafe impl GlobalAlloc for BrkHeap {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let st = &mut *self.state.get();
        if st.1 == 0 {
            let b = crate::sys::brk(0);
            *st = (b, b);
        }
        let start = (st.0 + layout.align() - 1) & !(layout.align() - 1);
        let end = match start.checked_add(layout.size()) {
            Some(e) => e,
            None => return core::ptr::null_mut(),
        };
        if end > st.1 {
            let want = (end + GROW - 1) & !(GROW - 1);
            let got = crate::sys::brk(want);
            if got < end {
                return core::ptr::null_mut();
            }
            st.1 = got;
        }
        st.0 = end;
        start as *mut u8
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        let st = &mut *self.state.get();
        if ptr as usize + layout.size() == st.0 {
            st.0 = ptr as usize;
        }
    }
}

#[global_allocator]
static HEAP: BrkHeap = BrkHeap { state: UnsafeCell::new((0, 0)) };

/// The current program break as the heap sees it (0 before first allocation).
pub fn current_break() -> usize {
    unsafe { (*HEAP.state.get()).1 }
}
