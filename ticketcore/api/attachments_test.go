package api_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"

	"github.com/deskmine/deskmine/internal/testdb"
	"github.com/deskmine/deskmine/ticketcore/auth"
	"github.com/deskmine/deskmine/ticketcore/events"
)

// upload posts one file as multipart/form-data.
func (e *env) upload(role auth.Role, path, name string, data []byte, public string) resp {
	e.t.Helper()
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	fw, _ := w.CreateFormFile("file", name)
	_, _ = fw.Write(data)
	if public != "" {
		_ = w.WriteField("public", public)
	}
	_ = w.Close()
	req, _ := http.NewRequest("POST", e.srv.URL+path, &buf)
	req.Header.Set("Content-Type", w.FormDataContentType())
	req.Header.Set("Authorization", "Bearer "+e.tokens[role])
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return resp{Status: res.StatusCode, Header: res.Header, Body: b}
}

func TestAttachments(t *testing.T) {
	e := newEnv(t, testdb.Backends()[0])
	tk := e.createTicket(auth.RoleClient)
	base := fmt.Sprintf("/api/v1/tickets/%d/attachments", tk.ID)
	csv := []byte("order,amount,status\n4711,800,refunded\n4712,20,open\n")
	if r := e.upload(auth.RoleClient, base, "../../发票 2026.csv", csv, ""); r.Status != http.StatusCreated {
		t.Fatalf("client upload: %d %s", r.Status, r.Body)
	}
	if r := e.upload(auth.RoleAgent, base, "notes.txt", []byte("staff-only analysis 内部"), "false"); r.Status != http.StatusCreated {
		t.Fatalf("staff-only upload: %d %s", r.Status, r.Body)
	}
	if r := e.upload(auth.RoleClient, base, "x.txt", []byte("sneaky"), "false"); r.Status != http.StatusForbidden {
		t.Fatalf("client staff-only upload: %d", r.Status)
	}
	elf := append([]byte{0x7f, 'E', 'L', 'F', 2, 1, 1, 0}, make([]byte, 64)...)
	if r := e.upload(auth.RoleAgent, base, "invoice.pdf", elf, ""); r.Status != http.StatusUnsupportedMediaType {
		t.Fatalf("a program disguised as a PDF: %d %s", r.Status, r.Body)
	}
	cur, _ := e.svc.Get(context.Background(), tk.ID)
	if len(cur.Attachments) != 2 || cur.Attachments[0].Filename != "发票 2026.csv" || cur.Attachments[0].Kind != "spreadsheet" {
		t.Fatalf("attachments: %+v", cur.Attachments)
	}
	var list struct {
		Groups map[string][]events.Attachment `json:"groups"`
	}
	r := e.do(auth.RoleClient, "GET", base, nil)
	r.json(t, &list)
	if len(list.Groups) != 1 || len(list.Groups["spreadsheet"]) != 1 {
		t.Fatalf("client's groups: %s", r.Body)
	}
	r = e.do(auth.RoleAgent, "GET", base, nil)
	r.json(t, &list)
	if len(list.Groups["text"]) != 1 || len(list.Groups["spreadsheet"]) != 1 {
		t.Fatalf("staff groups: %s", r.Body)
	}
	csvSHA, noteSHA := cur.Attachments[0].SHA256, cur.Attachments[1].SHA256
	r = e.do(auth.RoleClient, "GET", base+"/"+csvSHA, nil)
	if r.Status != 200 || !bytes.Equal(r.Body, csv) || r.Header.Get("X-Content-Type-Options") != "nosniff" ||
		!strings.Contains(r.Header.Get("Content-Disposition"), "attachment") {
		t.Fatalf("download: %d %v", r.Status, r.Header)
	}
	if r := e.do(auth.RoleClient, "GET", base+"/"+noteSHA, nil); r.Status != http.StatusNotFound {
		t.Fatalf("client downloads a staff-only file: %d", r.Status)
	}
	if r := e.do(auth.RoleReviewer, "GET", base+"/"+noteSHA, nil); r.Status != 200 {
		t.Fatalf("staff download: %d", r.Status)
	}

	// A mail's attachments are kept with its ticket.
	r = e.do(auth.RoleClient, "POST", "/api/v1/intake/email", string(readSample(t, "applemail_inline_pdf.eml")), "Content-Type", "message/rfc822")
	var res struct {
		TicketID int64 `json:"ticket_id"`
	}
	r.json(t, &res)
	mailed, err := e.svc.Get(context.Background(), res.TicketID)
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[string]bool{}
	for _, a := range mailed.Attachments {
		kinds[a.Kind] = true
		if !a.Public {
			t.Errorf("a customer's file is not public: %+v", a)
		}
	}
	if !kinds["pdf"] {
		t.Fatalf("the mail's PDF was not kept: %+v (%s)", mailed.Attachments, r.Body)
	}
}
