package mailin

import (
	"math"
	"strconv"
	"testing"
)

func TestThreadKeys(t *testing.T) {
	m := &Message{
		MessageID:  "self@x",
		InReplyTo:  []string{"p@x", "q@x"},
		References: []string{"r1@x", "p@x", "r3@x", "self@x", ""},
	}
	want := []string{"p@x", "q@x", "r3@x", "r1@x"}
	if got := ThreadKeys(m); !eqStrings(got, want) {
		t.Errorf("ThreadKeys = %q, want %q", got, want)
	}
	if got := ThreadKeys(&Message{MessageID: "a@x"}); len(got) != 0 {
		t.Errorf("no threading headers: %q", got)
	}
	if got := ThreadKeys(nil); got != nil {
		t.Errorf("nil message: %q", got)
	}
}

func TestThreadKeysFromSample(t *testing.T) {
	m := parseSample(t, "gmail_reply.eml")
	want := []string{"t1234.c56@deskmine.example", "CAH1x2y3z4=abcdef@mail.gmail.com", "t1234.c55@deskmine.example"}
	if got := ThreadKeys(m); !eqStrings(got, want) {
		t.Errorf("ThreadKeys = %q, want %q", got, want)
	}
	ticket, comment, ok := ParseOutgoingMessageID(ThreadKeys(m)[0])
	if !ok || ticket != 1234 || comment != 56 {
		t.Errorf("first key parses as %d, %d, %v", ticket, comment, ok)
	}
}

func TestTicketRef(t *testing.T) {
	tests := []struct {
		subject string
		id      int64
		ok      bool
	}{
		{"Re: [#1234] Printer offline", 1234, true},
		{"RE: [Ticket #88] Router", 88, true},
		{"Fwd: [ticket#7] x", 7, true},
		{"[ #42 ] spaced", 42, true},
		{"回复：【工单#5678】账号被锁定", 5678, true},
		{"回复：【工单 ＃99】全角", 99, true},
		{"【工单 12】no hash", 12, true},
		{"[＃31] fullwidth hash", 31, true},
		{"[#1] first [#2] second", 1, true},
		{"Order #1234 without brackets", 0, false},
		{"[1234] no hash", 0, false},
		{"[#0]", 0, false},
		{"[#-5]", 0, false},
		{"[#99999999999999999999]", 0, false},
		{"[#" + strconv.FormatInt(math.MaxInt64, 10) + "]", 0, false},
		{"[#999999999999999999]", 999999999999999999, true},
		{"", 0, false},
	}
	for _, tt := range tests {
		id, ok := TicketRef(tt.subject)
		if id != tt.id || ok != tt.ok {
			t.Errorf("TicketRef(%q) = %d, %v; want %d, %v", tt.subject, id, ok, tt.id, tt.ok)
		}
	}
}

func TestOutgoingMessageID(t *testing.T) {
	tests := []struct {
		ticket, comment int64
		domain, want    string
	}{
		{1234, 56, "deskmine.example", "t1234.c56@deskmine.example"},
		{1, 0, "Mail.Deskmine.Example", "t1.c0@mail.deskmine.example"},
		{7, 8, " bad domain<>@ ", "t7.c8@baddomain"},
		{7, 8, "", "t7.c8@deskmine.invalid"},
	}
	for _, tt := range tests {
		got := OutgoingMessageID(tt.ticket, tt.comment, tt.domain)
		if got != tt.want {
			t.Errorf("OutgoingMessageID(%d, %d, %q) = %q, want %q", tt.ticket, tt.comment, tt.domain, got, tt.want)
		}
		ticket, comment, ok := ParseOutgoingMessageID(got)
		if !ok || ticket != tt.ticket || comment != tt.comment {
			t.Errorf("round trip of %q = %d, %d, %v", got, ticket, comment, ok)
		}
	}
}

func TestParseOutgoingMessageID(t *testing.T) {
	tests := []struct {
		id              string
		ticket, comment int64
		ok              bool
	}{
		{"<t5.c6@x.example>", 5, 6, true},
		{" t5.c6@x.example ", 5, 6, true},
		{"t5.c6", 0, 0, false},
		{"t0.c6@x", 0, 0, false},
		{"T5.C6@x", 0, 0, false},
		{"xt5.c6@x", 0, 0, false},
		{"t5.c6@x@y", 0, 0, false},
		{"t99999999999999999999.c1@x", 0, 0, false},
		{"CAH9x8y7z6@mail.gmail.com", 0, 0, false},
		{"", 0, 0, false},
	}
	for _, tt := range tests {
		ticket, comment, ok := ParseOutgoingMessageID(tt.id)
		if ticket != tt.ticket || comment != tt.comment || ok != tt.ok {
			t.Errorf("ParseOutgoingMessageID(%q) = %d, %d, %v; want %d, %d, %v", tt.id, ticket, comment, ok, tt.ticket, tt.comment, tt.ok)
		}
	}
}

func TestSubjectTagRoundTrip(t *testing.T) {
	for _, id := range []int64{1, 42, 1 << 40} {
		if got, ok := TicketRef("Re: " + SubjectTag(id) + " hello"); !ok || got != id {
			t.Errorf("TicketRef(SubjectTag(%d)) = %d, %v", id, got, ok)
		}
	}
}
