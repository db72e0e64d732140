package api

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"
)

// The browser console cannot put an Authorization header on an <img>, an
// <iframe> or a download link, and an API key must never sit in a URL. So
// POST /v1/session, sent with a valid key, sets a session cookie that
// authenticates reads: GET and HEAD only. Writes (submit, cancel, delete)
// still need the header, so another site cannot make a logged-in browser
// change anything (the cookie is also SameSite=Strict).
//
// The cookie holds HMAC-SHA256(key, sessionLabel), not the key: it is worth
// no more than read access, it stays valid across restarts and across
// replicas that share the keys, and it stops working when its key is
// removed from server.api_keys. It has no expiry, so it ends with the
// browser session.

// SessionCookie is the name of the console's session cookie.
const SessionCookie = "tailsynth_session"

const sessionLabel = "tailsynth console session v1"

// sessionToken is the cookie value for key.
func sessionToken(key string) string {
	m := hmac.New(sha256.New, []byte(key))
	m.Write([]byte(sessionLabel))
	return hex.EncodeToString(m.Sum(nil))
}

// SessionInfo is the body of GET /v1/session.
type SessionInfo struct {
	// Auth says whether the server needs an API key (server.api_keys).
	Auth bool `json:"auth"`
	// Authenticated says whether this request carried a valid key or
	// session cookie; always true when Auth is false.
	Authenticated bool `json:"authenticated"`
}

// keyring checks API keys and session cookies in constant time.
type keyring struct {
	keys    [][32]byte // SHA-256 of each key
	cookies [][32]byte // SHA-256 of each key's session token
}

func newKeyring(keys []string) *keyring {
	k := &keyring{}
	for _, key := range keys {
		k.keys = append(k.keys, sha256.Sum256([]byte(key)))
		k.cookies = append(k.cookies, sha256.Sum256([]byte(sessionToken(key))))
	}
	return k
}

// member compares v's digest with every digest in set, always all of them,
// so neither content nor length leaks through timing.
func member(set [][32]byte, v string) bool {
	d := sha256.Sum256([]byte(v))
	match := 0
	for _, k := range set {
		match |= subtle.ConstantTimeCompare(d[:], k[:])
	}
	return match == 1
}

func (k *keyring) validKey(token string) bool    { return member(k.keys, token) }
func (k *keyring) validCookie(value string) bool { return member(k.cookies, value) }

// readOnly reports whether a request may be authenticated by the session
// cookie.
func readOnly(r *http.Request) bool {
	return r.Method == http.MethodGet || r.Method == http.MethodHead
}

// authenticated reports whether c carries a valid key, or, on a read, a
// valid session cookie.
func (k *keyring) authenticated(c *gin.Context) bool {
	if token, ok := bearerToken(c.GetHeader("Authorization")); ok {
		return k.validKey(token)
	}
	if readOnly(c.Request) {
		if v, err := c.Cookie(SessionCookie); err == nil && v != "" {
			return k.validCookie(v)
		}
	}
	return false
}

// mountSession adds /v1/session. GET is open (the console asks it whether
// to show a key prompt); POST and DELETE pass the auth middleware like any
// other route, so POST reaches its handler only with a valid key.
func mountSession(r gin.IRouter, ring *keyring) {
	r.GET("/v1/session", handle(func(c *gin.Context) (int, any, error) {
		if ring == nil {
			return http.StatusOK, SessionInfo{Auth: false, Authenticated: true}, nil
		}
		return http.StatusOK, SessionInfo{Auth: true, Authenticated: ring.authenticated(c)}, nil
	}))
	r.POST("/v1/session", handle(func(c *gin.Context) (int, any, error) {
		if ring == nil {
			return http.StatusNoContent, nil, nil
		}
		token, _ := bearerToken(c.GetHeader("Authorization")) // checked by auth
		setSessionCookie(c, sessionToken(token), 0)
		return http.StatusNoContent, nil, nil
	}))
	r.DELETE("/v1/session", handle(func(c *gin.Context) (int, any, error) {
		setSessionCookie(c, "", -1)
		return http.StatusNoContent, nil, nil
	}))
}

// setSessionCookie writes the cookie: HttpOnly (scripts cannot read it),
// SameSite=Strict, for the whole site, Secure when the request came over
// TLS (directly or through a proxy that says so). maxAge 0 makes a
// browser-session cookie, -1 deletes it.
func setSessionCookie(c *gin.Context, value string, maxAge int) {
	secure := c.Request.TLS != nil || strings.EqualFold(c.GetHeader("X-Forwarded-Proto"), "https")
	http.SetCookie(c.Writer, &http.Cookie{
		Name: SessionCookie, Value: value, Path: "/", MaxAge: maxAge,
		HttpOnly: true, Secure: secure, SameSite: http.SameSiteStrictMode,
	})
}
