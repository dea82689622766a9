package hookin

import (
	"bytes"
	"encoding/json"
	"fmt"
	"mime"
	"net/mail"
	"strings"
	"time"
	"unicode/utf8"
)

// Limits of a payload, in characters unless said otherwise. Text matches the
// ticket core's description limit, subject its subject limit, the short
// fields its limit on short text, so that what Parse accepts the ticket core
// does too.
const (
	maxText        = 65536
	maxSubject     = 250
	maxShort       = 200
	maxEmail       = 254
	maxFilename    = 255
	maxContentType = 255
	maxAttachments = 20
	maxIVRPath     = 32
	maxIVRChoice   = 64
	maxCallSeconds = 86400
)

// Call directions.
const (
	DirectionInbound  = "inbound"
	DirectionOutbound = "outbound"
)

// Inbound is one verified, parsed message of a channel.
type Inbound struct {
	Source  string // Source.Name
	Channel string // Source.Channel: chat, social, phone or ivr
	// EventID is the provider's id of this message; a request repeating an
	// (Source, EventID) pair is a duplicate.
	EventID string
	// Conversation is the provider's id of the conversation, thread or
	// call: the messages of one conversation go to one ticket.
	Conversation string
	Customer     Customer
	// Text is trimmed, without control characters other than "\n" and
	// "\t". It may be empty for phone and ivr, and for chat and social when
	// there are attachments.
	Text string
	// Subject is one line, or empty: the ticket service then derives one
	// from Text.
	Subject     string
	At          time.Time // when the message was sent or the call began, in UTC
	Attachments []RemoteAttachment
	Call        *Call  // set for phone and ivr, nil otherwise
	Priority    string // "" or a hint: P1, P2, P3 or P4
}

// Customer identifies the sender; at least one of ExternalID, Email and
// Phone is set.
type Customer struct {
	ExternalID string
	Email      string // lower case
	// Phone is E.164 ("+8613800138000") when the number had a country code
	// or the source has a CallingCode, otherwise its digits.
	Phone string
	Name  string
}

// RemoteAttachment is a file the provider hosts; nothing has been fetched.
type RemoteAttachment struct {
	URL         string // https, as sent (signed URLs must stay intact)
	Filename    string // no directory part; may be empty
	ContentType string // a canonical media type, or empty
	Size        int64  // bytes as the provider states them; 0: unknown
}

// Call describes a phone or IVR call.
type Call struct {
	Direction    string // DirectionInbound or DirectionOutbound
	DurationSec  int
	RecordingURL string   // https, or empty
	IVRPath      []string // menu choices in the order they were made
	Transcript   string
}

// TicketChannel is the ticket channel of the message: the ticket core knows
// IVR calls as phone tickets.
func (in *Inbound) TicketChannel() string {
	if in.Channel == ChannelIVR {
		return ChannelPhone
	}
	return in.Channel
}

// The wire form. Strings and pointers are enough: checkShape has already
// refused every other type.
type wirePayload struct {
	EventID        string           `json:"event_id"`
	ConversationID string           `json:"conversation_id"`
	OccurredAt     string           `json:"occurred_at"`
	Customer       *wireCustomer    `json:"customer"`
	Text           string           `json:"text"`
	Subject        string           `json:"subject"`
	Priority       string           `json:"priority"`
	Attachments    []wireAttachment `json:"attachments"`
	Call           *wireCall        `json:"call"`
}

type wireCustomer struct {
	ExternalID string `json:"external_id"`
	Email      string `json:"email"`
	Phone      string `json:"phone"`
	Name       string `json:"name"`
}

type wireAttachment struct {
	URL         string `json:"url"`
	Filename    string `json:"filename"`
	ContentType string `json:"content_type"`
	Size        int64  `json:"size"`
}

type wireCall struct {
	Direction    string   `json:"direction"`
	DurationSec  int64    `json:"duration_sec"`
	RecordingURL string   `json:"recording_url"`
	IVRPath      []string `json:"ivr_path"`
	Transcript   string   `json:"transcript"`
}

// Parse decodes a webhook body of src, which must have been verified. The
// format is in the package documentation. It returns ErrMalformedJSON for a
// body that is not one UTF-8 JSON object, a *FieldError naming the JSON path
// of the first refused field, or ErrInvalidSource for a misconfigured src.
func Parse(src Source, body []byte) (*Inbound, error) {
	if err := src.checkParsing(); err != nil {
		return nil, err
	}
	// encoding/json would quietly turn invalid UTF-8 into U+FFFD; refusing
	// it keeps what is stored what was signed.
	if !utf8.Valid(body) {
		return nil, fmt.Errorf("%w: the body is not valid UTF-8", ErrMalformedJSON)
	}
	if err := checkShape(body, payloadShape()); err != nil {
		return nil, err
	}
	var w wirePayload
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&w); err != nil {
		// checkShape has accepted the body, so this is a bug, not bad input.
		return nil, fmt.Errorf("%w: %v", ErrMalformedJSON, err)
	}
	in := &Inbound{Source: src.Name, Channel: src.Channel}
	var err error
	if in.EventID, err = cleanID("event_id", w.EventID); err != nil {
		return nil, err
	}
	if in.Conversation, err = cleanID("conversation_id", w.ConversationID); err != nil {
		return nil, err
	}
	if in.At, err = parseAt(w.OccurredAt); err != nil {
		return nil, err
	}
	if in.Customer, err = parseCustomer(src, w.Customer); err != nil {
		return nil, err
	}
	in.Text = cleanText(w.Text)
	if tooLong(in.Text, maxText) {
		return nil, &FieldError{"text", fmt.Sprintf("is longer than %d characters", maxText)}
	}
	in.Subject = cleanLine(w.Subject)
	if tooLong(in.Subject, maxSubject) {
		return nil, &FieldError{"subject", fmt.Sprintf("is longer than %d characters", maxSubject)}
	}
	switch w.Priority {
	case "", "P1", "P2", "P3", "P4":
		in.Priority = w.Priority
	default:
		return nil, &FieldError{"priority", "must be P1, P2, P3 or P4"}
	}
	if in.Attachments, err = parseAttachments(w.Attachments); err != nil {
		return nil, err
	}
	switch src.Channel {
	case ChannelChat, ChannelSocial:
		if w.Call != nil {
			return nil, &FieldError{"call", "is only for the phone and ivr channels"}
		}
		if in.Text == "" && len(in.Attachments) == 0 {
			return nil, &FieldError{"text", "is required when there are no attachments"}
		}
		if src.Channel == ChannelSocial && in.Customer.ExternalID == "" {
			return nil, &FieldError{"customer.external_id", "is required for the social channel"}
		}
	case ChannelPhone, ChannelIVR:
		if w.Call == nil {
			return nil, &FieldError{"call", "is required for the " + src.Channel + " channel"}
		}
		if in.Call, err = parseCall(src.Channel, w.Call); err != nil {
			return nil, err
		}
	}
	return in, nil
}

// cleanID trims an identifier and refuses, rather than cleans, what would
// make two ids equal or forge log lines.
func cleanID(field, s string) (string, error) {
	s = strings.TrimSpace(s)
	switch {
	case s == "":
		return "", &FieldError{field, "is required"}
	case hasControl(s):
		return "", &FieldError{field, "must not contain control characters"}
	case tooLong(s, maxShort):
		return "", &FieldError{field, fmt.Sprintf("is longer than %d characters", maxShort)}
	}
	return s, nil
}

// parseAt requires an explicit offset: a time without one would be read in
// the server's zone, which the provider does not know.
func parseAt(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, &FieldError{"occurred_at", "is required"}
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil || !fixedDigits(s) {
		return time.Time{}, &FieldError{"occurred_at", "must be an RFC 3339 time such as 2024-05-01T09:30:00+08:00"}
	}
	// The year is that of UTC, as stored: 2000-01-01T00:30:00+01:00 is
	// still 1999.
	if t = t.UTC(); t.Year() < 2000 {
		return time.Time{}, &FieldError{"occurred_at", "must be in the year 2000 or later"}
	}
	return t, nil
}

// fixedDigits checks the two-digit fields that time.Parse would also
// accept with one digit ("T9:30:00"), so that one instant has few spellings.
func fixedDigits(s string) bool {
	const layout = "dddd-dd-ddTdd:dd:dd"
	if len(s) < len(layout) {
		return false
	}
	for i := 0; i < len(layout); i++ {
		if layout[i] == 'd' {
			if s[i] < '0' || s[i] > '9' {
				return false
			}
		} else if s[i] != layout[i] {
			return false
		}
	}
	return true
}

func parseCustomer(src Source, w *wireCustomer) (Customer, error) {
	if w == nil {
		return Customer{}, &FieldError{"customer", "is required"}
	}
	var c Customer
	if ext := strings.TrimSpace(w.ExternalID); ext != "" {
		var err error
		if c.ExternalID, err = cleanID("customer.external_id", ext); err != nil {
			return Customer{}, err
		}
	}
	if e := strings.ToLower(strings.TrimSpace(w.Email)); e != "" {
		a, err := mail.ParseAddress(e)
		if err != nil || a.Address != e || len(e) > maxEmail {
			return Customer{}, &FieldError{"customer.email", "is not an email address"}
		}
		c.Email = e
	}
	if p := strings.TrimSpace(w.Phone); p != "" {
		n, err := NormalizePhone(p, src.CallingCode)
		if err != nil {
			return Customer{}, &FieldError{"customer.phone", err.Error()}
		}
		c.Phone = n
	}
	c.Name = cleanLine(w.Name)
	if tooLong(c.Name, maxShort) {
		return Customer{}, &FieldError{"customer.name", fmt.Sprintf("is longer than %d characters", maxShort)}
	}
	if c.ExternalID == "" && c.Email == "" && c.Phone == "" {
		return Customer{}, &FieldError{"customer", "needs an external_id, email or phone"}
	}
	return c, nil
}

func parseAttachments(ws []wireAttachment) ([]RemoteAttachment, error) {
	if len(ws) == 0 {
		return nil, nil
	}
	out := make([]RemoteAttachment, len(ws))
	for i, w := range ws {
		at := func(f string) string { return fmt.Sprintf("attachments[%d].%s", i, f) }
		u := strings.TrimSpace(w.URL)
		if u == "" {
			return nil, &FieldError{at("url"), "is required"}
		}
		if err := checkRemoteURL(u); err != nil {
			return nil, &FieldError{at("url"), err.Error()}
		}
		name := cleanLine(w.Filename)
		switch {
		case tooLong(name, maxFilename):
			return nil, &FieldError{at("filename"), fmt.Sprintf("is longer than %d characters", maxFilename)}
		case strings.ContainsAny(name, `/\`) || name == "." || name == "..":
			// A directory part would let a file be saved outside where
			// attachments go.
			return nil, &FieldError{at("filename"), "must be a file name without a directory"}
		}
		ct, err := canonicalContentType(w.ContentType)
		if err != nil {
			return nil, &FieldError{at("content_type"), err.Error()}
		}
		out[i] = RemoteAttachment{URL: u, Filename: name, ContentType: ct, Size: w.Size}
	}
	return out, nil
}

func canonicalContentType(s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", nil
	}
	if len(s) > maxContentType {
		return "", fmt.Errorf("is longer than %d characters", maxContentType)
	}
	mt, params, err := mime.ParseMediaType(s)
	if err != nil || !strings.Contains(mt, "/") {
		return "", fmt.Errorf("is not a media type such as image/png")
	}
	out := mime.FormatMediaType(mt, params)
	if out == "" {
		return "", fmt.Errorf("is not a media type such as image/png")
	}
	return out, nil
}

func parseCall(channel string, w *wireCall) (*Call, error) {
	c := &Call{Direction: w.Direction}
	switch {
	case c.Direction == "" && channel == ChannelIVR:
		c.Direction = DirectionInbound
	case c.Direction == "":
		return nil, &FieldError{"call.direction", "is required"}
	case c.Direction != DirectionInbound && c.Direction != DirectionOutbound:
		return nil, &FieldError{"call.direction", "must be inbound or outbound"}
	}
	if w.DurationSec > maxCallSeconds {
		return nil, &FieldError{"call.duration_sec", fmt.Sprintf("must be at most %d", maxCallSeconds)}
	}
	c.DurationSec = int(w.DurationSec)
	if u := strings.TrimSpace(w.RecordingURL); u != "" {
		if err := checkRemoteURL(u); err != nil {
			return nil, &FieldError{"call.recording_url", err.Error()}
		}
		c.RecordingURL = u
	}
	for i, choice := range w.IVRPath {
		choice = cleanLine(choice)
		field := fmt.Sprintf("call.ivr_path[%d]", i)
		if choice == "" {
			return nil, &FieldError{field, "must not be empty"}
		}
		if tooLong(choice, maxIVRChoice) {
			return nil, &FieldError{field, fmt.Sprintf("is longer than %d characters", maxIVRChoice)}
		}
		c.IVRPath = append(c.IVRPath, choice)
	}
	if channel == ChannelIVR && len(c.IVRPath) == 0 {
		return nil, &FieldError{"call.ivr_path", "is required for the ivr channel"}
	}
	c.Transcript = cleanText(w.Transcript)
	if tooLong(c.Transcript, maxText) {
		return nil, &FieldError{"call.transcript", fmt.Sprintf("is longer than %d characters", maxText)}
	}
	return c, nil
}
