// Package memory tells how much memory a process may still take, so that
// programs can refuse work that cannot fit with a message instead of dying
// of Go's "fatal error: runtime: out of memory" half-way through.
package memory

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"strconv"
	"strings"
)

// Available is the memory a process may still allocate and where the
// figure comes from.
type Available struct {
	// Bytes is the memory available; meaningful only when Known.
	Bytes int64
	// Source names the figure for messages, e.g. "MemAvailable in
	// /proc/meminfo".
	Source string
	// Known is false where the platform gives no figure; then nothing
	// should be refused for want of memory.
	Known bool
}

// String describes the figure for messages, e.g. "3.1 GB (MemAvailable in
// /proc/meminfo)".
func (a Available) String() string {
	if !a.Known {
		return "unknown"
	}
	return fmt.Sprintf("%s (%s)", Format(a.Bytes), a.Source)
}

// Fits reports whether need bytes fit into what is available; an unknown
// figure fits everything.
func (a Available) Fits(need int64) bool {
	return !a.Known || need <= a.Bytes
}

// Files the figures are read from; variables so that tests can point them
// at fixtures.
var (
	meminfoFile = "/proc/meminfo"
	cgroupDirs  = []cgroupFiles{
		{"/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory.current", "/sys/fs/cgroup/memory.stat", "inactive_file"},
		{"/sys/fs/cgroup/memory/memory.limit_in_bytes", "/sys/fs/cgroup/memory/memory.usage_in_bytes", "/sys/fs/cgroup/memory/memory.stat", "total_inactive_file"},
	}
)

// cgroupFiles are the limit, usage and statistics files of a cgroup (v2 or
// v1) and the statistic counting reclaimable page cache.
type cgroupFiles struct {
	limit, usage, stat, inactive string
}

// Query returns the memory available now: the smaller of the kernel's
// estimate of memory available without swapping (MemAvailable in
// /proc/meminfo) and what the process's memory cgroup (v2 or v1) still
// allows above its usage, not counting reclaimable page cache (as docker
// stats does). On other systems the figure is unknown.
func Query() Available {
	var best Available
	if kb, ok := field(meminfoFile, "MemAvailable:"); ok {
		best = Available{Bytes: kb * 1024, Source: "MemAvailable in " + meminfoFile, Known: true}
	}
	for _, c := range cgroupDirs {
		limit, ok1 := number(c.limit)
		usage, ok2 := number(c.usage)
		if !ok1 || !ok2 || limit >= 1<<62 {
			continue // no cgroup of this version, or no limit ("max" fails to parse)
		}
		if inactive, ok := field(c.stat, c.inactive); ok && inactive <= usage {
			usage -= inactive
		}
		free := max(limit-usage, 0)
		if !best.Known || free < best.Bytes {
			best = Available{Bytes: free, Source: fmt.Sprintf("the memory cgroup's limit %s in %s less its usage", Format(limit), c.limit), Known: true}
		}
		break
	}
	return best
}

// number reads a file holding one integer.
func number(path string) (int64, bool) {
	text, err := os.ReadFile(path)
	if err != nil {
		return 0, false
	}
	n, err := strconv.ParseInt(string(bytes.TrimSpace(text)), 10, 64)
	return n, err == nil
}

// field reads the integer after name in a file of "name value" lines.
func field(path, name string) (int64, bool) {
	text, err := os.ReadFile(path)
	if err != nil {
		return 0, false
	}
	sc := bufio.NewScanner(bytes.NewReader(text))
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) >= 2 && fields[0] == name {
			n, err := strconv.ParseInt(fields[1], 10, 64)
			return n, err == nil
		}
	}
	return 0, false
}

// Format writes a byte count in decimal units: "512 B", "12.3 MB", "4.2 GB".
func Format(n int64) string {
	switch {
	case n >= 1e12:
		return fmt.Sprintf("%.1f TB", float64(n)/1e12)
	case n >= 1e9:
		return fmt.Sprintf("%.1f GB", float64(n)/1e9)
	case n >= 1e6:
		return fmt.Sprintf("%.1f MB", float64(n)/1e6)
	case n >= 1e3:
		return fmt.Sprintf("%.1f kB", float64(n)/1e3)
	}
	return fmt.Sprintf("%d B", n)
}
