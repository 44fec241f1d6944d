/* A tight integer loop: xorshift, multiply, add, a data-dependent branch,
 * all in registers (no memory access in the loop). The result is compared
 * with the value every correct RV64 machine computes: a wrong result exits
 * with status 1 (the bench then fails). */
#include "bench.h"

#ifndef ROUNDS
#define ROUNDS 10000000
#endif
/* The result after ROUNDS (the value for 10,000,000). */
#ifndef EXPECTED
#define EXPECTED 0xfaae03c8a1ce8ff3ul
#endif

int main(void) {
    u64 x = 0x9e3779b97f4a7c15ul, acc = 0;
    for (u64 i = 0; i < ROUNDS; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        acc += x * 5 + (x >> 29);
        if (x & 0x100) acc ^= i;
    }
    puts_("intloop ");
    puthex(acc);
    puts_(acc == EXPECTED ? " ok\n" : " WRONG\n");
    return acc != EXPECTED;
}
