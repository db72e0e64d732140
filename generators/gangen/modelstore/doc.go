// Package modelstore keeps trained generator models (GAN checkpoints) in a
// storage.Store, one folder per model:
//
//	<id>/model.tsm    the checkpoint (gan.Model.Save: architecture and weights)
//	<id>/model.json   Meta: what the model is, how and on what it was trained
//
// model.json is written after model.tsm, so a model is listed only once
// both are complete (each Put is atomic). Meta.Checkpoint records the
// checkpoint's size and SHA-256, and Load verifies them, so a checkpoint
// replaced or damaged after the fact is refused rather than sampled.
//
// The store is meant to live at a location every tailsynth process shares
// (the service uses <default output>/models), so that a job on any worker
// finds a model by id. Ids are "m_" and 16 lowercase hex digits drawn from
// crypto/rand (NewID); they carry no meaning.
//
// The package has no dependency on gan or gorgonia: the HTTP API lists
// models through it without linking the training code.
package modelstore
