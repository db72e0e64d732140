// Package spectrogen wires the spectro library into the job pipeline as two
// generators for WAV datasets (the STFTSynth family of DESIGN.md):
//
//   - "spectrogram" converts signals into spectrograms with the same
//     classes. Sample i of class c is the spectrogram of training file
//     i mod n of c (its n files sorted by key), so the strategy
//     {"add": {"c": n}} converts every file of c exactly once and larger
//     counts cycle through the files again (the row then carries
//     "cycle"). The seed plays no part: a conversion is the same for
//     every seed.
//   - "specaugment" makes new minority samples: sample i of class c starts
//     from a training file of c drawn with generators.SampleRand(seed, c,
//     i); its linear spectrogram (|X|² or mel power) is mixed, with
//     probability mix_prob, with a second file of the class in the power
//     domain (w·A + (1−w)·B, w ~ U[0.3, 0.7]; a partner of another sample
//     rate is skipped, a longer or shorter one is cut or padded with
//     silence), shifted circularly by U{−max_shift..max_shift} frames,
//     converted to the output scale, then masked: freq_masks frequency
//     masks of U{0..freq_mask_max} rows, then time_masks time masks of
//     U{0..time_mask_max} frames (SpecAugment, Park et al. 2019, without
//     time warping), filled with the spectrogram's minimum (silence) or
//     mean. With waveform it writes a float32 WAV instead, reconstructed
//     by fast Griffin-Lim after mapping the output scale back to |X|
//     (spectro.DBToAmplitude / DBToPower with the recorded reference, and
//     spectro.MelBank.Invert for mel scales).
//
// # Training files
//
// Start decodes and analyses every training file of the classes that get
// samples once, in parallel, through the cache (so the analyses are there
// for the samples while they fit). A file that is not a WAV file, or that
// is malformed, truncated, of an unsupported encoding, without samples,
// with NaN or infinite samples, too short for one STFT frame or of a
// sample rate below the mel range, is left out and listed with its reason
// in the report's bad_files: one bad file never fails a job, and no
// sample is made from it. Sample i of spectrogram and the draws of
// specaugment index the usable files only. A class with no WAV file at
// all, or none usable, fails the job with a datasets.DatasetError naming
// the class (and its bad files); storage errors (network, permissions)
// fail it too, so a retry can succeed. A class with fewer usable files
// than min_sources (spectrogram 1, specaugment 2: with one file every
// sample is a masking of it and no mixing can happen) fails the job,
// naming the class, unless allow_few_sources is true: the job then goes on
// with a few_sources alert (generators.SourceFloor) in its result,
// report.json, report.html and the CLI's WARNING lines.
//
// # Analysis
//
// A WAV file (PCM 8/16/24/32-bit or float 32/64-bit, any channel count)
// is decoded as a stream, its channels averaged (or the first kept) while
// reading, and cut after max_seconds. Its STFT follows librosa.stft
// (centred frames, unnormalised FFT). Scales, with X the STFT and W the
// Slaney-normalised mel filter bank of the file's sample rate:
//
//	magnitude  |X|
//	power      |X|²
//	db         d = 20·log10(max(|X|, 1e-5) / max(ref, 1e-5)), then max(d, max(d) − top_db)
//	mel_power  M = W·|X|²                            (librosa.feature.melspectrogram)
//	mel_db     d = 10·log10(max(M, 1e-10) / max(ref, 1e-10)), then max(d, max(d) − top_db)
//
// as librosa.amplitude_to_db and librosa.power_to_db compute them, where
// ref is each spectrogram's own maximum (ref "max", librosa's ref=np.max)
// or a fixed number. The reference actually used, max(ref, amin), is
// written as "db_ref" in the sample's metadata row, so dB values map back
// to absolute ones. Each file keeps its own sample rate (bin k is
// k·rate/n_fft Hz; the report counts files by rate): resample a dataset
// beforehand for one frequency axis.
//
// # Output
//
// format "png16" writes a 16-bit grayscale PNG, Frames pixels wide and
// Bins (or n_mels) high, low frequencies at the bottom. Its metadata row
// holds "scale": {"min", "max", "kind"}, and a pixel value q maps back to
// min + q/65535·(max − min), within half a step (max − min)/65535 of the
// value (spectro.ReadPNG16 does this). By default each file uses its own
// min..max; png_range fixes one range for the dataset (values outside are
// clipped). format "npy" writes float32 arrays of shape (bins, frames),
// row 0 the lowest frequency (librosa's layout), with "scale": {"kind",
// "dtype"}. There is no format writing both: the pipeline stores one file
// per sample. Spectrograms keep each file's length, so files of different
// durations give images of different widths.
//
// Every row also holds "sources" (the files used), "sample_rate",
// "analysed_samples"/"analysed_seconds" (and "truncated_at_seconds" when
// max_seconds cut the file), "shape" [bins, frames] and "stft", the
// resolved analysis configuration. specaugment rows add "augment": the
// frequency and time masks ({start, width}: rows from bin 0 and frames),
// "mask_fill_value", "shift" in frames, "mix" ({partner, weight} or null)
// and "masked_fraction"; waveform rows add "griffin_lim" (iterations,
// momentum, phase_seed, the final spectral convergence).
//
// Extras: spectrograms.png draws, per class (at most 32 classes), the first
// four samples in the viridis colormap — beside the source spectrograms
// they came from for specaugment — and report.json's generator_report
// gives the analysis configuration, counts, truncated files, the bad files
// and the cache's figures.
//
// # Parameters
//
// Both generators (JSON, unknown names refused):
//
//	name         default          accepted
//	n_fft        1024             8..65536; n_fft/2+1 frequency bins
//	hop_length   win_length/4     1..n_fft (0: default)
//	win_length   n_fft            1..n_fft, zero-padded centred (0: default)
//	window       "hann"           hann, hamming, blackman, rectangular (periodic)
//	center       true             pad n_fft/2 each side (librosa center=True)
//	pad_mode     "constant"       constant, reflect, edge
//	scale        "db"             db, magnitude, power, mel_db, mel_power
//	n_mels       128              1..min(1024, n_fft/2+1)
//	fmin         0                Hz, >= 0
//	fmax         sample_rate/2    Hz, > fmin, <= each file's Nyquist (0: default)
//	mel_scale    "slaney"         slaney, htk
//	top_db       80               >= 0, 0 disables clipping (dB scales)
//	ref          "max"            "max" or a positive number (dB scales)
//	format       "png16"          png16, npy
//	png_range    (per file)       [min, max], min < max
//	channels     "mean"           mean, first
//	max_seconds  60               (0, 3600]
//	cache_mib    256              0..65536 MiB of analysed files kept
//	min_sources  1 (specaugment 2) 1..1000000 usable files per class that gets samples
//	allow_few_sources  false      go on below min_sources, with a few_sources alert
//
// specaugment only:
//
//	time_masks          2       0..64 (m_T)
//	time_mask_max       20      frames, 0..65536 (T)
//	time_mask_fraction  0       0..1, caps time masks at p·frames (0: no cap)
//	freq_masks          2       0..64 (m_F)
//	freq_mask_max       15      output rows (mel bands or bins), 0..65536 (F)
//	mask_fill           "min"   min, mean
//	max_shift           0       frames, 0..1048576
//	mix_prob            0       0..1
//	waveform            false   write Griffin-Lim WAV (float32) instead of a spectrogram
//	iterations          32      1..1000 Griffin-Lim iterations
//	momentum            0.99    [0, 1), fast Griffin-Lim (0: classic)
//
// # Resources
//
// Each training file is decoded and analysed once while it stays in a
// least-recently-used cache of cache_mib MiB of float32 spectrograms
// (concurrent requests for a file share one decode); a file larger than
// the whole budget is analysed each time it is used. Memory per sample is
// a few float64 copies of one spectrogram; analysing a file also holds its
// float32 mono signal and complex64 STFT (8·bins·frames bytes: 46 MB for
// 60 s at 48 kHz with n_fft 1024, hop 256) while it runs.
package spectrogen
