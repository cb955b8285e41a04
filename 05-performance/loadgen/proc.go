package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"time"
)

// server is the process under test, watched through Linux's /proc. Only its
// pid is needed, so the load generator works with any server, Go or Node.
type server struct {
	pid  int
	tick time.Duration // the unit of the CPU times in /proc/PID/stat
	note string        // set when the tick had to be guessed
}

// assumedTicksPerSecond is Linux's USER_HZ on every common platform, used if
// getconf is unavailable.
const assumedTicksPerSecond = 100

func newServer(pid int) (*server, error) {
	s := &server{pid: pid}
	if _, err := s.cpu(); err != nil {
		return nil, err
	}
	hz := int64(assumedTicksPerSecond)
	out, err := exec.Command("getconf", "CLK_TCK").Output()
	if n, perr := strconv.ParseInt(strings.TrimSpace(string(out)), 10, 64); err == nil && perr == nil && n > 0 {
		hz = n
	} else {
		s.note = fmt.Sprintf("getconf CLK_TCK failed; assuming %d ticks per second", hz)
	}
	s.tick = time.Second / time.Duration(hz)
	return s, nil
}

// cpu returns the CPU time the server has used so far, in user and kernel
// mode together (utime + stime).
func (s *server) cpu() (time.Duration, error) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", s.pid))
	if err != nil {
		return 0, fmt.Errorf("server CPU time (needs Linux /proc): %w", err)
	}
	// The command name, field 2, is in parentheses and may contain spaces;
	// the fields after it are plain. utime and stime are fields 14 and 15.
	end := bytes.LastIndexByte(data, ')')
	if end < 0 {
		return 0, fmt.Errorf("server CPU time: cannot parse /proc/%d/stat", s.pid)
	}
	fields := strings.Fields(string(data[end+1:]))
	const utime, stime = 14 - 3, 15 - 3 // fields[0] is field 3
	if len(fields) <= stime {
		return 0, fmt.Errorf("server CPU time: short /proc/%d/stat", s.pid)
	}
	u, err1 := strconv.ParseInt(fields[utime], 10, 64)
	k, err2 := strconv.ParseInt(fields[stime], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, fmt.Errorf("server CPU time: cannot parse /proc/%d/stat", s.pid)
	}
	return time.Duration(u+k) * s.tick, nil
}

// memory returns a line of /proc/PID/status in kilobytes: "VmRSS" is the
// resident memory now, "VmHWM" its peak (high water mark) so far.
func (s *server) memory(key string) (int64, error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", s.pid))
	if err != nil {
		return 0, fmt.Errorf("server memory (needs Linux /proc): %w", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		name, value, ok := strings.Cut(sc.Text(), ":")
		if !ok || name != key {
			continue
		}
		kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(value), " kB"), 10, 64)
		if err != nil {
			return 0, fmt.Errorf("server memory: bad %s line %q", key, sc.Text())
		}
		return kb, nil
	}
	return 0, fmt.Errorf("server memory: no %s in /proc/%d/status", key, s.pid)
}

// Settling: after a burst of work a server's memory keeps moving for a while
// (buffers freed, a garbage collection, a heap shrinking). We sample it until
// it holds still rather than sleeping for a guessed time.
const (
	settleEvery  = 100 * time.Millisecond
	settleWindow = 10   // samples that must agree: one second's worth
	settleSlack  = 0.01 // "agree" means within 1% of each other
	settleMinKB  = 64   // or within 64 KB, for a small process
)

// settledRSS waits until the server's resident memory stops changing and
// returns it in kilobytes. If it has not settled by the deadline it returns
// the last sample and settled=false.
func (s *server) settledRSS(ctx context.Context, deadline time.Time) (kb int64, settled bool, err error) {
	tick := time.NewTicker(settleEvery)
	defer tick.Stop()
	var recent []int64
	for {
		kb, err := s.memory("VmRSS")
		if err != nil {
			return 0, false, err
		}
		recent = append(recent, kb)
		if len(recent) > settleWindow {
			recent = recent[1:]
		}
		if len(recent) == settleWindow {
			lo, hi := minMax(recent)
			if float64(hi-lo) <= max(settleSlack*float64(hi), settleMinKB) {
				return kb, true, nil
			}
		}
		if time.Now().After(deadline) {
			return kb, false, nil
		}
		select {
		case <-tick.C:
		case <-ctx.Done():
			return kb, false, context.Cause(ctx)
		}
	}
}

func minMax(v []int64) (lo, hi int64) {
	lo, hi = v[0], v[0]
	for _, x := range v[1:] {
		lo, hi = min(lo, x), max(hi, x)
	}
	return lo, hi
}
