package scheduler

import "time"

// Clock tells the scheduler what time it is. Tests and demos use a scaled
// clock so a day of check-ins passes in seconds; production uses the real one.
type Clock interface {
	Now() time.Time
	// Real converts a span of schedule time into real time to wait.
	Real(d time.Duration) time.Duration
}

type realClock struct{}

func (realClock) Now() time.Time                     { return time.Now() }
func (realClock) Real(d time.Duration) time.Duration { return d }

// RealClock is the wall clock.
func RealClock() Clock { return realClock{} }

type scaledClock struct {
	origin time.Time
	start  time.Time
	speed  float64
}

// ScaledClock starts at start (now if zero) and runs speed times faster
// than real time.
func ScaledClock(start time.Time, speed float64) Clock {
	if start.IsZero() {
		start = time.Now()
	}
	if speed <= 0 {
		speed = 1
	}
	return &scaledClock{origin: time.Now(), start: start, speed: speed}
}

func (c *scaledClock) Now() time.Time {
	return c.start.Add(time.Duration(float64(time.Since(c.origin)) * c.speed))
}

func (c *scaledClock) Real(d time.Duration) time.Duration {
	return time.Duration(float64(d) / c.speed)
}
