// Package regularfile opens files for reading only when they are regular
// files, so that a named pipe (FIFO), a folder or a device standing where a
// program expects a data, config or checkpoint file is refused at once with
// a message instead of blocking forever or failing with a puzzling error.
package regularfile

import (
	"fmt"
	"io"
	"io/fs"
	"os"
	"syscall"
)

// Open opens path for reading and returns it with its file information,
// or an error when it is not a regular file. The file is opened without
// blocking (O_NONBLOCK), so a FIFO without a writer cannot stall the caller
// between the check and the open; the check is made on the open file.
func Open(path string) (*os.File, fs.FileInfo, error) {
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, nil, err
	}
	info, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, nil, err
	}
	if !info.Mode().IsRegular() {
		f.Close()
		return nil, nil, fmt.Errorf("%s is a %s, not a regular file", path, Kind(info.Mode()))
	}
	return f, info, nil
}

// ReadFile reads the whole regular file at path, as os.ReadFile does.
func ReadFile(path string) ([]byte, error) {
	f, _, err := Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return io.ReadAll(f)
}

// Kind names the type of a file that is not regular, for messages.
func Kind(mode fs.FileMode) string {
	switch {
	case mode.IsDir():
		return "folder"
	case mode&fs.ModeNamedPipe != 0:
		return "named pipe (FIFO)"
	case mode&fs.ModeSocket != 0:
		return "socket"
	case mode&fs.ModeDevice != 0:
		return "device"
	case mode&fs.ModeSymlink != 0:
		return "symbolic link"
	case mode.IsRegular():
		return "regular file"
	}
	return "special file"
}
