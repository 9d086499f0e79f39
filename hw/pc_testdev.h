/* pc-testdev: QEMU's test device for kvm-unit-tests (scratch ports, page flush, IRQ lines, scratch MMIO). */
#ifndef HW_PC_TESTDEV_H
#define HW_PC_TESTDEV_H

#include <stddef.h>
#include <stdint.h>

#include "hw/irq.h"
#include "hw/machine.h"
#include "memory/memory.h"

/*
 * The layout of QEMU's hw/misc/pc-testdev.c:
 *   ports 0xe0-0xe3      a 32-bit scratch register, any access size
 *   port  0xe4           32-bit write: flush the guest page at that address
 *   ports 0xe8-0xeb      the same scratch register, its callbacks a byte wide
 *                        (the bus splits wider accesses: tests the splitting)
 *   ports 0x2000-0x2017  a byte write of V to 0x2000 + n drives ISA IRQ line n
 *                        to (V != 0)
 *   MMIO 0xff000000      64 KiB of scratch memory behind MMIO callbacks
 */
#define PC_TESTDEV_IOMEM_BASE 0xff000000ull
#define PC_TESTDEV_IOMEM_SIZE 0x10000u
#define PC_TESTDEV_NR_IRQS    24

typedef struct PcTestdev PcTestdev;

/*
 * Called with the device lock held when the guest asks for page `gpa` to be
 * flushed from any cache of its translation (QEMU drops the host mapping;
 * under kvm there is nothing to do; a soft MMU drops its TLB entries).
 */
typedef void PcTestdevFlushPage(void *opaque, uint64_t gpa);

/*
 * Claim the ports in `io` and the MMIO window in `mem`; irqs[n] is ISA IRQ n.
 * flush_page may be NULL (nothing to flush).  NULL with one line in err when
 * a range is taken (a second pc-testdev).
 * Threads: created on the main thread; callbacks run with the device lock held.
 */
PcTestdev *pc_testdev_new(AddressSpace *io, AddressSpace *mem,
                          const IrqLine irqs[PC_TESTDEV_NR_IRQS],
                          PcTestdevFlushPage *flush_page, void *flush_opaque,
                          char *err, size_t errlen);

/* Scratch register and memory back to 0; lines the device raised are lowered. */
void pc_testdev_reset(PcTestdev *d);

/* Free it; its regions must no longer be dispatched. */
void pc_testdev_free(PcTestdev *d);

/* The -device constructor ("-device pc-testdev", no properties). */
int pc_testdev_create(Machine *m, const char *props, char *err, size_t errlen);

#endif
