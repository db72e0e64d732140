package api_test

import (
	"encoding/binary"
	"hash/crc32"
	"os"
	"path/filepath"
	"testing"
)

// TestPlanReadable: plan shows, beside a class's file count, how many of
// its files a generator can read, and which are not, for the classes that
// get samples; a PNG declaring 100000x100000 and text named .png do not
// count.
func TestPlanReadable(t *testing.T) {
	s := newServer(t, false)
	ihdr := make([]byte, 17)
	copy(ihdr, "IHDR")
	binary.BigEndian.PutUint32(ihdr[4:], 100000)
	binary.BigEndian.PutUint32(ihdr[8:], 100000)
	ihdr[12], ihdr[13] = 8, 2
	huge := append([]byte("\x89PNG\r\n\x1a\n\x00\x00\x00\x0d"), ihdr...)
	huge = binary.BigEndian.AppendUint32(huge, crc32.ChecksumIEEE(ihdr))
	for name, b := range map[string][]byte{"huge.png": huge, "text.png": []byte("not an image")} {
		if err := os.WriteFile(filepath.Join(s.root, "ds", "rare", name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	code, _, body := s.do(t, "POST", "/v1/plan", `{"dataset":"`+s.root+`/ds"}`)
	if code != 200 {
		t.Fatalf("plan: %d %v", code, body)
	}
	before, _ := body["before"].(map[string]any)
	readable, _ := body["readable"].(map[string]any)
	if before["rare"] != 5.0 || readable["rare"] != 3.0 {
		t.Errorf("before %v, readable %v: want rare 5 files, 3 readable", before, readable)
	}
	if _, ok := readable["common"]; ok {
		t.Errorf("readable %v lists common, which gets no samples", readable)
	}
	bad, _ := body["unreadable"].([]any)
	if len(bad) != 2 {
		t.Errorf("unreadable %v, want rare/huge.png and rare/text.png", bad)
	}
}
