/* A guest that jumps into nowhere: past the end of RAM, with mtvec still at
 * its reset value 0, where nothing answers either. svemu must stop with one
 * line naming the first fault (where the guest jumped) and the handler it
 * could not enter, and exit 1. */
    .section .text.init
    .globl _start
_start:
    li      t0, 0x90000000               /* beyond 128 MiB of RAM at 0x8000_0000 */
    jr      t0
