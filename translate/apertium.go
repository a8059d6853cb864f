package translate

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync"
	"time"

	"github.com/rs/zerolog"
)

// DefaultModesDir is where Debian's Apertium packages put their modes.
const DefaultModesDir = "/usr/share/apertium/modes"

// Apertium is the local, offline engine. Each pair runs as one warm
// pipeline in null-flush mode: a text followed by "\0" goes in, its
// translation followed by "\0" comes out, as Apertium's own HTTP server does.
type Apertium struct {
	modesDir string
	idle     time.Duration
	timeout  time.Duration
	log      zerolog.Logger

	mu        sync.Mutex
	pipelines map[Pair]*pipeline
	modes     map[Pair]string
	closed    bool
	stop      chan struct{}
}

// ApertiumOption changes how the Apertium engine runs.
type ApertiumOption func(*Apertium)

// WithModesDir reads pairs from another modes folder.
func WithModesDir(dir string) ApertiumOption { return func(a *Apertium) { a.modesDir = dir } }

// WithIdleClose stops a pair's pipeline after it has been unused this long.
func WithIdleClose(d time.Duration) ApertiumOption { return func(a *Apertium) { a.idle = d } }

// WithTimeout bounds one translation; a pipeline that takes longer is restarted.
func WithTimeout(d time.Duration) ApertiumOption { return func(a *Apertium) { a.timeout = d } }

// WithLogger logs pipeline starts and failures (never the texts).
func WithLogger(log zerolog.Logger) ApertiumOption { return func(a *Apertium) { a.log = log } }

// NewApertium finds the installed pairs; pipelines start on first use.
func NewApertium(opts ...ApertiumOption) (*Apertium, error) {
	a := &Apertium{modesDir: DefaultModesDir, idle: 10 * time.Minute, timeout: 30 * time.Second,
		log: zerolog.Nop(), pipelines: make(map[Pair]*pipeline), stop: make(chan struct{})}
	for _, opt := range opts {
		opt(a)
	}
	modes, err := findModes(a.modesDir)
	if err != nil {
		return nil, err
	}
	a.modes = modes
	go a.closeIdle()
	return a, nil
}

func (a *Apertium) Name() string  { return "apertium" }
func (a *Apertium) Trusted() bool { return true }

func (a *Apertium) Pairs(context.Context) ([]Pair, error) {
	pairs := make([]Pair, 0, len(a.modes))
	for p := range a.modes {
		pairs = append(pairs, p)
	}
	return pairs, nil
}

func (a *Apertium) Translate(ctx context.Context, source, target string, docs []Doc) ([]Doc, error) {
	pair := Pair{source, target}
	out := make([]Doc, len(docs))
	for i, doc := range docs {
		if !doc.HasWords() {
			out[i] = doc
			continue
		}
		translated, err := a.translateOne(ctx, pair, encodeStream(doc))
		if err != nil {
			return nil, err
		}
		out[i] = decodeStream(translated, doc)
	}
	return out, nil
}

// translateOne runs one text through the pair's pipeline, restarting a
// pipeline that died once before giving up.
func (a *Apertium) translateOne(ctx context.Context, pair Pair, input string) (string, error) {
	var lastErr error
	for attempt := 0; attempt < 2; attempt++ {
		p, err := a.pipeline(pair)
		if err != nil {
			return "", err
		}
		out, err := p.translate(ctx, input, a.timeout)
		if err == nil {
			return out, nil
		}
		lastErr = err
		a.log.Warn().Err(err).Str("pair", pair.Source+"-"+pair.Target).Msg("Apertium pipeline failed, restarting it")
		a.drop(pair, p)
		if ctx.Err() != nil {
			break
		}
	}
	return "", fmt.Errorf("failed to translate with Apertium %s-%s: %w", pair.Source, pair.Target, lastErr)
}

func (a *Apertium) pipeline(pair Pair) (*pipeline, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.closed {
		return nil, errors.New("apertium engine is closed")
	}
	if p, ok := a.pipelines[pair]; ok && p.alive() {
		return p, nil
	}
	mode, ok := a.modes[pair]
	if !ok {
		return nil, fmt.Errorf("%w: apertium has no %s-%s", ErrNoRoute, pair.Source, pair.Target)
	}
	cmds, err := parseMode(mode)
	if err != nil {
		return nil, err
	}
	p, err := startPipeline(cmds)
	if err != nil {
		return nil, err
	}
	a.log.Debug().Str("pair", pair.Source+"-"+pair.Target).Int("stages", len(cmds)).Msg("Started Apertium pipeline")
	a.pipelines[pair] = p
	return p, nil
}

func (a *Apertium) drop(pair Pair, p *pipeline) {
	a.mu.Lock()
	if a.pipelines[pair] == p {
		delete(a.pipelines, pair)
	}
	a.mu.Unlock()
	p.close()
}

// Running counts the warm pipelines.
func (a *Apertium) Running() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return len(a.pipelines)
}

func (a *Apertium) closeIdle() {
	ticker := time.NewTicker(max(a.idle/4, 10*time.Millisecond))
	defer ticker.Stop()
	for {
		select {
		case <-a.stop:
			return
		case <-ticker.C:
		}
		a.mu.Lock()
		for pair, p := range a.pipelines {
			// A pipeline in use is not idle, however long its answer takes.
			if !p.mu.TryLock() {
				continue
			}
			if p.idleFor() > a.idle {
				delete(a.pipelines, pair)
				p.close()
			}
			p.mu.Unlock()
		}
		a.mu.Unlock()
	}
}

// Close stops every pipeline.
func (a *Apertium) Close() error {
	a.mu.Lock()
	if a.closed {
		a.mu.Unlock()
		return nil
	}
	a.closed = true
	close(a.stop)
	pipes := a.pipelines
	a.pipelines = nil
	a.mu.Unlock()
	for _, p := range pipes {
		p.close()
	}
	return nil
}

// pipeline is one pair's chain of processes, connected by pipes.
type pipeline struct {
	mu    sync.Mutex
	cmds  []*exec.Cmd
	in    io.WriteCloser
	out   *bufio.Reader
	dead  chan struct{}
	once  sync.Once
	usedM sync.Mutex
	used  time.Time
}

func startPipeline(stages [][]string) (*pipeline, error) {
	p := &pipeline{dead: make(chan struct{}), used: time.Now()}
	var prev io.Reader
	var toClose []io.Closer
	for i, st := range stages {
		cmd := exec.Command(st[0], st[1:]...)
		cmd.Env = append(os.Environ(), "LC_ALL=C.UTF-8")
		cmd.Stderr = io.Discard
		if i == 0 {
			w, err := cmd.StdinPipe()
			if err != nil {
				return nil, fmt.Errorf("failed to start Apertium: %w", err)
			}
			p.in = w
		} else {
			cmd.Stdin = prev
		}
		r, w, err := os.Pipe()
		if err != nil {
			return nil, fmt.Errorf("failed to start Apertium: %w", err)
		}
		cmd.Stdout = w
		if err = cmd.Start(); err != nil {
			_ = r.Close()
			_ = w.Close()
			p.killAll()
			return nil, fmt.Errorf("failed to start Apertium stage %s: %w", st[0], err)
		}
		_ = w.Close() // the child holds its own copy
		toClose = append(toClose, r)
		p.cmds = append(p.cmds, cmd)
		prev = r
	}
	p.out = bufio.NewReaderSize(prev, 64*1024)
	go func() {
		// Any stage exiting means the pipeline is dead.
		var wg sync.WaitGroup
		first := make(chan struct{}, len(p.cmds))
		for _, c := range p.cmds {
			wg.Add(1)
			go func(c *exec.Cmd) { defer wg.Done(); _ = c.Wait(); first <- struct{}{} }(c)
		}
		<-first
		p.once.Do(func() { close(p.dead) })
		p.killAll()
		wg.Wait()
		for _, c := range toClose {
			_ = c.Close()
		}
	}()
	return p, nil
}

func (p *pipeline) alive() bool {
	select {
	case <-p.dead:
		return false
	default:
		return true
	}
}

func (p *pipeline) idleFor() time.Duration {
	p.usedM.Lock()
	defer p.usedM.Unlock()
	return time.Since(p.used)
}

func (p *pipeline) touch() {
	p.usedM.Lock()
	p.used = time.Now()
	p.usedM.Unlock()
}

// translate sends one framed text and reads one framed answer.
func (p *pipeline) translate(ctx context.Context, input string, timeout time.Duration) (string, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	defer p.touch()
	if !p.alive() {
		return "", errors.New("pipeline is not running")
	}
	type result struct {
		out string
		err error
	}
	done := make(chan result, 1)
	go func() {
		if _, err := io.WriteString(p.in, input+"\x00"); err != nil {
			done <- result{err: fmt.Errorf("failed to write to pipeline: %w", err)}
			return
		}
		out, err := p.out.ReadString(0)
		if err != nil {
			done <- result{err: fmt.Errorf("failed to read from pipeline: %w", err)}
			return
		}
		done <- result{out: strings.TrimSuffix(out, "\x00")}
	}()
	timer := time.NewTimer(timeout + time.Duration(len(input))*time.Millisecond/50)
	defer timer.Stop()
	select {
	case r := <-done:
		return r.out, r.err
	case <-ctx.Done():
		p.close() // the answer would be read by the next caller otherwise
		return "", ctx.Err()
	case <-timer.C:
		p.close()
		return "", errors.New("pipeline timed out")
	case <-p.dead:
		return "", errors.New("pipeline died")
	}
}

func (p *pipeline) killAll() {
	for _, c := range p.cmds {
		if c.Process != nil {
			_ = c.Process.Kill()
		}
	}
}

func (p *pipeline) close() {
	p.once.Do(func() { close(p.dead) })
	if p.in != nil {
		_ = p.in.Close()
	}
	p.killAll()
}
