/* The interp backend: tandem's software CPU, decoding once into cached blocks. */
#ifndef ACCEL_INTERP_H
#define ACCEL_INTERP_H

#include "accel/accel.h"

extern const AccelOps accel_interp;

#endif
