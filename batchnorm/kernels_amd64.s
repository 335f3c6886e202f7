#include "textflag.h"

// Every kernel runs over n float32 values, n a multiple of 4, converting
// four at a time to float64 (VCVTPS2PD) and doing the Go code's float64
// operations in its order, without fused multiply-adds, so that both give
// the same bits. A sum's four lanes are the Go code's four accumulators:
// lane j adds the values i ≡ j (mod 4) in order.

// func affine(out, u *float32, n int, a, d float64)
// out[i] = float32(a·u[i] + d)
TEXT ·affine(SB), NOSPLIT, $0-40
	MOVQ out+0(FP), DI
	MOVQ u+8(FP), SI
	MOVQ n+16(FP), CX
	VBROADCASTSD a+24(FP), Y14
	VBROADCASTSD d+32(FP), Y15
	XORQ AX, AX
affineLoop:
	CMPQ AX, CX
	JGE  affineDone
	VCVTPS2PD (SI)(AX*4), Y0
	VMULPD    Y14, Y0, Y0
	VADDPD    Y15, Y0, Y0
	VCVTPD2PSY Y0, X0
	VMOVUPS   X0, (DI)(AX*4)
	ADDQ      $4, AX
	JMP       affineLoop
affineDone:
	VZEROUPPER
	RET

// func affine2(out, u, v *float32, n int, a, b, d float64)
// out[i] = float32((a·u[i] + b·v[i]) + d)
TEXT ·affine2(SB), NOSPLIT, $0-56
	MOVQ out+0(FP), DI
	MOVQ u+8(FP), SI
	MOVQ v+16(FP), DX
	MOVQ n+24(FP), CX
	VBROADCASTSD a+32(FP), Y13
	VBROADCASTSD b+40(FP), Y14
	VBROADCASTSD d+48(FP), Y15
	XORQ AX, AX
affine2Loop:
	CMPQ AX, CX
	JGE  affine2Done
	VCVTPS2PD (SI)(AX*4), Y0
	VCVTPS2PD (DX)(AX*4), Y1
	VMULPD    Y13, Y0, Y0
	VMULPD    Y14, Y1, Y1
	VADDPD    Y1, Y0, Y0
	VADDPD    Y15, Y0, Y0
	VCVTPD2PSY Y0, X0
	VMOVUPS   X0, (DI)(AX*4)
	ADDQ      $4, AX
	JMP       affine2Loop
affine2Done:
	VZEROUPPER
	RET

// func affineRow(out, u *float32, n int, a, d *float64)
// out[i] = float32(a[i]·u[i] + d[i])
TEXT ·affineRow(SB), NOSPLIT, $0-40
	MOVQ out+0(FP), DI
	MOVQ u+8(FP), SI
	MOVQ n+16(FP), CX
	MOVQ a+24(FP), R8
	MOVQ d+32(FP), R10
	XORQ AX, AX
affineRowLoop:
	CMPQ AX, CX
	JGE  affineRowDone
	VCVTPS2PD (SI)(AX*4), Y0
	VMULPD    (R8)(AX*8), Y0, Y0
	VADDPD    (R10)(AX*8), Y0, Y0
	VCVTPD2PSY Y0, X0
	VMOVUPS   X0, (DI)(AX*4)
	ADDQ      $4, AX
	JMP       affineRowLoop
affineRowDone:
	VZEROUPPER
	RET

// func affineRow2(out, u, v *float32, n int, a, b, d *float64)
// out[i] = float32((a[i]·u[i] + b[i]·v[i]) + d[i])
TEXT ·affineRow2(SB), NOSPLIT, $0-56
	MOVQ out+0(FP), DI
	MOVQ u+8(FP), SI
	MOVQ v+16(FP), DX
	MOVQ n+24(FP), CX
	MOVQ a+32(FP), R8
	MOVQ b+40(FP), R9
	MOVQ d+48(FP), R10
	XORQ AX, AX
affineRow2Loop:
	CMPQ AX, CX
	JGE  affineRow2Done
	VCVTPS2PD (SI)(AX*4), Y0
	VCVTPS2PD (DX)(AX*4), Y1
	VMULPD    (R8)(AX*8), Y0, Y0
	VMULPD    (R9)(AX*8), Y1, Y1
	VADDPD    Y1, Y0, Y0
	VADDPD    (R10)(AX*8), Y0, Y0
	VCVTPD2PSY Y0, X0
	VMOVUPS   X0, (DI)(AX*4)
	ADDQ      $4, AX
	JMP       affineRow2Loop
affineRow2Done:
	VZEROUPPER
	RET

// func sumLanes(v *float32, n int, s *[4]float64)
// s[j] = Σ v[i], i ≡ j (mod 4)
TEXT ·sumLanes(SB), NOSPLIT, $0-24
	MOVQ v+0(FP), SI
	MOVQ n+8(FP), CX
	MOVQ s+16(FP), DI
	VXORPD Y0, Y0, Y0
	XORQ AX, AX
sumLoop:
	CMPQ AX, CX
	JGE  sumDone
	VCVTPS2PD (SI)(AX*4), Y1
	VADDPD    Y1, Y0, Y0
	ADDQ      $4, AX
	JMP       sumLoop
sumDone:
	VMOVUPD Y0, (DI)
	VZEROUPPER
	RET

// func squaresLanes(v *float32, n int, mu float64, s *[4]float64)
// s[j] = Σ (v[i] − mu)², i ≡ j (mod 4)
TEXT ·squaresLanes(SB), NOSPLIT, $0-32
	MOVQ v+0(FP), SI
	MOVQ n+8(FP), CX
	VBROADCASTSD mu+16(FP), Y15
	MOVQ s+24(FP), DI
	VXORPD Y0, Y0, Y0
	XORQ AX, AX
squaresLoop:
	CMPQ AX, CX
	JGE  squaresDone
	VCVTPS2PD (SI)(AX*4), Y1
	VSUBPD    Y15, Y1, Y1
	VMULPD    Y1, Y1, Y1
	VADDPD    Y1, Y0, Y0
	ADDQ      $4, AX
	JMP       squaresLoop
squaresDone:
	VMOVUPD Y0, (DI)
	VZEROUPPER
	RET

// func gradientLanes(dy, v *float32, n int, mu float64, sg, sgv *[4]float64)
// sg[j] = Σ dy[i] and sgv[j] = Σ dy[i]·(v[i] − mu), i ≡ j (mod 4)
TEXT ·gradientLanes(SB), NOSPLIT, $0-48
	MOVQ dy+0(FP), DX
	MOVQ v+8(FP), SI
	MOVQ n+16(FP), CX
	VBROADCASTSD mu+24(FP), Y15
	MOVQ sg+32(FP), DI
	MOVQ sgv+40(FP), R8
	VXORPD Y0, Y0, Y0
	VXORPD Y1, Y1, Y1
	XORQ AX, AX
gradientLoop:
	CMPQ AX, CX
	JGE  gradientDone
	VCVTPS2PD (DX)(AX*4), Y2
	VCVTPS2PD (SI)(AX*4), Y3
	VADDPD    Y2, Y0, Y0
	VSUBPD    Y15, Y3, Y3
	VMULPD    Y3, Y2, Y2
	VADDPD    Y2, Y1, Y1
	ADDQ      $4, AX
	JMP       gradientLoop
gradientDone:
	VMOVUPD Y0, (DI)
	VMOVUPD Y1, (R8)
	VZEROUPPER
	RET

// func addRow(acc *float64, x *float32, n int)
// acc[i] += x[i]
TEXT ·addRow(SB), NOSPLIT, $0-24
	MOVQ acc+0(FP), DI
	MOVQ x+8(FP), SI
	MOVQ n+16(FP), CX
	XORQ AX, AX
addRowLoop:
	CMPQ AX, CX
	JGE  addRowDone
	VCVTPS2PD (SI)(AX*4), Y0
	VADDPD    (DI)(AX*8), Y0, Y0
	VMOVUPD   Y0, (DI)(AX*8)
	ADDQ      $4, AX
	JMP       addRowLoop
addRowDone:
	VZEROUPPER
	RET

// func addSquaresRow(acc *float64, x *float32, mean *float64, n int)
// acc[i] += (x[i] − mean[i])²
TEXT ·addSquaresRow(SB), NOSPLIT, $0-32
	MOVQ acc+0(FP), DI
	MOVQ x+8(FP), SI
	MOVQ mean+16(FP), R8
	MOVQ n+24(FP), CX
	XORQ AX, AX
addSquaresRowLoop:
	CMPQ AX, CX
	JGE  addSquaresRowDone
	VCVTPS2PD (SI)(AX*4), Y0
	VSUBPD    (R8)(AX*8), Y0, Y0
	VMULPD    Y0, Y0, Y0
	VADDPD    (DI)(AX*8), Y0, Y0
	VMOVUPD   Y0, (DI)(AX*8)
	ADDQ      $4, AX
	JMP       addSquaresRowLoop
addSquaresRowDone:
	VZEROUPPER
	RET

// func addGradientRow(sg, sgv *float64, dy, x *float32, mean *float64, n int)
// sg[i] += dy[i]; sgv[i] += dy[i]·(x[i] − mean[i])
TEXT ·addGradientRow(SB), NOSPLIT, $0-48
	MOVQ sg+0(FP), DI
	MOVQ sgv+8(FP), R9
	MOVQ dy+16(FP), DX
	MOVQ x+24(FP), SI
	MOVQ mean+32(FP), R8
	MOVQ n+40(FP), CX
	XORQ AX, AX
addGradientRowLoop:
	CMPQ AX, CX
	JGE  addGradientRowDone
	VCVTPS2PD (DX)(AX*4), Y0
	VADDPD    (DI)(AX*8), Y0, Y1
	VMOVUPD   Y1, (DI)(AX*8)
	VCVTPS2PD (SI)(AX*4), Y2
	VSUBPD    (R8)(AX*8), Y2, Y2
	VMULPD    Y2, Y0, Y0
	VADDPD    (R9)(AX*8), Y0, Y0
	VMOVUPD   Y0, (R9)(AX*8)
	ADDQ      $4, AX
	JMP       addGradientRowLoop
addGradientRowDone:
	VZEROUPPER
	RET
