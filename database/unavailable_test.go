package database

import (
	"errors"
	"fmt"
	"io"
	"net"
	"syscall"
	"testing"

	"github.com/lib/pq"
	"github.com/mattn/go-sqlite3"
)

func TestUnavailable(t *testing.T) {
	for _, tc := range []struct {
		name string
		err  error
		want bool
	}{
		{"no error", nil, false},
		{"connection refused", fmt.Errorf("failed to load room: %w", &net.OpError{Op: "dial", Err: syscall.ECONNREFUSED}), true},
		{"connection cut mid-query", fmt.Errorf("failed to get group session: %w", io.ErrUnexpectedEOF), true},
		{"PostgreSQL shutting down", &pq.Error{Code: "57P01"}, true},
		{"PostgreSQL connection failure", &pq.Error{Code: "08006"}, true},
		{"SQLite locked past the wait", sqlite3.Error{Code: sqlite3.ErrBusy}, true},
		{"text a sender chose, not a connection error", fmt.Errorf("no session %v", "connection reset by peer"), false},
		{"unique violation", &pq.Error{Code: "23505"}, false},
		{"SQLite constraint", sqlite3.Error{Code: sqlite3.ErrConstraint}, false},
		{"a bug", errors.New("failed to parse stored event: unexpected end of JSON input"), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := Unavailable(tc.err); got != tc.want {
				t.Fatalf("Unavailable(%v) = %v, want %v", tc.err, got, tc.want)
			}
		})
	}
}
