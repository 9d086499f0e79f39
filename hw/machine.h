/* The Machine: RAM, address spaces, devices, vCPUs and the requests between them. */
#ifndef HW_MACHINE_H
#define HW_MACHINE_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "accel/accel.h"
#include "hw/irq.h"
#include "memory/memory.h"
#include "ui/options.h"

/* PC memory map (see hw/pc.c): RAM below the PCI hole, the rest above 4 GiB. */
#define PC_LOWMEM_LIMIT   0xc0000000ull
#define PC_HIGHMEM_BASE   0x100000000ull
#define PC_NR_GSIS        24

/* An e820 entry, Linux boot protocol / ACPI address range types. */
enum { E820_RAM = 1, E820_RESERVED = 2, E820_ACPI = 3, E820_NVS = 4 };
typedef struct E820Entry {
    uint64_t addr;
    uint64_t size;
    uint32_t type;
} E820Entry;
#define E820_MAX 16

typedef struct MachineResetHook {
    void (*reset)(void *opaque);
    void *opaque;
} MachineResetHook;

struct Machine {
    const Options *opts;
    const AccelOps *accel;
    void *accel_state;          /* backend-private */

    RamBlock ram;
    uint64_t ram_below_4g;
    uint64_t ram_above_4g;
    AddressSpace mem;           /* guest-physical */
    AddressSpace io;            /* ports 0-0xffff */
    E820Entry e820[E820_MAX];
    int nr_e820;

    IrqLine gsi[PC_NR_GSIS];    /* where devices' interrupt lines go */

    int nr_vcpus;
    VCPU *vcpus;

    MachineResetHook resets[32];
    int nr_resets;

    /* Requests from devices and the UI, served by the vCPU threads' loop. */
    atomic_bool stop_requested;   /* quit: every vCPU thread returns */
    atomic_bool reset_requested;
    int exit_status;              /* valid once stop_requested */

    /* vCPU threads' rendezvous for reset (accel.c). */
    pthread_mutex_t run_lock;
    pthread_cond_t run_cond;
    int nr_running;               /* vCPU threads not yet finished */
    int nr_paused;                /* vCPU threads waiting for the reset */
    unsigned reset_generation;
    struct Loader *loader;        /* hw/loader.h, kept for resets */
    struct PcDevices *devices;    /* hw/pc.c's built-in devices */
    struct SoftIrqchip *irqchip;  /* software PIC/IOAPIC/APIC bus/PIT; NULL under an in-kernel one */
    struct DeviceList *extra_devices;   /* hw/device.c: those of -device */
    bool accel_ready;             /* accel->init succeeded */
};

/*
 * The device lock (QEMU's "big lock"): held while any device callback runs,
 * on a vCPU thread or the I/O thread.  Device state needs no other locking.
 */
void machine_lock(void);
void machine_unlock(void);

/* Build the PC for opts: RAM, devices, accel, vCPUs, loaded kernel. */
Machine *machine_new(const Options *opts, char *err, size_t errlen);
void machine_free(Machine *m);

/* Run until the machine stops; returns the process exit status. */
int machine_run(Machine *m);

/* Any thread.  Stop every vCPU and make machine_run() return `status`. */
void machine_request_exit(Machine *m, int status);
/* Any thread.  Reset the machine (or exit 0 under -no-reboot). */
void machine_request_reset(Machine *m);

/*
 * Reset devices and RAM and reload the kernel; vCPU states are reloaded by
 * their threads.  Called by the last vCPU thread to stop for a reset, with
 * every other vCPU paused.  Returns 0, or -1 with err (the machine stops).
 */
int machine_reset(Machine *m, char *err, size_t errlen);

/* Run at every machine reset, in registration order. */
void machine_add_reset_hook(Machine *m, void (*reset)(void *opaque), void *opaque);

/* Add [addr, addr+size) of `type` to the e820 map. */
void machine_add_e820(Machine *m, uint64_t addr, uint64_t size, uint32_t type);

#endif
