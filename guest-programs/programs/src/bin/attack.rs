//! attack WHAT: tries one forbidden thing; svos must kill it with a report
//! and go on. WHAT is one of:
//!   kread      load from the kernel (direct map at 0xffff_ffc0_8000_0000)
//!   kwrite     store into kernel RAM (0xffff_ffc0_8400_0000)
//!   null       load from address 0
//!   noncanon   load from 0x0000_8000_0000_0000 (not canonical in Sv39/Sv48)
//!   execdata   jump into a writable data page
//!   execstack  jump into code written on the stack
//!   writetext  store into its own text
//!   csrr       read satp (an S-mode CSR)
//!   sret       execute sret
//!   sfence     execute sfence.vma
#![no_std]
#![no_main]

use ulib::println;

/// `ret` (c.jr ra = 0x8082), twice, in a data page (R+W, never X).
static mut DATA_CODE: [u16; 2] = [0x8082, 0x8082];

fn load(addr: usize) -> usize {
    let v: usize;
    unsafe { core::arch::asm!("ld {v}, 0({a})", a = in(reg) addr, v = out(reg) v) };
    v
}

fn store(addr: usize) {
    unsafe { core::arch::asm!("sd zero, 0({a})", a = in(reg) addr) };
}

fn jump(addr: usize) {
    unsafe { core::arch::asm!("jalr ra, 0({a})", a = in(reg) addr, out("ra") _) };
}

#[no_mangle]
fn main() -> i32 {
    let what = ulib::arg(1);
    println!("attack {}: trying it; svos should kill me", what);
    match what {
        "kread" => {
            load(0xffff_ffc0_8000_0000);
        }
        "kwrite" => store(0xffff_ffc0_8400_0000),
        "null" => {
            load(0);
        }
        "noncanon" => {
            load(0x0000_8000_0000_0000);
        }
        "execdata" => jump(core::ptr::addr_of!(DATA_CODE) as usize),
        "execstack" => {
            let code: [u16; 4] = [0x8082, 0x8082, 0x8082, 0x8082];
            let code = core::hint::black_box(code);
            jump(code.as_ptr() as usize);
        }
        "writetext" => store(main as fn() -> i32 as usize),
        "csrr" => unsafe { core::arch::asm!("csrr t0, satp", out("t0") _) },
        "sret" => unsafe { core::arch::asm!("sret") },
        "sfence" => unsafe { core::arch::asm!("sfence.vma") },
        _ => {
            println!("attack: unknown attack {:?}", what);
            return 2;
        }
    }
    println!("attack {}: still alive?!", what);
    1
}
