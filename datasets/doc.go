// Package datasets reads a dataset as the generators see it: Scan lists
// its sample files with their classes and splits (class folders, split
// folders or a manifest) and fingerprints it; Inspect summarises it for a
// user deciding what to generate; CheckFile reads one file as a generator
// would, to tell whether it is usable.
package datasets
