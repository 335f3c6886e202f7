package layers

import (
	"errors"
	"fmt"

	"deepopt/internal/bounds"
)

// CheckConv reports, each as a *bounds.Error naming its Conv2D setting, a
// number of output channels, a kernel side or a stride below 1 and padding
// outside [0, kernel − 1] (padding beyond kernel − 1 adds outputs whose
// windows see only zeros). NewConv2D checks them; package config calls it
// on every model.conv entry.
func CheckConv(outChannels, kernel, stride, padding int) error {
	var errs []error
	atLeast1 := func(field string, v int, what string) {
		if v < 1 {
			errs = append(errs, &bounds.Error{Field: field, Value: v, Want: "an integer ≥ 1 (" + what + ")"})
		}
	}
	atLeast1("Conv2D.OutChannels", outChannels, "the number of output channels")
	atLeast1("Conv2D.Kernel", kernel, "the kernel side")
	atLeast1("Conv2D.Stride", stride, "the stride")
	if most := max(kernel-1, 0); padding < 0 || padding > most {
		errs = append(errs, &bounds.Error{Field: "Conv2D.Padding", Value: padding,
			Want: fmt.Sprintf("an integer from 0 to %d (padding beyond kernel − 1 sees only zeros)", most)})
	}
	return errors.Join(errs...)
}

// ConvOutputSize returns the output length along one spatial axis of a
// convolution or max-pooling window of size kernel moved by stride over an
// input of length size zero-padded by padding on both sides:
// ⌊(size + 2·padding − kernel) / stride⌋ + 1, the floor convention of
// Gorgonia's Conv2d and MaxPool2D (and of PyTorch's default). It returns 0
// when the window does not fit or an argument is out of range (size, kernel
// or stride below 1, padding below 0), so a model builder can check a whole
// stack's shapes before building any graph.
func ConvOutputSize(size, kernel, stride, padding int) int {
	if size < 1 || kernel < 1 || stride < 1 || padding < 0 || size+2*padding < kernel {
		return 0
	}
	return (size+2*padding-kernel)/stride + 1
}
