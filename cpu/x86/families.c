/* The instruction families this build has, registered into the handler table. */
#include "cpu/x86/exec.h"

void x86_register_families(X86Handler *table)
{
    x86_register_system(table);
    x86_register_alu(table); x86_register_shift(table); x86_register_bitops(table); x86_register_muldiv(table);
    x86_register_data(table); x86_register_control(table); x86_register_string(table); x86_register_misc(table);
    x86_register_x87(table);
    x86_register_sse(table);   /* after x87: EMMS is the MMX family's (mmx.c) */
    x86_register_bmi(table);
}
