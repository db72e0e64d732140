// Package client talks to a tailsynth server over HTTP.
//
// A Client sends JSON requests with the bearer API key, decodes the
// server's error model
//
//	{"error": {"code": "...", "message": "...", "details": ...}}
//
// into *Error, and reads server-sent event streams (a job's
// /v1/jobs/{id}/events). It knows the routes only as paths: callers build
// the bodies and read the answers, so the package does not tie the command
// line to the server's Go types.
package client
