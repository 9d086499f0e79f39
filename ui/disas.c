/* Disassembly for logs (-d in_asm), through capstone: tandem never executes through it. */
#include "ui/disas.h"

#include <capstone/capstone.h>
#include <inttypes.h>

#include "ui/log.h"

void disas_log(uint64_t addr, const uint8_t *code, size_t len, int bits)
{
    csh handle;
    cs_mode mode = bits == 64 ? CS_MODE_64 : bits == 32 ? CS_MODE_32 : CS_MODE_16;
    if (cs_open(CS_ARCH_X86, mode, &handle) != CS_ERR_OK) {
        log_printf("IN: (capstone unavailable) %zu bytes at 0x%" PRIx64 "\n", len, addr);
        return;
    }
    cs_insn *insn;
    size_t n = cs_disasm(handle, code, len, addr, 0, &insn);
    log_printf("IN:\n");
    size_t done = 0;
    for (size_t i = 0; i < n; i++) {
        log_printf("0x%016" PRIx64 ":  %s %s\n", insn[i].address, insn[i].mnemonic, insn[i].op_str);
        done += insn[i].size;
    }
    if (done < len) {
        log_printf("0x%016" PRIx64 ":  (%zu bytes capstone does not decode)\n", addr + done,
                   len - done);
    }
    log_printf("\n");
    if (n) {
        cs_free(insn, n);
    }
    cs_close(&handle);
}
