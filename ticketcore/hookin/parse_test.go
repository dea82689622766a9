package hookin

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"
)

func readTestdata(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func sourceFor(channel, callingCode string) Source {
	return Source{Name: "acme-" + channel, Channel: channel, Secrets: [][]byte{testSecret}, CallingCode: callingCode}
}

func TestParseValid(t *testing.T) {
	tests := []struct {
		file string
		src  Source
		want *Inbound
	}{
		{"chat.json", sourceFor(ChannelChat, ""), &Inbound{
			Source: "acme-chat", Channel: ChannelChat,
			EventID: "msg-8f14e45f", Conversation: "conv-2024-0001",
			Customer: Customer{ExternalID: "visitor-7731", Email: "li.lei@example.com", Phone: "+8613800138000", Name: "李雷"},
			Text:     "我的订单还没到 📦\n订单号 A-1029",
			At:       time.Date(2024, 5, 1, 1, 30, 0, 0, time.UTC),
			Attachments: []RemoteAttachment{{URL: "https://cdn.example.com/a/photo.jpg", Filename: "photo.jpg",
				ContentType: "image/jpeg", Size: 48213}},
		}},
		{"social.json", sourceFor(ChannelSocial, ""), &Inbound{
			Source: "acme-social", Channel: ChannelSocial,
			EventID: "weibo-dm-5521", Conversation: "weibo-thread-88",
			Customer: Customer{ExternalID: "weibo:1822339", Name: "小王 👋"},
			Text:     "@DeskmineShop 退货怎么办？",
			At:       time.Date(2024, 5, 1, 1, 31, 5, 0, time.UTC),
		}},
		{"phone.json", sourceFor(ChannelPhone, "86"), &Inbound{
			Source: "acme-phone", Channel: ChannelPhone,
			EventID: "call-7781-ended", Conversation: "call-7781",
			Customer: Customer{Phone: "+8613800138000"},
			Text:     "Customer asks for a callback about invoice 2024-118.",
			Subject:  "Callback: invoice",
			At:       time.Date(2024, 5, 1, 2, 2, 11, 0, time.UTC),
			Call: &Call{Direction: DirectionInbound, DurationSec: 184, RecordingURL: "https://pbx.example.com/rec/7781.mp3",
				Transcript: "您好，我想问一下发票的事情。"},
		}},
		{"phone.json", sourceFor(ChannelPhone, ""), &Inbound{
			Source: "acme-phone", Channel: ChannelPhone,
			EventID: "call-7781-ended", Conversation: "call-7781",
			Customer: Customer{Phone: "13800138000"}, // no calling code: no guess
			Text:     "Customer asks for a callback about invoice 2024-118.",
			Subject:  "Callback: invoice",
			At:       time.Date(2024, 5, 1, 2, 2, 11, 0, time.UTC),
			Call: &Call{Direction: DirectionInbound, DurationSec: 184, RecordingURL: "https://pbx.example.com/rec/7781.mp3",
				Transcript: "您好，我想问一下发票的事情。"},
		}},
		{"ivr.json", sourceFor(ChannelIVR, "86"), &Inbound{
			Source: "acme-ivr", Channel: ChannelIVR,
			EventID: "ivr-9934", Conversation: "ivr-call-9934",
			Customer: Customer{Phone: "+861065529988"},
			At:       time.Date(2024, 5, 1, 14, 15, 0, 0, time.UTC),
			Priority: "P1",
			Call:     &Call{Direction: DirectionInbound, DurationSec: 47, IVRPath: []string{"2", "售后服务", "urgent"}},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.file+"/"+tt.src.CallingCode, func(t *testing.T) {
			got, err := Parse(tt.src, readTestdata(t, tt.file))
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("Parse =\n%#v\nwant\n%#v", got, tt.want)
			}
			checkInvariants(t, tt.src, got)
		})
	}
}

func TestTicketChannel(t *testing.T) {
	for ch, want := range map[string]string{ChannelChat: "chat", ChannelSocial: "social", ChannelPhone: "phone", ChannelIVR: "phone"} {
		if got := (&Inbound{Channel: ch}).TicketChannel(); got != want {
			t.Errorf("TicketChannel of %s = %s, want %s", ch, got, want)
		}
	}
}

// payload loads a testdata file as a map to be changed by one case.
func payload(t *testing.T, file string, change func(m map[string]any)) []byte {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(readTestdata(t, file), &m); err != nil {
		t.Fatal(err)
	}
	change(m)
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func sub(m map[string]any, key string) map[string]any { return m[key].(map[string]any) }

func attachment(i int) map[string]any {
	return map[string]any{"url": fmt.Sprintf("https://cdn.example.com/%d.png", i)}
}

func TestParseMalformed(t *testing.T) {
	for _, body := range []string{
		``, ` `, `null`, `[]`, `"text"`, `42`, `{`, `{"event_id":`, `{"event_id":"a",}`,
		`{}{}`, `{} x`, `{"event_id":"a"} {"event_id":"b"}`, "\xef\xbb\xbf{}",
		"{\"event_id\":\"\xff\"}", `{'event_id':'a'}`, `{event_id:"a"}`,
	} {
		_, err := Parse(sourceFor(ChannelChat, ""), []byte(body))
		if !errors.Is(err, ErrMalformedJSON) {
			t.Errorf("Parse(%q) = %v, want ErrMalformedJSON", body, err)
			continue
		}
		if HTTPStatus(err) != 400 {
			t.Errorf("HTTPStatus(%v) = %d, want 400", err, HTTPStatus(err))
		}
	}
}

func TestParseRefusesFields(t *testing.T) {
	long := func(n int) string { return strings.Repeat("字", n) }
	raw := func(s string) func(*testing.T) []byte { return func(*testing.T) []byte { return []byte(s) } }
	from := func(file string, change func(m map[string]any)) func(*testing.T) []byte {
		return func(t *testing.T) []byte { return payload(t, file, change) }
	}
	chat := func(change func(m map[string]any)) func(*testing.T) []byte { return from("chat.json", change) }
	phone := func(change func(m map[string]any)) func(*testing.T) []byte { return from("phone.json", change) }
	ivr := func(change func(m map[string]any)) func(*testing.T) []byte { return from("ivr.json", change) }
	badURL := func(u string) func(*testing.T) []byte {
		return chat(func(m map[string]any) { m["attachments"] = []any{map[string]any{"url": u}} })
	}
	tests := []struct {
		name    string
		channel string
		body    func(*testing.T) []byte
		field   string
		reason  string // a part of the reason
	}{
		// Strict JSON.
		{"unknown field", ChannelChat, chat(func(m map[string]any) { m["channel"] = "email" }), "channel", "not a known field"},
		{"unknown nested field", ChannelChat, chat(func(m map[string]any) { sub(m, "customer")["nickname"] = "x" }), "customer.nickname", "not a known field"},
		{"unknown attachment field", ChannelChat, chat(func(m map[string]any) {
			m["attachments"] = []any{map[string]any{"url": "https://a.example.com/x", "path": "/etc"}}
		}), "attachments[0].path", "not a known field"},
		{"field name in another case", ChannelChat, raw(`{"Event_ID":"a"}`), "Event_ID", "not a known field"},
		{"unknown field with an odd name", ChannelChat, raw(`{"\u0000x y":"a"}`), "(body)", `unknown field "\x00x y"`},
		{"repeated field", ChannelChat, raw(`{"event_id":"a","event_id":"b"}`), "event_id", "more than once"},
		{"repeated field via escape", ChannelChat, raw(`{"event_id":"a","event\u005fid":"b"}`), "event_id", "more than once"},
		{"repeated nested field", ChannelChat, raw(`{"customer":{"email":"a@example.com","email":"b@example.com"}}`), "customer.email", "more than once"},
		{"number for a string", ChannelChat, raw(`{"event_id":17}`), "event_id", "must be a string"},
		{"object for a string", ChannelChat, raw(`{"text":{"zh":"你好"}}`), "text", "must be a string"},
		{"string for an object", ChannelChat, chat(func(m map[string]any) { m["customer"] = "li.lei@example.com" }), "customer", "must be an object"},
		{"object for an array", ChannelChat, chat(func(m map[string]any) { m["attachments"] = attachment(0) }), "attachments", "must be an array"},
		// Common fields.
		{"no event_id", ChannelChat, chat(func(m map[string]any) { delete(m, "event_id") }), "event_id", "is required"},
		{"blank event_id", ChannelChat, chat(func(m map[string]any) { m["event_id"] = " \t " }), "event_id", "is required"},
		{"event_id with a control character", ChannelChat, chat(func(m map[string]any) { m["event_id"] = "a\u0000b" }), "event_id", "control"},
		{"event_id too long", ChannelChat, chat(func(m map[string]any) { m["event_id"] = long(201) }), "event_id", "longer than 200"},
		{"no conversation_id", ChannelChat, chat(func(m map[string]any) { m["conversation_id"] = nil }), "conversation_id", "is required"},
		{"conversation_id with a newline", ChannelChat, chat(func(m map[string]any) { m["conversation_id"] = "c\n1" }), "conversation_id", "control"},
		{"no occurred_at", ChannelChat, chat(func(m map[string]any) { delete(m, "occurred_at") }), "occurred_at", "is required"},
		{"occurred_at without offset", ChannelChat, chat(func(m map[string]any) { m["occurred_at"] = "2024-05-01T09:30:00" }), "occurred_at", "RFC 3339"},
		{"occurred_at with a space", ChannelChat, chat(func(m map[string]any) { m["occurred_at"] = "2024-05-01 09:30:00Z" }), "occurred_at", "RFC 3339"},
		{"occurred_at as unix seconds", ChannelChat, raw(`{"event_id":"a","conversation_id":"c","occurred_at":1714527000}`), "occurred_at", "must be a string"},
		{"occurred_at with a one-digit hour", ChannelChat, chat(func(m map[string]any) { m["occurred_at"] = "2024-05-01T9:30:00+08:00" }), "occurred_at", "RFC 3339"},
		{"occurred_at in 1999 in UTC", ChannelChat, chat(func(m map[string]any) { m["occurred_at"] = "2000-01-01T00:30:00+01:00" }), "occurred_at", "2000"},
		{"occurred_at in 1999", ChannelChat, chat(func(m map[string]any) { m["occurred_at"] = "1999-12-31T23:59:59Z" }), "occurred_at", "2000"},
		{"no customer", ChannelChat, chat(func(m map[string]any) { delete(m, "customer") }), "customer", "is required"},
		{"customer without identity", ChannelChat, chat(func(m map[string]any) { m["customer"] = map[string]any{"name": "李雷"} }), "customer", "external_id, email or phone"},
		{"customer with blank identities", ChannelChat, chat(func(m map[string]any) { m["customer"] = map[string]any{"email": " ", "phone": "", "external_id": "  "} }), "customer", "external_id, email or phone"},
		{"email not an address", ChannelChat, chat(func(m map[string]any) { sub(m, "customer")["email"] = "li.lei" }), "customer.email", "not an email"},
		{"email with a display name", ChannelChat, chat(func(m map[string]any) { sub(m, "customer")["email"] = "Li Lei <li.lei@example.com>" }), "customer.email", "not an email"},
		{"phone with letters", ChannelChat, chat(func(m map[string]any) { sub(m, "customer")["phone"] = "call me maybe" }), "customer.phone", "only digits"},
		{"phone with an extension", ChannelChat, chat(func(m map[string]any) { sub(m, "customer")["phone"] = "+86 10 6552 9988 ext 12" }), "customer.phone", "only digits"},
		{"phone too short", ChannelChat, chat(func(m map[string]any) { sub(m, "customer")["phone"] = "110" }), "customer.phone", "too few"},
		{"international phone too long", ChannelChat, chat(func(m map[string]any) { sub(m, "customer")["phone"] = "+86 1380013800012345" }), "customer.phone", "international"},
		{"external_id with a control character", ChannelChat, chat(func(m map[string]any) { sub(m, "customer")["external_id"] = "u\u001b[31m" }), "customer.external_id", "control"},
		{"name too long", ChannelChat, chat(func(m map[string]any) { sub(m, "customer")["name"] = long(201) }), "customer.name", "longer than 200"},
		{"subject too long", ChannelChat, chat(func(m map[string]any) { m["subject"] = long(251) }), "subject", "longer than 250"},
		{"text too long", ChannelChat, chat(func(m map[string]any) { m["text"] = long(65537) }), "text", "longer than 65536"},
		{"priority not P1-P4", ChannelChat, chat(func(m map[string]any) { m["priority"] = "urgent" }), "priority", "P1, P2, P3 or P4"},
		{"priority lower case", ChannelChat, chat(func(m map[string]any) { m["priority"] = "p1" }), "priority", "P1, P2, P3 or P4"},
		{"priority as a number", ChannelChat, chat(func(m map[string]any) { m["priority"] = 1 }), "priority", "must be a string"},
		// Attachments.
		{"too many attachments", ChannelChat, chat(func(m map[string]any) {
			var as []any
			for i := 0; i <= maxAttachments; i++ {
				as = append(as, attachment(i))
			}
			m["attachments"] = as
		}), "attachments", "more than 20"},
		{"attachment without url", ChannelChat, chat(func(m map[string]any) { m["attachments"] = []any{attachment(0), map[string]any{"filename": "a.png"}} }), "attachments[1].url", "is required"},
		{"null attachment", ChannelChat, chat(func(m map[string]any) { m["attachments"] = []any{nil} }), "attachments[0].url", "is required"},
		{"http url", ChannelChat, badURL("http://cdn.example.com/a.png"), "attachments[0].url", "https"},
		{"javascript url", ChannelChat, badURL("javascript:alert(1)"), "attachments[0].url", "https"},
		{"file url", ChannelChat, badURL("file:///etc/passwd"), "attachments[0].url", "https"},
		{"relative url", ChannelChat, badURL("/a.png"), "attachments[0].url", "https"},
		{"url with credentials", ChannelChat, badURL("https://user:pw@cdn.example.com/a.png"), "attachments[0].url", "user information"},
		{"localhost url", ChannelChat, badURL("https://localhost/a.png"), "attachments[0].url", "localhost"},
		{"localhost subdomain url", ChannelChat, badURL("https://files.localhost:8443/a.png"), "attachments[0].url", "localhost"},
		{"loopback url", ChannelChat, badURL("https://127.0.0.1/a.png"), "attachments[0].url", "private"},
		{"private url", ChannelChat, badURL("https://10.1.2.3/a.png"), "attachments[0].url", "private"},
		{"metadata url", ChannelChat, badURL("https://169.254.169.254/latest/meta-data"), "attachments[0].url", "private"},
		{"carrier-grade NAT url", ChannelChat, badURL("https://100.64.0.7/a.png"), "attachments[0].url", "private"},
		{"IPv6 loopback url", ChannelChat, badURL("https://[::1]/a.png"), "attachments[0].url", "private"},
		{"IPv4-mapped loopback url", ChannelChat, badURL("https://[::ffff:127.0.0.1]/a.png"), "attachments[0].url", "private"},
		{"unique local IPv6 url", ChannelChat, badURL("https://[fd00::1]/a.png"), "attachments[0].url", "private"},
		{"decimal IPv4 url", ChannelChat, badURL("https://2130706433/a.png"), "attachments[0].url", "public host"},
		{"hex IPv4 url", ChannelChat, badURL("https://0x7f.1/a.png"), "attachments[0].url", "public host"},
		{"single-label host", ChannelChat, badURL("https://intranet/a.png"), "attachments[0].url", "public host"},
		{"url without host", ChannelChat, badURL("https:///a.png"), "attachments[0].url", "no host"},
		{"url with a space", ChannelChat, badURL("https://cdn.example.com/a b.png"), "attachments[0].url", "not a valid URL"},
		{"url too long", ChannelChat, badURL("https://cdn.example.com/" + strings.Repeat("a", 2048)), "attachments[0].url", "longer than 2048"},
		{"filename with a directory", ChannelChat, chat(func(m map[string]any) {
			m["attachments"] = []any{map[string]any{"url": "https://a.example.com/x", "filename": "../../etc/passwd"}}
		}), "attachments[0].filename", "without a directory"},
		{"filename with a backslash", ChannelChat, chat(func(m map[string]any) {
			m["attachments"] = []any{map[string]any{"url": "https://a.example.com/x", "filename": `..\boot.ini`}}
		}), "attachments[0].filename", "without a directory"},
		{"filename dot-dot", ChannelChat, chat(func(m map[string]any) {
			m["attachments"] = []any{map[string]any{"url": "https://a.example.com/x", "filename": ".."}}
		}), "attachments[0].filename", "without a directory"},
		{"content type not a media type", ChannelChat, chat(func(m map[string]any) {
			m["attachments"] = []any{map[string]any{"url": "https://a.example.com/x", "content_type": "picture"}}
		}), "attachments[0].content_type", "media type"},
		{"negative size", ChannelChat, raw(`{"attachments":[{"url":"https://a.example.com/x","size":-1}]}`), "attachments[0].size", "non-negative integer"},
		{"fractional size", ChannelChat, raw(`{"attachments":[{"url":"https://a.example.com/x","size":1.5}]}`), "attachments[0].size", "non-negative integer"},
		{"exponent size", ChannelChat, raw(`{"attachments":[{"url":"https://a.example.com/x","size":1e3}]}`), "attachments[0].size", "non-negative integer"},
		{"size as a string", ChannelChat, raw(`{"attachments":[{"url":"https://a.example.com/x","size":"12"}]}`), "attachments[0].size", "non-negative integer"},
		{"size beyond int64", ChannelChat, raw(`{"attachments":[{"url":"https://a.example.com/x","size":99999999999999999999}]}`), "attachments[0].size", "non-negative integer"},
		// Chat and social.
		{"chat without text or attachments", ChannelChat, chat(func(m map[string]any) { delete(m, "text"); delete(m, "attachments") }), "text", "is required"},
		{"chat text only controls and spaces", ChannelChat, chat(func(m map[string]any) { m["text"] = " \u0000\u0007 \r\n "; delete(m, "attachments") }), "text", "is required"},
		{"chat with a call", ChannelChat, chat(func(m map[string]any) { m["call"] = map[string]any{"direction": "inbound"} }), "call", "only for the phone and ivr"},
		{"social without external_id", ChannelSocial, chat(func(m map[string]any) { delete(sub(m, "customer"), "external_id") }), "customer.external_id", "required for the social"},
		// Phone and IVR.
		{"phone without call", ChannelPhone, phone(func(m map[string]any) { delete(m, "call") }), "call", "required for the phone"},
		{"phone with null call", ChannelPhone, phone(func(m map[string]any) { m["call"] = nil }), "call", "required for the phone"},
		{"phone without direction", ChannelPhone, phone(func(m map[string]any) { delete(sub(m, "call"), "direction") }), "call.direction", "is required"},
		{"phone with a bad direction", ChannelPhone, phone(func(m map[string]any) { sub(m, "call")["direction"] = "Inbound" }), "call.direction", "inbound or outbound"},
		{"call over a day", ChannelPhone, phone(func(m map[string]any) { sub(m, "call")["duration_sec"] = 86401 }), "call.duration_sec", "at most 86400"},
		{"negative duration", ChannelPhone, raw(`{"call":{"duration_sec":-5}}`), "call.duration_sec", "non-negative integer"},
		{"http recording", ChannelPhone, phone(func(m map[string]any) { sub(m, "call")["recording_url"] = "http://pbx.example.com/r.mp3" }), "call.recording_url", "https"},
		{"recording on a private address", ChannelPhone, phone(func(m map[string]any) { sub(m, "call")["recording_url"] = "https://192.168.1.20/r.mp3" }), "call.recording_url", "private"},
		{"empty menu choice", ChannelPhone, phone(func(m map[string]any) { sub(m, "call")["ivr_path"] = []any{"1", " "} }), "call.ivr_path[1]", "must not be empty"},
		{"menu choice too long", ChannelPhone, phone(func(m map[string]any) { sub(m, "call")["ivr_path"] = []any{long(65)} }), "call.ivr_path[0]", "longer than 64"},
		{"menu choice a number", ChannelPhone, raw(`{"call":{"ivr_path":[1]}}`), "call.ivr_path[0]", "must be a string"},
		{"too many menu choices", ChannelIVR, ivr(func(m map[string]any) {
			sub(m, "call")["ivr_path"] = strings.Split(strings.Repeat("1,", maxIVRPath), ",")
		}), "call.ivr_path", "more than 32"},
		{"transcript too long", ChannelPhone, phone(func(m map[string]any) { sub(m, "call")["transcript"] = long(65537) }), "call.transcript", "longer than 65536"},
		{"unknown call field", ChannelPhone, phone(func(m map[string]any) { sub(m, "call")["caller_id"] = "x" }), "call.caller_id", "not a known field"},
		{"ivr without a path", ChannelIVR, ivr(func(m map[string]any) { delete(sub(m, "call"), "ivr_path") }), "call.ivr_path", "required for the ivr"},
		{"ivr with an empty path", ChannelIVR, ivr(func(m map[string]any) { sub(m, "call")["ivr_path"] = []any{} }), "call.ivr_path", "required for the ivr"},
		{"ivr with a bad direction", ChannelIVR, ivr(func(m map[string]any) { sub(m, "call")["direction"] = "in" }), "call.direction", "inbound or outbound"},
		{"ivr without call", ChannelIVR, ivr(func(m map[string]any) { delete(m, "call") }), "call", "required for the ivr"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in, err := Parse(sourceFor(tt.channel, "86"), tt.body(t))
			var fe *FieldError
			if !errors.As(err, &fe) {
				t.Fatalf("Parse = %+v, %v; want a *FieldError", in, err)
			}
			if in != nil {
				t.Fatalf("Parse returned an Inbound with an error")
			}
			if fe.Field != tt.field || !strings.Contains(fe.Reason, tt.reason) {
				t.Fatalf("FieldError = {%q, %q}, want {%q, ...%q...}", fe.Field, fe.Reason, tt.field, tt.reason)
			}
			if HTTPStatus(err) != 422 {
				t.Fatalf("HTTPStatus = %d, want 422", HTTPStatus(err))
			}
		})
	}
}

func TestParseAcceptsEdges(t *testing.T) {
	tests := []struct {
		name    string
		channel string
		body    string
		check   func(t *testing.T, in *Inbound)
	}{
		{"chat with only an attachment", ChannelChat,
			`{"event_id":"e","conversation_id":"c","occurred_at":"2024-05-01T00:00:00Z","customer":{"email":"a@example.com"},"attachments":[{"url":"https://cdn.example.com/voice.amr","content_type":"Audio/AMR; Rate=8000"}]}`,
			func(t *testing.T, in *Inbound) {
				if in.Text != "" || len(in.Attachments) != 1 || in.Attachments[0].ContentType != "audio/amr; rate=8000" {
					t.Fatalf("%+v", in)
				}
			}},
		{"nulls count as absent", ChannelChat,
			`{"event_id":"e","conversation_id":"c","occurred_at":"2024-05-01T00:00:00Z","customer":{"email":"a@example.com","phone":null,"name":null},"text":"hi","subject":null,"priority":null,"attachments":null,"call":null}`,
			func(t *testing.T, in *Inbound) {
				if in.Subject != "" || in.Priority != "" || in.Attachments != nil || in.Call != nil || in.Customer.Phone != "" {
					t.Fatalf("%+v", in)
				}
			}},
		{"escaped key names", ChannelChat,
			`{"event\u005fid":"e","conversation_id":"c","occurred_at":"2024-05-01T00:00:00Z","customer":{"external_id":"u"},"text":"\u4f60\u597d \ud83d\ude00"}`,
			func(t *testing.T, in *Inbound) {
				if in.EventID != "e" || in.Text != "你好 😀" {
					t.Fatalf("%+v", in)
				}
			}},
		{"ids are trimmed", ChannelChat,
			`{"event_id":"  e-1 ","conversation_id":"\tc-1\n","occurred_at":"2024-05-01T00:00:00.123456789-05:00","customer":{"external_id":" u "},"text":"hi"}`,
			func(t *testing.T, in *Inbound) {
				if in.EventID != "e-1" || in.Conversation != "c-1" || in.Customer.ExternalID != "u" {
					t.Fatalf("%+v", in)
				}
				if want := time.Date(2024, 5, 1, 5, 0, 0, 123456789, time.UTC); !in.At.Equal(want) || in.At.Location() != time.UTC {
					t.Fatalf("At = %v, want %v in UTC", in.At, want)
				}
			}},
		{"outbound phone call without text", ChannelPhone,
			`{"event_id":"e","conversation_id":"c","occurred_at":"2024-05-01T00:00:00Z","customer":{"phone":"+1 (415) 555-2671"},"call":{"direction":"outbound","duration_sec":0}}`,
			func(t *testing.T, in *Inbound) {
				if in.Call == nil || in.Call.Direction != DirectionOutbound || in.Customer.Phone != "+14155552671" || in.Text != "" {
					t.Fatalf("%+v %+v", in, in.Call)
				}
			}},
		{"outbound ivr", ChannelIVR,
			`{"event_id":"e","conversation_id":"c","occurred_at":"2024-05-01T00:00:00Z","customer":{"external_id":"anonymous-1"},"call":{"direction":"outbound","ivr_path":["survey","5"],"duration_sec":86400}}`,
			func(t *testing.T, in *Inbound) {
				if in.Call.Direction != DirectionOutbound || in.Call.DurationSec != 86400 || in.TicketChannel() != "phone" {
					t.Fatalf("%+v %+v", in, in.Call)
				}
			}},
		{"limits exactly", ChannelChat,
			`{"event_id":"` + strings.Repeat("é", 200) + `","conversation_id":"c","occurred_at":"2000-01-01T00:00:00Z","customer":{"external_id":"u","name":"` + strings.Repeat("名", 200) + `"},"text":"` + strings.Repeat("文", 65536) + `","subject":"` + strings.Repeat("题", 250) + `"}`,
			func(t *testing.T, in *Inbound) {
				if utf8.RuneCountInString(in.Text) != 65536 || utf8.RuneCountInString(in.Subject) != 250 {
					t.Fatal("limits")
				}
			}},
		{"public IP and IDN urls", ChannelChat,
			`{"event_id":"e","conversation_id":"c","occurred_at":"2024-05-01T00:00:00Z","customer":{"external_id":"u"},"attachments":[{"url":"https://8.8.8.8/a.png"},{"url":"https://xn--fiqs8s.xn--fiqz9s:8443/a.png?sig=a%2Fb#x"},{"url":"https://[2001:4860:4860::8888]/x"}]}`,
			func(t *testing.T, in *Inbound) {
				if len(in.Attachments) != 3 || in.Attachments[1].URL != "https://xn--fiqs8s.xn--fiqz9s:8443/a.png?sig=a%2Fb#x" {
					t.Fatalf("%+v", in.Attachments)
				}
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := sourceFor(tt.channel, "")
			in, err := Parse(src, []byte(tt.body))
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			checkInvariants(t, src, in)
			tt.check(t, in)
		})
	}
}

// Chinese, emoji sequences (joiners, skin tones, flags, keycaps), combining
// marks and right-to-left text come out byte for byte as they went in;
// only control characters go.
func TestParseKeepsUnicode(t *testing.T) {
	texts := []string{
		"您好，我的快递三天没动了，单号 SF1234567890。",
		"👨‍👩‍👧‍👦 family, 👍🏽 thumbs, 🇨🇳🇩🇪 flags, 1️⃣ keycap, ❤️ heart",
		"café with e\u0301 combining, ｆｕｌｌｗｉｄｔｈ, 한국어, 日本語のテキスト",
		"مرحبا بالعالم — עברית",
		"line one\nline two\n\ttabbed",
		"zero\u200bwidth space and \u200d joiner stay",
	}
	for _, text := range texts {
		body, _ := json.Marshal(map[string]any{
			"event_id": "e", "conversation_id": "c", "occurred_at": "2024-05-01T00:00:00Z",
			"customer": map[string]any{"external_id": "u", "name": text[:strings.IndexByte(text+"\n", '\n')]},
			"text":     text, "subject": text,
		})
		in, err := Parse(sourceFor(ChannelChat, ""), body)
		if err != nil {
			t.Fatalf("Parse(%q): %v", text, err)
		}
		if in.Text != text {
			t.Errorf("Text = %q, want %q", in.Text, text)
		}
		if want := strings.Join(strings.Fields(strings.NewReplacer("\n", " ", "\t", " ").Replace(text)), " "); strings.Join(strings.Fields(in.Subject), " ") != want {
			t.Errorf("Subject = %q, want the one-line %q", in.Subject, want)
		}
	}
}

func TestParseRefusesBadSource(t *testing.T) {
	body := readTestdata(t, "chat.json")
	for _, src := range []Source{
		{Name: "x", Channel: "email"},
		{Name: "x", Channel: ""},
		{Name: "x", Channel: "CHAT"},
		{Name: "x", Channel: ChannelChat, CallingCode: "+86"},
		{Name: "x", Channel: ChannelChat, CallingCode: "086"},
	} {
		if _, err := Parse(src, body); !errors.Is(err, ErrInvalidSource) || HTTPStatus(err) != 500 {
			t.Errorf("Parse with %+v = %v, want ErrInvalidSource", src, err)
		}
	}
}

var (
	phoneResult = regexp.MustCompile(`^(\+[1-9][0-9]{6,14}|[0-9]{4,15})$`)
	// ticketcore.phoneRE, copied: what Parse accepts the ticket core must
	// accept too.
	coreAcceptsPhone = regexp.MustCompile(`^\+?[0-9][0-9 ()\-.]{3,24}$`)
)

// checkInvariants holds for every Inbound that Parse returns.
func checkInvariants(t testing.TB, src Source, in *Inbound) {
	t.Helper()
	fail := func(format string, args ...any) { t.Helper(); t.Fatalf("invariant: "+format, args...) }
	if in == nil {
		fail("nil Inbound without an error")
	}
	if in.Source != src.Name || in.Channel != src.Channel {
		fail("source %q/%q, want %q/%q", in.Source, in.Channel, src.Name, src.Channel)
	}
	id := func(name, s string) {
		if s == "" || s != strings.TrimSpace(s) || hasControl(s) || !utf8.ValidString(s) || utf8.RuneCountInString(s) > maxShort {
			fail("%s %q", name, s)
		}
	}
	id("event id", in.EventID)
	id("conversation", in.Conversation)
	line := func(name, s string, max int) {
		if s != strings.TrimSpace(s) || hasControl(s) || !utf8.ValidString(s) || utf8.RuneCountInString(s) > max {
			fail("%s %q", name, s)
		}
	}
	text := func(name, s string) {
		if s != strings.TrimSpace(s) || !utf8.ValidString(s) || utf8.RuneCountInString(s) > maxText || strings.Contains(s, "\r") {
			fail("%s %q", name, s)
		}
		for _, r := range s {
			if unicode.IsControl(r) && r != '\n' && r != '\t' {
				fail("%s has control %U", name, r)
			}
		}
	}
	c := in.Customer
	if c.ExternalID == "" && c.Email == "" && c.Phone == "" {
		fail("customer without identity")
	}
	if c.ExternalID != "" {
		id("customer external id", c.ExternalID)
	}
	if c.Email != strings.ToLower(c.Email) || strings.ContainsAny(c.Email, " <>") || (c.Email != "" && !strings.Contains(c.Email, "@")) {
		fail("email %q", c.Email)
	}
	if c.Phone != "" && (!phoneResult.MatchString(c.Phone) || !coreAcceptsPhone.MatchString(c.Phone)) {
		fail("phone %q", c.Phone)
	}
	line("name", c.Name, maxShort)
	line("subject", in.Subject, maxSubject)
	text("text", in.Text)
	if in.At.IsZero() || in.At.Location() != time.UTC || in.At.Year() < 2000 {
		fail("at %v", in.At)
	}
	switch in.Priority {
	case "", "P1", "P2", "P3", "P4":
	default:
		fail("priority %q", in.Priority)
	}
	if len(in.Attachments) > maxAttachments {
		fail("%d attachments", len(in.Attachments))
	}
	for _, a := range in.Attachments {
		if !strings.HasPrefix(a.URL, "https://") || checkRemoteURL(a.URL) != nil {
			fail("attachment url %q", a.URL)
		}
		line("filename", a.Filename, maxFilename)
		if strings.ContainsAny(a.Filename, `/\`) || a.Size < 0 {
			fail("attachment %+v", a)
		}
	}
	switch in.Channel {
	case ChannelChat, ChannelSocial:
		if in.Call != nil {
			fail("call on %s", in.Channel)
		}
		if in.Text == "" && len(in.Attachments) == 0 {
			fail("empty chat message")
		}
		if in.Channel == ChannelSocial && c.ExternalID == "" {
			fail("social message without external id")
		}
	case ChannelPhone, ChannelIVR:
		if in.Call == nil {
			fail("no call on %s", in.Channel)
		}
		if in.Call.Direction != DirectionInbound && in.Call.Direction != DirectionOutbound {
			fail("direction %q", in.Call.Direction)
		}
		if in.Call.DurationSec < 0 || in.Call.DurationSec > maxCallSeconds {
			fail("duration %d", in.Call.DurationSec)
		}
		if in.Call.RecordingURL != "" && checkRemoteURL(in.Call.RecordingURL) != nil {
			fail("recording url %q", in.Call.RecordingURL)
		}
		if in.Channel == ChannelIVR && len(in.Call.IVRPath) == 0 {
			fail("ivr without path")
		}
		for _, ch := range in.Call.IVRPath {
			if ch == "" {
				fail("empty ivr choice")
			}
			line("ivr choice", ch, maxIVRChoice)
		}
		text("transcript", in.Call.Transcript)
	default:
		fail("channel %q", in.Channel)
	}
}

// FuzzParse: no input panics; an error is always one the HTTP layer can
// map; and whatever parses satisfies the invariants.
func FuzzParse(f *testing.F) {
	for _, name := range []string{"chat.json", "social.json", "phone.json", "ivr.json", "signed.json"} {
		body := readTestdata(f, name)
		for ch := range byte(4) {
			f.Add(body, ch, true)
		}
	}
	f.Add([]byte(`{"event_id":"a","event_id":"b"}`), byte(0), false)
	f.Add([]byte(`{"customer":{"phone":"０１０-６５５２ ９９８８"}}`), byte(2), true)
	f.Add([]byte(`{"attachments":[{"url":"https://[::ffff:10.0.0.1]/"}]}`), byte(0), false)
	f.Add([]byte(`[[[[[[[[[[[[[[[[[[[[`), byte(1), false)
	channels := []string{ChannelChat, ChannelSocial, ChannelPhone, ChannelIVR}
	f.Fuzz(func(t *testing.T, body []byte, ch byte, chinese bool) {
		src := Source{Name: "fuzz", Channel: channels[int(ch)%len(channels)]}
		if chinese {
			src.CallingCode = "86"
		}
		in, err := Parse(src, body)
		if err != nil {
			if in != nil {
				t.Fatal("Inbound and error")
			}
			if s := HTTPStatus(err); s != 400 && s != 422 {
				t.Fatalf("status %d for %v", s, err)
			}
			var fe *FieldError
			if errors.As(err, &fe) && (fe.Field == "" || !utf8.ValidString(fe.Field) || hasControl(fe.Field)) {
				t.Fatalf("FieldError names no clean path: %q", fe.Field)
			}
			return
		}
		checkInvariants(t, src, in)
	})
}
