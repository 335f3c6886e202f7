package checkpoint

import (
	"cmp"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"deepopt/internal/memory"
	"deepopt/internal/regularfile"
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
		buf = arr.appendElement(buf, i)
		if len(buf) >= 1<<15 {
			if _, err := w.Write(buf); err != nil {
				return err
			}
			buf = buf[:0]
		}
	}
	_, err := w.Write(buf)
	return err
}

// maxHeader is the longest .npy header readNPY accepts: far more than any
// array's dict needs (a 30,000-dimensional shape takes 90 kB), so that a
// corrupt length cannot make it allocate much.
const maxHeader = 1 << 20

// readNPY reads a .npy file of size bytes from r, validating the magic, the
// version, the header dict (descr '<f8', '<i8' or '<U<n>', fortran_order False, a
// shape of non-negative integers) and that the data holds exactly the values
// the shape asks for. It refuses a shape whose data the file does not hold,
// or whose values do not fit into budget (which it charges), before reading
// the data, and reads r to its end so that a zip entry's checksum is
// verified.
func readNPY(r io.Reader, size int64, budget *memory.Available) (*array, error) {
	var preamble [len(npyMagic) + 2]byte
	if n, _ := io.ReadFull(r, preamble[:]); n < len(preamble) || string(preamble[:len(npyMagic)]) != npyMagic {
		return nil, fmt.Errorf("not a .npy array: it does not start with the magic string \\x93NUMPY")
	}
	major, minor := preamble[len(npyMagic)], preamble[len(npyMagic)+1]
	lengthBytes := 0
	switch {
	case major == 1 && minor == 0:
		lengthBytes = 2
	case major == 2 && minor == 0:
		lengthBytes = 4
	default:
		return nil, fmt.Errorf(".npy format version %d.%d is not supported; want 1.0 or 2.0", major, minor)
	}
	var length [4]byte
	if _, err := io.ReadFull(r, length[:lengthBytes]); err != nil {
		return nil, errors.New("the .npy header is truncated")
	}
	headerLength := int64(binary.LittleEndian.Uint32(length[:]))
	left := size - int64(len(preamble)+lengthBytes)
	if headerLength > left {
		return nil, fmt.Errorf("the .npy header claims %d bytes, the entry has only %d left; it is truncated", headerLength, left)
	}
	if headerLength > maxHeader {
		return nil, fmt.Errorf("the .npy header claims %d bytes, more than the %d any array needs; the entry is corrupt", headerLength, maxHeader)
	}
	header := make([]byte, headerLength)
	if _, err := io.ReadFull(r, header); err != nil {
		return nil, err
	}
	arr, err := parseHeader(string(header))
	if err != nil {
		return nil, fmt.Errorf("the .npy header %q: %w", strings.TrimRight(string(header), " \n"), err)
	}
	count, elem := 1, arr.dtype.size()
	for _, n := range arr.shape {
		if n > 0 && count > math.MaxInt/elem/n {
			return nil, fmt.Errorf("shape %v is too large", arr.shape)
		}
		count *= n
	}
	need := int64(elem) * int64(count)
	if dataBytes := left - headerLength; dataBytes != need {
		return nil, fmt.Errorf("shape %v needs %d values (%d bytes) of data, the entry holds %d bytes; it is truncated or corrupt", arr.shape, count, need, dataBytes)
	}
	if !budget.Fits(need) {
		return nil, fmt.Errorf("shape %v needs %s of memory, more than the %s available", arr.shape, memory.Format(need), budget)
	}
	budget.Bytes -= need
	switch {
	case arr.dtype == int64Type:
		arr.ints = make([]int64, count)
	case arr.dtype.runes() > 0:
		arr.strings = make([]string, count)
	default:
		arr.floats = make([]float64, count)
	}
	buf := make([]byte, elem*min(count, max(1<<16/elem, 1)))
	for done := 0; done < count; {
		chunk := buf[:elem*min(count-done, len(buf)/elem)]
		if _, err := io.ReadFull(r, chunk); err != nil {
			return nil, err
		}
		for i := 0; i < len(chunk); i, done = i+elem, done+1 {
			if err := arr.setElement(done, chunk[i:i+elem]); err != nil {
				return nil, err
			}
		}
	}
	// The end of the entry, where archive/zip compares the checksum.
	if n, err := io.ReadFull(r, length[:1]); n > 0 || err != io.EOF {
		return nil, cmp.Or(err, errors.New("the entry holds more bytes than its header says"))
	}
	return arr, nil
}

// ReadNPYFile reads the .npy file at path (numpy.save's format, NEP 1) of
// float64 ('<f8') or int64 ('<i8') values and returns them as float64, in
// C order, with the array's shape. It refuses what Load refuses of an
// archive's entry, and arrays of strings. Errors name the file.
func ReadNPYFile(path string) (values []float64, shape []int, err error) {
	f, info, err := regularfile.Open(path)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	budget := memory.Query()
	arr, err := readNPY(f, info.Size(), &budget)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", path, err)
	}
	switch arr.dtype {
	case float64Type:
		return arr.floats, arr.shape, nil
	case int64Type:
		values = make([]float64, len(arr.ints))
		for i, v := range arr.ints {
			values[i] = float64(v)
		}
		return values, arr.shape, nil
	}
	return nil, nil, fmt.Errorf("%s: an array of %s strings; want numbers, float64 ('<f8') or int64 ('<i8')", path, arr.dtype)
}
