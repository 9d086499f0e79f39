/* QEMU's firmware configuration device (fw_cfg): selector/data ports 0x510/0x511 and DMA at 0x514. */
#ifndef HW_FW_CFG_H
#define HW_FW_CFG_H

#include <stddef.h>
#include <stdint.h>

#include "hw/machine.h"
#include "memory/memory.h"

/* Ports (QEMU docs/specs/fw_cfg.rst, "Register Locations", x86). */
#define FW_CFG_PORT_SEL       0x510   /* 16-bit selector; the data port is 0x511 */
#define FW_CFG_PORT_DMA       0x514   /* 64-bit big-endian DMA address, 0x514-0x51b */

/* Item keys: QEMU's, so firmware written for QEMU (SeaBIOS, its linuxboot ROM) works. */
enum {
    FW_CFG_SIGNATURE    = 0x00,   /* "QEMU" */
    FW_CFG_ID           = 0x01,   /* u32: bit 0 traditional interface, bit 1 DMA */
    FW_CFG_RAM_SIZE     = 0x03,   /* u64 */
    FW_CFG_NB_CPUS      = 0x05,   /* u16 */
    FW_CFG_KERNEL_ADDR  = 0x07,   /* u32 */
    FW_CFG_KERNEL_SIZE  = 0x08,   /* u32 */
    FW_CFG_INITRD_ADDR  = 0x0a,   /* u32 */
    FW_CFG_INITRD_SIZE  = 0x0b,   /* u32 */
    FW_CFG_MAX_CPUS     = 0x0f,   /* u16 */
    FW_CFG_KERNEL_DATA  = 0x11,
    FW_CFG_INITRD_DATA  = 0x12,
    FW_CFG_CMDLINE_ADDR = 0x13,   /* u32 */
    FW_CFG_CMDLINE_SIZE = 0x14,   /* u32, including the NUL */
    FW_CFG_CMDLINE_DATA = 0x15,
    FW_CFG_SETUP_ADDR   = 0x16,   /* u32 */
    FW_CFG_SETUP_SIZE   = 0x17,   /* u32 */
    FW_CFG_SETUP_DATA   = 0x18,
    FW_CFG_FILE_DIR     = 0x19,   /* the file directory, big-endian */
    FW_CFG_FILE_FIRST   = 0x20,   /* keys of files start here */
    FW_CFG_ARCH_LOCAL   = 0x8000,
    FW_CFG_IRQ0_OVERRIDE = FW_CFG_ARCH_LOCAL + 2,   /* u32 1: ISA IRQ 0 is GSI 2 */
};

#define FW_CFG_MAX_FILE_NAME 56    /* including the NUL */
#define FW_CFG_MAX_FILES     256

typedef struct FwCfg FwCfg;

/*
 * Claim ports 0x510-0x511 and 0x514-0x51b of `io`.  DMA transfers go to and
 * from guest RAM of `mem` only (anything else sets the error bit).  The
 * device starts with the signature and ID items.
 * Threads: created and filled on the main thread before any vCPU runs;
 * the ports are served with the device lock held.
 */
FwCfg *fw_cfg_new(AddressSpace *io, AddressSpace *mem);

/* Set item `key` to a copy of data[0..len) (replacing what it held); len < 4 GiB. */
void fw_cfg_add_bytes(FwCfg *f, uint16_t key, const void *data, size_t len);
/* Little-endian integers, as QEMU stores its numeric items. */
void fw_cfg_add_i16(FwCfg *f, uint16_t key, uint16_t value);
void fw_cfg_add_i32(FwCfg *f, uint16_t key, uint32_t value);
void fw_cfg_add_i64(FwCfg *f, uint16_t key, uint64_t value);

/*
 * Add the named file (a copy of data[0..len)) and list it in the directory,
 * which is kept sorted by name.  Adding a name again replaces its contents
 * and keeps its key.  Returns the file's key, or -1 when the name is empty
 * or too long (FW_CFG_MAX_FILE_NAME with its NUL) or the directory is full.
 */
int fw_cfg_add_file(FwCfg *f, const char *name, const void *data, size_t len);

/*
 * The machine's items: NB_CPUS and MAX_CPUS (m->nr_vcpus), RAM_SIZE,
 * IRQ0_OVERRIDE, and the file "etc/e820" (m->e820 as QEMU's 20-byte
 * entries: le64 address, le64 length, le32 type).
 */
void fw_cfg_add_pc_items(FwCfg *f, const Machine *m);

/* A kernel for firmware to load (direct Linux boot through a firmware). */
typedef struct FwCfgKernel {
    const void *setup;            /* real-mode setup code, header already patched */
    size_t setup_size;
    uint32_t setup_addr;
    const void *kernel;           /* the protected-mode part */
    size_t kernel_size;
    uint32_t kernel_addr;
    const void *initrd;           /* NULL: no initrd */
    size_t initrd_size;
    uint32_t initrd_addr;
    const char *cmdline;          /* NUL-terminated; NULL: empty */
    uint32_t cmdline_addr;
} FwCfgKernel;

/* The KERNEL_*, SETUP_*, INITRD_* and CMDLINE_* items for k (copies). */
void fw_cfg_add_kernel(FwCfg *f, const FwCfgKernel *k);

/* Power-on state of the interface: no item selected, DMA address 0.  Items stay. */
void fw_cfg_reset(FwCfg *f);

/* Free it; its ports must no longer be dispatched. */
void fw_cfg_free(FwCfg *f);

#endif
