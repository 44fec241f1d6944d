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

#endif
