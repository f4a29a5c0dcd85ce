# hardinit build configuration (sinit-style: edit here, not in the Makefile)
VERSION = 0.1.0

PREFIX ?= /usr/local
SBINDIR ?= $(PREFIX)/sbin
MANDIR ?= $(PREFIX)/share/man

CC ?= cc
PKG_CONFIG ?= pkg-config

WARN = -Wall -Wextra -Wshadow -Wformat=2 -Wstrict-prototypes -Wmissing-prototypes -Wvla \
       -Wno-unused-parameter
HARDEN = -fstack-protector-strong -fPIE -D_FORTIFY_SOURCE=2
HARDEN_LD = -pie -Wl,-z,relro,-z,now

LIBS_PKGS = libcryptsetup libkmod blkid mount libcrypto inih json-c libnftables libseccomp fdisk
CFLAGS ?= -O2 -g
CPPFLAGS += -D_GNU_SOURCE -DHARDINIT_VERSION=\"$(VERSION)\" -I.
