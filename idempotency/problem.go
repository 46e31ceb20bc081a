package idempotency

import (
	"encoding/json"
	"net/http"
	"strconv"
)

// problem is an RFC 9457 problem details body. Type is "about:blank", so
// Title is the status's reason phrase; Detail says what went wrong.
type problem struct {
	Type           string `json:"type"`
	Title          string `json:"title"`
	Status         int    `json:"status"`
	Detail         string `json:"detail"`
	OriginalStatus int    `json:"original_status,omitempty"`
}

// writeProblem answers with status and a problem details body.
func writeProblem(w http.ResponseWriter, status int, detail string) {
	writeProblemBody(w, problem{Status: status, Detail: detail})
}

func writeProblemBody(w http.ResponseWriter, p problem) {
	p.Type, p.Title = "about:blank", http.StatusText(p.Status)
	body, _ := json.Marshal(p) // cannot fail: strings and ints
	h := w.Header()
	h.Set("Content-Type", "application/problem+json")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(p.Status)
	_, _ = w.Write(body)
}
