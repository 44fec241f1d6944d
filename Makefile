# svemu + svos: the two commands of the README, and their parts.
#
#   make run       build everything, boot svos on svemu: the shell runs a scripted demo, then powers off
#   make run PROG=./a.out ARGS="x y"
#                  run your own Linux program (static or dynamic) on svos (scripts/svos-run), exit with its status
#   make shell     the same image with an interactive shell on this terminal
#   make test      build everything and run every test (needs qemu-system-riscv64)
#   make qemu-run  the same image on qemu-system-riscv64 -machine virt -bios none
#   make debian-tools
#                  fetch BusyBox and procps for riscv64 (Debian trixie) into build/debian-tools.cpio
#   make linux     build the Linux guest (Debian's linux-source-6.1, tests/linux/): build/linux/
#   make linux-run boot it on svemu under OpenSBI, with an ext2 disk
#   make bench     workloads on svemu and QEMU side by side: MIPS and time ratios (build/bench.json)
#   make diff-test N=10000 [SEED=1]
#                  compare N random instruction sequences on svemu and QEMU
#   make fuzz [FUZZ_SECONDS=3600] [FUZZ_SEED=1]
#                  attack svemu with mutated ELF kernels and device abuse for that long
#   make stress    svos's big memory stress on 8 harts (scripts/stress): the figures of guest-os/README.md
#   make clean
#
# Set-up of a fresh machine (Rust target, Debian packages) is done by
# scripts/setup, which every target below calls first.

TARGET   := riscv64gc-unknown-none-elf
CARGO    ?= cargo
BUILD    := build
SVEMU    := target/release/svemu
KERNEL   := guest-os/target/$(TARGET)/release/svos
PROGDIR  := guest-programs/target/$(TARGET)/release
INITRD   := $(BUILD)/initrd.cpio

# The initrd (programs from guest-programs, scripts from guest-programs/scripts,
# then the tools of the toolbox), in order, and the kernel command line:
# init=PROG:ARG:... (see guest-os/README.md).
PROGRAMS := sh demo.sh hello va forkdemo attack sleep worker spawn spin fpu segfault illegal memory-user mmaptest thrash memstress paging-policy perfstat hugepage
# The userland tools: one static Linux program in C (guest-programs/toolbox,
# a multi-call binary as BusyBox is) under each of these names, hard links
# in the initrd (`sleep MS` is guest-programs', in milliseconds).
TOOLS    := cat echo env free kill ls pmap ps vmstat
TOOLBOX  := $(BUILD)/toolbox
TOOLBOX_SRC := $(wildcard guest-programs/toolbox/*.c guest-programs/toolbox/*.h)
APPEND   := init=sh:demo.sh
MEMORY   := 128M
SCRIPTS  := guest-programs/scripts

.PHONY: all run shell test qemu-run bench diff-test fuzz stress clean setup-run setup-test svemu guest linux linux-run linux-progs debian-tools

all: svemu guest

setup-run:
	@scripts/setup run

setup-test:
	@scripts/setup test

svemu:
	$(CARGO) build --release -p svemu

# The guest crates build for $(TARGET) with workspaces of their own.
guest: setup-run $(TOOLBOX)
	cd guest-os && $(CARGO) build --release
	cd guest-programs && $(CARGO) build --release
	@mkdir -p $(BUILD)/initrd-root
	@rm -f $(BUILD)/initrd-root/*
	@# Copies, not cargo's hard links: GNU cpio reorders files with several links.
	@for p in $(PROGRAMS); do \
	    if [ -f $(SCRIPTS)/$$p ]; then cp $(SCRIPTS)/$$p $(BUILD)/initrd-root/; else cp $(PROGDIR)/$$p $(BUILD)/initrd-root/; fi; \
	done
	@# The tools: one file, a hard link per name (cpio stores the data once).
	@cp $(TOOLBOX) $(BUILD)/initrd-root/$(firstword $(TOOLS))
	@for t in $(wordlist 2,99,$(TOOLS)); do ln $(BUILD)/initrd-root/$(firstword $(TOOLS)) $(BUILD)/initrd-root/$$t; done
	@# Fixed mtimes and --reproducible (no inode/device numbers): the same
	@# sources give the same initrd bytes, so runs are the same to the instruction.
	@touch -d @0 $(BUILD)/initrd-root/*
	@cd $(BUILD)/initrd-root && printf '%s\n' $(PROGRAMS) $(TOOLS) | cpio --quiet --reproducible -o -H newc > ../initrd.cpio
	@echo "initrd: $(INITRD) ($(PROGRAMS) $(TOOLS))"

# The toolbox: static, size-optimized and stripped (it is in every initrd,
# which takes guest RAM).
$(TOOLBOX): $(TOOLBOX_SRC)
	@mkdir -p $(BUILD)
	riscv64-linux-gnu-gcc -static -Os -s -Wall -Wextra -Werror -o $@ $(filter %.c,$(TOOLBOX_SRC))

# make run PROG=./a.out ARGS="x y": your own static Linux program instead of the demo.
run: setup-run all
ifdef PROG
	@scripts/svos-run $(PROG) $(ARGS)
else
	$(SVEMU) run --kernel $(KERNEL) --initrd $(INITRD) -m $(MEMORY) --append "$(APPEND)"
endif

shell: setup-run all
	$(SVEMU) run --kernel $(KERNEL) --initrd $(INITRD) -m $(MEMORY) --append "init=sh"

qemu-run: setup-test guest
	qemu-system-riscv64 -machine virt -bios none -m $(MEMORY) -smp 1 -nographic \
	    -kernel $(KERNEL) -initrd $(INITRD) -append "$(APPEND)"

# The Linux guest: a kernel Image from Debian's linux-source-6.1 configured
# by tinyconfig + tests/linux/svemu.config (scripts/build-linux; about 7
# minutes on 2 cores, rebuilt only when the fragment or the script changes),
# and an initramfs holding the freestanding init of tests/linux/init.c
# (packed by the kernel tree's own gen_init_cpio, which needs no root).
LINUX_DIR    := $(BUILD)/linux
LINUX_IMAGE  := $(LINUX_DIR)/Image
LINUX_INITRD := $(LINUX_DIR)/initramfs.cpio
OPENSBI      := /usr/lib/riscv64-linux-gnu/opensbi/generic/fw_jump.bin

linux: setup-test $(LINUX_IMAGE) $(LINUX_INITRD)

$(LINUX_IMAGE): tests/linux/svemu.config scripts/build-linux
	scripts/build-linux $@

$(LINUX_INITRD): tests/linux/init.c $(LINUX_IMAGE)
	riscv64-linux-gnu-gcc -static -nostdlib -ffreestanding -fno-builtin -O2 -o $(LINUX_DIR)/init tests/linux/init.c
	printf '%s\n' 'dir /dev 0755 0 0' 'nod /dev/console 0600 0 0 c 5 1' 'dir /proc 0755 0 0' 'dir /tmp 0755 0 0' \
	    'dir /mnt 0755 0 0' 'file /init $(CURDIR)/$(LINUX_DIR)/init 0755 0 0' > $(LINUX_DIR)/initramfs.list
	$(BUILD)/linux-src/usr/gen_init_cpio $(LINUX_DIR)/initramfs.list > $@

linux-run: linux svemu
	@mkdir -p $(LINUX_DIR)/disk && echo "hello from the host" > $(LINUX_DIR)/disk/hello.txt
	/usr/sbin/mke2fs -q -F -t ext2 -d $(LINUX_DIR)/disk $(LINUX_DIR)/disk.img 4M
	$(SVEMU) run --bios $(OPENSBI) --kernel $(LINUX_IMAGE) --initrd $(LINUX_INITRD) \
	    --append "console=ttyS0" --drive $(LINUX_DIR)/disk.img -m $(MEMORY)

# The corpus of unmodified Linux programs (tests/linux-progs): built by Debian's
# cross compilers, static, packed in their own initrd for tests/tests/linux_programs.rs.
LXP_CC     := riscv64-linux-gnu-gcc
LXP_CXX    := riscv64-linux-gnu-g++
LXP_DIR    := $(BUILD)/linux-progs
LXP_INITRD := $(BUILD)/linux-progs.cpio
LXP_C      := $(wildcard tests/linux-progs/*.c)
LXP_CPP    := $(wildcard tests/linux-progs/*.cpp)
LXP_RS     := $(wildcard tests/linux-progs/*.rs)
LXP_PROGS  := $(patsubst tests/linux-progs/%.c,$(LXP_DIR)/%,$(LXP_C)) $(patsubst tests/linux-progs/%.cpp,$(LXP_DIR)/%,$(LXP_CPP)) \
              $(patsubst tests/linux-progs/%.rs,$(LXP_DIR)/%,$(LXP_RS))
# Rust std programs: rustc for riscv64gc-unknown-linux-gnu (glibc), linked
# by the C cross compiler; static with crt-static (NAME), dynamic without
# (NAME-dyn: libc.so.6 and libgcc_s.so.1 from the image's /lib).
LXP_RUSTC  := rustc --edition 2021 -O --target riscv64gc-unknown-linux-gnu -C linker=$(LXP_CC) -C strip=debuginfo

# A static-PIE program: its own _start, no libc (no rcrt1.o in Debian's cross glibc).
$(LXP_DIR)/pie: tests/linux-progs/pie.c
	@mkdir -p $(LXP_DIR)
	$(LXP_CC) -nostdlib -fPIE -pie -Wl,--no-dynamic-linker -O2 -Wall -o $@ $<

$(LXP_DIR)/%: tests/linux-progs/%.c
	@mkdir -p $(LXP_DIR)
	$(LXP_CC) -static -O2 -Wall -o $@ $< -lm

$(LXP_DIR)/%: tests/linux-progs/%.cpp
	@mkdir -p $(LXP_DIR)
	$(LXP_CXX) -static -O2 -Wall -o $@ $<

$(LXP_DIR)/%: tests/linux-progs/%.rs
	@mkdir -p $(LXP_DIR)
	$(LXP_RUSTC) -C target-feature=+crt-static -o $@ $<

# The same programs dynamically linked (gcc's default: PIE with PT_INTERP
# /lib/ld-linux-riscv64-lp64d.so.1), as NAME-dyn, and the loader and shared
# libraries they need (libc, libm, libstdc++, libgcc_s), copied from the
# cross toolchain's sysroot (SYSROOT) by scripts/copy-shared-libs where
# Debian puts them: the loader in /lib, the libraries in /lib/riscv64-linux-gnu.
SYSROOT    := /usr/riscv64-linux-gnu/lib
LXP_DYN    := basics memory files cxx filemap threads ruststd
LXP_DYNPROGS := $(patsubst %,$(LXP_DIR)/%-dyn,$(LXP_DYN))

$(LXP_DIR)/%-dyn: tests/linux-progs/%.c
	@mkdir -p $(LXP_DIR)
	$(LXP_CC) -O2 -Wall -o $@ $< -lm

$(LXP_DIR)/%-dyn: tests/linux-progs/%.cpp
	@mkdir -p $(LXP_DIR)
	$(LXP_CXX) -O2 -Wall -o $@ $<

$(LXP_DIR)/%-dyn: tests/linux-progs/%.rs
	@mkdir -p $(LXP_DIR)
	$(LXP_RUSTC) -o $@ $<

linux-progs: setup-test $(LXP_PROGS) $(LXP_DYNPROGS)
	@rm -rf $(LXP_DIR)/root && mkdir -p $(LXP_DIR)/root
	@cp $(LXP_PROGS) $(LXP_DYNPROGS) $(LXP_DIR)/root/
	@scripts/copy-shared-libs $(SYSROOT) $(LXP_DIR)/root $(LXP_DYNPROGS)
	@find $(LXP_DIR)/root -exec touch -d @0 {} +
	@cd $(LXP_DIR)/root && find . -mindepth 1 | LC_ALL=C sort | cpio --quiet --reproducible -o -H newc > $(CURDIR)/$(LXP_INITRD)
	@echo "linux-progs initrd: $(LXP_INITRD) ($(notdir $(LXP_PROGS) $(LXP_DYNPROGS)), $$(cd $(LXP_DIR)/root && echo lib/*.so.* lib/riscv64-linux-gnu/*))"

# Real Linux tools over svos's /proc: BusyBox (static) and procps (free,
# ps, vmstat, pmap, uptime, top: dynamic, with their libraries) for riscv64
# from Debian trixie, fetched and pinned by scripts/fetch-debian-tools, in
# an initrd with the `make run` image's programs, /etc/passwd (root) and
# tests/debian-tools/tools.sh, which tests/tests/svos_debian_tools.rs runs.
DEBTOOLS_DIR    := $(BUILD)/debian-tools
DEBTOOLS_INITRD := $(BUILD)/debian-tools.cpio

debian-tools: setup-test guest
	@scripts/fetch-debian-tools $(CURDIR)/$(DEBTOOLS_DIR)
	@rm -rf $(DEBTOOLS_DIR)/image && mkdir -p $(DEBTOOLS_DIR)/image/etc
	@cp -a $(BUILD)/initrd-root/. $(DEBTOOLS_DIR)/image/
	@cp -a $(DEBTOOLS_DIR)/root/. $(DEBTOOLS_DIR)/image/ && rm -f $(DEBTOOLS_DIR)/image/.packages
	@cp tests/debian-tools/tools.sh $(DEBTOOLS_DIR)/image/
	@echo 'root:x:0:0:root:/root:/bin/sh' > $(DEBTOOLS_DIR)/image/etc/passwd
	@echo 'root:x:0:' > $(DEBTOOLS_DIR)/image/etc/group
	@find $(DEBTOOLS_DIR)/image -exec touch -h -d @0 {} +
	@cd $(DEBTOOLS_DIR)/image && find . -mindepth 1 | LC_ALL=C sort | cpio --quiet --reproducible -o -H newc > $(CURDIR)/$(DEBTOOLS_INITRD)
	@echo "debian-tools initrd: $(DEBTOOLS_INITRD)"

# The integration tests boot the same image as `make run`: they get its
# parts from here, so there is one definition of the demo.
test: setup-test all linux linux-progs debian-tools
	SVOS_DEBTOOLS_INITRD=$(CURDIR)/$(DEBTOOLS_INITRD) SVOS_KERNEL=$(CURDIR)/$(KERNEL) SVOS_INITRD=$(CURDIR)/$(INITRD) SVOS_APPEND="$(APPEND)" SVOS_MEMORY=$(MEMORY) \
	    SVOS_LXP_INITRD=$(CURDIR)/$(LXP_INITRD) SVOS_LXP_DIR=$(CURDIR)/$(LXP_DIR) \
	    LINUX_IMAGE=$(CURDIR)/$(LINUX_IMAGE) LINUX_INITRD=$(CURDIR)/$(LINUX_INITRD) \
	    $(CARGO) test --release --workspace --no-fail-fast

# Not a test: prints numbers against the targets of issue 7 (see tests/src/bin/bench/main.rs).
# BENCH_REPS=N sets the repetitions (default 3). Two helpers are built first;
# when one cannot be built its rows say n/a: the rvemu runner (rvemu 0.0.11
# from crates.io) and svemu without the `trace` feature, in its own target dir.
BENCH_RVEMU   := target/release/rvemu_run
BENCH_NOTRACE := target/notrace/release/svemu
bench: setup-test all
	@rm -f $(BENCH_RVEMU) $(BENCH_NOTRACE)
	-$(CARGO) build --release -q -p svemu-tests --features rvemu --bin rvemu_run
	-$(CARGO) build --release -q -p svemu --no-default-features --target-dir target/notrace
	SVOS_KERNEL=$(CURDIR)/$(KERNEL) SVOS_INITRD=$(CURDIR)/$(INITRD) \
	    $(CARGO) run --release -q -p svemu-tests --bin bench -- --json $(BUILD)/bench.json --svemu $(SVEMU) \
	    --rvemu $(BENCH_RVEMU) --svemu-notrace $(BENCH_NOTRACE)

# Differential testing against QEMU beyond the 300 sequences of `make test`:
# N random sequences (100 per QEMU boot), from seed SEED.
N    ?= 10000
SEED ?= 1
diff-test: setup-test
	SVEMU_DIFF_SEQUENCES=$(N) SVEMU_DIFF_SEED=$(SEED) \
	    $(CARGO) test --release -p svemu-tests --test diff -- --nocapture

# The attacks of the hostile property tests (tests/src/hostile.rs) for
# FUZZ_SECONDS, cases from FUZZ_SEED; a failing case prints the
# FUZZ_SEED/FUZZ_CASE pair that replays it and saves its kernel in build/fuzz/.
FUZZ_SECONDS ?= 3600
FUZZ_SEED    ?= 1
fuzz: setup-test
	$(CARGO) build --release -q -p svemu-tests --bin fuzz
	FUZZ_SECONDS=$(FUZZ_SECONDS) FUZZ_SEED=$(FUZZ_SEED) target/release/fuzz

# Not a test (several CPU-minutes): 200 workers on 8 harts, swap at 3x RAM.
stress: all
	scripts/stress

clean:
	$(CARGO) clean
	cd guest-os && $(CARGO) clean
	cd guest-programs && $(CARGO) clean
	rm -rf $(BUILD)
