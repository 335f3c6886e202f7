package data

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"

	"deepopt/internal/regularfile"
)

// ElementType is the type code in the third byte of an IDX header (LeCun et
// al., "THE MNIST DATABASE of handwritten digits", file format section).
type ElementType uint8

// The IDX element types. Every multi-byte element is stored big-endian.
const (
	UnsignedByte ElementType = 0x08 // uint8; MNIST images and labels
	SignedByte   ElementType = 0x09 // int8
	Short        ElementType = 0x0B // int16
	Int          ElementType = 0x0C // int32
	Float        ElementType = 0x0D // IEEE 754 float32
	Double       ElementType = 0x0E // IEEE 754 float64
)

// Limits that keep a corrupt header from making the reader allocate absurd
// amounts of memory. MaxIDXBytes is 1 GiB, about twenty times the full MNIST
// training images (47 MB).
const (
	// MaxIDXDims is the largest number of dimensions ReadIDX accepts.
	MaxIDXDims = 8
	// MaxIDXBytes is the largest data size in bytes ReadIDX accepts.
	MaxIDXBytes = 1 << 30
)

// Size is the number of bytes of one element, or 0 for an unknown type.
func (t ElementType) Size() int {
	switch t {
	case UnsignedByte, SignedByte:
		return 1
	case Short:
		return 2
	case Int, Float:
		return 4
	case Double:
		return 8
	}
	return 0
}

// String names the type as the IDX format description does.
func (t ElementType) String() string {
	switch t {
	case UnsignedByte:
		return "unsigned byte (0x08)"
	case SignedByte:
		return "signed byte (0x09)"
	case Short:
		return "short (0x0B)"
	case Int:
		return "int (0x0C)"
	case Float:
		return "float (0x0D)"
	case Double:
		return "double (0x0E)"
	}
	return fmt.Sprintf("unknown type 0x%02X", uint8(t))
}

// IDX is the content of one IDX file: an array of Dims[0]×Dims[1]×… elements
// of one type, in row-major order.
type IDX struct {
	// Type is the element type.
	Type ElementType
	// Dims are the array's dimensions, outermost first, e.g. [60000 28 28]
	// for the MNIST training images.
	Dims []int
	// Data holds the elements as stored in the file (big-endian), so
	// len(Data) == product(Dims) × Type.Size(). For UnsignedByte the bytes are
	// the values themselves.
	Data []byte
}

// Count is the number of elements, the product of Dims.
func (m *IDX) Count() int {
	count := 1
	for _, d := range m.Dims {
		count *= d
	}
	return count
}

// Values decodes the elements into float64, whatever their type. Every IDX
// type converts exactly except that float32 values are widened.
func (m *IDX) Values() ([]float64, error) {
	if err := m.validate(); err != nil {
		return nil, err
	}
	size := m.Type.Size()
	values := make([]float64, len(m.Data)/size)
	for i := range values {
		b := m.Data[i*size : (i+1)*size]
		switch m.Type {
		case UnsignedByte:
			values[i] = float64(b[0])
		case SignedByte:
			values[i] = float64(int8(b[0]))
		case Short:
			values[i] = float64(int16(binary.BigEndian.Uint16(b)))
		case Int:
			values[i] = float64(int32(binary.BigEndian.Uint32(b)))
		case Float:
			values[i] = float64(math.Float32frombits(binary.BigEndian.Uint32(b)))
		case Double:
			values[i] = math.Float64frombits(binary.BigEndian.Uint64(b))
		}
	}
	return values, nil
}

// validate checks that the header fields are within the limits and that Data
// has the size they declare.
func (m *IDX) validate() error {
	total, err := dataBytes(m.Type, m.Dims)
	if err != nil {
		return err
	}
	if len(m.Data) != total {
		return fmt.Errorf("idx: data has %d bytes but dims %v of %s need %d", len(m.Data), m.Dims, m.Type, total)
	}
	return nil
}

// dataBytes checks a header's type and dimensions and returns the data size
// they declare, refusing sizes above MaxIDXBytes before they can overflow.
func dataBytes(t ElementType, dims []int) (int, error) {
	size := t.Size()
	if size == 0 {
		return 0, fmt.Errorf("idx: %s: the element type must be one of 0x08, 0x09, 0x0B, 0x0C, 0x0D, 0x0E", t)
	}
	if len(dims) == 0 || len(dims) > MaxIDXDims {
		return 0, fmt.Errorf("idx: %d dimensions: an IDX array must have 1 to %d", len(dims), MaxIDXDims)
	}
	total := size
	for i, d := range dims {
		if d <= 0 {
			return 0, fmt.Errorf("idx: dimension %d is %d: every dimension must be at least 1", i, d)
		}
		if d > MaxIDXBytes || total*d > MaxIDXBytes {
			return 0, fmt.Errorf("idx: dims %v of %s exceed the size limit of %d bytes", dims, t, MaxIDXBytes)
		}
		total *= d
	}
	return total, nil
}

// gzipMagic are the first two bytes of every gzip stream (RFC 1952).
var gzipMagic = []byte{0x1f, 0x8b}

// ReadIDX reads one IDX array from r, which may be plain or gzip-compressed
// (recognised by its magic bytes 0x1f 0x8b). It reads r to its end and
// rejects bad magic numbers, unknown types, zero or too many dimensions,
// sizes above MaxIDXBytes, truncated data, trailing bytes and corrupt gzip
// streams. Memory grows with the bytes actually read, so a corrupt header
// cannot make it allocate more than about twice the real data.
func ReadIDX(r io.Reader) (*IDX, error) {
	buffered := bufio.NewReader(r)
	magic, err := buffered.Peek(2)
	if err != nil && len(magic) < 2 {
		return nil, fmt.Errorf("idx: the stream has %d bytes, fewer than the 4-byte header: the file is empty or truncated", len(magic))
	}
	var src io.Reader = buffered
	if bytes.Equal(magic, gzipMagic) {
		unzipped, err := gzip.NewReader(buffered)
		if err != nil {
			return nil, fmt.Errorf("idx: corrupt gzip stream: %w", err)
		}
		src = gzipErrors{unzipped}
	}
	return readIDX(src)
}

// readIDX parses an uncompressed IDX stream.
func readIDX(r io.Reader) (*IDX, error) {
	var header [4]byte
	if n, err := io.ReadFull(r, header[:]); err != nil {
		return nil, readError(err, fmt.Sprintf("the stream ends after %d bytes, inside the 4-byte header", n))
	}
	if header[0] != 0 || header[1] != 0 {
		return nil, fmt.Errorf("idx: bad magic number 0x%02X%02X%02X%02X: an IDX file starts with two zero bytes; this is not an IDX file", header[0], header[1], header[2], header[3])
	}
	m := &IDX{Type: ElementType(header[2])}
	if m.Type.Size() == 0 {
		return nil, fmt.Errorf("idx: %s: the element type must be one of 0x08, 0x09, 0x0B, 0x0C, 0x0D, 0x0E", m.Type)
	}
	ndims := int(header[3])
	if ndims == 0 || ndims > MaxIDXDims {
		return nil, fmt.Errorf("idx: %d dimensions: an IDX array must have 1 to %d", ndims, MaxIDXDims)
	}
	dimBytes := make([]byte, 4*ndims)
	if n, err := io.ReadFull(r, dimBytes); err != nil {
		return nil, readError(err, fmt.Sprintf("the stream ends %d bytes into the %d-byte list of dimensions", n, len(dimBytes)))
	}
	m.Dims = make([]int, ndims)
	for i := range m.Dims {
		m.Dims[i] = int(binary.BigEndian.Uint32(dimBytes[4*i:]))
	}
	total, err := dataBytes(m.Type, m.Dims)
	if err != nil {
		return nil, err
	}
	if m.Data, err = readGrowing(r, total); err != nil {
		return nil, readError(err, fmt.Sprintf("truncated data: dims %v of %s need %d bytes but the stream has %d", m.Dims, m.Type, total, len(m.Data)))
	}
	var extra [1]byte
	switch n, err := io.ReadFull(r, extra[:]); {
	case n > 0:
		return nil, fmt.Errorf("idx: trailing bytes after the %d data bytes that dims %v declare: the file is not one IDX array", total, m.Dims)
	case err != io.EOF:
		return nil, readError(err, "")
	}
	return m, nil
}

// readGrowing reads exactly total bytes, growing its buffer by doubling as
// data arrives rather than trusting total up front. On a short read it
// returns the bytes read so far with the error.
func readGrowing(r io.Reader, total int) ([]byte, error) {
	const firstChunk = 1 << 16
	buf := make([]byte, 0, min(total, firstChunk))
	for len(buf) < total {
		chunk := min(total-len(buf), max(len(buf), firstChunk))
		if cap(buf)-len(buf) < chunk {
			grown := make([]byte, len(buf), len(buf)+chunk)
			copy(grown, buf)
			buf = grown
		}
		n, err := io.ReadFull(r, buf[len(buf):len(buf)+chunk])
		buf = buf[:len(buf)+n]
		if err != nil {
			return buf, err
		}
	}
	return buf, nil
}

// gzipError marks an error of the gzip layer, so that readError can tell a
// damaged compressed stream from a short IDX array inside a sound one.
type gzipError struct{ err error }

func (e gzipError) Error() string { return "corrupt gzip stream: " + e.err.Error() }
func (e gzipError) Unwrap() error { return e.err }

// gzipErrors wraps a gzip reader and marks its errors, except the clean end
// of the stream, as gzipError.
type gzipErrors struct{ r io.Reader }

func (g gzipErrors) Read(p []byte) (int, error) {
	n, err := g.r.Read(p)
	if err != nil && err != io.EOF {
		err = gzipError{err}
	}
	return n, err
}

// readError turns a read failure into a message: a corrupt gzip stream or
// an I/O error keeps its own text, an early end of stream gets short.
func readError(err error, short string) error {
	var gz gzipError
	switch {
	case errors.As(err, &gz):
		return fmt.Errorf("idx: %w: the compressed file is damaged or truncated", gz)
	case (err == io.EOF || err == io.ErrUnexpectedEOF) && short != "":
		return fmt.Errorf("idx: %s", short)
	}
	return fmt.Errorf("idx: read: %w", err)
}

// ReadIDXFile reads the IDX file at path, plain or gzip-compressed, as ReadIDX
// does; errors name the file. Anything but a regular file (a FIFO, a folder)
// is refused at once.
func ReadIDXFile(path string) (*IDX, error) {
	f, _, err := regularfile.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	m, err := ReadIDX(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return m, nil
}

// WriteIDX writes m to w in the uncompressed IDX format; wrap w in a
// gzip.Writer for a .gz file. It refuses an m that ReadIDX would reject.
func WriteIDX(w io.Writer, m *IDX) error {
	if err := m.validate(); err != nil {
		return err
	}
	header := make([]byte, 4+4*len(m.Dims))
	header[2] = byte(m.Type)
	header[3] = byte(len(m.Dims))
	for i, d := range m.Dims {
		binary.BigEndian.PutUint32(header[4+4*i:], uint32(d))
	}
	if _, err := w.Write(header); err != nil {
		return fmt.Errorf("idx: write header: %w", err)
	}
	if _, err := w.Write(m.Data); err != nil {
		return fmt.Errorf("idx: write data: %w", err)
	}
	return nil
}
