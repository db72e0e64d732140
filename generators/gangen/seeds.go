package gangen

import (
	"encoding/binary"
	"hash/fnv"
)

// deriveSeed returns an independent seed for one use of the job seed:
// FNV-1a 64 of label, a zero byte and the seed (little-endian).
func deriveSeed(seed int64, label string) int64 {
	h := fnv.New64a()
	h.Write([]byte(label))
	var b [9]byte
	binary.LittleEndian.PutUint64(b[1:], uint64(seed))
	h.Write(b[:])
	return int64(h.Sum64())
}

// batchSeed is the latent seed of sampling batch k of class:
// FNV-1a 64 of "sample", 0, class, 0, le64(seed), le64(k). Sample i of a
// class is element i mod 64 of batch i / 64 (gan.SampleBatch), so it
// depends only on (seed, class, i).
func batchSeed(seed int64, class string, k int) int64 {
	h := fnv.New64a()
	h.Write([]byte("sample\x00"))
	h.Write([]byte(class))
	var b [17]byte
	binary.LittleEndian.PutUint64(b[1:], uint64(seed))
	binary.LittleEndian.PutUint64(b[9:], uint64(k))
	h.Write(b[:])
	return int64(h.Sum64())
}
