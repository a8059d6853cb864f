package lanes

import (
	"bytes"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rs/zerolog"
)

func TestLanes(t *testing.T) {
	tests := []struct {
		name  string
		limit int
		run   func(t *testing.T, l *Lanes)
	}{
		{"one lane keeps its order", 4, func(t *testing.T, l *Lanes) {
			var mu sync.Mutex
			var got []int
			for i := range 200 {
				l.Go("room", func() {
					if i%7 == 0 {
						time.Sleep(time.Millisecond) // a slow one does not let the next overtake it
					}
					mu.Lock()
					got = append(got, i)
					mu.Unlock()
				})
			}
			l.Wait()
			if !slices.IsSorted(got) || len(got) != 200 {
				t.Fatalf("ran %d pieces, in order %v", len(got), slices.IsSorted(got))
			}
		}},
		{"a slow lane holds up no other", 4, func(t *testing.T, l *Lanes) {
			release := make(chan struct{})
			l.Go("slow", func() { <-release })
			done := make(chan struct{})
			l.Go("fast", func() { close(done) })
			select {
			case <-done:
			case <-time.After(5 * time.Second):
				t.Fatal("a lane waited for another one")
			}
			close(release)
			l.Wait()
		}},
		{"no more than the limit at once", 3, func(t *testing.T, l *Lanes) {
			var now, most atomic.Int32
			for i := range 30 {
				l.Go(fmt.Sprint("room", i), func() {
					n := now.Add(1)
					for m := most.Load(); n > m && !most.CompareAndSwap(m, n); m = most.Load() {
					}
					time.Sleep(2 * time.Millisecond)
					now.Add(-1)
				})
			}
			l.Wait()
			if most.Load() != 3 {
				t.Fatalf("%d ran at once, want 3", most.Load())
			}
		}},
		{"a barrier waits for the work before it, not after", 4, func(t *testing.T, l *Lanes) {
			release := make(chan struct{})
			var before atomic.Int32
			for i := range 3 {
				l.Go(fmt.Sprint("room", i), func() { <-release; before.Add(1) })
			}
			fired := make(chan int32, 1)
			l.Barrier(func() { fired <- before.Load() })
			later := make(chan struct{})
			l.Go("room0", func() { <-later }) // given after the barrier, behind the slow room
			close(release)
			select {
			case n := <-fired:
				if n != 3 {
					t.Fatalf("the barrier ran after %d of the 3 pieces before it", n)
				}
			case <-time.After(5 * time.Second):
				t.Fatal("the barrier waited for work given after it")
			}
			close(later)
			l.Wait()
		}},
		{"barriers run in order", 4, func(t *testing.T, l *Lanes) {
			var mu sync.Mutex
			var order []int
			for i := range 50 {
				l.Go(fmt.Sprint("room", i%5), func() { time.Sleep(time.Duration(i%3) * time.Millisecond) })
				l.Barrier(func() { mu.Lock(); order = append(order, i); mu.Unlock() })
			}
			l.Wait()
			deadline := time.Now().Add(5 * time.Second)
			for {
				mu.Lock()
				n := len(order)
				mu.Unlock()
				if n == 50 || time.Now().After(deadline) {
					break
				}
				time.Sleep(time.Millisecond)
			}
			mu.Lock()
			defer mu.Unlock()
			if len(order) != 50 || !slices.IsSorted(order) {
				t.Fatalf("barriers ran %d times, in order %v", len(order), slices.IsSorted(order))
			}
		}},
		{"a barrier with nothing before it runs at once", 1, func(t *testing.T, l *Lanes) {
			ran := false
			l.Barrier(func() { ran = true })
			if !ran {
				t.Fatal("the barrier did not run")
			}
		}},
		{"throttle holds while too much is unfinished", 8, func(t *testing.T, l *Lanes) {
			release := make(chan struct{})
			for i := range 4 {
				l.Go(fmt.Sprint("room", i), func() { <-release })
			}
			passed := make(chan struct{})
			go func() { l.Throttle(4); close(passed) }()
			select {
			case <-passed:
				t.Fatal("throttle let through with 4 unfinished")
			case <-time.After(50 * time.Millisecond):
			}
			close(release)
			select {
			case <-passed:
			case <-time.After(5 * time.Second):
				t.Fatal("throttle held after the work was done")
			}
		}},
		{"wait with nothing given returns", 1, func(t *testing.T, l *Lanes) { l.Wait() }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.run(t, New(tt.limit, zerolog.Nop()))
		})
	}
}

// A panic is logged and costs only its own piece of work: the lane goes on.
func TestPanicCostsOnePiece(t *testing.T) {
	var out bytes.Buffer
	l := New(2, zerolog.New(&out))
	var after atomic.Bool
	l.Go("room", func() { panic("poison") })
	l.Go("room", func() { after.Store(true) })
	l.Wait()
	if !after.Load() {
		t.Fatal("the work after a panic in its lane did not run")
	}
	if !strings.Contains(out.String(), `"panic":"poison"`) || !strings.Contains(out.String(), `"lane":"room"`) {
		t.Fatalf("the panic was not logged with its lane: %s", out.String())
	}
}

func TestLocks(t *testing.T) {
	var l Locks
	var inside [2]atomic.Int32
	var wg sync.WaitGroup
	for i := range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			unlock := l.Lock(fmt.Sprint("person", i%2))
			defer unlock()
			if n := inside[i%2].Add(1); n > 1 {
				t.Errorf("%d holders at once of one key", n)
			}
			time.Sleep(time.Millisecond)
			inside[i%2].Add(-1)
		}()
	}
	// Another key is not held up by these.
	unlock := l.Lock("someone else")
	unlock()
	wg.Wait()
	if len(l.held) != 0 {
		t.Fatalf("%d locks kept after everyone let go", len(l.held))
	}
}
