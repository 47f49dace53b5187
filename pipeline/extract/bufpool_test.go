package extract

import (
	"testing"
	"unsafe"
)

// The pool's buffers behave as Go's allocator's do: aligned, zeroed, the
// size asked for, contents kept when grown; a released buffer is handed
// out again, cleared.
func TestBufferPool(t *testing.T) {
	p := newBufferPool()
	check := func(name string, b []byte, size int) {
		t.Helper()
		if len(b) != size {
			t.Errorf("%s: len %d, want %d", name, len(b), size)
		}
		if size > 0 && uintptr(unsafe.Pointer(unsafe.SliceData(b)))%alignment != 0 {
			t.Errorf("%s: not on a %d-byte boundary", name, alignment)
		}
	}
	for _, size := range []int{0, 1, 64, 4096, 4097, 100_000, 1 << 20} {
		b := p.Allocate(size)
		check("allocate", b, size)
		for i := range b {
			if b[i] != 0 {
				t.Fatalf("allocate %d: byte %d is %d", size, i, b[i])
			}
			b[i] = 0xAB
		}
		p.Free(b)
		again := p.Allocate(size)
		check("again", again, size)
		for i := range again[:cap(again)] {
			if again[:cap(again)][i] != 0 {
				t.Fatalf("reused %d: byte %d is %d", size, i, again[i])
			}
		}
		p.Free(again)
	}
	// sync.Pool may drop what it is given (a collection, the race
	// detector's random drops), not every time.
	reused := 0
	for i := 0; i < 20; i++ {
		b := p.Allocate(100_000)
		p.Free(b)
		if unsafe.SliceData(p.Allocate(100_000)) == unsafe.SliceData(b) {
			reused++
		}
	}
	if reused == 0 {
		t.Error("a released buffer was never handed out again")
	}

	b := p.Allocate(5000)
	for i := range b {
		b[i] = byte(i)
	}
	grown := p.Reallocate(70_000, b)
	check("grown", grown, 70_000)
	for i := range grown {
		want := byte(0)
		if i < 5000 {
			want = byte(i)
		}
		if grown[i] != want {
			t.Fatalf("grown: byte %d is %d, want %d", i, grown[i], want)
		}
	}
	shrunk := p.Reallocate(100, grown)
	check("shrunk", shrunk, 100)
	regrown := p.Reallocate(60_000, shrunk) // within its class: in place, cleared past 100
	check("regrown", regrown, 60_000)
	if regrown[99] != 99 || regrown[100] != 0 || regrown[5000] != 0 {
		t.Errorf("regrown: %d %d %d", regrown[99], regrown[100], regrown[5000])
	}
}
