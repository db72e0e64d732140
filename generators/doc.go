// Package generators holds what every sample generator shares: the
// Generator interface and a Registry instance, the job Spec, sampling
// strategies with imbalanced-learn's meanings, and the names of a job's
// output layout. Package datasets scans and inspects datasets; package
// generators/pipeline runs jobs (plan -> generate -> seal); each
// generator but the built-in oversample has a package of its own.
//
// A generator makes sample i of class c deterministically from the job's
// seed, so a job that is retried or resumed writes the same bytes under the
// same names, and the same dataset, parameters and seed give a
// byte-identical output.
package generators
