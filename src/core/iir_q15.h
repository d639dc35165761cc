// IIR filter as a cascade of second-order sections on int16 samples, fixed point: the filter of
// the reference's emlearn_iir_q15 (which wraps CMSIS-DSP arm_biquad_cascade_df1_q15 with
// postShift = 2), computed exactly and with saturation. The float engine is in iir.h.
//
// Everything lives in caller-owned memory (ask for the size, hand over the buffer). Processing
// is in place, and the state carries over between calls, so a signal filtered in chunks gives
// exactly the result of one call over the whole signal.
//
// Zero-initialise instances you declare (`IirQ15Cascade f{};`) so that use before init is
// reported as Status::NotReady instead of reading garbage.
#pragma once
#include "status.h"

namespace microlearn {

// Direct form I that keeps its rounding residues: the state of a section is its last two inputs
// and outputs and the last two outputs' residues, all int16, so a saturated output is also a
// saturated state and nothing can wrap.
//
// Coefficients: 6 int16 per stage in the reference's layout [b0, 0, b1, b2, -a1, -a2] (the zero
// is CMSIS's SIMD padding; the feedback terms have the opposite sign of scipy's a1, a2). Each
// value c stands for c / 2^13 (Q2.13), so coefficients lie in [-4, 4). This is what the
// reference's convert_coefficients(sos, scale=2**13-1) produces (its scale is one less than 2^13,
// which makes every coefficient 0.012% small; iir_q15_convert() below uses 2^13 exactly).
//
// Arithmetic per section and sample, with x1, x2 the previous inputs, y1, y2 the previous
// outputs and e1, e2 the previous residues of the section (all int16):
//   f   = ((-a1)*e1 + (-a2)*e2 + 2^12) >> 13               the residues' share of the feedback
//   acc = b0*x + b1*x1 + b2*x2 + (-a1)*y1 + (-a2)*y2 + f   exact: each product is an int32, the
//                                                          sum is formed without overflow
//   q   = (acc + 2^12) >> 13                               round to nearest, ties toward +inf;
//                                                          >> is the floor (arithmetic) shift
//   y   = saturate_int16(q)
//   e   = acc - (q << 13)                                  the residue, in [-2^12, 2^12)
// The feedback so multiplies y + e / 2^13: the recursion keeps 13 more fraction bits than the
// output, and what it rounds (f) is 2^13 times finer than an output LSB, so the poles have
// little to amplify. Narrow filters keep their 16-bit accuracy, and constant inputs settle
// where the exact filter does instead of in a dead band (docs/iir_q15.md).
// The saturated y is the section's output, the next section's input and the state the section
// keeps, so neither the output nor the state can ever wrap around. (The residue is q's, also
// when y is clamped: half an LSB at most either way.)
// The sum is accumulated in 32 bits when the stage's coefficients guarantee it fits
// (sum |c| <= 65533 in int16 units), else in 64 bits; both give the same exact value.
// The reference (CMSIS-DSP) truncates instead of rounding and keeps no residue, so outputs
// differ from it by an LSB or more per section (far more near its dead band and its -1/2 LSB
// truncation bias, which the poles amplify into a DC offset).

constexpr uint32_t kIirQ15ValuesPerStage = 6; // b0, 0, b1, b2, -a1, -a2
constexpr int32_t kIirQ15FracBits = 13;
constexpr uint32_t kIirQ15StatePerStage = 6; // x1, x2, y1, y2, e1, e2

struct IirQ15Cascade {
    int16_t* coeffs; // 5 per stage: b0 b1 b2 -a1 -a2 (the padding value is not kept)
    int16_t* state;  // 6 per stage: x1 x2 y1 y2 e1 e2
    uint32_t n_stages;
    bool ready;
};

// Bytes of storage for n_stages sections: 11 int16 per stage, rounded up to a multiple of 4.
size_t iir_q15_storage_bytes(uint32_t n_stages);

// coeffs holds coeffs_len = 6 * n_stages values in the layout above. The coefficients are
// copied into storage, so the caller's array may go away afterwards. The state starts at zero.
// Errors: InvalidArgument when coeffs_len is not a multiple of 6, a padding value is not 0
// (almost certainly scipy's layout passed by mistake: [b0, b1, b2, a0, a1, a2]), storage is
// misaligned, or coeffs is null with coeffs_len > 0; SizeMismatch for short storage.
Status iir_q15_init(IirQ15Cascade* f, const int16_t* coeffs, uint32_t coeffs_len, void* storage,
                    size_t storage_bytes);
Status iir_q15_process(IirQ15Cascade* f, int16_t* values, uint32_t len);
Status iir_q15_reset(IirQ15Cascade* f);
// The state as 6 values per stage: [x1, x2, y1, y2, e1, e2]. len must be 6 * n_stages. Set
// clamps the residues e1, e2 to [-2^12, 2^12 - 1] (at most half an LSB).
Status iir_q15_get_state(const IirQ15Cascade* f, int16_t* out, uint32_t len);
Status iir_q15_set_state(IirQ15Cascade* f, const int16_t* in, uint32_t len);

// Converts scipy sos (6 floats per stage, [b0, b1, b2, a0, a1, a2]) into the int16 layout above:
// each stage is divided by its a0, then c -> round_half_away_from_zero(c * scale). scale = 2^13
// matches the engine exactly; the reference's default is 2^13 - 1. Unlike the reference (which
// truncates toward zero and does not check the range), a value that does not fit in int16 is an
// error (InvalidArgument), as is a0 == 0, a non-finite value or scale <= 0; out_len must be
// sos_len (SizeMismatch). On error out is left partly written.
// Note for designers: scipy puts the whole gain of a filter in the first section's b, which for
// narrow filters is far below 2^-13; spread the gain over the sections before converting, or
// the first section quantises to zero.
Status iir_q15_convert(const float* sos, uint32_t sos_len, int16_t* out, uint32_t out_len,
                       float scale);

} // namespace microlearn
