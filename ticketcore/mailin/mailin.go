// Package mailin turns inbound email (raw MIME, posted to an endpoint or
// fetched over IMAP) into a normalised Message that the ticket service can
// file as a new ticket or as a reply, and builds Deskmine's outgoing mail so
// that customers' answers find their way back.
//
// To find the ticket of an inbound message, the service should try, in
// order: each id of ThreadKeys that ParseOutgoingMessageID accepts (an
// answer to Deskmine's own mail); each id of ThreadKeys it has stored for an
// earlier inbound message; TicketRef of the subject. Any of these can be
// forged by the sender, so the service must still check that the sender may
// write on the ticket found. Messages with AutoReply set must never be
// answered automatically, or two robots will mail each other forever.
package mailin

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Message is an inbound email reduced to what ticket intake needs. All
// strings are valid UTF-8 without NUL bytes.
type Message struct {
	// MessageID is the Message-ID without angle brackets, domain
	// lower-cased. When the header is missing, a stable id is derived from
	// sender, date, subject and body, so a re-delivered copy gets the same.
	MessageID  string
	InReplyTo  []string // ids from In-Reply-To, normalised like MessageID
	References []string // ids from References, oldest first
	From       Address  // the sender; falls back to Sender, Reply-To, Return-Path
	To, Cc     []Address
	ReplyTo    []Address // where answers should go when set
	Subject    string    // decoded, white space collapsed to single spaces
	Date       time.Time // zero when missing or unreadable
	// Text is the plain-text body, or text derived from the HTML body when
	// there is no plain one (quoted blocks rendered as "> " lines).
	Text string
	// HTML is the HTML body after sanitising: no scripts, styles, event
	// handlers, forms or javascript: URLs, and no remote images (tracking
	// pixels); images that point at attached parts ("cid:") stay.
	HTML string
	// Reply is Text without quoted history and signature: what the sender
	// actually wrote this time.
	Reply       string
	Attachments []Attachment
	// AutoReply marks vacation replies, bulk and list mail and bounces;
	// the service must not answer them.
	AutoReply bool
	// Fingerprint is a hex SHA-256 of sender, subject and Reply, equal for
	// messages a customer sent twice (or a mail loop delivered twice).
	Fingerprint string
}

// Attachment is a non-body MIME part.
type Attachment struct {
	// Filename is decoded and reduced to a base name without path or
	// control characters; parts without a name get "attachment-N.ext".
	Filename    string
	ContentType string // the declared media type, lower-case, without parameters
	Data        []byte // transfer-decoded content
	// Inline is set when the HTML body shows the part through its
	// Content-ID, so the UI need not list it as a separate file.
	Inline    bool
	ContentID string // without angle brackets
}

// Defaults applied by Parse to zero (or negative) Limits fields.
const (
	DefaultMaxBytes           = 32 << 20 // raw message, base64 included
	DefaultMaxAttachments     = 100
	DefaultMaxAttachmentBytes = 25 << 20 // one decoded attachment
	DefaultMaxParts           = 500
	DefaultMaxDepth           = 16
)

// Limits bound the work and memory Parse spends on one message. Exceeding
// any of them is a *LimitError.
type Limits struct {
	MaxBytes           int64 // size of the raw message
	MaxAttachments     int   // number of attachments
	MaxAttachmentBytes int64 // decoded size of one attachment
	MaxParts           int   // MIME entities in total, containers included
	MaxDepth           int   // multipart nesting; a flat multipart/mixed is 1
}

func (l Limits) withDefaults() Limits {
	if l.MaxBytes <= 0 {
		l.MaxBytes = DefaultMaxBytes
	}
	if l.MaxAttachments <= 0 {
		l.MaxAttachments = DefaultMaxAttachments
	}
	if l.MaxAttachmentBytes <= 0 {
		l.MaxAttachmentBytes = DefaultMaxAttachmentBytes
	}
	if l.MaxParts <= 0 {
		l.MaxParts = DefaultMaxParts
	}
	if l.MaxDepth <= 0 {
		l.MaxDepth = DefaultMaxDepth
	}
	return l
}

// Parse reads one raw RFC 5322 message. It reads at most lim.MaxBytes+1
// bytes from r, so memory stays a small multiple of the limit whatever the
// input. Defects common in real mail are tolerated; input that is not mail
// at all is a *ParseError, an oversized message a *LimitError.
func Parse(r io.Reader, lim Limits) (*Message, error) {
	lim = lim.withDefaults()
	raw, err := io.ReadAll(io.LimitReader(r, lim.MaxBytes+1))
	if err != nil {
		return nil, fmt.Errorf("read message: %w", err)
	}
	if int64(len(raw)) > lim.MaxBytes {
		return nil, &LimitError{Limit: "MaxBytes", Max: lim.MaxBytes}
	}
	return parse(raw, lim)
}

func parse(raw []byte, lim Limits) (*Message, error) {
	// An mbox "From " separator line is not a header field.
	if bytes.HasPrefix(raw, []byte("From ")) {
		if i := bytes.IndexByte(raw, '\n'); i >= 0 && !bytes.Contains(raw[:i], []byte(": ")) {
			raw = raw[i+1:]
		}
	}
	h, body, err := readHeader(raw)
	if err != nil {
		return nil, err
	}
	if len(h) == 0 {
		return nil, &ParseError{Where: "header", Reason: "no header fields"}
	}
	m := &Message{
		Subject:    oneLine(decodeWords(h.get("Subject"))),
		To:         parseAddressList(h.get("To")),
		Cc:         parseAddressList(h.get("Cc")),
		ReplyTo:    parseAddressList(h.get("Reply-To")),
		InReplyTo:  messageIDs(h.get("In-Reply-To"), 10),
		References: messageIDs(h.get("References"), 100),
		Date:       parseDate(h.get("Date")),
	}
	for _, k := range []string{"From", "Sender", "Reply-To", "Return-Path"} {
		if as := parseAddressList(h.get(k)); len(as) > 0 {
			m.From = as[0]
			break
		}
	}
	if m.From.Email == "" {
		return nil, &ParseError{Where: "From", Reason: "no sender address"}
	}

	p := &parser{lim: lim}
	if err := p.entity(h, body, 0, "", "text/plain", ""); err != nil {
		return nil, err
	}
	m.Text = cleanText(strings.Join(p.plains, "\n\n"))
	if rawHTML := strings.Join(p.htmls, "\n"); strings.TrimSpace(rawHTML) != "" {
		m.HTML = sanitizeHTML(rawHTML)
		if m.Text == "" {
			m.Text = cleanText(htmlToText(rawHTML))
		}
	}
	cids := referencedCIDs(m.HTML)
	for i := range p.atts {
		a := &p.atts[i]
		a.Inline = a.ContentID != "" && cids[strings.ToLower(a.ContentID)]
	}
	m.Attachments = p.atts
	m.Reply = extractReply(m.Text)

	ct, _ := mediaType(h.get("Content-Type"))
	m.AutoReply = isAutoReply(h, ct, m.From)

	if ids := messageIDs(h.get("Message-Id"), 1); len(ids) > 0 {
		m.MessageID = ids[0]
	} else {
		m.MessageID = "synth-" + digest(m.From.Email, oneLine(h.get("Date")), m.Subject, m.Text)[:32] + "@deskmine.invalid"
	}
	m.Fingerprint = fingerprint(m.From.Email, m.Subject, m.Reply)
	return m, nil
}

// fingerprint hashes sender, subject and reply with white space runs
// collapsed to one space (as strings.Fields would), streaming so that a
// large reply is not copied again.
func fingerprint(from, subject, reply string) string {
	h := sha256.New()
	io.WriteString(h, from)
	h.Write([]byte{0})
	io.WriteString(h, subject)
	h.Write([]byte{0})
	var buf [512]byte
	n, space, started := 0, false, false
	for _, r := range reply {
		if unicode.IsSpace(r) {
			space = true
			continue
		}
		if space && started {
			buf[n] = ' '
			n++
		}
		space, started = false, true
		n += utf8.EncodeRune(buf[n:], r)
		if n > len(buf)-8 {
			h.Write(buf[:n])
			n = 0
		}
	}
	h.Write(buf[:n])
	h.Write([]byte{0})
	return hex.EncodeToString(h.Sum(nil))
}

// digest hashes fields with a separator that cannot occur in them.
func digest(fields ...string) string {
	h := sha256.New()
	for _, f := range fields {
		io.WriteString(h, f)
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil))
}

type parser struct {
	lim    Limits
	parts  int
	plains []string
	htmls  []string
	atts   []Attachment
}

func where(path, what string) string {
	if path == "" {
		return what
	}
	return "part " + path + " " + what
}

// entity walks one MIME entity. parent is the media type of the enclosing
// multipart ("" at the top).
func (p *parser) entity(h header, body []byte, depth int, path, defaultType, parent string) error {
	p.parts++
	if p.parts > p.lim.MaxParts {
		return &LimitError{Limit: "MaxParts", Max: int64(p.lim.MaxParts)}
	}
	ctRaw := h.get("Content-Type")
	ct, params := mediaType(ctRaw)
	if !strings.Contains(ct, "/") {
		ct = defaultType
	}
	if strings.HasPrefix(ct, "multipart/") {
		return p.multipart(ct, params, body, depth, path)
	}

	data := decodeTransfer(h.get("Content-Transfer-Encoding"), body)
	dispRaw := h.get("Content-Disposition")
	disp, dparams := mediaType(dispRaw)
	name := partName(dispRaw, dparams, ctRaw, params)
	if (ct == "text/plain" || ct == "text/html") && disp != "attachment" && name == "" {
		if ct == "text/plain" {
			t := decodeCharset(data, params["charset"])
			if strings.EqualFold(params["format"], "flowed") {
				t = unflow(t, strings.EqualFold(params["delsp"], "yes"))
			}
			p.plains = append(p.plains, t)
		} else {
			cs := params["charset"]
			if cs == "" {
				cs = metaCharset(data)
			}
			p.htmls = append(p.htmls, decodeCharset(data, cs))
		}
		return nil
	}
	switch {
	case parent == "multipart/alternative" && strings.HasPrefix(ct, "text/") && name == "":
		// Another rendering of the body (text/enriched, AMP): not a file.
		return nil
	case parent == "multipart/signed" && isSignature(ct):
		// Agents cannot check a detached signature; it is noise to them.
		return nil
	}
	if len(p.atts) >= p.lim.MaxAttachments {
		return &LimitError{Limit: "MaxAttachments", Max: int64(p.lim.MaxAttachments)}
	}
	if int64(len(data)) > p.lim.MaxAttachmentBytes {
		return &LimitError{Limit: "MaxAttachmentBytes", Max: p.lim.MaxAttachmentBytes}
	}
	if name == "" {
		name = "attachment-" + strconv.Itoa(len(p.atts)+1) + extensionFor(ct)
	}
	p.atts = append(p.atts, Attachment{
		Filename:    name,
		ContentType: ct,
		// The input buffer must not stay alive through a 7bit attachment.
		Data:      bytes.Clone(data),
		ContentID: normalizeID(h.get("Content-Id")),
	})
	return nil
}

func (p *parser) multipart(ct string, params map[string]string, body []byte, depth int, path string) error {
	if depth+1 > p.lim.MaxDepth {
		return &LimitError{Limit: "MaxDepth", Max: int64(p.lim.MaxDepth)}
	}
	boundary := params["boundary"]
	if boundary == "" {
		return &ParseError{Where: where(path, "Content-Type"), Reason: "multipart without boundary"}
	}
	parts, err := splitMultipart(body, boundary, p.lim.MaxParts-p.parts)
	if err != nil {
		var le *LimitError
		if errors.As(err, &le) {
			le.Max = int64(p.lim.MaxParts)
			return le
		}
		return &ParseError{Where: where(path, "body"), Reason: err.Error()}
	}
	childType := "text/plain"
	if ct == "multipart/digest" {
		childType = "message/rfc822"
	}
	var gotPlain, gotHTML bool
	for i, part := range parts {
		ph, pb, err := readHeader(part)
		if err != nil {
			return err
		}
		np, nh := len(p.plains), len(p.htmls)
		childPath := strconv.Itoa(i + 1)
		if path != "" {
			childPath = path + "." + childPath
		}
		if err := p.entity(ph, pb, depth+1, childPath, childType, ct); err != nil {
			return err
		}
		if ct != "multipart/alternative" {
			continue
		}
		// Of several alternatives of one kind only the first counts.
		if len(p.plains) > np {
			if gotPlain {
				p.plains = p.plains[:np]
			}
			gotPlain = true
		}
		if len(p.htmls) > nh {
			if gotHTML {
				p.htmls = p.htmls[:nh]
			}
			gotHTML = true
		}
	}
	return nil
}

// splitMultipart returns the bodies between delimiter lines. A missing
// close delimiter is tolerated (truncated mail is common); a body without
// any delimiter is not a multipart. More than max parts is a *LimitError.
func splitMultipart(body []byte, boundary string, max int) ([][]byte, error) {
	delim := []byte("--" + boundary)
	var parts [][]byte
	start := -1
	for i := 0; i <= len(body); {
		line, next := body[i:], len(body)+1
		if n := bytes.IndexByte(line, '\n'); n >= 0 {
			line, next = line[:n], i+n+1
		}
		if bytes.HasPrefix(line, delim) {
			rest := bytes.TrimRight(bytes.TrimSuffix(line[len(delim):], []byte("\r")), " \t")
			closing := bytes.Equal(rest, []byte("--"))
			if len(rest) == 0 || closing {
				if start >= 0 {
					parts = append(parts, trimLineEnd(body[start:i]))
					if len(parts) > max {
						return nil, &LimitError{Limit: "MaxParts"}
					}
				}
				if closing {
					return parts, nil
				}
				start = min(next, len(body))
			}
		}
		i = next
	}
	if start < 0 {
		return nil, errors.New("boundary delimiter not found")
	}
	parts = append(parts, body[start:])
	if len(parts) > max {
		return nil, &LimitError{Limit: "MaxParts"}
	}
	return parts, nil
}

// trimLineEnd drops the line break before a delimiter, which belongs to
// the delimiter (RFC 2046 5.1.1).
func trimLineEnd(b []byte) []byte {
	b = bytes.TrimSuffix(b, []byte("\n"))
	return bytes.TrimSuffix(b, []byte("\r"))
}

// partName finds an attachment's file name in Content-Disposition, then in
// Content-Type, decoding RFC 2231 and (non-standard but common) RFC 2047.
func partName(dispRaw string, dparams map[string]string, ctRaw string, params map[string]string) string {
	name := dparams["filename"]
	if name == "" {
		name = rfc2231Value(dispRaw, rfc2231Filename)
	}
	if name == "" {
		name = params["name"]
	}
	if name == "" {
		name = rfc2231Value(ctRaw, rfc2231Name)
	}
	return sanitizeFilename(decodeWords(name))
}

// sanitizeFilename keeps the base name and drops characters that could
// mislead a user or a file system: control and bidi-override characters.
func sanitizeFilename(s string) string {
	s = strings.ReplaceAll(s, `\`, "/")
	if i := strings.LastIndexByte(s, '/'); i >= 0 {
		s = s[i+1:]
	}
	s = strings.Map(func(r rune) rune {
		switch {
		case r < 0x20 || r == 0x7f:
			return -1
		case r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069, r == 0x200e, r == 0x200f:
			return -1
		}
		return r
	}, s)
	s = strings.Trim(strings.TrimSpace(s), ".")
	s = strings.TrimSpace(s)
	if r := []rune(s); len(r) > 150 {
		// Keep the extension, which tells the user what the file is.
		ext := ""
		if i := strings.LastIndexByte(s, '.'); i >= 0 && len(s)-i <= 16 {
			ext = s[i:]
		}
		s = string(r[:150-len([]rune(ext))]) + ext
	}
	return s
}

func extensionFor(ct string) string {
	switch ct {
	case "image/png":
		return ".png"
	case "image/jpeg":
		return ".jpg"
	case "image/gif":
		return ".gif"
	case "application/pdf":
		return ".pdf"
	case "message/rfc822":
		return ".eml"
	case "text/calendar":
		return ".ics"
	case "text/html":
		return ".html"
	case "text/rfc822-headers":
		return ".txt"
	}
	if strings.HasPrefix(ct, "text/") || strings.HasPrefix(ct, "message/") {
		return ".txt"
	}
	return ".bin"
}

func isSignature(ct string) bool {
	switch ct {
	case "application/pgp-signature", "application/pkcs7-signature", "application/x-pkcs7-signature":
		return true
	}
	return false
}

// isAutoReply applies RFC 3834 and the conventions robots actually use.
func isAutoReply(h header, ct string, from Address) bool {
	if v := strings.ToLower(h.get("Auto-Submitted")); v != "" && !strings.HasPrefix(v, "no") {
		return true
	}
	for _, k := range []string{"X-Autoreply", "X-Autorespond", "X-Auto-Reply", "X-Failed-Recipients"} {
		if h.has(k) && !strings.EqualFold(h.get(k), "no") {
			return true
		}
	}
	for _, k := range []string{"Precedence", "X-Precedence"} {
		switch strings.ToLower(h.get(k)) {
		case "bulk", "junk", "list", "auto_reply", "auto-reply":
			return true
		}
	}
	if ct == "multipart/report" || strings.ReplaceAll(h.get("Return-Path"), " ", "") == "<>" {
		return true
	}
	local, _, _ := strings.Cut(from.Email, "@")
	return local == "mailer-daemon" || local == "postmaster"
}
