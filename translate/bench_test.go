package translate

import (
	"context"
	"fmt"
	"os/exec"
	"sort"
	"strings"
	"testing"
	"time"
)

// A 40-word message, varied per iteration so nothing is cached.
func message(i int) string {
	return fmt.Sprintf("Compañeras, mañana a las %d nos reunimos en la plaza del ayuntamiento para la vigilia por las "+
		"personas detenidas. Traed agua, comida y mantas. Si alguien necesita transporte, escribid al grupo de "+
		"coordinación antes de las diez de la noche.", i%24)
}

// BenchmarkApertiumWarm is one translation through a pipeline already
// running: what the relay pays per message.
func BenchmarkApertiumWarm(b *testing.B) {
	a := newApertium(b)
	ctx := context.Background()
	if _, err := a.Translate(ctx, "es", "en", []Doc{ParseText(message(0), nil, "en")}); err != nil {
		b.Fatal(err)
	}
	var d []time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		start := time.Now()
		if _, err := a.Translate(ctx, "es", "en", []Doc{ParseText(message(i), nil, "en")}); err != nil {
			b.Fatal(err)
		}
		d = append(d, time.Since(start))
	}
	reportLatency(b, d)
}

// BenchmarkApertiumCold starts `apertium` for every message, as a naive
// integration would.
func BenchmarkApertiumCold(b *testing.B) {
	var d []time.Duration
	for i := 0; i < b.N; i++ {
		start := time.Now()
		cmd := exec.Command("apertium", "spa-eng")
		cmd.Stdin = strings.NewReader(message(i))
		if out, err := cmd.Output(); err != nil || len(out) == 0 {
			b.Fatalf("apertium: %v", err)
		}
		d = append(d, time.Since(start))
	}
	reportLatency(b, d)
}

func reportLatency(b *testing.B, d []time.Duration) {
	sort.Slice(d, func(i, j int) bool { return d[i] < d[j] })
	p50, p95 := d[len(d)/2], d[len(d)*95/100]
	b.ReportMetric(float64(p50.Microseconds())/1000, "p50_ms")
	b.ReportMetric(float64(p95.Microseconds())/1000, "p95_ms")
}
