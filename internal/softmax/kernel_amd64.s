#include "textflag.h"

// Offsets of the constants (kernel_amd64.go), 32 bytes each.
#define LOG2E 0
#define LN2U 32
#define LN2L 64
#define SIXTEENTH 96
#define T64 128
#define T56 160
#define T48 192
#define T40 224
#define T32 256
#define T24 288
#define HALF 320
#define ONE 352
#define TWO 384
#define LO 416
#define BIAS 448
#define LANES 480

// EXP sets Y0 to e^Y0 by math.Exp's FMA path in its order (Y5, Y6, X7
// scratch): k = round(x·log₂e) (to nearest, as CVTSD2SL), r = x − k·ln2U −
// k·ln2L (fused), r/16, the Taylor polynomial p(r) by fused Horner steps,
// e^r − 1 = r·p, three squarings (e^(2r) − 1 = (e^r − 1)·(e^r + 1)), the
// last one fused with the + 1, and the scaling by 2^k through the exponent
// bits.
#define EXP \
	VMULPD  LOG2E(R8), Y0, Y5; \
	VCVTPD2DQY Y5, X7; \
	VCVTDQ2PD X7, Y5; \
	VFNMADD231PD LN2U(R8), Y5, Y0; \
	VFNMADD231PD LN2L(R8), Y5, Y0; \
	VMULPD  SIXTEENTH(R8), Y0, Y0; \
	VMOVUPD T64(R8), Y5; \
	VFMADD213PD T56(R8), Y0, Y5; \
	VFMADD213PD T48(R8), Y0, Y5; \
	VFMADD213PD T40(R8), Y0, Y5; \
	VFMADD213PD T32(R8), Y0, Y5; \
	VFMADD213PD T24(R8), Y0, Y5; \
	VFMADD213PD HALF(R8), Y0, Y5; \
	VFMADD213PD ONE(R8), Y0, Y5; \
	VMULPD  Y5, Y0, Y0; \
	VADDPD  TWO(R8), Y0, Y5; \
	VMULPD  Y5, Y0, Y0; \
	VADDPD  TWO(R8), Y0, Y5; \
	VMULPD  Y5, Y0, Y0; \
	VADDPD  TWO(R8), Y0, Y5; \
	VMULPD  Y5, Y0, Y0; \
	VADDPD  TWO(R8), Y0, Y5; \
	VFMADD213PD ONE(R8), Y5, Y0; \
	VPMOVSXDQ X7, Y6; \
	VPADDQ  BIAS(R8), Y6, Y6; \
	VPSLLQ  $52, Y6, Y6; \
	VMULPD  Y6, Y0, Y0

// GATHER(p, x) loads column p of the group's four rows (p points at row
// 0's value; X15 holds the rows' offsets) into x, as float32s.
#define GATHER(p, x) VPCMPEQD X2, X2, X2; VGATHERDPS X2, (p)(X15*4), x

// MAX sets Y8 to the group's four row maxima in float64, m = v where v >
// m column by column as Go's rowMax, for rows of k = DX float32 values at
// R9; DI and BX scratch.
#define MAX \
	MOVQ    R9, DI; \
	GATHER(DI, X0); \
	MOVQ    DX, BX; \
max: \
	DECQ    BX; \
	JZ      maxdone; \
	ADDQ    $4, DI; \
	GATHER(DI, X1); \
	VMAXPS  X0, X1, X0; \
	JMP     max; \
maxdone: \
	VCVTPS2PD X0, Y8

// OFFSETS sets X15 to the lanes' row offsets 0, k, 2k, 3k (int32s), k in
// R11, and R11 to a row's size in bytes, 4k.
#define OFFSETS \
	MOVQ    R11, X15; \
	VPBROADCASTD X15, X15; \
	VPMULLD LANES(R8), X15, X15; \
	SHLQ    $2, R11

// func sums(s, dot, mass *float64, z, t *float32, k, n int, c *[kCount][4]float64) int
//
// Four rows at a time, one per lane: the row maximum m, then for each
// column d = z − m, s += e^d, dot += t·d, mass += t in Go's order.
TEXT ·sums(SB), NOSPLIT, $0-72
	MOVQ z+24(FP), R9
	MOVQ t+32(FP), R10
	MOVQ k+40(FP), R11
	MOVQ n+48(FP), CX
	MOVQ c+56(FP), R8
	OFFSETS
	XORQ AX, AX

group:
	CMPQ AX, CX
	JGE  sumsdone
	MOVQ k+40(FP), DX
	MAX
	VXORPD  Y10, Y10, Y10          // s
	VXORPD  Y11, Y11, Y11          // dot
	VXORPD  Y12, Y12, Y12          // mass
	VPCMPEQD Y9, Y9, Y9            // every exponent ≥ lo so far
	MOVQ    R9, DI
	MOVQ    R10, SI

column:
	GATHER(DI, X1)
	VCVTPS2PD X1, Y1
	VSUBPD  Y8, Y1, Y1             // d = z − m
	VCMPPD  $0x1d, LO(R8), Y1, Y5  // d ≥ lo (GE_OQ: false for NaN)
	VANDPD  Y5, Y9, Y9
	VMOVAPD Y1, Y0
	EXP
	VADDPD  Y0, Y10, Y10
	GATHER(SI, X3)
	VCVTPS2PD X3, Y3
	VMULPD  Y1, Y3, Y4
	VADDPD  Y4, Y11, Y11
	VADDPD  Y3, Y12, Y12
	ADDQ    $4, DI
	ADDQ    $4, SI
	DECQ    DX
	JNZ     column

	VMOVMSKPD Y9, BX
	CMPL    BX, $15
	JNE     sumsdone
	MOVQ    s+0(FP), BX
	VMOVUPD Y10, (BX)(AX*8)
	MOVQ    dot+8(FP), BX
	VMOVUPD Y11, (BX)(AX*8)
	MOVQ    mass+16(FP), BX
	VMOVUPD Y12, (BX)(AX*8)
	ADDQ    $4, AX
	LEAQ    (R9)(R11*4), R9
	LEAQ    (R10)(R11*4), R10
	JMP     group

sumsdone:
	VZEROUPPER
	MOVQ AX, ret+64(FP)
	RET

// func gradient(out, z, t *float32, k, n int, scale float64, e *float64, c *[kCount][4]float64) int
//
// Four rows at a time, one per lane: the row maximum m, then for each
// column e = exp(z − m) (kept at e), s += e, mass += t in Go's order, then
// c = scale·mass/s and out = c·e − scale·t, column by column.
TEXT ·gradient(SB), NOSPLIT, $0-72
	MOVQ out+0(FP), R13
	MOVQ z+8(FP), R9
	MOVQ t+16(FP), R10
	MOVQ k+24(FP), R11
	MOVQ n+32(FP), CX
	MOVQ c+56(FP), R8
	VBROADCASTSD scale+40(FP), Y13
	OFFSETS
	XORQ AX, AX

ggroup:
	CMPQ AX, CX
	JGE  gdone
	MOVQ k+24(FP), DX
	MAX
	VXORPD  Y10, Y10, Y10          // s
	VXORPD  Y12, Y12, Y12          // mass
	VPCMPEQD Y9, Y9, Y9
	MOVQ    R9, DI
	MOVQ    R10, SI
	MOVQ    e+48(FP), BX

gexp:
	GATHER(DI, X1)
	VCVTPS2PD X1, Y0
	VSUBPD  Y8, Y0, Y0             // z − m
	VCMPPD  $0x1d, LO(R8), Y0, Y5
	VANDPD  Y5, Y9, Y9
	EXP
	VMOVUPD Y0, (BX)
	VADDPD  Y0, Y10, Y10
	GATHER(SI, X3)
	VCVTPS2PD X3, Y3
	VADDPD  Y3, Y12, Y12
	ADDQ    $4, DI
	ADDQ    $4, SI
	ADDQ    $32, BX
	DECQ    DX
	JNZ     gexp

	VMOVMSKPD Y9, DX
	CMPL    DX, $15
	JNE     gdone
	VMULPD  Y13, Y12, Y4           // scale·mass
	VDIVPD  Y10, Y4, Y4            // c = scale·mass/s
	MOVQ    k+24(FP), DX
	MOVQ    R10, SI
	MOVQ    R13, R12
	MOVQ    e+48(FP), BX

gout:
	GATHER(SI, X3)
	VCVTPS2PD X3, Y3
	VMULPD  (BX), Y4, Y5           // c·e
	VMULPD  Y13, Y3, Y3            // scale·t
	VSUBPD  Y3, Y5, Y5
	VCVTPD2PSY Y5, X5              // rounded to float32 as Go's T(·)
	VMOVSS  X5, (R12)              // one value per row
	VEXTRACTPS $1, X5, (R12)(R11*1)
	VEXTRACTPS $2, X5, (R12)(R11*2)
	LEAQ    (R12)(R11*2), DI
	VEXTRACTPS $3, X5, (DI)(R11*1)
	ADDQ    $4, SI
	ADDQ    $4, R12
	ADDQ    $32, BX
	DECQ    DX
	JNZ     gout

	ADDQ    $4, AX
	LEAQ    (R9)(R11*4), R9
	LEAQ    (R10)(R11*4), R10
	LEAQ    (R13)(R11*4), R13
	JMP     ggroup

gdone:
	VZEROUPPER
	MOVQ AX, ret+64(FP)
	RET
