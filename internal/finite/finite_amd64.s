#include "textflag.h"

// func finite32(x *float32, n int) bool
//
// Reports whether the first n values of x, n a multiple of 32, are all
// finite: the sums of v − v (+0 for a finite v, NaN otherwise) in four
// registers of eight lanes are all zero.
TEXT ·finite32(SB), NOSPLIT, $0-17
	MOVQ   x+0(FP), SI
	MOVQ   n+8(FP), CX
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	VXORPS Y2, Y2, Y2
	VXORPS Y3, Y3, Y3
	XORQ   AX, AX

loop:
	CMPQ    AX, CX
	JGE     done
	VMOVUPS (SI)(AX*4), Y4
	VMOVUPS 32(SI)(AX*4), Y5
	VMOVUPS 64(SI)(AX*4), Y6
	VMOVUPS 96(SI)(AX*4), Y7
	VSUBPS  Y4, Y4, Y4
	VSUBPS  Y5, Y5, Y5
	VSUBPS  Y6, Y6, Y6
	VSUBPS  Y7, Y7, Y7
	VADDPS  Y4, Y0, Y0
	VADDPS  Y5, Y1, Y1
	VADDPS  Y6, Y2, Y2
	VADDPS  Y7, Y3, Y3
	ADDQ    $32, AX
	JMP     loop

done:
	VADDPS    Y1, Y0, Y0
	VADDPS    Y3, Y2, Y2
	VADDPS    Y2, Y0, Y0
	VXORPS    Y1, Y1, Y1
	VCMPPS    $0, Y1, Y0, Y0 // lanes equal to zero (EQ_OQ: false for NaN)
	VMOVMSKPS Y0, AX
	VZEROUPPER
	CMPL      AX, $0xff
	SETEQ     ret+16(FP)
	RET
