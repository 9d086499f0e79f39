/* Disassembly for logs (-d in_asm), through capstone. */
#ifndef UI_DISAS_H
#define UI_DISAS_H

#include <stddef.h>
#include <stdint.h>

/* Log `len` bytes of guest code at `addr` decoded in `bits`-bit mode, one instruction a line. */
void disas_log(uint64_t addr, const uint8_t *code, size_t len, int bits);

#endif
