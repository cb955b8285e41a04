//go:build race

package progtest

const raceEnabled = true
