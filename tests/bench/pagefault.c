/* Page-fault-heavy code, as demand paging makes it: M-mode builds Sv39
 * page tables in which PAGES virtual 4 KiB pages have level-0 tables but no
 * leaf PTEs, delegates load page faults to S-mode and drops to S-mode.
 * Each round, S-mode loads one word from every page; the first load of a
 * page faults, the S-mode handler writes the leaf PTE (onto one of FRAMES
 * physical frames), fences that address and returns with sret, and the load
 * is retried. At the end of the round every page is unmapped again, each
 * with its own sfence.vma by address, as munmap does. So every page costs:
 * a TLB miss and a walk that faults, a trap into S-mode, the handler's own
 * loads and stores, sfence.vma by VA, sret, a second walk, and a second
 * sfence.vma by VA. Prints a checksum of the loaded words and the faults. */
#include "bench.h"

#ifndef PAGES
#define PAGES 4096
#endif
#ifndef ROUNDS
#define ROUNDS 100
#endif

#define CAUSE_LOAD_PAGE_FAULT 13

/* Level-0 tables of the region: leaves[i] is the PTE of page BASE + i·4 KiB. */
static u64 leaves[PAGES] __attribute__((aligned(4096)));
static u64 level1[512] __attribute__((aligned(4096)));
static u64 root[512] __attribute__((aligned(4096)));
static u8 frames[FRAMES][4096] __attribute__((aligned(4096)));
static u64 faults;

static void fail(u64 code) {
    *(volatile u32 *)0x100000 = (u32)(code << 16) | 0x3333;
    for (;;) asm volatile("wfi");
}

/* The S-mode trap handler: map the faulting page and retry the load. */
__attribute__((interrupt("supervisor"), aligned(4))) void s_trap(void) {
    u64 cause, va;
    asm volatile("csrr %0, scause" : "=r"(cause));
    asm volatile("csrr %0, stval" : "=r"(va));
    u64 i = (va - BASE) >> 12;
    if (cause != CAUSE_LOAD_PAGE_FAULT || i >= PAGES) fail(cause + 2);
    leaves[i] = (((u64)frames[i % FRAMES] >> 12) << 10) | LEAF;
    faults++;
    asm volatile("sfence.vma %0, zero" ::"r"(va) : "memory");
}

static void s_mode_main(void) {
    u64 sum = 0;
    for (int r = 0; r < ROUNDS; r++) {
        for (u64 i = 0; i < PAGES; i++) sum += *(volatile u64 *)(BASE + i * 4096 + ((i + r) & 7) * 8);
        for (u64 i = 0; i < PAGES; i++) {
            leaves[i] = 0;
            asm volatile("sfence.vma %0, zero" ::"r"(BASE + i * 4096) : "memory");
        }
    }
    puts_("pagefault checksum ");
    puthex(sum);
    puts_(" faults ");
    puthex(faults);
    puts_("\n");
    *(volatile u32 *)0x100000 = faults == (u64)PAGES * ROUNDS ? 0x5555 : 0x13333;
    for (;;) asm volatile("wfi");
}

int main(void) {
    /* Identity gigapages for the first 4 GiB: devices and RAM (S-mode pages). */
    for (u64 g = 0; g < 4; g++) root[g] = ((g << 30) >> 12 << 10) | LEAF;
    root[BASE >> 30] = pte_table(level1);
    for (u64 t = 0; t < PAGES / 512; t++) level1[t] = pte_table(&leaves[t * 512]);
    for (u64 f = 0; f < FRAMES; f++)
        for (u64 w = 0; w < 512; w++) ((u64 *)frames[f])[w] = f * 512 + w;
    /* Load page faults go to S-mode. */
    asm volatile("csrw medeleg, %0" ::"r"(1ul << CAUSE_LOAD_PAGE_FAULT));
    asm volatile("csrw stvec, %0" ::"r"((u64)s_trap));
    enter_s_mode((8ul << 60) | ((u64)root >> 12), s_mode_main);
}
