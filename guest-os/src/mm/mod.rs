//! Memory management: typed addresses, the physical frame allocator, Sv39 page
//! tables, per-process address spaces and the kernel heap.

pub mod addr_space;
pub mod address;
pub mod asid;
pub mod frame;
pub mod heap;
pub mod kernel_space;
pub mod kstack;
pub mod page_table;
pub mod swap;

pub use address::{PhysAddr, PhysPageNum, VirtAddr, VirtPageNum, PAGE_SIZE, PHYS_OFFSET};
