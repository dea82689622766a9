package mailin

import (
	"bytes"
	"fmt"
	htmltemplate "html/template"
	"strings"
	texttemplate "text/template"
)

// Render executes a mail template. tmpl defines up to three named
// templates sharing one data value:
//
//	{{define "subject"}}Ticket {{.ID}} received{{end}}
//	{{define "text"}}Hello {{.Name}}, ...{{end}}
//	{{define "html"}}<p>Hello {{.Name}}, ...</p>{{end}}
//
// "subject" is required and so is one of "text" and "html". "subject" and
// "text" run as text/template, "html" as html/template, so data is escaped
// in the HTML body only. A missing map key or field is an error, not
// "<no value>" in a customer's inbox.
func Render(tmpl string, data any) (subject, text, html string, err error) {
	tt, err := texttemplate.New("mail").Option("missingkey=error").Parse(tmpl)
	if err != nil {
		return "", "", "", fmt.Errorf("parse mail template: %w", err)
	}
	if tt.Lookup("subject") == nil {
		return "", "", "", &FieldError{Field: "subject", Reason: `template defines no "subject"`}
	}
	if tt.Lookup("text") == nil && tt.Lookup("html") == nil {
		return "", "", "", &FieldError{Field: "text", Reason: `template defines neither "text" nor "html"`}
	}
	var b bytes.Buffer
	if err := tt.ExecuteTemplate(&b, "subject", data); err != nil {
		return "", "", "", fmt.Errorf("render subject: %w", err)
	}
	subject = oneLine(b.String())
	if tt.Lookup("text") != nil {
		b.Reset()
		if err := tt.ExecuteTemplate(&b, "text", data); err != nil {
			return "", "", "", fmt.Errorf("render text: %w", err)
		}
		text = strings.TrimSpace(b.String())
	}
	if tt.Lookup("html") != nil {
		ht, err := htmltemplate.New("mail").Option("missingkey=error").Parse(tmpl)
		if err != nil {
			return "", "", "", fmt.Errorf("parse mail template: %w", err)
		}
		b.Reset()
		if err := ht.ExecuteTemplate(&b, "html", data); err != nil {
			return "", "", "", fmt.Errorf("render html: %w", err)
		}
		html = strings.TrimSpace(b.String())
	}
	return subject, text, html, nil
}
