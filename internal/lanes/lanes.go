// Package lanes runs work in order within a lane and lanes side by side:
// the bot handles each room's events in the order they came, while a slow
// room (a command that waits on the homeserver) holds up no other room.
// At most a fixed number of lanes run at once. A barrier runs once all the
// work given before it is done, so the bot keeps its sync token only for
// events whose handling has finished. A panic costs its one piece of work.
//
// It imports nothing of Starling's but internal/safe.
package lanes

import (
	"sync"

	"github.com/rs/zerolog"

	"starling/internal/safe"
)

// Lanes runs work by lane.
type Lanes struct {
	log   zerolog.Logger
	slots chan struct{}

	mu sync.Mutex
	// queued holds each running lane's work not yet started; a lane is
	// running while it has an entry, even an empty one.
	queued map[string][]work
	// Work is numbered as it is given; given is the last number, low the
	// lowest not done, unfinished the numbers between not done yet.
	given, low uint64
	unfinished map[uint64]struct{}
	barriers   []barrier
	// changed is signalled whenever work finishes.
	changed *sync.Cond
	// firing serialises barrier functions, which run in order.
	firing sync.Mutex
}

type work struct {
	n  uint64
	fn func()
}

// barrier runs fn once the work numbered up to after is done.
type barrier struct {
	after uint64
	fn    func()
}

// New makes lanes of which at most limit run at once.
func New(limit int, log zerolog.Logger) *Lanes {
	l := &Lanes{log: log, slots: make(chan struct{}, max(limit, 1)), queued: map[string][]work{},
		low: 1, unfinished: map[uint64]struct{}{}}
	l.changed = sync.NewCond(&l.mu)
	return l
}

// Go runs fn in lane after the work given to that lane before it.
func (l *Lanes) Go(lane string, fn func()) {
	l.mu.Lock()
	l.given++
	l.unfinished[l.given] = struct{}{}
	queue, running := l.queued[lane]
	l.queued[lane] = append(queue, work{n: l.given, fn: fn})
	l.mu.Unlock()
	if !running {
		go l.run(lane)
	}
}

// Barrier runs fn once all the work given so far is done: at once if it
// is, else in the goroutine that finishes the last of it. Barriers run one
// at a time, in the order they were set.
func (l *Lanes) Barrier(fn func()) {
	l.mu.Lock()
	l.barriers = append(l.barriers, barrier{after: l.given, fn: fn})
	l.mu.Unlock()
	l.fire()
}

// Wait blocks until all the work given so far is done.
func (l *Lanes) Wait() {
	l.mu.Lock()
	defer l.mu.Unlock()
	for upTo := l.given; l.low <= upTo; {
		l.changed.Wait()
	}
}

// Throttle blocks while n or more pieces of work are not done, so that
// work given faster than it is done waits before it is taken in.
func (l *Lanes) Throttle(n int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for len(l.unfinished) >= n {
		l.changed.Wait()
	}
}

// run works through one lane's queue and ends when it is empty.
func (l *Lanes) run(lane string) {
	l.slots <- struct{}{}
	defer func() { <-l.slots }()
	for {
		l.mu.Lock()
		queue := l.queued[lane]
		if len(queue) == 0 {
			delete(l.queued, lane)
			l.mu.Unlock()
			return
		}
		next := queue[0]
		queue[0] = work{}
		l.queued[lane] = queue[1:]
		l.mu.Unlock()

		log := l.log.With().Str("lane", lane).Logger()
		safe.Run(&log, "lane", next.fn)

		l.mu.Lock()
		delete(l.unfinished, next.n)
		for _, open := l.unfinished[l.low]; !open && l.low <= l.given; _, open = l.unfinished[l.low] {
			l.low++
		}
		l.changed.Broadcast()
		l.mu.Unlock()
		l.fire()
	}
}

// fire runs, in order, the barriers whose work is all done.
func (l *Lanes) fire() {
	l.firing.Lock()
	defer l.firing.Unlock()
	for {
		l.mu.Lock()
		if len(l.barriers) == 0 || l.barriers[0].after >= l.low {
			l.mu.Unlock()
			return
		}
		b := l.barriers[0]
		l.barriers = l.barriers[1:]
		l.mu.Unlock()
		log := l.log.With().Str("lane", "barrier").Logger()
		safe.Run(&log, "barrier", b.fn)
	}
}
