// Package pipeline runs a generation job in three steps: plan (open the
// output, scan the dataset, apply the strategy), generate (every sample,
// by a pool of workers, written by a pool of writers) and seal (the
// generator's extras, metadata.jsonl, classes.json, the quality report,
// report.json, report.html and, last, the _SUCCESS marker). The output
// layout's names are in package generators.
package pipeline
