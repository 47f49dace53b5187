package extract

import (
	"errors"
	"sync"
	"sync/atomic"

	"github.com/apache/arrow-go/v18/arrow"
)

// batchStream is an array.RecordReader fed by a producer goroutine: DuckDB
// ingests batch k while the producer parses batch k+1, so a load takes
// about as long as the slower of the two instead of their sum.
type batchStream struct {
	schema *arrow.Schema
	ch     chan arrow.RecordBatch
	done   chan struct{}
	once   sync.Once
	refs   atomic.Int64
	cur    arrow.RecordBatch
	// err is set by the producer before it closes ch.
	err error
	// start launches the producer on the first read, so that loads queued
	// behind another do not compete with it for the cores.
	start     func()
	startOnce sync.Once
}

// errStreamClosed ends a producer whose reader was released early.
var errStreamClosed = errors.New("the load stopped reading")

func newBatchStream(schema *arrow.Schema) *batchStream {
	s := &batchStream{schema: schema, ch: make(chan arrow.RecordBatch, 2), done: make(chan struct{})}
	s.refs.Store(1)
	return s
}

// send hands a batch to the consumer; it fails once the reader is released.
func (s *batchStream) send(rec arrow.RecordBatch) error {
	select {
	case s.ch <- rec:
		return nil
	case <-s.done:
		rec.Release()
		return errStreamClosed
	}
}

// finish is the producer's last call: err (or nil) is what Err reports.
func (s *batchStream) finish(err error) {
	s.err = err
	close(s.ch)
}

func (s *batchStream) Retain() { s.refs.Add(1) }

func (s *batchStream) Release() {
	if s.refs.Add(-1) > 0 {
		return
	}
	if s.cur != nil {
		s.cur.Release()
		s.cur = nil
	}
	s.once.Do(func() { close(s.done) })
	// A producer never started will never close ch: close it here, and
	// make sure it can no longer start.
	s.startOnce.Do(func() { close(s.ch) })
	// Drain what a running producer already queued; it stops at done.
	go func() {
		for rec := range s.ch {
			rec.Release()
		}
	}()
}

func (s *batchStream) Schema() *arrow.Schema          { return s.schema }
func (s *batchStream) Record() arrow.RecordBatch      { return s.cur }
func (s *batchStream) RecordBatch() arrow.RecordBatch { return s.cur }

func (s *batchStream) Next() bool {
	s.startOnce.Do(s.start)
	if s.cur != nil {
		s.cur.Release()
		s.cur = nil
	}
	rec, ok := <-s.ch
	if !ok {
		return false
	}
	s.cur = rec
	return true
}

// Err is the producer's error; it is read after Next has returned false,
// which happens after the producer set it.
func (s *batchStream) Err() error { return s.err }
