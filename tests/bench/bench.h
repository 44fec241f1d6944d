/* Shared helpers of the benchmark programs: console output (NS16550A at
 * 0x10000000, polled), and the memory functions gcc may call. */
#ifndef BENCH_H
#define BENCH_H

typedef unsigned long u64;
typedef unsigned int u32;
typedef unsigned short u16;
typedef unsigned char u8;
typedef long i64;
typedef int i32;
typedef short i16;

#define UART ((volatile u8 *)0x10000000)

static inline void putc_(char c) {
    while (!(UART[5] & 0x20)) {
    }
    UART[0] = (u8)c;
}

static inline void puts_(const char *s) {
    while (*s) putc_(*s++);
}

static inline void puthex(u64 v) {
    puts_("0x");
    for (int i = 60; i >= 0; i -= 4) putc_("0123456789abcdef"[(v >> i) & 15]);
}

void *memset(void *d, int c, unsigned long n);
void *memcpy(void *d, const void *s, unsigned long n);

/* Page-table entries (Privileged ISA 12.3-12.5), for the paging workloads. */
#define PTE_V 1
#define PTE_R 2
#define PTE_W 4
#define PTE_X 8
#define PTE_A 0x40
#define PTE_D 0x80
#define LEAF (PTE_V | PTE_R | PTE_W | PTE_X | PTE_A | PTE_D)
/* The paged region: 4 GiB, above the identity-mapped gigapages of RAM. */
#define BASE 0x100000000ul
/* Physical frames the region's pages are mapped onto, round robin. */
#define FRAMES 16

/* A non-leaf PTE pointing at table t. */
static inline u64 pte_table(u64 *t) { return (((u64)t >> 12) << 10) | PTE_V; }

/* From M-mode: let PMP allow S-mode everything (one NAPOT entry), turn on
 * translation with `satp`, and mret to `entry` in S-mode. */
static inline __attribute__((noreturn)) void enter_s_mode(u64 satp, void (*entry)(void)) {
    asm volatile("csrw pmpaddr0, %0" ::"r"(~0ul >> 10));
    asm volatile("csrw pmpcfg0, %0" ::"r"(0x1ful));
    asm volatile("csrw satp, %0" ::"r"(satp));
    asm volatile("sfence.vma");
    u64 mstatus;
    asm volatile("csrr %0, mstatus" : "=r"(mstatus));
    mstatus = (mstatus & ~(3ul << 11)) | (1ul << 11); /* MPP = S */
    asm volatile("csrw mstatus, %0" ::"r"(mstatus));
    asm volatile("csrw mepc, %0" ::"r"((u64)entry));
    asm volatile("mret");
    __builtin_unreachable();
}

#endif
