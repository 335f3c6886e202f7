#include "textflag.h"

// func addRows(dst, src *float32, rows, n, dstStride int)
//
// Adds rows of n values of src, one after another, to rows of dst that
// start dstStride (≥ n) values apart, each dst[i] + src[i] a single float32
// addition as in Go. A row of 8 values or more takes eight at a time, and
// its last eight, which overlap the block before them when n is not a
// multiple of 8, are summed before that block is stored and stored after
// it: every value gets its one addition. A shorter row takes four, then
// one at a time.
TEXT ·addRows(SB), NOSPLIT, $0-40
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ rows+16(FP), R8
	MOVQ n+24(FP), R9
	MOVQ dstStride+32(FP), R10
	SHLQ $2, R10
	LEAQ -8(R9), R11                 // the last block's offset, n − 8
	MOVQ R9, R12
	ANDQ $-4, R12                    // n rounded down to 4
	CMPQ R9, $8
	JLT  short

row:
	TESTQ R8, R8
	JLE   done
	VMOVUPS (DI)(R11*4), Y1
	VADDPS  (SI)(R11*4), Y1, Y1      // the last eight, stored below
	XORQ    AX, AX
eight:
	VMOVUPS (DI)(AX*4), Y0
	VADDPS  (SI)(AX*4), Y0, Y0
	VMOVUPS Y0, (DI)(AX*4)
	ADDQ    $8, AX
	CMPQ    AX, R11
	JLT     eight
	VMOVUPS Y1, (DI)(R11*4)
	LEAQ    (SI)(R9*4), SI
	ADDQ    R10, DI
	DECQ    R8
	JMP     row

short:
	TESTQ R8, R8
	JLE   done
	XORQ  AX, AX
	CMPQ  AX, R12
	JGE   one
	VMOVUPS (DI), X0
	VADDPS  (SI), X0, X0
	VMOVUPS X0, (DI)
	MOVQ    $4, AX
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
	JMP  short

done:
	VZEROUPPER
	RET

// func copyRows(dst, src *float32, rows, n, dstStride, srcStride int)
//
// Copies rows of n values of src that start srcStride values apart into
// rows of dst that start dstStride values apart (both strides at least n).
// A row of 8 values or more takes eight at a time and its last eight,
// which overlap the block before them when n is not a multiple of 8; a
// shorter row four, then one at a time.
TEXT ·copyRows(SB), NOSPLIT, $0-48
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ rows+16(FP), R8
	MOVQ n+24(FP), R9
	MOVQ dstStride+32(FP), R13
	SHLQ $2, R13
	MOVQ srcStride+40(FP), R10
	SHLQ $2, R10
	LEAQ -8(R9), R11                 // the last block's offset, n − 8
	MOVQ R9, R12
	ANDQ $-4, R12                    // n rounded down to 4
	CMPQ R9, $8
	JLT  copyShort

copyRow:
	TESTQ R8, R8
	JLE   copyDone
	VMOVUPS (SI)(R11*4), Y1
	XORQ    AX, AX
copyEight:
	VMOVUPS (SI)(AX*4), Y0
	VMOVUPS Y0, (DI)(AX*4)
	ADDQ    $8, AX
	CMPQ    AX, R11
	JLT     copyEight
	VMOVUPS Y1, (DI)(R11*4)
	ADDQ    R13, DI
	ADDQ    R10, SI
	DECQ    R8
	JMP     copyRow

copyShort:
	TESTQ R8, R8
	JLE   copyDone
	XORQ  AX, AX
	CMPQ  AX, R12
	JGE   copyOne
	VMOVUPS (SI), X0
	VMOVUPS X0, (DI)
	MOVQ    $4, AX
copyOne:
	CMPQ   AX, R9
	JGE    copyNext
	MOVL   (SI)(AX*4), BX
	MOVL   BX, (DI)(AX*4)
	INCQ   AX
	JMP    copyOne
copyNext:
	ADDQ R13, DI
	ADDQ R10, SI
	DECQ R8
	JMP  copyShort

copyDone:
	VZEROUPPER
	RET
