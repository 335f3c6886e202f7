#include "textflag.h"

// Offsets of four adjacent 2×2 windows' top-left values from the first's.
DATA windowOffsets<>+0(SB)/4, $0
DATA windowOffsets<>+4(SB)/4, $2
DATA windowOffsets<>+8(SB)/4, $4
DATA windowOffsets<>+12(SB)/4, $6
GLOBL windowOffsets<>(SB), RODATA|NOPTR, $16

// TAKE(v, i) replaces, where v is larger (GT_OQ), the best values X6 by v
// and their indices X7 by i.
#define TAKE(v, i) VCMPPS $0x1e, X6, v, X9; VBLENDVPS X9, v, X6, X6; VBLENDVPS X9, i, X7, X7

// func maxPool2x2(y *float32, at *int32, x *float32, w, n, base int)
//
// The maxima of n (a multiple of 4) adjacent non-overlapping 2×2 windows of
// an input plane of width w, the first window's top-left value at x (index
// base in the plane), four windows at a time: y gets each maximum and at
// its index. The window's values are taken in maxPoolForward's order (top
// left, top right, bottom left, bottom right), each replacing the best so
// far when it is larger (an ordered comparison: NaN never wins), starting
// from −MaxFloat32 and −1.
TEXT ·maxPool2x2(SB), NOSPLIT, $0-48
	MOVQ y+0(FP), DI
	MOVQ at+8(FP), R8
	MOVQ x+16(FP), SI
	MOVQ w+24(FP), R9
	MOVQ n+32(FP), CX
	MOVQ base+40(FP), AX
	LEAQ (SI)(R9*4), DX              // the bottom row
	MOVL $0xff7fffff, R10            // −MaxFloat32
	VMOVD R10, X15
	VBROADCASTSS X15, X15
	VMOVD AX, X13
	VPBROADCASTD X13, X13            // index of the first window's top left
	VPADDD windowOffsets<>(SB), X13, X13
	VMOVD R9, X12
	VPBROADCASTD X12, X12            // w: from the top row to the bottom
	VPCMPEQD X11, X11, X11
	VPSRLD $31, X11, X11             // 1: from the left column to the right
	MOVL $8, R10
	VMOVD R10, X14
	VPBROADCASTD X14, X14            // 8: from four windows to the next four

loop:
	TESTQ CX, CX
	JLE   done
	VMOVUPS (SI), X0
	VMOVUPS 16(SI), X1
	VSHUFPS $0x88, X1, X0, X2        // top left of each window
	VSHUFPS $0xDD, X1, X0, X3        // top right
	VMOVUPS (DX), X0
	VMOVUPS 16(DX), X1
	VSHUFPS $0x88, X1, X0, X4        // bottom left
	VSHUFPS $0xDD, X1, X0, X5        // bottom right
	VMOVAPS X15, X6                  // best
	VPCMPEQD X7, X7, X7              // at = −1

	TAKE(X2, X13)
	VPADDD X11, X13, X10             // top right: +1
	TAKE(X3, X10)
	VPADDD X12, X13, X10             // bottom left: +w
	TAKE(X4, X10)
	VPADDD X11, X10, X10             // bottom right: +w + 1
	TAKE(X5, X10)

	VMOVUPS X6, (DI)
	VMOVDQU X7, (R8)
	ADDQ    $32, SI
	ADDQ    $32, DX
	ADDQ    $16, DI
	ADDQ    $16, R8
	VPADDD  X14, X13, X13
	SUBQ    $4, CX
	JMP     loop

done:
	VZEROUPPER
	RET
