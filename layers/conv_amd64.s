#include "textflag.h"

// TAPS_BEGIN and TAPS_END loop over the kernel taps (ch, ky, kx) of
// im2colTaps and col2imTaps and over the oh rows of each tap: SI walks the
// tap's rows in the padded plane (wp apart), DI the patch matrix, one row
// of ow values after another; between them, the row's work, with R11 = ow − 8.
#define TAPS_BEGIN \
	MOVQ col+0(FP), DI; \
	MOVQ plane+8(FP), R13; \
	MOVQ c+16(FP), CX; \
	MOVQ ow+40(FP), R9; \
	MOVQ wp+56(FP), R10; \
	SHLQ $2, R10; \
	LEAQ -8(R9), R11; \
channel: \
	TESTQ CX, CX; \
	JLE   tapsDone; \
	MOVQ  R13, R14; \
	MOVQ  k+24(FP), DX; \
kernelRow: \
	TESTQ DX, DX; \
	JLE   nextChannel; \
	MOVQ  R14, BX; \
	MOVQ  k+24(FP), R15; \
tap: \
	TESTQ R15, R15; \
	JLE   nextKernelRow; \
	MOVQ  BX, SI; \
	MOVQ  oh+32(FP), R8; \
tapRow:

#define TAPS_END \
	LEAQ  (DI)(R9*4), DI; \
	ADDQ  R10, SI; \
	DECQ  R8; \
	JNZ   tapRow; \
	ADDQ  $4, BX; \
	DECQ  R15; \
	JMP   tap; \
nextKernelRow: \
	ADDQ R10, R14; \
	DECQ DX; \
	JMP  kernelRow; \
nextChannel: \
	MOVQ  hp+48(FP), AX; \
	IMULQ R10, AX; \
	ADDQ  AX, R13; \
	DECQ  CX; \
	JMP   channel; \
tapsDone: \
	VZEROUPPER; \
	RET

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

// func im2colTaps(col, plane *float32, c, k, oh, ow, hp, wp int)
//
// copyRows for every kernel tap of im2colT with stride 1, in one call: tap
// (ch, ky, kx) copies the oh rows of ow values at plane[(ch·hp + ky)·wp +
// kx], wp apart, into the next oh·ow values of col. Rows of ow ≥ 8 values
// only, eight at a time and the last eight, as copyRows takes them.
TEXT ·im2colTaps(SB), NOSPLIT, $0-64
	TAPS_BEGIN
	VMOVUPS (SI)(R11*4), Y1
	XORQ    AX, AX
tapEight:
	VMOVUPS (SI)(AX*4), Y0
	VMOVUPS Y0, (DI)(AX*4)
	ADDQ    $8, AX
	CMPQ    AX, R11
	JLT     tapEight
	VMOVUPS Y1, (DI)(R11*4)
	TAPS_END

// func col2imTaps(col, plane *float32, c, k, oh, ow, hp, wp int)
//
// addRows for every kernel tap of col2imT with stride 1, in one call, in
// the taps' order: tap (ch, ky, kx) adds the next oh·ow values of col to
// the oh rows of ow values at plane[(ch·hp + ky)·wp + kx], wp apart. Rows
// of ow ≥ 8 values only, each value's one addition as addRows makes it.
TEXT ·col2imTaps(SB), NOSPLIT, $0-64
	TAPS_BEGIN
	VMOVUPS (SI)(R11*4), Y1
	VADDPS  (DI)(R11*4), Y1, Y1      // the last eight, stored below
	XORQ    AX, AX
tapEight:
	VMOVUPS (SI)(AX*4), Y0
	VADDPS  (DI)(AX*4), Y0, Y0
	VMOVUPS Y0, (SI)(AX*4)
	ADDQ    $8, AX
	CMPQ    AX, R11
	JLT     tapEight
	VMOVUPS Y1, (SI)(R11*4)
	TAPS_END
