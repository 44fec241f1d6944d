/* Memory copy and string work: block copies of several sizes and
 * alignments, byte-wise string length/compare/search. Prints a checksum. */
#include "bench.h"

#ifndef ROUNDS
#define ROUNDS 40
#endif

#define SIZE (256 * 1024)
static u8 src[SIZE], dst[SIZE];

static u64 strlen_(const u8 *s) {
    u64 n = 0;
    while (s[n]) n++;
    return n;
}

static int strcmp_(const u8 *a, const u8 *b) {
    while (*a && *a == *b) a++, b++;
    return *a - *b;
}

int main(void) {
    for (u32 i = 0; i < SIZE; i++) src[i] = (u8)(1 + (i * 7 + (i >> 9)) % 251);
    src[SIZE - 1] = 0;
    u64 sum = 0;
    for (int r = 0; r < ROUNDS; r++) {
        memcpy(dst, src, SIZE);               /* aligned: 8 bytes at a time */
        memcpy(dst + 1, src + 3, SIZE / 4);   /* unaligned: bytes */
        sum += strlen_(dst + r);
        sum += (u64)(i64)strcmp_(dst, src);
        dst[SIZE / 2 + r] = 0;
        sum += strlen_(src + SIZE / 2);
        for (u32 i = r; i < SIZE; i += 4096) sum = sum * 31 + dst[i];
    }
    puts_("memcopy checksum ");
    puthex(sum);
    puts_("\n");
    return 0;
}
