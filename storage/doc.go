// Package storage defines the object store that every part of tailsynth reads
// datasets from and writes job outputs to, and the locations (URIs) that name
// places in it.
//
// One interface, Store, is implemented by two backends, each in its own
// package: storage/local (a directory on the local filesystem, the embedded
// default) and storage/s3store (any S3-compatible server through minio-go).
// Backends translate their own errors into the sentinels declared here, so
// callers use errors.Is and never look at a provider's error types.
//
// Keys are slash-separated relative paths ("train/cat/0001.png"). ValidateKey
// states the rules every backend enforces.
package storage
