package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/deskmine/deskmine/ticketcore"
	"github.com/deskmine/deskmine/ticketcore/auth"
)

// apiError is the one error shape of the API:
// {"error": {"code": "...", "message": "...", "fields": {"field": "reason"}}}.
type apiError struct {
	Status  int               `json:"-"`
	Code    string            `json:"code"`
	Message string            `json:"message"`
	Fields  map[string]string `json:"fields,omitempty"`
}

func (e *apiError) Error() string { return e.Message }

func badRequest(field, reason string) *apiError {
	return &apiError{Status: http.StatusBadRequest, Code: string(ticketcore.CodeBadRequest), Message: "bad " + field + ": " + reason,
		Fields: map[string]string{field: reason}}
}

var statusOf = map[ticketcore.Code]int{
	ticketcore.CodeInvalid:             http.StatusUnprocessableEntity,
	ticketcore.CodeBadRequest:          http.StatusBadRequest,
	ticketcore.CodeNotFound:            http.StatusNotFound,
	ticketcore.CodeConflict:            http.StatusConflict,
	ticketcore.CodeIllegalTransition:   http.StatusUnprocessableEntity,
	ticketcore.CodeChecklistIncomplete: http.StatusUnprocessableEntity,
	ticketcore.CodeLinkInvalid:         http.StatusBadRequest,
	ticketcore.CodeSubticketsOpen:      http.StatusUnprocessableEntity,
	ticketcore.CodeLinkGone:            http.StatusGone,
	ticketcore.CodeNotVerified:         http.StatusConflict,
	ticketcore.CodeIdempotencyReuse:    http.StatusUnprocessableEntity,
	ticketcore.CodeForbidden:           http.StatusForbidden,
	ticketcore.CodeUnauthorized:        http.StatusUnauthorized,
	ticketcore.CodePrecondition:        http.StatusPreconditionRequired,
}

// toAPIError maps any error to the API shape; unknown errors become a 500
// whose cause is logged, never shown.
func toAPIError(err error) (*apiError, bool) {
	var ae *apiError
	if errors.As(err, &ae) {
		return ae, true
	}
	if te, ok := ticketcore.AsError(err); ok {
		st, known := statusOf[te.Code]
		if !known {
			st = http.StatusBadRequest
		}
		return &apiError{Status: st, Code: string(te.Code), Message: te.Message, Fields: te.Fields}, true
	}
	var fe *auth.FieldError
	if errors.As(err, &fe) {
		return &apiError{Status: http.StatusUnprocessableEntity, Code: string(ticketcore.CodeInvalid), Message: "invalid " + fe.Field,
			Fields: map[string]string{fe.Field: fe.Reason}}, true
	}
	if errors.Is(err, auth.ErrNotFound) {
		return &apiError{Status: http.StatusNotFound, Code: string(ticketcore.CodeNotFound), Message: "not found"}, true
	}
	var he *echo.HTTPError
	if errors.As(err, &he) {
		msg := http.StatusText(he.Code)
		if s, ok := he.Message.(string); ok {
			msg = s
		}
		code := strings.ToLower(strings.ReplaceAll(http.StatusText(he.Code), " ", "_"))
		return &apiError{Status: he.Code, Code: code, Message: msg}, true
	}
	return &apiError{Status: http.StatusInternalServerError, Code: "internal", Message: "internal error"}, false
}

// decodeJSON reads a JSON body strictly: unknown fields and wrong types are
// refused with the field's name.
func decodeJSON(c echo.Context, dst any) error {
	req := c.Request()
	if ct := req.Header.Get(echo.HeaderContentType); !strings.HasPrefix(ct, echo.MIMEApplicationJSON) {
		// Requiring JSON also keeps cookie-authenticated requests safe from
		// cross-site form posts, which cannot send this content type.
		return &apiError{Status: http.StatusUnsupportedMediaType, Code: "unsupported_media_type",
			Message: "send the body as application/json", Fields: map[string]string{"Content-Type": "must be application/json"}}
	}
	dec := json.NewDecoder(req.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		return jsonError(err)
	}
	if dec.More() {
		return badRequest("body", "must hold exactly one JSON value")
	}
	return nil
}

func jsonError(err error) error {
	var te *json.UnmarshalTypeError
	var se *json.SyntaxError
	var mbe *http.MaxBytesError
	switch {
	case errors.As(err, &te):
		field := te.Field
		if field == "" {
			field = "body"
		}
		return badRequest(field, fmt.Sprintf("must be %s", jsonKind(te.Type.Kind().String())))
	case errors.As(err, &se):
		return badRequest("body", fmt.Sprintf("is not valid JSON at byte %d", se.Offset))
	case errors.As(err, &mbe):
		return &apiError{Status: http.StatusRequestEntityTooLarge, Code: "too_large", Message: "request body is too large"}
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return badRequest("body", "is empty or cut short")
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		name := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return badRequest(name, "is not a known field")
	}
	return badRequest("body", err.Error())
}

func jsonKind(k string) string {
	switch k {
	case "string":
		return "a string"
	case "int", "int64", "int32", "float64", "uint", "uint64":
		return "a number"
	case "bool":
		return "true or false"
	case "slice":
		return "a list"
	case "map", "struct":
		return "an object"
	case "ptr":
		return "a value of the right type"
	}
	return "of type " + k
}
