#include "textflag.h"

// func levelsKernel(dst *float32, src *uint8, n int, next *uint8)
// dst[i] = float32(src[i]) / 255, 32 values per iteration, with n bytes
// from next prefetched.
TEXT ·levelsKernel(SB), NOSPLIT, $0-32
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ n+16(FP), CX
	MOVQ next+24(FP), DX
	XORQ AX, AX
prefetch:
	CMPQ AX, CX
	JGE  convert
	PREFETCHT0 (DX)(AX*1)
	ADDQ $64, AX
	JMP  prefetch
convert:
	MOVL $0x437f0000, AX // 255 as a float32
	MOVL AX, X4
	VBROADCASTSS X4, Y4
	XORQ AX, AX

loop:
	CMPQ AX, CX
	JGE  done
	VPMOVZXBD (SI)(AX*1), Y0
	VPMOVZXBD 8(SI)(AX*1), Y1
	VPMOVZXBD 16(SI)(AX*1), Y2
	VPMOVZXBD 24(SI)(AX*1), Y3
	VCVTDQ2PS Y0, Y0
	VCVTDQ2PS Y1, Y1
	VCVTDQ2PS Y2, Y2
	VCVTDQ2PS Y3, Y3
	VDIVPS    Y4, Y0, Y0
	VDIVPS    Y4, Y1, Y1
	VDIVPS    Y4, Y2, Y2
	VDIVPS    Y4, Y3, Y3
	VMOVUPS   Y0, (DI)(AX*4)
	VMOVUPS   Y1, 32(DI)(AX*4)
	VMOVUPS   Y2, 64(DI)(AX*4)
	VMOVUPS   Y3, 96(DI)(AX*4)
	ADDQ      $32, AX
	JMP       loop

done:
	VZEROUPPER
	RET
