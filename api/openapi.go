package api

import (
	_ "embed"
	"net/http"

	"github.com/gin-gonic/gin"
)

// openAPIDocument is the OpenAPI 3 description of every route. The tests
// hold it to the router: every route documented, every documented route
// served, every $ref resolved, request schemas matching the Go types.
//
//go:embed openapi.json
var openAPIDocument []byte

// OpenAPI returns the OpenAPI 3 document served at /openapi.json. The
// caller must not modify it.
func OpenAPI() []byte { return openAPIDocument }

// MountOpenAPI adds GET /openapi.json to r.
func MountOpenAPI(r gin.IRouter) {
	r.GET("/openapi.json", func(c *gin.Context) {
		c.Header("Cache-Control", "no-cache")
		c.Data(http.StatusOK, "application/json", openAPIDocument)
	})
}
