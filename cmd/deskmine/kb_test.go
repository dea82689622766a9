package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/deskmine/deskmine/internal/testkafka"
)

// kbTickets are resolved through the API by the knowledge-base tests: two
// problems, English and Chinese, with their category and resolution.
var kbTickets = []struct{ subject, category, resolution string }{
	{"VPN cannot connect from home", "Access", "Reset the VPN token and reinstalled the client."},
	{"vpn connection fails after update", "Access", "Reset the VPN token and reinstalled the client."},
	{"unable to connect to the vpn", "Access", "Reset the VPN token and reinstalled the client."},
	{"打印机卡纸", "Hardware", "打开后盖，取出卡住的纸张，清洁滚轮。"},
	{"打印机一直卡纸无法打印", "Hardware", "打开后盖，取出卡住的纸张，清洁滚轮。"},
	{"三楼打印机卡纸", "Hardware", "打开后盖，取出卡住的纸张，清洁滚轮。"},
}

// apiCall sends one request with the token and decodes a JSON answer.
func apiCall(t *testing.T, method, url, token, body string, out any) int {
	t.Helper()
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req, _ := http.NewRequest(method, url, r)
	req.Header.Set("Authorization", "Bearer "+token)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if out != nil && res.StatusCode < 300 {
		if err := json.Unmarshal(b, out); err != nil {
			t.Fatalf("%s %s: %v in %s", method, url, err, b)
		}
	}
	return res.StatusCode
}

// resolveKBTickets creates and resolves kbTickets through the ticket API.
func resolveKBTickets(t *testing.T, addr, token string) {
	t.Helper()
	base := "http://" + addr + "/api/v1/tickets"
	for i, k := range kbTickets {
		var tk struct{ ID int64 }
		body := fmt.Sprintf(`{"subject":%q,"category":%q,"channel":"email","customer":{"email":"kb%d@example.com"}}`, k.subject, k.category, i)
		if code := apiCall(t, "POST", base, token, body, &tk); code != 201 {
			t.Fatalf("create: %d", code)
		}
		body = fmt.Sprintf(`{"to":"resolved","resolution":%q}`, k.resolution)
		if code := apiCall(t, "POST", fmt.Sprintf("%s/%d/transitions", base, tk.ID), token, body, nil); code != 200 {
			t.Fatalf("resolve %d: %d", tk.ID, code)
		}
	}
}

// waitSimilar polls the similar-case API until text finds want cases.
func waitSimilar(t *testing.T, addr, token, text string, want int) []struct {
	TicketID int64  `json:"ticket_id"`
	Category string `json:"category"`
} {
	t.Helper()
	var res struct {
		Cases []struct {
			TicketID int64  `json:"ticket_id"`
			Category string `json:"category"`
		} `json:"cases"`
	}
	url := "http://" + addr + "/api/v1/kb/similar?k=10&text=" + strings.ReplaceAll(text, " ", "+")
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		if code := apiCall(t, "GET", url, token, "", &res); code != 200 {
			t.Fatalf("similar: %d", code)
		}
		if len(res.Cases) >= want {
			return res.Cases
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("similar %q: %d cases after 60s, want %d", text, len(res.Cases), want)
	return nil
}

// TestServeKnowledgeBase: the all-in-one server feeds the knowledge base
// from its own event log: resolved tickets become similar cases in both
// languages, train the category model, and `mine --once` runs afterwards
// on the same data directory.
func TestServeKnowledgeBase(t *testing.T) {
	data := t.TempDir()
	token := adminToken(t, "--data", data)
	addr, stop := serve(t, data, "--mine-interval", "0")
	resolveKBTickets(t, addr, token)

	cases := waitSimilar(t, addr, token, "vpn will not connect", 3)
	if cases[0].Category != "Access" {
		t.Errorf("vpn query: %+v", cases)
	}
	zh := waitSimilar(t, addr, token, "打印机卡纸了", 3)
	if zh[0].Category != "Hardware" {
		t.Errorf("Chinese query: %+v", zh)
	}
	var cl struct {
		Category   string  `json:"category"`
		Confidence float64 `json:"confidence"`
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		code := apiCall(t, "POST", "http://"+addr+"/api/v1/kb/classify", token, `{"text":"打印机又卡纸"}`, &cl)
		if code == 200 && cl.Category == "Hardware" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("classify: %d %+v", code, cl)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if code := apiCall(t, "POST", "http://"+addr+"/api/v1/kb/classify", token, `{"text":""}`, nil); code != 400 {
		t.Errorf("classify without text: %d, want 400", code)
	}
	stop()

	code, out, stderr := runCmd(t, "mine", "--data", data, "--once", "--json", "--min-group", "3")
	if code != 2 || !strings.Contains(stderr, "flag provided but not defined") {
		t.Errorf("unknown flag: exit %d, %s", code, stderr)
	}
	code, out, stderr = runCmd(t, "mine", "--data", data, "--once", "--json")
	var rep struct {
		Tickets int `json:"tickets"`
	}
	if code != 0 || json.Unmarshal([]byte(out), &rep) != nil || rep.Tickets != len(kbTickets) {
		t.Fatalf("mine --once: exit %d, out %q, stderr %s", code, out, stderr)
	}
	if code, _, stderr := runCmd(t, "mine", "--data", data, "--mine-interval", "0"); code != 2 || !strings.Contains(stderr, "--mine-interval") {
		t.Errorf("mine without an interval: exit %d, %s", code, stderr)
	}
}

// TestServeKnowledgeBaseOverKafka: with brokers configured the knowledge
// base reads the topic the relay fills, through its own consumer group.
func TestServeKnowledgeBaseOverKafka(t *testing.T) {
	brokers, _ := testkafka.Start(t)
	data := t.TempDir()
	token := adminToken(t, "--data", data)
	addr, stop := serve(t, data, "--kafka-brokers", strings.Join(brokers, ","), "--mine-interval", "0")
	defer stop()
	resolveKBTickets(t, addr, token)
	cases := waitSimilar(t, addr, token, "vpn will not connect", 3)
	if cases[0].Category != "Access" {
		t.Errorf("vpn query: %+v", cases)
	}
}
