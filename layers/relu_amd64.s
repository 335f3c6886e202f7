#include "textflag.h"

// func relu(y, x *float32, n int)
//
// y = max(x, 0) as Go's max computes it, for n values, a multiple of 8, by
// masking x's bits: a value larger than 0 is kept, a NaN is kept with its
// sign bit cleared (NLE_UQ is true for both; the mask lacks the sign bit),
// and every other value, −0 included, becomes +0.
TEXT ·relu(SB), NOSPLIT, $0-24
	MOVQ     y+0(FP), DI
	MOVQ     x+8(FP), SI
	MOVQ     n+16(FP), CX
	VXORPS   Y15, Y15, Y15
	VPCMPEQD Y14, Y14, Y14
	VPSRLD   $1, Y14, Y14            // every bit but the sign
	MOVQ     CX, DX
	ANDQ     $-32, DX                // n rounded down to 32
	XORQ     AX, AX
reluFour:
	CMPQ    AX, DX
	JGE     reluOne
	VMOVUPS (SI)(AX*4), Y0
	VMOVUPS 32(SI)(AX*4), Y1
	VMOVUPS 64(SI)(AX*4), Y2
	VMOVUPS 96(SI)(AX*4), Y3
	VCMPPS  $0x16, Y15, Y0, Y4
	VCMPPS  $0x16, Y15, Y1, Y5
	VCMPPS  $0x16, Y15, Y2, Y6
	VCMPPS  $0x16, Y15, Y3, Y7
	VANDPS  Y14, Y4, Y4
	VANDPS  Y14, Y5, Y5
	VANDPS  Y14, Y6, Y6
	VANDPS  Y14, Y7, Y7
	VANDPS  Y4, Y0, Y0
	VANDPS  Y5, Y1, Y1
	VANDPS  Y6, Y2, Y2
	VANDPS  Y7, Y3, Y3
	VMOVUPS Y0, (DI)(AX*4)
	VMOVUPS Y1, 32(DI)(AX*4)
	VMOVUPS Y2, 64(DI)(AX*4)
	VMOVUPS Y3, 96(DI)(AX*4)
	ADDQ    $32, AX
	JMP     reluFour
reluOne:
	CMPQ    AX, CX
	JGE     reluDone
	VMOVUPS (SI)(AX*4), Y0
	VCMPPS  $0x16, Y15, Y0, Y4
	VANDPS  Y14, Y4, Y4
	VANDPS  Y4, Y0, Y0
	VMOVUPS Y0, (DI)(AX*4)
	ADDQ    $8, AX
	JMP     reluOne
reluDone:
	VZEROUPPER
	RET

// func reluGradient(dx, y, dy *float32, n int)
//
// dx = dy where 0 < y (LT_OQ: never for NaN) and +0 elsewhere, for n
// values, a multiple of 8, by masking dy's bits: activationGradient's ReLU
// case.
TEXT ·reluGradient(SB), NOSPLIT, $0-32
	MOVQ   dx+0(FP), DI
	MOVQ   y+8(FP), SI
	MOVQ   dy+16(FP), BX
	MOVQ   n+24(FP), CX
	VXORPS Y15, Y15, Y15
	MOVQ   CX, DX
	ANDQ   $-32, DX                  // n rounded down to 32
	XORQ   AX, AX
gradFour:
	CMPQ    AX, DX
	JGE     gradOne
	VCMPPS  $0x11, (SI)(AX*4), Y15, Y4
	VCMPPS  $0x11, 32(SI)(AX*4), Y15, Y5
	VCMPPS  $0x11, 64(SI)(AX*4), Y15, Y6
	VCMPPS  $0x11, 96(SI)(AX*4), Y15, Y7
	VANDPS  (BX)(AX*4), Y4, Y0
	VANDPS  32(BX)(AX*4), Y5, Y1
	VANDPS  64(BX)(AX*4), Y6, Y2
	VANDPS  96(BX)(AX*4), Y7, Y3
	VMOVUPS Y0, (DI)(AX*4)
	VMOVUPS Y1, 32(DI)(AX*4)
	VMOVUPS Y2, 64(DI)(AX*4)
	VMOVUPS Y3, 96(DI)(AX*4)
	ADDQ    $32, AX
	JMP     gradFour
gradOne:
	CMPQ    AX, CX
	JGE     gradDone
	VCMPPS  $0x11, (SI)(AX*4), Y15, Y4
	VANDPS  (BX)(AX*4), Y4, Y0
	VMOVUPS Y0, (DI)(AX*4)
	ADDQ    $8, AX
	JMP     gradOne
gradDone:
	VZEROUPPER
	RET
