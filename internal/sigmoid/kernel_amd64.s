#include "textflag.h"

// Offsets of the constants (kernel_amd64.go), 32 bytes each.
#define LOG2E 0
#define HALF 32
#define LN2HI 64
#define LN2LO 96
#define C7 128
#define C6 160
#define C5 192
#define C4 224
#define C3 256
#define ONE 288
#define MINUS80 320
#define SEVENTEEN 352
#define SIGN 384
#define BIAS 416

// HORNER(c) is one step of Horner's rule for p(r), r in Y1: Y3 = Y3·r + c.
#define HORNER(c) VMULPS Y1, Y3, Y3; VADDPS c(R8), Y3, Y3

// func kernel(y, x *float32, n int, c *[kCount][8]float32) int
//
// Eight values at a time, Float32's operations in its order: t = −x,
// k = floor(t·log2e + 1/2), r = (t − k·ln2Hi) − k·ln2Lo, the polynomial p(r)
// by Horner's rule, e = p·2^k, σ = 1/(1 + e), and 1 where x > 17.
TEXT ·kernel(SB), NOSPLIT, $0-40
	MOVQ y+0(FP), DI
	MOVQ x+8(FP), SI
	MOVQ n+16(FP), CX
	MOVQ c+24(FP), R8
	XORQ AX, AX

loop:
	CMPQ AX, CX
	JGE  done
	VMOVUPS (SI)(AX*4), Y0
	VCMPPS  $1, MINUS80(R8), Y0, Y1 // x < −80 (LT_OS)
	VMOVMSKPS Y1, DX
	TESTL   DX, DX
	JNZ     done
	VXORPS  SIGN(R8), Y0, Y1        // t = −x
	VMULPS  LOG2E(R8), Y1, Y2
	VADDPS  HALF(R8), Y2, Y2
	VROUNDPS $1, Y2, Y2             // k = floor(t·log2e + 1/2)
	VMULPS  LN2HI(R8), Y2, Y3
	VSUBPS  Y3, Y1, Y1
	VMULPS  LN2LO(R8), Y2, Y3
	VSUBPS  Y3, Y1, Y1              // r = t − k·ln2Hi − k·ln2Lo
	VMULPS  C7(R8), Y1, Y3
	VADDPS  C6(R8), Y3, Y3
	HORNER(C5)
	HORNER(C4)
	HORNER(C3)
	HORNER(HALF)
	HORNER(ONE)
	HORNER(ONE)                     // p(r)
	VCVTTPS2DQ Y2, Y2
	VPADDD  BIAS(R8), Y2, Y2
	VPSLLD  $23, Y2, Y2             // 2^k
	VMULPS  Y2, Y3, Y3              // e = p·2^k
	VMOVUPS ONE(R8), Y4
	VADDPS  Y4, Y3, Y3
	VDIVPS  Y3, Y4, Y3              // σ = 1/(1 + e)
	VCMPPS  $14, SEVENTEEN(R8), Y0, Y5 // x > 17 (GT_OS)
	VBLENDVPS Y5, Y4, Y3, Y3        // 1 there
	VMOVUPS Y3, (DI)(AX*4)
	ADDQ    $8, AX
	JMP     loop

done:
	VZEROUPPER
	MOVQ AX, ret+32(FP)
	RET
