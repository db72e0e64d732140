package datasets

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"github.com/tailsynth/tailsynth/generators/imagesrc"
	"github.com/tailsynth/tailsynth/media"
	"github.com/tailsynth/tailsynth/storage"
)

// FileLimits bound what CheckFile reads.
type FileLimits struct {
	// MaxBytes refuses larger files, from their scanned size, unread;
	// Param names the parameter that sets it, for the reason.
	MaxBytes int64
	Param    string
	// MaxPixels refuses images whose header declares more pixels (0:
	// media.DefaultMaxPixels), before any pixel is decoded.
	MaxPixels int64
}

// DefaultFileLimits are the limits inspect and plan check files with: the
// generators' default max_megapixels (64), and no byte limit.
var DefaultFileLimits = FileLimits{MaxPixels: media.DefaultMaxPixels}

// CheckFile reads training file f from st as a generator would and tells
// whether it is usable: images are decoded with media.Decode's limits
// (imagesrc.Decode), WAV files are decoded to the end (and must hold at
// least one sample, all finite), .npy files must have a readable header
// and as many data bytes as their shape and dtype declare. A problem of the
// file itself is returned as a reason; a storage error (other than the
// file having gone) as err, so that the job fails and a retry can succeed.
func CheckFile(ctx context.Context, st storage.Store, f File, lim FileLimits) (reason string, err error) {
	if lim.MaxBytes > 0 && f.Size > lim.MaxBytes {
		return fmt.Sprintf("%d bytes, more than the limit of %d (%s)", f.Size, lim.MaxBytes, lim.Param), nil
	}
	kind := KindOf(f.Key)
	if kind == "image" {
		maxBytes := lim.MaxBytes
		if maxBytes <= 0 {
			maxBytes = math.MaxInt64
		}
		_, reason, err := imagesrc.Decode(ctx, st, f.Key, f.Size, maxBytes, media.DecodeOptions{MaxPixels: lim.MaxPixels, MaxBytes: maxBytes})
		return reason, err
	}
	if kind != "audio" && kind != "array" {
		return fmt.Sprintf("unsupported file type %q (accepted: .png, .jpg, .jpeg, .wav, .npy)", f.Key), nil
	}
	rc, _, err := st.Get(ctx, f.Key)
	if errors.Is(err, storage.ErrNotFound) {
		return "not found: removed after the dataset was scanned", nil
	}
	if err != nil {
		return "", fmt.Errorf("reading %s: %w", f.Key, err)
	}
	defer rc.Close()
	r := io.Reader(bufio.NewReaderSize(rc, 64<<10))
	if lim.MaxBytes > 0 {
		r = io.LimitReader(r, lim.MaxBytes)
	}
	if kind == "audio" {
		reason, err = checkWAV(ctx, r)
	} else {
		reason, err = checkNPY(r)
	}
	if err != nil {
		return "", fmt.Errorf("reading %s: %w", f.Key, err)
	}
	return reason, nil
}

// WAVProblem tells a problem of a WAV file itself (malformed, truncated,
// an unsupported encoding), returned as a reason, from an I/O error
// (ok false).
func WAVProblem(err error) (reason string, ok bool) {
	for _, e := range []error{media.ErrMalformed, media.ErrTruncated, media.ErrUnsupported, media.ErrInvalidInput, io.ErrUnexpectedEOF, io.EOF} {
		if errors.Is(err, e) {
			return "not a usable WAV file: " + err.Error() + " (accepted: RIFF/WAVE PCM 8/16/24/32-bit or float 32/64-bit)", true
		}
	}
	return "", false
}

// NonFiniteReason is the reason a WAV file with bad of its total samples
// NaN or infinite is not usable.
func NonFiniteReason(bad, total int) string {
	return fmt.Sprintf("not a usable WAV file: %d of its %d samples are NaN or infinite", bad, total)
}

// checkWAV decodes a WAV stream to its end.
func checkWAV(ctx context.Context, r io.Reader) (string, error) {
	wr, err := media.NewWAVReader(r)
	if err != nil {
		if reason, ok := WAVProblem(err); ok {
			return reason, nil
		}
		return "", err
	}
	ch := wr.Info().Channels
	buf := make([]float64, 4096*ch)
	total, bad := 0, 0
	for {
		if err := ctx.Err(); err != nil {
			return "", err
		}
		n, err := wr.ReadFrames(buf)
		for _, v := range buf[:n*ch] {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				bad++
			}
		}
		total += n * ch
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			if reason, ok := WAVProblem(err); ok {
				return reason, nil
			}
			return "", err
		}
	}
	switch {
	case total == 0:
		return "not a usable WAV file: no audio samples", nil
	case bad > 0:
		return NonFiniteReason(bad, total), nil
	}
	return "", nil
}

// checkNPY reads a .npy header and counts its data bytes.
func checkNPY(r io.Reader) (string, error) {
	bad := func(format string, args ...any) (string, error) {
		return "not a usable .npy file: " + fmt.Sprintf(format, args...), nil
	}
	h, err := media.ReadNPYHeader(r)
	if err != nil {
		if errors.Is(err, media.ErrMalformed) || errors.Is(err, media.ErrTruncated) || errors.Is(err, media.ErrUnsupported) {
			return bad("%v", err)
		}
		return "", err
	}
	d := strings.TrimLeft(h.Descr, "<>|=")
	size, err := strconv.Atoi(strings.TrimLeft(d, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"))
	if err != nil || size <= 0 || len(d) < 2 || strings.ContainsAny(d[:1], "OV") {
		return bad("dtype %q has no fixed item size", h.Descr)
	}
	want := int64(size)
	for _, n := range h.Shape {
		if n < 0 || (n > 0 && want > math.MaxInt64/int64(n)) {
			return bad("shape %v is too large", h.Shape)
		}
		want *= int64(n)
	}
	got, err := io.Copy(io.Discard, io.LimitReader(r, want))
	if err != nil {
		return "", err
	}
	if got < want {
		return bad("truncated: %d of the %d data bytes its header declares (%s, shape %v)", got, want, h.Descr, h.Shape)
	}
	return "", nil
}
