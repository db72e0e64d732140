// Package gangen wires the WGAN-GP of package gan into the job pipeline as
// two heavy generators (Info().Heavy: they run on the heavy queue):
//
//   - "wgan-gp" trains a class-conditional WGAN-GP on a dataset's images;
//   - "stftsynth" (Farhadi et al. 2025) trains the same model on fixed-size
//     dB spectrograms of a WAV dataset and writes spectrograms (16-bit PNG
//     or npy) or Griffin-Lim waveforms.
//
// Register them with
//
//	gangen.Register(registry, func(ctx context.Context) (storage.Store, error) {
//		return open(ctx, defaultOutput+"/models") // a location every process shares
//	})
//
// # What a job does
//
// Start loads the training split of EVERY class (the model is conditional:
// all classes train it; the strategy only decides what is generated), at
// most max_images_per_class (max_files_per_class) per class, an evenly
// spaced subset in key order. Files that are not of the generator's kind,
// too large, undecodable, over the pixel limit (media.Decode's limits),
// WAV files that are truncated, without samples, with NaN or infinite
// samples or of another sample rate are excluded and listed in the
// report's bad_files; storage errors fail the job so that a retry can
// succeed. A class the plan asks samples of that is left without data
// fails the job with a datasets.DatasetError. When the job trains, so
// does such a class with fewer usable files than min_sources (default 2: a
// GAN trained on one file of a class can only copy it), unless
// allow_few_sources is true: the job then goes on with a few_sources alert
// (generators.SourceFloor) in its result, report.json, report.html and the
// CLI's WARNING lines. Sampling a stored model ("model") reads no class's
// files to make its samples and applies no floor.
//
// Then, unless "model" names a stored model, it trains (Gulrajani et al.
// 2017, see package gan) with weights seeded by the job seed, reporting
// env.Progress("training", {step, steps, critic_loss, generator_loss,
// wasserstein, grad_norm, seconds, resumed_from, checkpoint}) at most about
// once a second and at every checkpoint. Every checkpoint_every steps, and
// when training stops for any reason (a cancelled job included), the
// trainer (weights, Adam moments, random state, loss history) is written to
// env.Work; Start finds it on a retry and resumes from it: on the pure-Go
// path the resumed run ends with the same weights as an uninterrupted one.
// A checkpoint of other parameters, data or seed is ignored. time_budget
// counts the step time of every attempt. Training stops at steps, at the
// time budget or when the job is cancelled. The checkpoint (and the model
// id below) live as long as the job may run again: the job layer removes
// env.Work when the job succeeds or is cancelled, and keeps it while the
// job is retrying or back in the queue after a shutdown, and when it
// failed, which a retry (POST /v1/jobs/{id}/retry) resumes from. A
// cancelled job that is retried trains afresh under a new model id.
//
// The model is stored in the model store (package modelstore) under an id
// drawn on the job's first attempt and kept in env.Work, so a retried job
// replaces its own model instead of adding a second one. model.json
// records the classes, training counts, dataset fingerprint, architecture,
// hyperparameters, input settings, job parameters, training summary (loss
// history downsampled to 256 points) and the tailsynth, gorgonia and BLAS
// versions.
//
// With "model", Start loads that model instead of training. The dataset's
// classes must all be among the model's (else a DatasetError names the
// missing ones), and the sample shape (image_size and channels, or the STFT
// settings) comes from the model: giving those parameters too is an error.
// The training data are still read, for the memorization check and the
// grid's real row.
//
// # Samples
//
// Sample i of class c is element i mod 64 of the batch
// gan.Model.Sample(c, 64, batch_seed) with batch_seed =
// FNV-1a64("sample", 0, c, 0, le64(job seed), le64(i / 64)): a pure
// function of the model, the job seed, c and i, whatever the order or
// concurrency of generation. Batches are computed once and cached (32, LRU).
// The same model and seed give byte-identical files; training itself is
// deterministic for a given seed on the pure-Go BLAS path with steps as the
// limit (a time budget makes the step count, and so the model, depend on the
// machine's speed).
//
// Rows of metadata.jsonl hold "model" (the id) and "latent" (batch,
// batch_seed, batch_index). wgan-gp writes 8-bit gray or RGB PNGs ("image":
// width, height, mode). stftsynth rows hold "shape" [bins, frames], "stft"
// (sample rate, n_fft, hop, window, frames, n_mels, top_db, ...) and
// "scale": png16 pixels q map back to dB as d = min + q/65535·(max − min)
// with min = −top_db and max = 0 (spectro.ReadPNG16), within 0.5 steps;
// npy holds float32 dB, shape (bins, frames), row 0 the lowest frequency.
// dB are relative to each training file's loudest bin (0 dB); waveforms are
// therefore peak-normalised to 0.5.
//
// # Image and spectrogram mapping
//
// Images are stretched to image_size with imaging.Linear and mapped to
// v = p/255·2 − 1 (gray from RGB by ITU-R 601 luma). image_size "auto" takes
// the most common size among up to 256 headers, scales it so the longer side
// is at most 64 and rounds each side down to a multiple of 4 (at least 8):
// 28x28 stays, 224x224 becomes 64x64. channels "auto" is 1 when every
// training image decodes as gray.
//
// Spectrograms: a centred Hann STFT of n_fft with hop_length; linear
// frequency keeps bins 0..n_fft/2−1 (the Nyquist bin is dropped so that the
// height, n_fft/2, is divisible by 4 for the conv net; Griffin-Lim puts it
// back at the floor), or n_mels Slaney mel bands of the power. dB are
// librosa's amplitude_to_db / power_to_db with ref = the file's maximum and
// top_db clipping, then v = 2·d/top_db + 1 ∈ [−1, 1]. Each file (its first
// max_seconds, channels averaged) gives up to max_windows consecutive
// windows of frames frames; a file shorter than one window is padded with
// silence (−top_db). The sample rate is the most common one among up to 256
// headers; files of other rates are excluded (a mel bank, and the frequency
// axis, depend on it).
//
// # Extras and report
//
// samples_grid.png shows, for each planned class (at most 32), its first
// grid_per_class training samples (real, key order) beside generated samples
// 0..grid_per_class−1, which are the job's first output files.
// loss_curve.png plots the critic loss, the generator loss and the
// Wasserstein estimate (gan.LossCurve; from the stored summary when the
// model was loaded). report.json's generator_report gives the model id and
// source, training (steps, seconds, stop reason, final losses, resumed
// step, checkpoints written), architecture, hyperparameters, input, BLAS,
// versions, training samples per class, bad files and the memorization
// check: for up to memorization_samples generated samples per class, the L2
// distance in sample space to the nearest of up to 1000 training samples of
// the class, divided by the median nearest-neighbour distance among those
// training samples; min and median ratio and the number of near-copies
// (ratio < 0.1) per class and overall, and the closest pair.
//
// # Parameters
//
// Both generators:
//
//	name                  default   accepted
//	steps                 2000      0..10^7 generator updates (0: until time_budget)
//	time_budget           ""        Go duration, e.g. "20m"; summed over attempts
//	batch_size            64        1..1024
//	lr                    1e-4      (0, 1)
//	beta1                 0         [0, 1)   (Gulrajani et al.; their code uses 0.5)
//	beta2                 0.9       [0, 1)
//	ema                   0.999     [0, 1)   moving average of G's weights to sample from; 0: off
//	n_critic              5         1..100
//	lambda                10        >= 0
//	z_dim                 128       1..1024
//	arch                  conv      conv (sides divisible by 4), mlp
//	base                  64        conv width 1..512 (the cost grows with its square)
//	gen_block             deconv    conv generator upsampling: deconv, upsample
//	hidden                [256,256] mlp widths
//	diffaugment           auto      comma list of color, translation, cutout; "" off;
//	                                auto: translation,cutout for images when the
//	                                smallest class has < 100 images, else off
//	balanced              true      class-balanced batches
//	checkpoint_every      200       steps (0: only when training stops)
//	model                 ""        a stored model id: sample only
//	save_model            true      store the trained model
//	memorization_samples  256       per class, 0: off
//	grid_per_class        8         0..32, 0: no grid
//	threads               0         batch shards trained at once (0: one per
//	                                CPU, at most one per 8 batch rows)
//	min_sources           2         1..10^6 usable files per class that gets samples
//	allow_few_sources     false     train below min_sources, with a few_sources alert
//
// balanced is on by default because the generators exist for rare classes:
// with uniform batches a 1% class appears in a 64-batch less than once, so
// the conditional critic rarely sees it; balanced batches show every class
// equally often (for balanced data they change nothing). The price is that
// the few minority images are seen many times: use diffaugment and watch
// the memorization check.
//
// lr and beta1 default to the paper's 1e-4 and 0. On Fashion-MNIST (28x28,
// base 32, balanced, one class cut to 60 images) lr 2e-4 with beta1 0.5,
// the β₁ of the WGAN-GP reference code, made the classes recognisable about
// four times sooner at equal steps (scripts/bench/gan/learn); the demo
// scripts/demo/fashion_gan.sh uses it with diffaugment translation,cutout
// and gen_block upsample (smoother pictures than the default deconv, for
// about 10% more time per step; at 2,500 steps scripts/bench/gan/judge
// scored the two alike).
//
// wgan-gp: image_size ("auto", N, "WxH"; sides 4..256), channels ("auto",
// 1, 3), max_images_per_class (5000), max_file_mib (64), max_megapixels (64).
//
// stftsynth: n_fft (256, a multiple of 8), hop_length (64), frames (64),
// n_mels (0: linear), top_db (80), max_windows (8), max_seconds (60),
// max_files_per_class (5000), format (png16, npy), waveform (false),
// iterations (32, Griffin-Lim).
//
// # Costs
//
// Training data are held in memory as float32: 5000 images of 28x28 per
// class for 10 classes are 157 MB. A pure-Go 28x28 step (batch 64, base 32)
// takes about 1.5 s on 2 loaded cores; build with -tags openblas for the
// faster BLAS (gan.BLAS names the one in use). Trainer checkpoints hold the
// weights and two Adam moments (3x the model's size).
package gangen
