#!/usr/bin/env bash
# Builds svos and the guest programs, packs the initrd, and boots it on QEMU.
# Usage: guest-os/run-qemu.sh [init=prog1,prog2,...]   (default: the four demo programs)
#        PROGS="$(guest-os/demo-progs.sh)" guest-os/run-qemu.sh init=sh:demo.sh   (the scripted demo)
# PROGS names programs (guest-programs/target/.../release), files of guest-programs/scripts,
# or tools of the toolbox (guest-programs/toolbox, built into build/toolbox by make).
# Env: QEMU_TIMEOUT (seconds, default 30), QEMU_MEM (default 128M), QEMU_SMP (harts, default 1).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(dirname "$here")"
progs="${PROGS:-hello va segfault illegal}"
bootargs="${1:-init=hello,va,segfault,illegal}"

(cd "$here" && cargo build --release --quiet)
(cd "$root/guest-programs" && cargo build --release --quiet)

bindir="$root/guest-programs/target/riscv64gc-unknown-none-elf/release"
# Cargo's binaries are hard links into deps/; GNU cpio defers files with
# nlink > 1 to the end of a newc archive (in reverse order), so stage copies.
stage="$root/guest-programs/target/initrd-root"
rm -rf "$stage" && mkdir -p "$stage"
scripts="$root/guest-programs/scripts"
toolbox="$root/build/toolbox"
tools=" cat echo env free kill ls pmap ps vmstat "
for p in $progs; do
    if [ -f "$bindir/$p" ]; then cp "$bindir/$p" "$stage/$p"
    elif [ -f "$scripts/$p" ]; then cp "$scripts/$p" "$stage/$p"
    elif [ "${tools#* $p }" != "$tools" ]; then
        [ -f "$toolbox" ] || make -C "$root" --no-print-directory build/toolbox >/dev/null
        cp "$toolbox" "$stage/$p"
    else echo "run-qemu.sh: no program $p" >&2; exit 2
    fi
done
initrd="$root/guest-programs/target/initrd.cpio"
(cd "$stage" && printf '%s\n' $progs | cpio --quiet -o -H newc > "$initrd")

exec timeout "${QEMU_TIMEOUT:-30}" qemu-system-riscv64 -machine virt -bios none \
    -m "${QEMU_MEM:-128M}" -smp "${QEMU_SMP:-1}" -nographic \
    -kernel "$here/target/riscv64gc-unknown-none-elf/release/svos" \
    -initrd "$initrd" -append "$bootargs"
