#include "textflag.h"

// func addRows(dst, src *float32, rows, n, dstStride int)
//
// Adds rows of n values of src, one after another, to rows of dst that
// start dstStride values apart: eight values at a time, then four, then
// one, each dst[i] + src[i] a single float32 addition as in Go.
TEXT ·addRows(SB), NOSPLIT, $0-40
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ rows+16(FP), R8
	MOVQ n+24(FP), R9
	MOVQ dstStride+32(FP), R10
	SHLQ $2, R10
	MOVQ R9, R11
	ANDQ $-8, R11                    // n rounded down to 8
	MOVQ R9, R12
	ANDQ $-4, R12                    // and to 4

row:
	TESTQ R8, R8
	JLE   done
	XORQ  AX, AX
eight:
	CMPQ    AX, R11
	JGE     four
	VMOVUPS (DI)(AX*4), Y0
	VADDPS  (SI)(AX*4), Y0, Y0
	VMOVUPS Y0, (DI)(AX*4)
	ADDQ    $8, AX
	JMP     eight
four:
	CMPQ    AX, R12
	JGE     one
	VMOVUPS (DI)(AX*4), X0
	VADDPS  (SI)(AX*4), X0, X0
	VMOVUPS X0, (DI)(AX*4)
	ADDQ    $4, AX
one:
	CMPQ   AX, R9
	JGE    next
	VMOVSS (DI)(AX*4), X0
	VADDSS (SI)(AX*4), X0, X0
	VMOVSS X0, (DI)(AX*4)
	INCQ   AX
	JMP    one
next:
	LEAQ (SI)(R9*4), SI
	ADDQ R10, DI
	DECQ R8
	JMP  row

done:
	VZEROUPPER
	RET

// func copyRows(dst, src *float32, rows, n, srcStride int)
//
// Copies rows of n values of src that start srcStride values apart into
// dst, one after another: eight values at a time, then four, then one.
TEXT ·copyRows(SB), NOSPLIT, $0-40
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ rows+16(FP), R8
	MOVQ n+24(FP), R9
	MOVQ srcStride+32(FP), R10
	SHLQ $2, R10
	MOVQ R9, R11
	ANDQ $-8, R11                    // n rounded down to 8
	MOVQ R9, R12
	ANDQ $-4, R12                    // and to 4

copyRow:
	TESTQ R8, R8
	JLE   copyDone
	XORQ  AX, AX
copyEight:
	CMPQ    AX, R11
	JGE     copyFour
	VMOVUPS (SI)(AX*4), Y0
	VMOVUPS Y0, (DI)(AX*4)
	ADDQ    $8, AX
	JMP     copyEight
copyFour:
	CMPQ    AX, R12
	JGE     copyOne
	VMOVUPS (SI)(AX*4), X0
	VMOVUPS X0, (DI)(AX*4)
	ADDQ    $4, AX
copyOne:
	CMPQ   AX, R9
	JGE    copyNext
	MOVL   (SI)(AX*4), BX
	MOVL   BX, (DI)(AX*4)
	INCQ   AX
	JMP    copyOne
copyNext:
	LEAQ (DI)(R9*4), DI
	ADDQ R10, SI
	DECQ R8
	JMP  copyRow

copyDone:
	VZEROUPPER
	RET
