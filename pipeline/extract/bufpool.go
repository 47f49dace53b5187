package extract

import (
	"math/bits"
	"sync"
	"unsafe"
)

// bufferPool is an Arrow allocator that hands the buffers of released
// batches to the batches built after them. A load's batches are built,
// passed to DuckDB and released one after another, each with the same
// buffers' sizes; from Go's heap each was fresh memory, which the kernel
// maps in page by page on first touch: at scale 100 a month's service
// records took 340 000 page faults to load, most of them in the builders'
// buffers and the clearing of them, and the run's system time was a third
// of its CPU. Buffers are pooled by power-of-two size; a pooled buffer is
// cleared before it is handed out again, as Go's own memory would be.
// sync.Pool lets the collector take what is not reused.
type bufferPool struct {
	classes [maxPooledShift + 1]sync.Pool
}

const (
	// Buffers smaller than this are left to Go's allocator: a monthly
	// report's columns, whose faults and clearing cost nothing that counts.
	minPooledShift = 12
	maxPooledShift = 31
	// alignment is Arrow's: buffers start on 64-byte boundaries.
	alignment = 64
)

func newBufferPool() *bufferPool { return &bufferPool{} }

// sizeClass is the size class of size bytes (buffers of 1<<class bytes),
// or -1 when it is not pooled.
func sizeClass(size int) int {
	if size <= 1<<minPooledShift {
		return -1
	}
	k := bits.Len(uint(size - 1))
	if k > maxPooledShift {
		return -1
	}
	return k
}

// Allocate implements memory.Allocator.
func (p *bufferPool) Allocate(size int) []byte {
	k := sizeClass(size)
	if k < 0 {
		return alignedBytes(size, size)
	}
	if b, ok := p.classes[k].Get().(*[]byte); ok {
		buf := (*b)[:cap(*b)]
		clear(buf)
		return buf[:size]
	}
	return alignedBytes(size, 1<<k)
}

// Reallocate implements memory.Allocator: a buffer whose class has room
// grows in place; otherwise its contents move to a larger one and it goes
// back to the pool.
func (p *bufferPool) Reallocate(size int, b []byte) []byte {
	if cap(b) >= size {
		if old := len(b); size > old {
			clear(b[old:size]) // as a fresh buffer's would be
		}
		return b[:size]
	}
	nb := p.Allocate(size)
	copy(nb, b)
	p.Free(b)
	return nb
}

// Free implements memory.Allocator.
func (p *bufferPool) Free(b []byte) {
	k := sizeClass(cap(b))
	if k < 0 || cap(b) != 1<<k {
		return // not one of the pool's: Go's collector takes it
	}
	b = b[:0]
	p.classes[k].Put(&b)
}

// alignedBytes is a zeroed buffer of size bytes and capacity n that
// starts on a 64-byte boundary.
func alignedBytes(size, n int) []byte {
	buf := make([]byte, n+alignment)
	shift := 0
	if r := int(uintptr(unsafe.Pointer(unsafe.SliceData(buf))) % alignment); r != 0 {
		shift = alignment - r
	}
	return buf[shift : shift+size : shift+n]
}
