package main

import (
	"bytes"
	"context"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/deskmine/deskmine/ticketcore/store"
)

func TestLoopSecretIsCreatedOnce(t *testing.T) {
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(t.TempDir(), "deskmine.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	a, err := loopSecret(ctx, st)
	if err != nil || len(a) != 32 {
		t.Fatalf("first: %d bytes, %v", len(a), err)
	}
	b, err := loopSecret(ctx, st)
	if err != nil || !bytes.Equal(a, b) {
		t.Fatalf("second read differs: %v", err)
	}
}

// TestServeClosesTheLoop: a resolved ticket's confirmation link closes it
// once, through the public route, without a login.
func TestServeClosesTheLoop(t *testing.T) {
	data := t.TempDir()
	token := adminToken(t, "--data", data)
	addr, stop := serve(t, data, "--mine-interval", "0")
	defer stop()
	base := "http://" + addr + "/api/v1"
	var tk struct{ ID int64 }
	if code := apiCall(t, "POST", base+"/tickets", token, `{"subject":"VPN 断线","channel":"email","customer":{"email":"c@example.com"}}`, &tk); code != 201 {
		t.Fatalf("create: %d", code)
	}
	if code := apiCall(t, "POST", fmt.Sprintf("%s/tickets/%d/transitions", base, tk.ID), token, `{"to":"resolved","resolution":"reset"}`, nil); code != 200 {
		t.Fatalf("resolve: %d", code)
	}
	var links struct{ Confirm, Rate string }
	if code := apiCall(t, "GET", fmt.Sprintf("%s/tickets/%d/customer-links", base, tk.ID), token, "", &links); code != 200 || links.Confirm == "" {
		t.Fatalf("links: %d %+v", code, links)
	}
	var view struct{ Status string }
	body := fmt.Sprintf(`{"token":%q,"resolved":true}`, links.Confirm)
	if code := apiCall(t, "POST", base+"/public/confirm", "", body, &view); code != 200 || view.Status != "closed" {
		t.Fatalf("confirm: %d %+v", code, view)
	}
	if code := apiCall(t, "POST", base+"/public/confirm", "", body, nil); code != 410 {
		t.Fatalf("reuse: %d, want 410", code)
	}
	if code := apiCall(t, "POST", base+"/public/csat", "", fmt.Sprintf(`{"token":%q,"score":5}`, links.Confirm), nil); code != 400 {
		t.Fatalf("confirm token used for the survey: %d, want 400", code)
	}
	if code := apiCall(t, "POST", base+"/public/csat", "", fmt.Sprintf(`{"token":%q,"score":5,"comment":"好"}`, links.Rate), nil); code != 200 {
		t.Fatalf("survey: %d", code)
	}
}
