/* kvm's batches: many 64-bit cases in one KVM_RUN, loaded and saved by a CPL3 driver in the guest. */
#ifndef DIFFTEST_KVM_BATCH_H
#define DIFFTEST_KVM_BATCH_H

#include <stdint.h>

#include "difftest/case.h"

/*
 * A KVM_RUN costs ~80 us on this project's host, a case's own code well
 * under 1 us.  So the kvm backend puts up to DT_BATCH_MAX cases in slots of
 * the batch area (layout.h) and enters a driver that, for each slot, copies
 * the case's code, data and stack pages into place, loads its x87/SSE
 * state, segments, RFLAGS and GPRs, and jumps to it.  The terminator (its
 * pointer aimed at the driver) and a second IDT whose stubs also lead to
 * the driver save the outcome back into the slot, and the driver goes on
 * with the next slot.  Only a #PF leaves the guest early (OUT
 * DT_PORT_BATCH_PF), for the host to read CR2; the last slot ends with OUT
 * DT_PORT_END.  Everything stays at CPL3.
 *
 * The driver lives far from anything a case can address (DT_BATCH_LA), and
 * the interp backend never runs it: what a case sees is the same as a case
 * run alone.  Batches are for 64-bit mode without far transfers (a case
 * that changed CS would leave the driver running in the wrong mode).
 */

#define DT_BATCH_MAX 32

/* Write the driver, its stubs and IDT and the batch area's PTEs into a DT_RAM_SIZE_BATCH buffer. */
void dt_batch_build(uint8_t *ram);

/* The driver's entry point (RIP) and the value DT_END_POINTER must hold during a batch. */
uint64_t dt_batch_entry(void);
uint64_t dt_batch_case_end(void);

/* Lay case c into slot i. */
void dt_batch_load_slot(uint8_t *ram, unsigned i, const DtCase *c);

/* Run slots first..n-1 from the next entry. */
void dt_batch_start(uint8_t *ram, unsigned first, unsigned n);

/* The slot the driver is at. */
unsigned dt_batch_current(const uint8_t *ram);

/* Answer a DT_PORT_BATCH_PF exit: the CR2 of the current slot's #PF. */
void dt_batch_set_cr2(uint8_t *ram, uint64_t cr2);

/*
 * The outcome of slot i, which ran case c (the software backend's form; the
 * RAM's data, stack and exception-stack pages are overwritten to read it).
 */
void dt_batch_read_slot(uint8_t *ram, unsigned i, const DtCase *c, DtOutcome *out);

#endif
