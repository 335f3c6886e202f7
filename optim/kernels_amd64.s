#include "textflag.h"

// STORE(t) stores the four new values of θ in t, rounds them to float32
// into params and adds t − t (0, or NaN for a NaN or an infinity) to the
// check sum in Y15; DI is θ, R8 params, AX the index.
#define STORE(t) VMOVUPD t, (DI)(AX*8); VCVTPD2PSY t, X9; VMOVUPS X9, (R8)(AX*4); VSUBPD t, t, Y10; VADDPD Y10, Y15, Y15

// RETURN_CHECK(ret) writes the check sum, Y15's four lanes added, to ret
// and returns.
#define RETURN_CHECK(ret) VEXTRACTF128 $1, Y15, X14; VADDPD X14, X15, X15; VPERMILPD $1, X15, X14; VADDSD X14, X15, X15; VZEROUPPER; MOVSD X15, ret; RET

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
	STORE(Y7)
	ADDQ $4, AX
	JMP  loop

done:
	RETURN_CHECK(ret+80(FP))

// Offsets of adamKernel's constants (adamConstants), 32 bytes each.
#define LR 0
#define BETA1 32
#define ONEMINUSBETA1 64
#define BETA2 96
#define ONEMINUSBETA2 128
#define EPS 160
#define CORRECTION1 192
#define CORRECTION2 224
#define DECAY 256
#define SHRINK 288
#define PENALTY 320

// func adamKernel(theta, first, second, maxSecond *float64, grad, params *float32, n int, c *[adamCount][4]float64, mode int) float64
//
// adamUpdate's operations on four coordinates at a time, in its order:
// g = float64(grad) (+ penalty·θ with mode&adamPenalty); θ = shrink·θ with
// mode&adamDecoupled, else g += decay·θ; m = β1·m + (1 − β1)·g;
// v = β2·v + ((1 − β2)·g)·g; with mode&adamAMSGrad the running maximum
// max(v̂max, v) (VMAXPD's second operand is v, which it returns for equal
// zeros, as Go's max returns +0; v is never NaN or −0); then
// θ − (lr·(m/c1)) / (√(v/c2) + ε), stored, rounded to float32 into params,
// and θ − θ summed into the result. Division and square root are IEEE's,
// as in Go.
TEXT ·adamKernel(SB), NOSPLIT, $0-80
	MOVQ theta+0(FP), DI
	MOVQ first+8(FP), SI
	MOVQ second+16(FP), DX
	MOVQ maxSecond+24(FP), R11
	MOVQ grad+32(FP), R12
	MOVQ params+40(FP), R8
	MOVQ n+48(FP), CX
	MOVQ c+56(FP), R10
	MOVQ mode+64(FP), R9
	VXORPD Y15, Y15, Y15
	XORQ AX, AX

adamloop:
	CMPQ AX, CX
	JGE  adamdone
	VCVTPS2PD (R12)(AX*4), Y0 // g
	VMOVUPD   (DI)(AX*8), Y1  // θ
	TESTQ $1, R9
	JZ    adamdecay
	VMULPD PENALTY(R10), Y1, Y2
	VADDPD Y2, Y0, Y0         // g += penalty·θ

adamdecay:
	TESTQ  $2, R9
	JZ     adamcoupled
	VMULPD SHRINK(R10), Y1, Y1 // θ = shrink·θ
	JMP    adammoments

adamcoupled:
	VMULPD DECAY(R10), Y1, Y2
	VADDPD Y2, Y0, Y0         // g += decay·θ

adammoments:
	VMOVUPD (SI)(AX*8), Y2
	VMULPD  BETA1(R10), Y2, Y2
	VMULPD  ONEMINUSBETA1(R10), Y0, Y3
	VADDPD  Y3, Y2, Y2        // m = β1·m + (1 − β1)·g
	VMOVUPD Y2, (SI)(AX*8)
	VMOVUPD (DX)(AX*8), Y3
	VMULPD  BETA2(R10), Y3, Y3
	VMULPD  ONEMINUSBETA2(R10), Y0, Y4
	VMULPD  Y0, Y4, Y4
	VADDPD  Y4, Y3, Y3        // v = β2·v + ((1 − β2)·g)·g
	VMOVUPD Y3, (DX)(AX*8)
	TESTQ   $4, R9
	JZ      adambias
	VMOVUPD (R11)(AX*8), Y4
	VMAXPD  Y3, Y4, Y3        // max(v̂max, v)
	VMOVUPD Y3, (R11)(AX*8)

adambias:
	VDIVPD  CORRECTION1(R10), Y2, Y2
	VMULPD  LR(R10), Y2, Y2   // lr·(m/c1)
	VDIVPD  CORRECTION2(R10), Y3, Y3
	VSQRTPD Y3, Y3
	VADDPD  EPS(R10), Y3, Y3  // √(v/c2) + ε
	VDIVPD  Y3, Y2, Y2
	VSUBPD  Y2, Y1, Y1        // θ − lr·(m/c1)/(√(v/c2) + ε)
	STORE(Y1)
	ADDQ $4, AX
	JMP  adamloop

adamdone:
	RETURN_CHECK(ret+72(FP))
