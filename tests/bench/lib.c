/* The memory functions a freestanding gcc build may call. */
#include "bench.h"

void *memset(void *d, int c, unsigned long n) {
    u8 *p = d;
    while (n--) *p++ = (u8)c;
    return d;
}

void *memcpy(void *d, const void *s, unsigned long n) {
    u8 *p = d;
    const u8 *q = s;
    if ((((u64)p | (u64)q | n) & 7) == 0) {
        u64 *pw = d;
        const u64 *qw = s;
        for (n /= 8; n; n--) *pw++ = *qw++;
        return d;
    }
    while (n--) *p++ = *q++;
    return d;
}
