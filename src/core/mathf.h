// float e^x and ln x without libm (a natmod links no libm), shared by the engines that need them.
//
// approx_expf() reduces by ln 2 (Cody-Waite, two constants) and evaluates a degree-7 polynomial,
// within about 1e-7 relative (tests measure 9.6e-8); approx_logf() splits off the binary exponent
// and uses the atanh series (within 1.7e-7 of max(1, |ln x|)).
#pragma once
#include "status.h"

namespace microlearn {

// e^x for float, without libm: +inf above ~88.72, 0 below ~-103.97 (denormals in between), NaN
// for NaN.
float approx_expf(float x);
// ln x for float, without libm: -inf at 0, NaN below 0 or for NaN, +inf at +inf.
float approx_logf(float x);

} // namespace microlearn
