/* pie: a static-PIE program (ET_DYN, no PT_INTERP), without libc because
 * Debian's cross toolchain has no rcrt1.o for glibc's static-PIE: writes
 * a line through a pointer table and exits with argc + 40. Built by
 * `make linux-progs` with -fPIE -pie -Wl,--no-dynamic-linker -nostdlib. */
static long sys3(long n, long a, long b, long c) {
    register long a0 __asm__("a0") = a, a1 __asm__("a1") = b, a2 __asm__("a2") = c, a7 __asm__("a7") = n;
    __asm__ volatile("ecall" : "+r"(a0) : "r"(a1), "r"(a2), "r"(a7) : "memory");
    return a0;
}
static const char msg[] = "static-PIE: running\n";
static const char *const table[] = {msg};
__attribute__((used)) void cmain(long *sp) {
    long argc = sp[0];
    const char *m = table[0];
    long n = 0;
    while (m[n])
        n++;
    sys3(64, 1, (long)m, n);
    sys3(93, 40 + argc, 0, 0);
}
__asm__(".globl _start\n_start:\n mv a0, sp\n call cmain\n");
