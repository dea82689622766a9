package hookin

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
)

// kind is the JSON type a payload field must have.
type kind int

const (
	kindString kind = iota
	kindUint        // a non-negative integer that fits an int64
	kindObject
	kindArray
)

// shape describes the allowed JSON of a payload. encoding/json alone is not
// strict enough: it matches field names regardless of case, keeps the last
// of repeated fields, and names no path in its unknown-field error. A
// checker that disagrees with the decoder about which "event_id" counts is
// how messages are smuggled past de-duplication, so the body is walked
// against its shape before it is decoded.
type shape struct {
	kind   kind
	fields map[string]*shape // kindObject
	elem   *shape            // kindArray
	max    int               // kindArray: most elements
}

func str() *shape                       { return &shape{kind: kindString} }
func uint64Shape() *shape               { return &shape{kind: kindUint} }
func object(f map[string]*shape) *shape { return &shape{kind: kindObject, fields: f} }
func array(elem *shape, max int) *shape { return &shape{kind: kindArray, elem: elem, max: max} }

// payloadShape is built per call so that no package-level map exists for
// anyone to change.
func payloadShape() *shape {
	return object(map[string]*shape{
		"event_id":        str(),
		"conversation_id": str(),
		"occurred_at":     str(),
		"customer": object(map[string]*shape{
			"external_id": str(),
			"email":       str(),
			"phone":       str(),
			"name":        str(),
		}),
		"text":     str(),
		"subject":  str(),
		"priority": str(),
		"attachments": array(object(map[string]*shape{
			"url":          str(),
			"filename":     str(),
			"content_type": str(),
			"size":         uint64Shape(),
		}), maxAttachments),
		"call": object(map[string]*shape{
			"direction":     str(),
			"duration_sec":  uint64Shape(),
			"recording_url": str(),
			"ivr_path":      array(str(), maxIVRPath),
			"transcript":    str(),
		}),
	})
}

// checkShape reports the first way body departs from s: ErrMalformedJSON
// for what is not JSON, a *FieldError for a wrong field.
func checkShape(body []byte, s *shape) error {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	tok, err := dec.Token()
	if err != nil {
		return malformed(err)
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return fmt.Errorf("%w: the body must be a JSON object", ErrMalformedJSON)
	}
	if err := walkObject(dec, s, ""); err != nil {
		return err
	}
	if _, err := dec.Token(); err != io.EOF {
		return fmt.Errorf("%w: data after the JSON object", ErrMalformedJSON)
	}
	return nil
}

func malformed(err error) error {
	if errors.Is(err, io.EOF) {
		return fmt.Errorf("%w: unexpected end of input", ErrMalformedJSON)
	}
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return fmt.Errorf("%w: %s at byte %d", ErrMalformedJSON, se.Error(), se.Offset)
	}
	return fmt.Errorf("%w: %v", ErrMalformedJSON, err)
}

// walkValue checks the value starting at the next token. null stands for
// an absent field, which is what many JSON encoders write for one.
func walkValue(dec *json.Decoder, s *shape, path string) error {
	tok, err := dec.Token()
	if err != nil {
		return malformed(err)
	}
	if tok == nil {
		return nil
	}
	// A value of the wrong type ends the walk at once: the request is
	// refused either way, and a syntax error further on would only hide
	// the more useful message.
	switch s.kind {
	case kindString:
		if _, ok := tok.(string); !ok {
			return &FieldError{path, "must be a string"}
		}
	case kindUint:
		n, ok := tok.(json.Number)
		if !ok || !isUint(string(n)) {
			return &FieldError{path, "must be a non-negative integer"}
		}
	case kindObject:
		if d, ok := tok.(json.Delim); !ok || d != '{' {
			return &FieldError{path, "must be an object"}
		}
		return walkObject(dec, s, path)
	case kindArray:
		if d, ok := tok.(json.Delim); !ok || d != '[' {
			return &FieldError{path, "must be an array"}
		}
		for i := 0; dec.More(); i++ {
			if i == s.max {
				return &FieldError{path, fmt.Sprintf("has more than %d elements", s.max)}
			}
			if err := walkValue(dec, s.elem, fmt.Sprintf("%s[%d]", path, i)); err != nil {
				return err
			}
		}
		if _, err := dec.Token(); err != nil {
			return malformed(err)
		}
	}
	return nil
}

// walkObject checks the members of an object whose '{' has been read.
func walkObject(dec *json.Decoder, s *shape, path string) error {
	seen := make(map[string]bool, len(s.fields))
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return malformed(err)
		}
		key, ok := tok.(string)
		if !ok {
			return malformed(fmt.Errorf("object key is not a string"))
		}
		sub, known := s.fields[key]
		if !known {
			return unknownField(path, key)
		}
		child := key
		if path != "" {
			child = path + "." + key
		}
		if seen[key] {
			return &FieldError{child, "appears more than once"}
		}
		seen[key] = true
		if err := walkValue(dec, sub, child); err != nil {
			return err
		}
	}
	if _, err := dec.Token(); err != nil {
		return malformed(err)
	}
	return nil
}

// unknownField names an unknown field by its path when its name is
// harmless, and quotes it (shortened) in the reason otherwise, so a sender
// cannot put arbitrary text in the field of an error.
func unknownField(path, key string) error {
	if plainKey(key) {
		if path != "" {
			key = path + "." + key
		}
		return &FieldError{key, "is not a known field"}
	}
	if len(key) > 40 {
		key = key[:40] + "..."
	}
	where := path
	if where == "" {
		where = "(body)"
	}
	return &FieldError{where, "has an unknown field " + strconv.QuoteToASCII(key)}
}

func plainKey(s string) bool {
	if s == "" || len(s) > 40 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if (c < 'a' || c > 'z') && (c < 'A' || c > 'Z') && (c < '0' || c > '9') && c != '_' && c != '-' {
			return false
		}
	}
	return true
}

// isUint accepts a JSON number that is a non-negative integer fitting an
// int64, as written without fraction or exponent.
func isUint(n string) bool {
	if n == "" || len(n) > 19 {
		return false
	}
	for i := 0; i < len(n); i++ {
		if n[i] < '0' || n[i] > '9' {
			return false
		}
	}
	_, err := strconv.ParseInt(n, 10, 64)
	return err == nil
}
