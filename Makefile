# hardinit — see README.md. `make` builds build/hardinit; `make check` runs every test;
# `make demo` boots the demo appliance. Build outputs go under build/ only.
include config.mk

B := build
LIB_SRCS := $(wildcard common/*.c) $(wildcard tpm/*.c) $(wildcard crypt/*.c) $(filter-out init/main.c,$(wildcard init/*.c)) $(wildcard overlay/*.c) $(wildcard firewall/*.c) $(wildcard lockdown/*.c) $(wildcard slots/*.c) \
            $(wildcard verity/*.c) $(wildcard mounts/*.c) $(filter-out supervise/supervisor_main.c,$(wildcard supervise/*.c)) \
            $(wildcard sandbox/*.c) efi/load_option.c
CTL_OBJS := $(patsubst %.c,$(B)/obj/%.o,$(wildcard ctl/*.c))
LIB_OBJS := $(LIB_SRCS:%.c=$(B)/obj/%.o) $(B)/obj/supervise/supervisor_blob.o
UNIT_SRCS := $(wildcard tests/unit/*.c)
UNIT_OBJS := $(UNIT_SRCS:%.c=$(B)/obj/%.o)

PKG_CFLAGS := $(shell $(PKG_CONFIG) --cflags $(LIBS_PKGS) 2>/dev/null)
PKG_LIBS := $(shell $(PKG_CONFIG) --libs $(LIBS_PKGS) 2>/dev/null)
ALL_CFLAGS = -std=c11 $(WARN) $(HARDEN) $(CFLAGS) $(CPPFLAGS) $(PKG_CFLAGS) -MMD -MP
ALL_LDFLAGS = $(HARDEN_LD) $(LDFLAGS)

.PHONY: all deps check check-unit check-fuzz check-initramfs check-qemu check-san demo bench images lint install clean

all: $(B)/hardinit $(B)/hardinitctl

deps:
	@tools/install-deps

$(B)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c $< -o $@

$(B)/libhardinit.a: $(LIB_OBJS)
	$(AR) rcs $@ $^

# The supervisor a supervising hardinit hands PID 1 to (supervise/supervisor_main.c): the
# loop of supervise/ with common/ and the pure GPT code of slots/, linked statically
# against libc alone (no library of LIBS_PKGS: their headers are not even on the include
# path), small, so that PID 1 costs almost nothing for the VM's lifetime. Built with its
# own flags in every build directory (never a sanitizer: it is a static PID 1), and
# embedded in hardinit (supervise/supervisor_blob.S).
SV_SRCS := supervise/supervisor_main.c supervise/supervise_apply.c supervise/supervise_plan.c \
           supervise/mountinfo_read.c supervise/handover.c common/log.c common/program.c common/fault.c common/fdio.c \
           common/shutdown.c slots/gpt_plan.c slots/slot_rule.c slots/gpt_slot_plan.c slots/gpt_slot_apply.c
SV_OBJS := $(SV_SRCS:%.c=$(B)/sv/%.o)
SV_CFLAGS := -std=c11 $(WARN) $(HARDEN) -Os -ffunction-sections -fdata-sections $(CPPFLAGS) -MMD -MP
SV_LDFLAGS := -static-pie -Wl,--gc-sections -Wl,-z,relro,-z,now -s

$(B)/sv/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(SV_CFLAGS) -c $< -o $@

$(B)/hardinit-supervise: $(SV_OBJS)
	$(CC) $(SV_LDFLAGS) -o $@ $^

$(B)/obj/supervise/supervisor_blob.o: supervise/supervisor_blob.S $(B)/hardinit-supervise
	@mkdir -p $(dir $@)
	$(CC) -c -DSUPERVISOR_BIN='"$(B)/hardinit-supervise"' $< -o $@

$(B)/hardinit: $(B)/obj/init/main.o $(B)/libhardinit.a
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(PKG_LIBS)

$(B)/hardinitctl: $(CTL_OBJS) $(B)/libhardinit.a
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(PKG_LIBS)

$(B)/verity-sweep: $(B)/obj/tests/qemu/probes/verity_sweep.o $(B)/libhardinit.a
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(PKG_LIBS)

# The data marker's NV index against swtpm on the host (tests/tpm/nv_swtpm.c).
$(B)/nv-swtpm: $(B)/obj/tests/tpm/nv_swtpm.o $(B)/libhardinit.a
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(PKG_LIBS)

# hardinitctl's pure parts that the unit tests and the fuzz targets also use.
CTL_PURE_OBJS := $(B)/obj/ctl/state_file.o

$(B)/unit-tests: $(UNIT_OBJS) $(CTL_PURE_OBJS) $(B)/libhardinit.a
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(PKG_LIBS) -lcriterion

check: deps
	$(MAKE) check-layers
	$(MAKE) check-unit
	$(MAKE) check-tpm
	$(MAKE) check-fuzz
	$(MAKE) check-tools
	$(MAKE) check-install
	$(MAKE) check-initramfs
	$(MAKE) check-qemu

# The program the sandbox test runs inside the sandbox: plain flags (no sanitizer, which
# would want /proc).
$(B)/sandbox-probe: tests/unit/probes/sandbox_probe.c
	@mkdir -p $(B)
	$(CC) -std=c11 -O2 -Wall -o $@ $<

# Dependencies point one way: init/ and ctl/ compose the concerns, the concerns use
# common/, and nothing below init/ includes init/ (nor common/ a concern).
CONCERNS := verity mounts overlay firewall lockdown slots supervise sandbox tpm crypt
.PHONY: check-layers
check-layers:
	@bad=$$(grep -rn '#include "init/' common $(CONCERNS); grep -rn '#include "' common | grep -v '#include "common/'); \
	if [ -n "$$bad" ]; then echo "check-layers: an include that points up:"; echo "$$bad"; exit 1; fi; \
	echo "check-layers: ok (common <- $(CONCERNS) <- init, ctl)"

check-unit: $(B)/unit-tests $(B)/sandbox-probe
	cd tests/unit && HARDINIT_SANDBOX_PROBE=$(abspath $(B))/sandbox-probe ../../$(B)/unit-tests

# tpm/'s NV commands and the data marker against swtpm (no root, no QEMU; seconds).
.PHONY: check-tpm
check-tpm: $(B)/nv-swtpm
	@rm -rf $(B)/nv-swtpm-state && mkdir -p $(B)/nv-swtpm-state
	$(B)/nv-swtpm $(B)/nv-swtpm-state $(B)/nv-swtpm.record

# The disk tools: partition types, labels and slot bits of tools/mkdisk; the layout of
# tools/mkbundle.
.PHONY: check-tools
check-tools:
	tests/tools/check-mkdisk $(B)
	tests/tools/check-mkbundle $(B)
	tests/tools/check-mkuki $(B)

# Debian's kernel, unpacked (tools/fetch-kernel; idempotent).
.PHONY: kernel
kernel:
	tools/fetch-kernel $(B)/kernel >/dev/null

# mkinitramfs puts the keys where the policy's [verity] keys says and refuses a
# non-Ed25519 key (it packs Debian's kernel modules, as the images do).
check-initramfs: $(B)/hardinit kernel
	tests/initramfs/check-keys $(B)
	tests/initramfs/check-sealed $(B)

# The appliance images the QEMU tests and the demo boot (tools/build-images), and the
# guest-side dm-verity sweep (tests/qemu/cases/verity.sh), linked like hardinit.
images: $(B)/hardinit $(B)/hardinitctl efi $(B)/verity-sweep
	tools/build-images $(B)

check-qemu: images
	tests/qemu/run $(B)

check-san:
	$(MAKE) B=build/san CFLAGS="-O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer" \
		LDFLAGS="-fsanitize=address,undefined" HARDEN_LD= check-unit

# Fuzz targets (tests/fuzz/README.md): one per parser of input an attacker or a mistake
# can shape. Each builds twice from the same tests/fuzz/fuzz_NAME.c: with gcc, ASan and
# UBSan and the replay driver (check-fuzz: the committed corpus, seconds), and with
# clang's libFuzzer (make fuzz FUZZ_TIME=seconds-per-target FUZZ_JOBS=parallel-targets).
FUZZ_TARGETS := $(patsubst tests/fuzz/fuzz_%.c,%,$(wildcard tests/fuzz/fuzz_*.c))
FUZZ_SAN := -O1 -g -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
FUZZ_DRIVER ?= $(B)/obj/tests/fuzz/replay.o
FUZZ_TIME ?= 600
FUZZ_JOBS ?= 1
.PHONY: check-fuzz fuzz fuzz-binaries
.SECONDARY:

$(B)/fuzzers/%: $(B)/obj/tests/fuzz/fuzz_%.o $(FUZZ_DRIVER) $(CTL_PURE_OBJS) $(B)/libhardinit.a
	@mkdir -p $(dir $@)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(PKG_LIBS)

fuzz-binaries: $(addprefix $(B)/fuzzers/,$(FUZZ_TARGETS))

check-fuzz:
	@$(MAKE) --no-print-directory B=$(B)/replay CFLAGS="$(FUZZ_SAN)" LDFLAGS="$(FUZZ_SAN)" HARDEN_LD= fuzz-binaries
	@for t in $(FUZZ_TARGETS); do \
		ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 $(B)/replay/fuzzers/$$t tests/fuzz/corpus/$$t || exit 1; \
	done

fuzz:
	@tools/install-deps fuzz
	@$(MAKE) --no-print-directory CC=clang B=$(B)/libfuzzer FUZZ_DRIVER= \
		CFLAGS="-O1 -g -fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer" \
		LDFLAGS="-fsanitize=fuzzer,address,undefined" HARDEN_LD= fuzz-binaries
	tests/fuzz/run $(B)/libfuzzer $(FUZZ_TIME) $(FUZZ_JOBS) $(FUZZ_TARGETS)

# DEMO_BOOT=firmware (default): through OVMF with Secure Boot, the signed loader and boot
# image; DEMO_BOOT=direct: QEMU -kernel/-initrd, for a platform without UEFI.
DEMO_BOOT ?= firmware
ifneq ($(DEMO_BOOT),firmware)
ifneq ($(DEMO_BOOT),direct)
$(error DEMO_BOOT must be firmware or direct, not '$(DEMO_BOOT)')
endif
endif
demo: deps images
	demo/run --$(DEMO_BOOT) $(B)

# Boot-time benchmark (not part of check): bench/boot BUILD [RUNS].
bench: deps images
	bench/boot $(B) $(or $(RUNS),5)

# What sealing the data partition costs: first boot, each boot, per write (bench/data).
.PHONY: bench-data
bench-data: deps images
	bench/data $(B) $(or $(RUNS),1)

# Power-cut soak (not part of check): tests/soak/run BUILD [N]; SEED= replays a run.
.PHONY: soak
soak: deps images
	$(if $(SEED),SEED=$(SEED) )tests/soak/run $(B) $(or $(N),50)

lint:
	cppcheck --quiet --error-exitcode=1 --enable=warning,portability -I. --suppress=missingIncludeSystem \
		common init verity mounts overlay firewall lockdown slots supervise sandbox tpm crypt ctl

MAN8 := man/hardinit.8 man/hardinitctl.8
MAN5 := man/hardinit.policy.5

install: $(B)/hardinit $(B)/hardinitctl
	install -D -m 0755 $(B)/hardinit $(DESTDIR)$(SBINDIR)/hardinit
	install -D -m 0755 $(B)/hardinitctl $(DESTDIR)$(SBINDIR)/hardinitctl
	install -D -m 0755 initramfs/mkinitramfs $(DESTDIR)$(SBINDIR)/hardinit-mkinitramfs
	install -d -m 0755 $(DESTDIR)$(MANDIR)/man8 $(DESTDIR)$(MANDIR)/man5
	install -m 0644 $(MAN8) $(DESTDIR)$(MANDIR)/man8/
	install -m 0644 $(MAN5) $(DESTDIR)$(MANDIR)/man5/

# Installs into $(B)/install-test and checks every file and its mode, and that each
# man page formats without a groff warning.
INSTALL_TEST := $(abspath $(B))/install-test
.PHONY: check-install
check-install: $(B)/hardinit $(B)/hardinitctl
	@command -v groff >/dev/null || { echo "check-install: groff is missing (apt-get install groff-base)"; exit 1; }
	rm -rf $(INSTALL_TEST)
	$(MAKE) --no-print-directory install DESTDIR=$(INSTALL_TEST)
	@fail=0; \
	for f in $(SBINDIR)/hardinit:755 $(SBINDIR)/hardinitctl:755 $(SBINDIR)/hardinit-mkinitramfs:755 \
		 $(addprefix $(MANDIR)/man8/,$(notdir $(MAN8:=:644))) $(addprefix $(MANDIR)/man5/,$(notdir $(MAN5:=:644))); do \
		path=$(INSTALL_TEST)$${f%:*}; want=$${f##*:}; \
		if [ ! -f "$$path" ]; then echo "check-install: missing $$path"; fail=1; \
		elif [ "$$(stat -c %a "$$path")" != "$$want" ]; then \
			echo "check-install: $$path has mode $$(stat -c %a "$$path"), expected $$want"; fail=1; fi; \
	done; \
	for m in $(addprefix $(INSTALL_TEST)$(MANDIR)/man8/,$(notdir $(MAN8))) \
		 $(addprefix $(INSTALL_TEST)$(MANDIR)/man5/,$(notdir $(MAN5))); do \
		out=$$(groff -man -Tutf8 -ww -z "$$m" 2>&1); \
		if [ -n "$$out" ]; then echo "check-install: $$m: $$out"; fail=1; fi; \
	done; \
	[ $$fail = 0 ] && echo "check-install: ok ($(words $(MAN8) $(MAN5)) man pages, 3 programs)"; exit $$fail

# The EFI slot chooser (gnu-efi): efi/loader.c with the same slots/slot_rule.c and
# slots/gpt_plan.c hardinit is built from. docs/boot-chain.md. The -append-test build
# passes a command line to the boot image, the -tear-test build tears the primary GPT header
# before reading it (tests/qemu/cases/firmware.sh).
EFI_SRCS := efi/loader.c efi/boot_entries.c efi/load_option.c slots/slot_rule.c slots/gpt_plan.c
EFI_CFLAGS := -I/usr/include/efi -I/usr/include/efi/x86_64 -I. -std=c11 -O2 $(WARN) -fpic -ffreestanding \
	-fno-stack-protector -fno-stack-check -fshort-wchar -mno-red-zone -maccumulate-outgoing-args \
	-DGNU_EFI_USE_MS_ABI -DHARDINIT_VERSION=\"$(VERSION)\"
EFI_LIB := /usr/lib
EFI_SECTIONS := -j .text -j .sdata -j .data -j .dynamic -j .dynsym -j .rel -j .rela -j .rel.* -j .rela.* -j .reloc
.PHONY: efi
efi: $(B)/efi/hardinit-loader.efi $(B)/efi/hardinit-loader-append-test.efi $(B)/efi/hardinit-loader-tear-test.efi

$(B)/efi/%.o: %.c slots/slot_rule.h slots/gpt_plan.h efi/boot_entries.h efi/load_option.h
	@mkdir -p $(dir $@)
	$(CC) $(EFI_CFLAGS) -c $< -o $@

$(B)/efi/efi/loader-append-test.o: efi/loader.c slots/slot_rule.h slots/gpt_plan.h efi/boot_entries.h
	@mkdir -p $(dir $@)
	$(CC) $(EFI_CFLAGS) '-DLOADER_TEST_LOAD_OPTIONS=L"console=ttyS0 hardinit.verity=off hardinit.loader_cmdline_test"' -c $< -o $@

$(B)/efi/efi/loader-tear-test.o: efi/loader.c slots/slot_rule.h slots/gpt_plan.h efi/boot_entries.h
	@mkdir -p $(dir $@)
	$(CC) $(EFI_CFLAGS) -DLOADER_TEST_TEAR_PRIMARY -c $< -o $@

$(B)/efi/%.so: $(B)/efi/efi/%.o $(B)/efi/efi/boot_entries.o $(B)/efi/efi/load_option.o $(B)/efi/slots/slot_rule.o \
		$(B)/efi/slots/gpt_plan.o
	ld -shared -Bsymbolic -nostdlib -L$(EFI_LIB) -T$(EFI_LIB)/elf_x86_64_efi.lds $(EFI_LIB)/crt0-efi-x86_64.o $^ \
		-o $@ -lefi -lgnuefi

$(B)/efi/hardinit-%.efi: $(B)/efi/%.so
	objcopy $(EFI_SECTIONS) --target efi-app-x86_64 --subsystem=10 $< $@

clean:
	rm -rf $(B)

-include $(LIB_OBJS:.o=.d) $(SV_OBJS:.o=.d) $(UNIT_OBJS:.o=.d) $(CTL_OBJS:.o=.d) $(B)/obj/init/main.d $(B)/obj/tests/qemu/probes/verity_sweep.d $(B)/obj/tests/tpm/nv_swtpm.d \
	$(patsubst %.c,$(B)/obj/%.d,$(wildcard tests/fuzz/*.c))
