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

// FOUR computes four adjacent windows: the top row's eight values at SI,
// the bottom row's at DX, the top-left indices in X13; the maxima go to
// (DI), their indices to (R8).
#define FOUR \
	VMOVUPS (SI), X0; \
	VMOVUPS 16(SI), X1; \
	VSHUFPS $0x88, X1, X0, X2; \
	VSHUFPS $0xDD, X1, X0, X3; \
	VMOVUPS (DX), X0; \
	VMOVUPS 16(DX), X1; \
	VSHUFPS $0x88, X1, X0, X4; \
	VSHUFPS $0xDD, X1, X0, X5; \
	VMOVAPS X15, X6; \
	VPCMPEQD X7, X7, X7; \
	TAKE(X2, X13); \
	VPADDD X11, X13, X10; \
	TAKE(X3, X10); \
	VPADDD X12, X13, X10; \
	TAKE(X4, X10); \
	VPADDD X11, X10, X10; \
	TAKE(X5, X10); \
	VMOVUPS X6, (DI); \
	VMOVDQU X7, (R8)

// func maxPool2x2(y *float32, at *int32, x *float32, w, ow, oh int)
//
// The maxima of the oh×ow non-overlapping 2×2 windows of an input plane x
// of width w (ow ≥ 4), four windows at a time: y gets each maximum and at
// its index in the plane, row after row. A row of windows that is not a
// multiple of four ends with its last four (some computed twice, with the
// same results). The window's values are taken in maxPoolForward's order
// (top left, top right, bottom left, bottom right), each replacing the best
// so far when it is larger (an ordered comparison: NaN never wins),
// starting from −MaxFloat32 and −1.
TEXT ·maxPool2x2(SB), NOSPLIT, $0-48
	MOVQ y+0(FP), DI
	MOVQ at+8(FP), R8
	MOVQ x+16(FP), SI
	MOVQ w+24(FP), R9
	MOVQ ow+32(FP), R11
	MOVQ oh+40(FP), BX
	MOVL $0xff7fffff, R10            // −MaxFloat32
	VMOVD R10, X15
	VBROADCASTSS X15, X15
	VMOVD R9, X12
	VPBROADCASTD X12, X12            // w: from the top row to the bottom
	VPCMPEQD X11, X11, X11
	VPSRLD $31, X11, X11             // 1: from the left column to the right
	MOVL $8, R10
	VMOVD R10, X14
	VPBROADCASTD X14, X14            // 8: from four windows to the next four
	XORQ AX, AX                      // the row's first index in the plane, 2·oy·w
	MOVQ SI, R12                     // the row's first value
	MOVQ R11, R13
	ANDQ $-4, R13                    // ow rounded down to 4

row:
	TESTQ BX, BX
	JLE   done
	MOVQ  R12, SI
	LEAQ  (R12)(R9*4), DX            // the bottom row
	VMOVD AX, X13
	VPBROADCASTD X13, X13
	VPADDD windowOffsets<>(SB), X13, X13
	MOVQ  R13, CX
four:
	FOUR
	ADDQ   $32, SI
	ADDQ   $32, DX
	ADDQ   $16, DI
	ADDQ   $16, R8
	VPADDD X14, X13, X13
	SUBQ   $4, CX
	JG     four
	MOVQ   R11, CX
	SUBQ   R13, CX                   // ow mod 4 windows left
	JZ     nextRow
	SUBQ   $4, CX                    // back to the row's last four windows
	LEAQ   (DI)(CX*4), DI
	LEAQ   (R8)(CX*4), R8
	LEAQ   (SI)(CX*8), SI
	LEAQ   (DX)(CX*8), DX
	LEAQ   (R13)(CX*1), R10          // ow − 4
	LEAQ   (AX)(R10*2), R10          // their first index: 2·oy·w + 2·(ow − 4)
	VMOVD  R10, X13
	VPBROADCASTD X13, X13
	VPADDD windowOffsets<>(SB), X13, X13
	FOUR
	ADDQ   $16, DI
	ADDQ   $16, R8
nextRow:
	LEAQ (R12)(R9*8), R12            // two input rows down
	LEAQ (AX)(R9*2), AX
	DECQ BX
	JMP  row

done:
	VZEROUPPER
	RET
