package mailin

import (
	"errors"
	"strings"
	"testing"
)

const receivedTemplate = `
{{define "subject"}}{{.Subject}}
  received{{end}}
{{define "text"}}
Hello {{.Name}},

we received your request "{{.Subject}}" and will answer soon.
{{end}}
{{define "html"}}<p>Hello {{.Name}},</p><p>we received your request &ldquo;{{.Subject}}&rdquo;.</p>{{end}}
`

func TestRender(t *testing.T) {
	data := map[string]any{"Name": `Eve <script>alert(1)</script>`, "Subject": "Printer & network"}
	subject, text, html, err := Render(receivedTemplate, data)
	if err != nil {
		t.Fatal(err)
	}
	if subject != "Printer & network received" {
		t.Errorf("subject = %q", subject)
	}
	if want := "Hello Eve <script>alert(1)</script>,\n\nwe received your request \"Printer & network\" and will answer soon."; text != want {
		t.Errorf("text = %q, want %q", text, want)
	}
	if want := "<p>Hello Eve &lt;script&gt;alert(1)&lt;/script&gt;,</p><p>we received your request &ldquo;Printer &amp; network&rdquo;.</p>"; html != want {
		t.Errorf("html = %q, want %q", html, want)
	}
}

func TestRenderStruct(t *testing.T) {
	type ticket struct {
		ID    int64
		Title string
	}
	tmpl := `{{define "subject"}}{{with .}}[#{{.ID}}] {{.Title}}{{end}}{{end}}{{define "text"}}Please confirm that ticket {{.ID}} is resolved.{{end}}`
	subject, text, html, err := Render(tmpl, ticket{ID: 12, Title: "VPN"})
	if err != nil {
		t.Fatal(err)
	}
	if subject != "[#12] VPN" || text != "Please confirm that ticket 12 is resolved." || html != "" {
		t.Errorf("got %q %q %q", subject, text, html)
	}
	if id, ok := TicketRef(subject); !ok || id != 12 {
		t.Errorf("rendered subject has no ticket tag: %q", subject)
	}
}

func TestRenderErrors(t *testing.T) {
	tests := []struct {
		name, tmpl string
		data       any
		field      string // "" for a plain wrapped error
		contains   string
	}{
		{"syntax", `{{define "subject"}}{{.X{{end}}`, nil, "", "parse mail template"},
		{"no subject", `{{define "text"}}x{{end}}`, nil, "subject", ""},
		{"no body", `{{define "subject"}}x{{end}}`, nil, "text", ""},
		{"missing key", `{{define "subject"}}{{.Missing}}{{end}}{{define "text"}}x{{end}}`, map[string]any{}, "", "render subject"},
		{"missing field in text", `{{define "subject"}}x{{end}}{{define "text"}}{{.Nope}}{{end}}`, struct{}{}, "", "render text"},
		{"html escaping error", `{{define "subject"}}x{{end}}{{define "html"}}<a href="{{.U}}{{end}}`, map[string]any{"U": "x"}, "", "render html"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, _, err := Render(tt.tmpl, tt.data)
			if err == nil {
				t.Fatal("no error")
			}
			var fe *FieldError
			if tt.field != "" {
				if !errors.As(err, &fe) || fe.Field != tt.field {
					t.Errorf("err = %v, want *FieldError for %s", err, tt.field)
				}
				return
			}
			if !strings.Contains(err.Error(), tt.contains) {
				t.Errorf("err = %v, want it to mention %q", err, tt.contains)
			}
		})
	}
}

// Rendered output feeds Compose directly.
func TestRenderThenCompose(t *testing.T) {
	subject, text, html, err := Render(receivedTemplate, map[string]any{"Name": "张伟", "Subject": "打印机"})
	if err != nil {
		t.Fatal(err)
	}
	raw, err := Compose(Outgoing{
		From: Address{"Deskmine", "support@deskmine.example"}, To: []Address{{"张伟", "zw@example.cn"}},
		Subject: subject, TicketID: 5, Text: text, HTML: html,
		MessageID: OutgoingMessageID(5, 1, "deskmine.example"),
	})
	if err != nil {
		t.Fatal(err)
	}
	m, err := parseBytes(raw)
	if err != nil {
		t.Fatal(err)
	}
	if m.Subject != "[#5] 打印机 received" || !strings.Contains(m.Text, "张伟") {
		t.Errorf("subject %q text %q", m.Subject, m.Text)
	}
}
