//go:build race

package composite

const raceEnabled = true
