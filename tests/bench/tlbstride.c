/* TLB-miss-heavy translation: M-mode builds page tables mapping PAGES
 * virtual 4 KiB pages (all aliased onto 16 physical frames, so the working
 * set of translations is large while the memory is small), drops to S-mode
 * with satp = Sv39 (LEVELS = 3) or Sv48 (LEVELS = 4), and strides over the
 * pages ROUNDS times, one load per page, executing sfence.vma every
 * SFENCE_EVERY pages when that is not 0. Prints a checksum. */
#include "bench.h"

#ifndef LEVELS
#define LEVELS 3
#endif
#ifndef PAGES
#define PAGES 32768
#endif
#ifndef ROUNDS
#define ROUNDS 100
#endif
#ifndef SFENCE_EVERY
#define SFENCE_EVERY 0
#endif

extern char __heap_start[];
static u64 *next_table;

static u64 *alloc_table(void) {
    u64 *t = next_table;
    next_table += 512;
    memset(t, 0, 4096);
    return t;
}

static u64 *root;
static u8 frames[FRAMES][4096] __attribute__((aligned(4096)));

static void map_page(u64 va, u64 pa) {
    u64 *t = root;
    for (int level = LEVELS - 1; level > 0; level--) {
        u64 *e = &t[(va >> (12 + 9 * level)) & 511];
        if (!(*e & PTE_V)) *e = pte_table(alloc_table());
        t = (u64 *)((*e >> 10) << 12);
    }
    t[(va >> 12) & 511] = ((pa >> 12) << 10) | LEAF;
}

static u64 checksum;

static void s_mode_main(void) {
    u64 sum = 0;
    for (int r = 0; r < ROUNDS; r++) {
        for (u64 i = 0; i < PAGES; i++) {
            sum += *(volatile u64 *)(BASE + i * 4096 + ((i + r) & 7) * 8);
            if (SFENCE_EVERY && i % SFENCE_EVERY == 0) asm volatile("sfence.vma" ::: "memory");
        }
    }
    checksum = sum;
    puts_("tlbstride checksum ");
    puthex(sum);
    puts_("\n");
    *(volatile u32 *)0x100000 = 0x5555;
    for (;;) asm volatile("wfi");
}

int main(void) {
    next_table = (u64 *)(((u64)__heap_start + 4095) & ~4095ul);
    root = alloc_table();
    /* Identity gigapages for the first 4 GiB: devices and RAM (S-mode pages). */
    for (u64 g = 0; g < 4; g++) {
        if (LEVELS == 3) {
            root[g] = ((g << 30) >> 12 << 10) | LEAF;
        } else {
            u64 *l2 = root[0] & PTE_V ? (u64 *)((root[0] >> 10) << 12) : 0;
            if (!l2) {
                l2 = alloc_table();
                root[0] = pte_table(l2);
            }
            l2[g] = ((g << 30) >> 12 << 10) | LEAF;
        }
    }
    for (u64 f = 0; f < FRAMES; f++)
        for (u64 w = 0; w < 512; w++) ((u64 *)frames[f])[w] = f * 512 + w;
    for (u64 i = 0; i < PAGES; i++) map_page(BASE + i * 4096, (u64)frames[i % FRAMES]);
    u64 mode = LEVELS == 3 ? 8ul : 9ul;
    enter_s_mode((mode << 60) | ((u64)root >> 12), s_mode_main);
}
