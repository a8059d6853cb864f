package database

import "syscall"

// syscallUmask lets a test run with a permissive umask, so that the 0600
// mode is shown to come from Starling and not from the environment.
func syscallUmask(mask int) int { return syscall.Umask(mask) }
