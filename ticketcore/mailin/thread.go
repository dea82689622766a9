package mailin

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// ThreadKeys returns the message ids that may identify the conversation m
// belongs to, most specific first: In-Reply-To, then References from the
// newest to the oldest. The message's own id is left out.
func ThreadKeys(m *Message) []string {
	if m == nil {
		return nil
	}
	seen := map[string]bool{m.MessageID: true, "": true}
	var keys []string
	add := func(id string) {
		if !seen[id] {
			seen[id] = true
			keys = append(keys, id)
		}
	}
	for _, id := range m.InReplyTo {
		add(id)
	}
	for i := len(m.References) - 1; i >= 0; i-- {
		add(m.References[i])
	}
	return keys
}

// ticketTag matches the tags Deskmine puts in outgoing subjects: "[#1234]",
// "[Ticket #1234]" and "【工单#1234】", with half- or full-width "#".
var ticketTag = regexp.MustCompile(`(?i)\[\s*(?:ticket\s*)?[#＃]\s*(\d{1,18})\s*\]|【\s*工单\s*[#＃]?\s*(\d{1,18})\s*】`)

// TicketRef finds the ticket number tagged in a subject; the first tag wins.
func TicketRef(subject string) (int64, bool) {
	m := ticketTag.FindStringSubmatch(subject)
	if m == nil {
		return 0, false
	}
	digits := m[1]
	if digits == "" {
		digits = m[2]
	}
	id, err := strconv.ParseInt(digits, 10, 64)
	if err != nil || id <= 0 {
		return 0, false
	}
	return id, true
}

// SubjectTag is the tag TicketRef recognises, for outgoing subjects.
func SubjectTag(ticketID int64) string {
	return fmt.Sprintf("[#%d]", ticketID)
}

// OutgoingMessageID is the Message-ID (without brackets) of Deskmine's mail
// about a ticket comment; clients quote it in In-Reply-To and References,
// which is how answers find their ticket. commentID must differ between the
// mails of one ticket (use the id of the comment or notification sent):
// clients such as Gmail hide a second message with an id already seen.
func OutgoingMessageID(ticketID, commentID int64, domain string) string {
	return fmt.Sprintf("t%d.c%d@%s", ticketID, commentID, cleanDomain(domain))
}

// cleanDomain keeps the characters a domain may have; Message-IDs with
// anything else break threading in some clients.
func cleanDomain(d string) string {
	d = strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9', r == '.', r == '-':
			return r
		case r >= 'A' && r <= 'Z':
			return r + ('a' - 'A')
		}
		return -1
	}, d)
	d = strings.Trim(d, ".-")
	if d == "" {
		return "deskmine.invalid"
	}
	return d
}

var outgoingID = regexp.MustCompile(`^t(\d{1,18})\.c(\d{1,18})@[^@\s<>]+$`)

// ParseOutgoingMessageID reverses OutgoingMessageID, brackets optional. It
// does not check the domain; the caller may compare it with its own.
func ParseOutgoingMessageID(id string) (ticketID, commentID int64, ok bool) {
	id = strings.TrimSuffix(strings.TrimPrefix(strings.TrimSpace(id), "<"), ">")
	m := outgoingID.FindStringSubmatch(id)
	if m == nil {
		return 0, 0, false
	}
	t, err1 := strconv.ParseInt(m[1], 10, 64)
	c, err2 := strconv.ParseInt(m[2], 10, 64)
	if err1 != nil || err2 != nil || t <= 0 {
		return 0, 0, false
	}
	return t, c, true
}
