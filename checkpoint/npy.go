package checkpoint

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
)

// npyMagic opens every .npy file (NEP 1).
const npyMagic = "\x93NUMPY"

// npyAlign is the multiple of bytes the preamble and header fill, so the
// data that follows is aligned (NumPy ≥ 1.14 pads to 64; older versions to
// 16, which Load accepts too).
const npyAlign = 64

// npyHeader returns the .npy preamble and header of an array of element type
// d and the given shape, byte for byte as numpy.lib.format writes it: magic,
// version 1.0 (2.0 when the header exceeds 65535 bytes), header length
// (little-endian uint16, or uint32 for 2.0), and the Python dict literal of
// descr, fortran_order and shape, padded with spaces and a final newline to
// a multiple of 64 bytes.
func npyHeader(d dtype, shape []int) []byte {
	dims := make([]string, len(shape))
	for i, n := range shape {
		dims[i] = strconv.Itoa(n)
	}
	tuple := "(" + strings.Join(dims, ", ") + ")"
	if len(shape) == 1 {
		tuple = "(" + dims[0] + ",)"
	}
	dict := fmt.Sprintf("{'descr': '%s', 'fortran_order': False, 'shape': %s, }", d, tuple)
	major, lengthBytes := byte(1), 2
	if padded(len(npyMagic)+2+2, len(dict)) > math.MaxUint16 {
		major, lengthBytes = 2, 4
	}
	preamble := len(npyMagic) + 2 + lengthBytes
	headerLength := padded(preamble, len(dict))
	out := make([]byte, 0, preamble+headerLength)
	out = append(out, npyMagic...)
	out = append(out, major, 0)
	if lengthBytes == 2 {
		out = binary.LittleEndian.AppendUint16(out, uint16(headerLength))
	} else {
		out = binary.LittleEndian.AppendUint32(out, uint32(headerLength))
	}
	out = append(out, dict...)
	out = append(out, strings.Repeat(" ", headerLength-len(dict)-1)...)
	return append(out, '\n')
}

// padded returns the length of a header holding dict bytes and a newline
// after a preamble, padded so that preamble and header fill a multiple of
// npyAlign bytes.
func padded(preamble, dict int) int {
	total := preamble + dict + 1
	total += (npyAlign - total%npyAlign) % npyAlign
	return total - preamble
}

// writeNPY writes arr as a .npy file: header, then the values little-endian
// in row-major order.
func writeNPY(w io.Writer, arr *array) error {
	if _, err := w.Write(npyHeader(arr.dtype, arr.shape)); err != nil {
		return err
	}
	buf := make([]byte, 0, 1<<15)
	for i := range arr.length() {
		if arr.dtype == int64Type {
			buf = binary.LittleEndian.AppendUint64(buf, uint64(arr.ints[i]))
		} else {
			buf = binary.LittleEndian.AppendUint64(buf, math.Float64bits(arr.floats[i]))
		}
		if len(buf) == cap(buf) {
			if _, err := w.Write(buf); err != nil {
				return err
			}
			buf = buf[:0]
		}
	}
	_, err := w.Write(buf)
	return err
}

// readNPY parses a whole .npy file, validating the magic, the version, the
// header dict (descr '<f8' or '<i8', fortran_order False, a shape of
// non-negative integers) and that the data holds exactly the values the
// shape asks for.
func readNPY(file []byte) (*array, error) {
	if len(file) < len(npyMagic)+2 || string(file[:len(npyMagic)]) != npyMagic {
		return nil, fmt.Errorf("not a .npy array: it does not start with the magic string \\x93NUMPY")
	}
	major, minor := file[len(npyMagic)], file[len(npyMagic)+1]
	rest := file[len(npyMagic)+2:]
	var headerLength int
	switch {
	case major == 1 && minor == 0 && len(rest) >= 2:
		headerLength, rest = int(binary.LittleEndian.Uint16(rest)), rest[2:]
	case major == 2 && minor == 0 && len(rest) >= 4:
		headerLength, rest = int(binary.LittleEndian.Uint32(rest)), rest[4:]
	case major == 1 && minor == 0 || major == 2 && minor == 0:
		return nil, errors.New("the .npy header is truncated")
	default:
		return nil, fmt.Errorf(".npy format version %d.%d is not supported; want 1.0 or 2.0", major, minor)
	}
	if headerLength > len(rest) {
		return nil, fmt.Errorf("the .npy header claims %d bytes, the entry has only %d left; it is truncated", headerLength, len(rest))
	}
	header, data := string(rest[:headerLength]), rest[headerLength:]
	arr, err := parseHeader(header)
	if err != nil {
		return nil, fmt.Errorf("the .npy header %q: %w", strings.TrimRight(header, " \n"), err)
	}
	count := 1
	for _, n := range arr.shape {
		if n > 0 && count > math.MaxInt/8/n {
			return nil, fmt.Errorf("shape %v is too large", arr.shape)
		}
		count *= n
	}
	if len(data) != 8*count {
		return nil, fmt.Errorf("shape %v needs %d values (%d bytes) of data, the entry holds %d bytes; it is truncated or corrupt", arr.shape, count, 8*count, len(data))
	}
	if arr.dtype == int64Type {
		arr.ints = make([]int64, count)
		for i := range arr.ints {
			arr.ints[i] = int64(binary.LittleEndian.Uint64(data[8*i:]))
		}
	} else {
		arr.floats = make([]float64, count)
		for i := range arr.floats {
			arr.floats[i] = math.Float64frombits(binary.LittleEndian.Uint64(data[8*i:]))
		}
	}
	return arr, nil
}
