#include "textflag.h"

// func sgdKernel(theta, velocity *float64, grad, params *float32, n int, lr, decay, momentum, penalty float64, mode int) float64
//
// sgdUpdate's operations on four coordinates at a time, in its order and
// without fused multiply-adds, so that both give the same bits: g =
// float64(grad) (+ penalty·θ with mode&sgdPenalty), then for plain SGD
// θ − lr·(g + decay·θ), with momentum (mode&sgdMomentum) g += decay·θ,
// v = μ·v + g and θ − lr·v, or with Nesterov's (mode&sgdNesterov)
// θ − lr·(g + μ·v); θ is stored, rounded to float32 into params, and
// θ − θ summed into the result.
TEXT ·sgdKernel(SB), NOSPLIT, $0-88
	MOVQ theta+0(FP), DI
	MOVQ velocity+8(FP), SI
	MOVQ grad+16(FP), DX
	MOVQ params+24(FP), R8
	MOVQ n+32(FP), CX
	VBROADCASTSD lr+40(FP), Y0
	VBROADCASTSD decay+48(FP), Y1
	VBROADCASTSD momentum+56(FP), Y2
	VBROADCASTSD penalty+64(FP), Y3
	MOVQ mode+72(FP), R9
	VXORPD Y15, Y15, Y15
	XORQ AX, AX

loop:
	CMPQ AX, CX
	JGE  done
	VCVTPS2PD (DX)(AX*4), Y4 // g
	VMOVUPD   (DI)(AX*8), Y5 // θ
	TESTQ $4, R9
	JZ    penalised
	VMULPD Y3, Y5, Y6
	VADDPD Y6, Y4, Y4        // g += penalty·θ

penalised:
	VMULPD Y1, Y5, Y6        // decay·θ
	TESTQ  $1, R9
	JNZ    momentum
	VADDPD Y6, Y4, Y6
	VMULPD Y0, Y6, Y6
	VSUBPD Y6, Y5, Y7        // θ − lr·(g + decay·θ)
	JMP    store

momentum:
	VADDPD  Y6, Y4, Y4          // g += decay·θ
	VMULPD  (SI)(AX*8), Y2, Y8  // μ·v
	VADDPD  Y4, Y8, Y8          // v = μ·v + g
	VMOVUPD Y8, (SI)(AX*8)
	TESTQ   $2, R9
	JZ      classical
	VMULPD  Y2, Y8, Y8
	VADDPD  Y8, Y4, Y8          // g + μ·v

classical:
	VMULPD Y0, Y8, Y8
	VSUBPD Y8, Y5, Y7           // θ − lr·step

store:
	VMOVUPD    Y7, (DI)(AX*8)
	VCVTPD2PSY Y7, X9
	VMOVUPS    X9, (R8)(AX*4)
	VSUBPD     Y7, Y7, Y10
	VADDPD     Y10, Y15, Y15    // θ − θ: 0, or NaN for a NaN or an infinity
	ADDQ       $4, AX
	JMP        loop

done:
	VEXTRACTF128 $1, Y15, X14
	VADDPD       X14, X15, X15
	VPERMILPD    $1, X15, X14
	VADDSD       X14, X15, X15
	VZEROUPPER
	MOVSD X15, ret+80(FP)
	RET
