package mailin

import (
	"bytes"
	"encoding/base64"
	"mime"
	"mime/quotedprintable"
	"net/mail"
	"net/textproto"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Outgoing is a mail Deskmine sends about a ticket.
type Outgoing struct {
	From    Address
	To, Cc  []Address
	ReplyTo []Address
	// Subject gets SubjectTag(TicketID) in front when TicketID > 0 and the
	// subject carries no tag yet, so that answers find the ticket even from
	// clients that drop In-Reply-To.
	Subject  string
	TicketID int64
	Text     string // plain body; derived from HTML when empty
	HTML     string // optional
	// MessageID should come from OutgoingMessageID; when empty one is
	// derived from the content.
	MessageID  string
	InReplyTo  string   // the customer message answered, if any
	References []string // the thread so far, oldest first
	Date       time.Time
	// Headers are extra fields such as Auto-Submitted; structural fields
	// (addresses, subject, ids, MIME) cannot be set here.
	Headers     map[string]string
	Attachments []Attachment // Inline ones need a ContentID and an HTML body
}

// reservedHeaders are written by Compose itself.
var reservedHeaders = map[string]bool{
	"From": true, "To": true, "Cc": true, "Bcc": true, "Reply-To": true, "Sender": true,
	"Subject": true, "Date": true, "Message-Id": true, "In-Reply-To": true, "References": true,
	"Mime-Version": true, "Content-Type": true, "Content-Transfer-Encoding": true,
	"Content-Disposition": true, "Content-Id": true,
}

// Printable ASCII without "<", ">" or space; Content-IDs need no "@".
var (
	outgoingIDPattern = regexp.MustCompile(`^[!-;=?-~]+@[!-;=?-~]+$`)
	contentIDPattern  = regexp.MustCompile(`^[!-;=?-~]+$`)
)

// Compose builds an RFC 5322 message from o: quoted-printable UTF-8 text
// and HTML as multipart/alternative, inline images in multipart/related,
// other attachments base64 in multipart/mixed. Boundaries derive from the
// content, so the same Outgoing (with a Date) always gives the same bytes.
// Invalid fields are a *FieldError.
func Compose(o Outgoing) ([]byte, error) {
	if err := checkAddress("From", o.From); err != nil {
		return nil, err
	}
	if len(o.To) == 0 {
		return nil, &FieldError{Field: "To", Reason: "at least one recipient is required"}
	}
	for _, list := range []struct {
		name  string
		addrs []Address
	}{{"To", o.To}, {"Cc", o.Cc}, {"ReplyTo", o.ReplyTo}} {
		for _, a := range list.addrs {
			if err := checkAddress(list.name, a); err != nil {
				return nil, err
			}
		}
	}
	if strings.TrimSpace(o.Text) == "" && strings.TrimSpace(o.HTML) == "" {
		return nil, &FieldError{Field: "Text", Reason: "the message has no body"}
	}
	for _, f := range []struct{ name, value string }{{"Subject", o.Subject}, {"Text", o.Text}, {"HTML", o.HTML}} {
		if !utf8.ValidString(f.value) {
			return nil, &FieldError{Field: f.name, Reason: "not valid UTF-8"}
		}
	}
	text := newlines(o.Text)
	if strings.TrimSpace(text) == "" {
		text = htmlToText(o.HTML)
	}
	subject := oneLine(o.Subject)
	if _, tagged := TicketRef(subject); o.TicketID > 0 && !tagged {
		subject = strings.TrimSpace(SubjectTag(o.TicketID) + " " + subject)
	}

	id := o.MessageID
	if id == "" {
		_, domain, _ := strings.Cut(o.From.Email, "@")
		id = digest(o.From.Email, subject, text, o.HTML, o.InReplyTo)[:32] + "@" + cleanDomain(domain)
	}
	id, err := checkID("MessageID", id)
	if err != nil {
		return nil, err
	}
	var inReplyTo string
	if o.InReplyTo != "" {
		if inReplyTo, err = checkID("InReplyTo", o.InReplyTo); err != nil {
			return nil, err
		}
	}
	refs := make([]string, 0, len(o.References))
	for _, r := range o.References {
		r, err := checkID("References", r)
		if err != nil {
			return nil, err
		}
		refs = append(refs, "<"+r+">")
	}
	extra, err := extraHeaders(o.Headers)
	if err != nil {
		return nil, err
	}
	body, err := composeBody(id, text, o.HTML, o.Attachments)
	if err != nil {
		return nil, err
	}

	date := o.Date
	if date.IsZero() {
		date = time.Now()
	}
	var b bytes.Buffer
	writeField(&b, "From", addressTokens([]Address{o.From}))
	writeField(&b, "To", addressTokens(o.To))
	if len(o.Cc) > 0 {
		writeField(&b, "Cc", addressTokens(o.Cc))
	}
	if len(o.ReplyTo) > 0 {
		writeField(&b, "Reply-To", addressTokens(o.ReplyTo))
	}
	writeField(&b, "Subject", textTokens(subject))
	writeField(&b, "Date", []string{date.Format(time.RFC1123Z)})
	writeField(&b, "Message-ID", []string{"<" + id + ">"})
	if inReplyTo != "" {
		writeField(&b, "In-Reply-To", []string{"<" + inReplyTo + ">"})
	}
	if len(refs) > 0 {
		writeField(&b, "References", refs)
	}
	writeField(&b, "MIME-Version", []string{"1.0"})
	b.WriteString(extra)
	b.WriteString(body.header)
	b.WriteString("\r\n")
	b.Write(body.body)
	return b.Bytes(), nil
}

func checkAddress(field string, a Address) error {
	email, ok := cleanEmail(a.Email)
	if !ok || email != strings.ToLower(strings.TrimSpace(a.Email)) || !utf8.ValidString(a.Name) {
		return &FieldError{Field: field, Reason: "invalid email address " + strconvQuote(a.Email)}
	}
	if _, err := mail.ParseAddress(email); err != nil {
		return &FieldError{Field: field, Reason: "invalid email address " + strconvQuote(a.Email)}
	}
	return nil
}

func strconvQuote(s string) string {
	if len(s) > 100 {
		s = s[:100]
	}
	return `"` + strings.ToValidUTF8(s, "?") + `"`
}

func checkID(field, id string) (string, error) {
	return checkIDPattern(field, id, outgoingIDPattern)
}

func checkIDPattern(field, id string, re *regexp.Regexp) (string, error) {
	id = strings.TrimSuffix(strings.TrimPrefix(strings.TrimSpace(id), "<"), ">")
	if len(id) > maxIDLength || !re.MatchString(id) {
		return "", &FieldError{Field: field, Reason: "not a message id " + strconvQuote(id)}
	}
	return id, nil
}

func extraHeaders(h map[string]string) (string, error) {
	keys := make([]string, 0, len(h))
	for k := range h {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b bytes.Buffer
	for _, k := range keys {
		v := h[k]
		ck := textproto.CanonicalMIMEHeaderKey(k)
		if !validFieldName([]byte(k)) || reservedHeaders[ck] {
			return "", &FieldError{Field: "Headers", Reason: "header " + strconvQuote(k) + " cannot be set"}
		}
		if strings.ContainsAny(v, "\r\n\x00") || !utf8.ValidString(v) {
			return "", &FieldError{Field: "Headers", Reason: "value of " + ck + " has line breaks or invalid bytes"}
		}
		writeField(&b, k, textTokens(v))
	}
	return b.String(), nil
}

// writeField writes "Name: tokens" folded before 78 columns where the
// tokens allow it (RFC 5322 2.2.3).
func writeField(b *bytes.Buffer, name string, tokens []string) {
	b.WriteString(fieldString(name, tokens))
}

func fieldString(name string, tokens []string) string {
	var b strings.Builder
	b.WriteString(name + ":")
	n := len(name) + 1
	for _, t := range tokens {
		// Folding right after the colon is allowed too (RFC 5322 3.2.2).
		if n > 1 && n+1+len(t) > 78 {
			b.WriteString("\r\n")
			n = 0
		}
		b.WriteString(" " + t)
		n += 1 + len(t)
	}
	b.WriteString("\r\n")
	return b.String()
}

// mediaTokens formats a Content-Type or Content-Disposition value as
// foldable tokens: the type, then one token per parameter (RFC 2231
// encoded by mime.FormatMediaType when not ASCII).
func mediaTokens(typ string, params map[string]string) []string {
	if mime.FormatMediaType(typ, nil) == "" {
		typ = "application/octet-stream"
	}
	keys := make([]string, 0, len(params))
	for k := range params {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	tokens := []string{typ}
	for _, k := range keys {
		full := mime.FormatMediaType(typ, map[string]string{k: params[k]})
		_, param, ok := strings.Cut(full, "; ")
		if !ok {
			continue
		}
		tokens[len(tokens)-1] += ";"
		tokens = append(tokens, param)
	}
	return tokens
}

// textTokens splits unstructured header text into foldable words,
// B-encoding it when it is not plain ASCII or has a word too long to fold.
func textTokens(s string) []string {
	words := strings.Fields(s)
	plain := true
	for _, w := range words {
		if len(w) > 70 {
			plain = false
		}
		for i := 0; i < len(w); i++ {
			if w[i] < 0x21 || w[i] > 0x7e {
				plain = false
			}
		}
		// A literal "=?" would be decoded by the reader as an encoded-word.
		if strings.Contains(w, "=?") {
			plain = false
		}
	}
	if plain {
		return words
	}
	return encodeB(strings.Join(words, " "))
}

// encodeB splits s into "B" encoded-words of at most 75 characters
// without splitting a character (RFC 2047 2 and 5). mime.BEncoding would
// leave plain ASCII alone, which long words and a literal "=?" need.
func encodeB(s string) []string {
	const maxBytes = 45 // 60 base64 characters + 12 of syntax = 72
	var words []string
	for s != "" {
		n := 0
		for _, r := range s {
			l := utf8.RuneLen(r)
			if l < 0 {
				l = 1
			}
			if n+l > maxBytes {
				break
			}
			n += l
		}
		words = append(words, "=?UTF-8?b?"+base64.StdEncoding.EncodeToString([]byte(s[:n]))+"?=")
		s = s[n:]
	}
	return words
}

func addressTokens(as []Address) []string {
	tokens := make([]string, len(as))
	for i, a := range as {
		// An address is one token, so a long name would make a line longer
		// than RFC 5322 allows; no real display name needs more.
		name := oneLine(a.Name)
		if r := []rune(name); len(r) > 64 {
			name = string(r[:64])
		}
		tokens[i] = (&mail.Address{Name: name, Address: strings.ToLower(strings.TrimSpace(a.Email))}).String()
		if i < len(as)-1 {
			tokens[i] += ","
		}
	}
	return tokens
}

// entity is a MIME entity being composed: header lines and encoded body.
type entity struct {
	header string
	body   []byte
}

func composeBody(id, text, htmlBody string, atts []Attachment) (entity, error) {
	seed := digest(id, text, htmlBody)
	body := textEntity("text/plain", text)
	if strings.TrimSpace(htmlBody) != "" {
		body = multipartEntity("alternative", seed, body, textEntity("text/html", htmlBody))
	}
	var inline, files []entity
	for i, a := range atts {
		e, err := attachmentEntity(i, a)
		if err != nil {
			return entity{}, err
		}
		if a.Inline && strings.TrimSpace(htmlBody) != "" {
			inline = append(inline, e)
		} else {
			files = append(files, e)
		}
	}
	if len(inline) > 0 {
		body = multipartEntity("related", seed, append([]entity{body}, inline...)...)
	}
	if len(files) > 0 {
		body = multipartEntity("mixed", seed, append([]entity{body}, files...)...)
	}
	return body, nil
}

// newlines turns CRLF and lone CR into LF, as Parse reads text back: the
// quoted-printable writer would otherwise read a CR left in front of a
// newline as part of one line break.
func newlines(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, "\r\n", "\n"), "\r", "\n")
}

func textEntity(ct, s string) entity {
	var buf bytes.Buffer
	w := quotedprintable.NewWriter(&buf)
	w.Write([]byte(newlines(s)))
	w.Close()
	return entity{
		header: fieldString("Content-Type", mediaTokens(ct, map[string]string{"charset": "UTF-8"})) +
			"Content-Transfer-Encoding: quoted-printable\r\n",
		body: buf.Bytes(),
	}
}

// multipartEntity's boundary derives from the content hash, which the
// content cannot contain, so no scan for collisions is needed.
func multipartEntity(subtype, seed string, parts ...entity) entity {
	boundary := "dm_" + subtype + "_" + digest(seed, subtype)[:24]
	var b bytes.Buffer
	for _, p := range parts {
		b.WriteString("--" + boundary + "\r\n" + p.header + "\r\n")
		b.Write(p.body)
		b.WriteString("\r\n")
	}
	b.WriteString("--" + boundary + "--\r\n")
	return entity{
		header: fieldString("Content-Type", mediaTokens("multipart/"+subtype, map[string]string{"boundary": boundary})),
		body:   b.Bytes(),
	}
}

func attachmentEntity(i int, a Attachment) (entity, error) {
	name := sanitizeFilename(a.Filename)
	if !utf8.ValidString(a.Filename) {
		return entity{}, &FieldError{Field: "Attachments", Reason: "file name is not valid UTF-8"}
	}
	if r := []rune(name); len(r) > 60 {
		name = sanitizeFilename(string(r[:60]))
	}
	if name == "" {
		name = "attachment-" + strconv.Itoa(i+1) + extensionFor(a.ContentType)
	}
	disp := "attachment"
	if a.Inline {
		disp = "inline"
	}
	var h strings.Builder
	ct, _ := mediaType(a.ContentType)
	h.WriteString(fieldString("Content-Type", mediaTokens(ct, map[string]string{"name": name})))
	h.WriteString(fieldString("Content-Disposition", mediaTokens(disp, map[string]string{"filename": name})))
	h.WriteString("Content-Transfer-Encoding: base64\r\n")
	if a.ContentID != "" {
		cid, err := checkIDPattern("Attachments", a.ContentID, contentIDPattern)
		if err != nil {
			return entity{}, err
		}
		h.WriteString("Content-ID: <" + cid + ">\r\n")
	} else if a.Inline {
		return entity{}, &FieldError{Field: "Attachments", Reason: "inline attachment " + strconvQuote(name) + " has no ContentID"}
	}
	enc := base64.StdEncoding.EncodeToString(a.Data)
	var body bytes.Buffer
	for len(enc) > 76 {
		body.WriteString(enc[:76] + "\r\n")
		enc = enc[76:]
	}
	body.WriteString(enc)
	return entity{header: h.String(), body: body.Bytes()}, nil
}
