// Package api is tailsynth's HTTP API, built on Gin.
//
// NewRouter builds the whole router from its dependencies; main and the
// tests share it. Handlers return a result or an error; one function,
// respondError, turns every error into the JSON error model
//
//	{"error": {"code": "...", "message": "...", "details": {...}}}
//
// with a fitting status, so no handler writes an error body by hand.
// Internal errors are logged with the request ID and answered with a
// generic message that leaks nothing.
package api
