package attach

import (
	"bytes"
	"encoding/binary"
	"encoding/csv"
	"fmt"
	"io"
	"net/http"
	"strings"
	"unicode/utf8"
)

// Kinds of attachment, as grouped on the ticket.
const (
	KindImage        = "image"
	KindDocument     = "document"
	KindSpreadsheet  = "spreadsheet"
	KindPresentation = "presentation"
	KindPDF          = "pdf"
	KindArchive      = "archive"
	KindEmail        = "email"
	KindText         = "text"
	KindOther        = "other"
)

// Detected content types beyond what net/http knows.
const (
	TypeDOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
	TypeXLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
	TypePPTX = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
	TypeDOCM = "application/vnd.ms-word.document.macroEnabled.12"
	TypeXLSM = "application/vnd.ms-excel.sheet.macroEnabled.12"
	TypeXLSB = "application/vnd.ms-excel.sheet.binary.macroEnabled.12"
	TypePPTM = "application/vnd.ms-powerpoint.presentation.macroEnabled.12"
	TypeDOC  = "application/msword"
	TypeXLS  = "application/vnd.ms-excel"
	TypePPT  = "application/vnd.ms-powerpoint"
	TypeMSG  = "application/vnd.ms-outlook"
	TypeOLE  = "application/x-ole-storage"
	TypeZIP  = "application/zip"
	TypeEML  = "message/rfc822"
	TypeSVG  = "image/svg+xml"
	TypeCSV  = "text/csv"
	TypeTSV  = "text/tab-separated-values"
	TypeText = "text/plain"
	TypeBin  = "application/octet-stream"
)

// sniffLen is how much of the head the structural checks (SVG, e-mail
// headers, CSV) look at; whole-file properties (UTF-8 validity, binary
// bytes) are checked on every byte.
const sniffLen = 64 << 10

// Detection is what the bytes of a file say it is.
type Detection struct {
	// ContentType is the detected media type, with "; charset=utf-8" for
	// text that is valid UTF-8.
	ContentType string
	// Kind is one of the Kind constants.
	Kind string
	// Executable is set when the content is a program, a script or an
	// archive carrying one, and says which ("ELF executable").
	Executable string
	// Macros is set for office documents that carry VBA, Excel 4.0 or
	// OpenDocument macros.
	Macros bool
}

// Detect finds the type of the size bytes of r from their content alone;
// the declared name and type play no part. It reads the head, the zip
// central directory or OLE directory when there is one, and every byte of
// text, so it is linear in size. It fails only when r fails.
func Detect(r io.ReaderAt, size int64) (Detection, error) {
	if size <= 0 {
		return Detection{ContentType: TypeBin, Kind: KindOther}, nil
	}
	head := make([]byte, min(size, sniffLen))
	if err := readFull(r, head, 0); err != nil {
		return Detection{}, err
	}
	if d, ok, err := detectExecutable(r, size, head); err != nil || ok {
		return d, err
	}
	switch {
	case bytes.HasPrefix(head, []byte("PK\x03\x04")), bytes.HasPrefix(head, []byte("PK\x05\x06")):
		return detectZip(r, size, head)
	case bytes.HasPrefix(head, []byte(oleMagic)):
		return detectOLE(r, size, head)
	}
	if ct, kind := detectMagic(head); ct != "" {
		return Detection{ContentType: ct, Kind: kind}, nil
	}
	ct := http.DetectContentType(head)
	mt, _, _ := strings.Cut(ct, ";")
	if strings.HasPrefix(mt, "text/") {
		return detectText(r, size, head, ct)
	}
	return Detection{ContentType: ct, Kind: kindOf(mt)}, nil
}

// readFull reads len(p) bytes at off; a ReaderAt may report io.EOF with a
// full buffer at the end of the data, which is not an error here.
func readFull(r io.ReaderAt, p []byte, off int64) error {
	n, err := r.ReadAt(p, off)
	if n == len(p) {
		return nil
	}
	if err == nil || err == io.EOF {
		err = io.ErrUnexpectedEOF
	}
	return fmt.Errorf("read attachment at %d: %w", off, err)
}

// detectExecutable recognises programs by their magic numbers. A bare "MZ"
// is too short to trust on its own ("MZ" starts ordinary text too), so a
// Windows executable needs its PE header, or at least binary content.
func detectExecutable(r io.ReaderAt, size int64, head []byte) (Detection, bool, error) {
	exe := func(ct, what string) (Detection, bool, error) {
		return Detection{ContentType: ct, Kind: KindOther, Executable: what}, true, nil
	}
	h := bytes.TrimPrefix(head, []byte("\xef\xbb\xbf"))
	switch {
	case bytes.HasPrefix(head, []byte("\x7fELF")):
		return exe("application/x-executable", "ELF executable")
	case bytes.HasPrefix(h, []byte("#!")):
		return exe("text/x-shellscript", "script with a #! line")
	case bytes.HasPrefix(head, []byte("\xfe\xed\xfa\xce")), bytes.HasPrefix(head, []byte("\xfe\xed\xfa\xcf")),
		bytes.HasPrefix(head, []byte("\xce\xfa\xed\xfe")), bytes.HasPrefix(head, []byte("\xcf\xfa\xed\xfe")):
		return exe("application/x-mach-binary", "Mach-O executable")
	case bytes.HasPrefix(head, []byte("\xca\xfe\xba\xbe")), bytes.HasPrefix(head, []byte("\xca\xfe\xba\xbf")):
		// Universal Mach-O binaries and Java class files share this magic;
		// both are programs.
		return exe("application/x-mach-binary", "Mach-O universal binary or Java class")
	case bytes.HasPrefix(head, []byte("dex\n")):
		return exe("application/vnd.android.dex", "Android Dalvik executable")
	case bytes.HasPrefix(head, []byte(lnkMagic)):
		return exe("application/x-ms-shortcut", "Windows shortcut")
	case bytes.HasPrefix(head, []byte("MZ")):
		pe, err := hasPEHeader(r, size, head)
		if err != nil {
			return Detection{}, false, err
		}
		if pe {
			return exe("application/vnd.microsoft.portable-executable", "Windows PE executable")
		}
		if !textLike(head) {
			return exe("application/x-dosexec", "DOS executable")
		}
	}
	return Detection{}, false, nil
}

// lnkMagic is the header size and class id of a Windows shell link.
const lnkMagic = "\x4c\x00\x00\x00\x01\x14\x02\x00\x00\x00\x00\x00\xc0\x00\x00\x00\x00\x00\x00\x46"

func hasPEHeader(r io.ReaderAt, size int64, head []byte) (bool, error) {
	if len(head) < 0x40 {
		return false, nil
	}
	off := int64(binary.LittleEndian.Uint32(head[0x3c:]))
	if off < 0x40 || off+4 > size {
		return false, nil
	}
	var sig [4]byte
	if err := readFull(r, sig[:], off); err != nil {
		return false, err
	}
	return string(sig[:]) == "PE\x00\x00", nil
}

// detectMagic knows the signatures net/http does not.
func detectMagic(head []byte) (contentType, kind string) {
	switch {
	case bytes.HasPrefix(head, []byte("7z\xbc\xaf\x27\x1c")):
		return "application/x-7z-compressed", KindArchive
	case bytes.HasPrefix(head, []byte("\xfd7zXZ\x00")):
		return "application/x-xz", KindArchive
	case bytes.HasPrefix(head, []byte("BZh")) && len(head) >= 10 && string(head[4:10]) == "1AY&SY":
		return "application/x-bzip2", KindArchive
	case bytes.HasPrefix(head, []byte("(\xb5/\xfd")):
		return "application/zstd", KindArchive
	case len(head) >= 262 && string(head[257:262]) == "ustar":
		return "application/x-tar", KindArchive
	case bytes.HasPrefix(head, []byte(`{\rtf`)):
		return "application/rtf", KindDocument
	}
	return "", ""
}

// kindOf maps the non-text types net/http detects to kinds.
func kindOf(mediaType string) string {
	switch {
	case strings.HasPrefix(mediaType, "image/"):
		return KindImage
	case mediaType == "application/pdf":
		return KindPDF
	case mediaType == "application/x-gzip", mediaType == "application/x-rar-compressed", mediaType == TypeZIP:
		return KindArchive
	}
	return KindOther
}

// binaryByte reports the control bytes that never occur in text; it is the
// same set net/http's sniffer uses, so ESC (ANSI colours in logs) and form
// feed still count as text.
func binaryByte(c byte) bool {
	return c <= 0x08 || c == 0x0b || (c >= 0x0e && c <= 0x1a) || (c >= 0x1c && c <= 0x1f)
}

func textLike(b []byte) bool {
	for _, c := range b {
		if binaryByte(c) {
			return false
		}
	}
	return true
}

// detectText refines what net/http calls text after checking every byte:
// binary bytes anywhere make it binary, invalid UTF-8 drops the charset.
func detectText(r io.ReaderAt, size int64, head []byte, sniffed string) (Detection, error) {
	mt, _, _ := strings.Cut(sniffed, ";")
	if strings.Contains(sniffed, "utf-16") {
		return Detection{ContentType: sniffed, Kind: KindText}, nil
	}
	binary, valid, err := scanText(r, size)
	if err != nil {
		return Detection{}, err
	}
	if binary {
		return Detection{ContentType: TypeBin, Kind: KindOther}, nil
	}
	charset := func(ct string) string {
		if valid {
			return ct + "; charset=utf-8"
		}
		return ct
	}
	b := bytes.TrimPrefix(head, []byte("\xef\xbb\xbf"))
	truncated := int64(len(head)) < size
	switch {
	case isSVG(b):
		return Detection{ContentType: TypeSVG, Kind: KindImage}, nil
	case mt == "text/html" || mt == "text/xml":
		return Detection{ContentType: charset(mt), Kind: KindText}, nil
	case isEmail(b):
		return Detection{ContentType: TypeEML, Kind: KindEmail}, nil
	}
	if sep, ok := csvSeparator(b, truncated); ok {
		ct := TypeCSV
		if sep == '\t' {
			ct = TypeTSV
		}
		return Detection{ContentType: charset(ct), Kind: KindSpreadsheet}, nil
	}
	return Detection{ContentType: charset(TypeText), Kind: KindText}, nil
}

// scanText reads all of r and reports whether it holds binary bytes and
// whether it is valid UTF-8.
func scanText(r io.ReaderAt, size int64) (binary, valid bool, err error) {
	const chunk = 32 << 10
	buf := make([]byte, chunk+utf8.UTFMax)
	carry := 0
	valid = true
	for off := int64(0); off < size; {
		n := int(min(chunk, size-off))
		if err := readFull(r, buf[carry:carry+n], off); err != nil {
			return false, false, err
		}
		off += int64(n)
		b := buf[:carry+n]
		if !textLike(b[carry:]) {
			return true, false, nil
		}
		if !valid {
			carry = 0
			continue
		}
		end := len(b)
		if off < size {
			end = completeRunes(b)
		}
		valid = utf8.Valid(b[:end])
		carry = copy(buf, b[end:])
	}
	return false, valid, nil
}

// completeRunes is the length of b without a rune cut off at its end.
func completeRunes(b []byte) int {
	for i := len(b) - 1; i >= 0 && i >= len(b)-utf8.UTFMax; i-- {
		if utf8.RuneStart(b[i]) {
			if utf8.FullRune(b[i:]) {
				return len(b)
			}
			return i
		}
	}
	return len(b)
}

// isSVG looks past an XML declaration, comments and a doctype for an <svg>
// root; net/http calls SVG text or XML, and a browser would run its scripts.
func isSVG(b []byte) bool {
	for {
		b = bytes.TrimLeft(b, " \t\r\n")
		var end []byte
		switch {
		case bytes.HasPrefix(b, []byte("<?")):
			end = []byte("?>")
		case bytes.HasPrefix(b, []byte("<!--")):
			end = []byte("-->")
		case len(b) >= 9 && strings.EqualFold(string(b[:9]), "<!doctype"):
			end = []byte(">")
			if i, j := bytes.IndexByte(b, '['), bytes.IndexByte(b, '>'); i >= 0 && (j < 0 || i < j) {
				end = []byte("]>")
			}
		default:
			if len(b) < 5 || !strings.EqualFold(string(b[:4]), "<svg") {
				return false
			}
			switch b[4] {
			case ' ', '\t', '\r', '\n', '>', '/', ':':
				return true
			}
			return false
		}
		i := bytes.Index(b, end)
		if i < 0 {
			return false
		}
		b = b[i+len(end):]
	}
}

// isEmail recognises an RFC 5322 message by its header block: only
// well-formed "Name: value" lines and continuations up to a blank line,
// with at least two of the usual fields, one of which only a real message
// has.
func isEmail(b []byte) bool {
	fields, known, core := 0, 0, false
	for len(b) > 0 {
		line, rest, found := bytes.Cut(b, []byte("\n"))
		if !found {
			return false // the header block must end with a blank line
		}
		b = rest
		line = bytes.TrimSuffix(line, []byte("\r"))
		if len(line) == 0 {
			return fields >= 2 && known >= 2 && core
		}
		if line[0] == ' ' || line[0] == '\t' {
			if fields == 0 {
				return false
			}
			continue
		}
		name, _, ok := bytes.Cut(line, []byte(":"))
		if !ok || len(name) == 0 {
			return false
		}
		for _, c := range name {
			if c <= ' ' || c > '~' {
				return false
			}
		}
		fields++
		switch strings.ToLower(string(name)) {
		case "from", "date", "message-id", "received":
			known++
			core = true
		case "to", "cc", "subject", "mime-version", "return-path", "delivered-to", "reply-to", "content-type":
			known++
		}
	}
	return false
}

// csvSeparator reports whether b is delimiter-separated values: at least
// two rows of one consistent field count, parsed with encoding/csv. Prose
// with a comma in each line is the false positive to avoid, so two-column
// data needs five rows.
func csvSeparator(b []byte, truncated bool) (rune, bool) {
	if truncated {
		i := bytes.LastIndexByte(b, '\n')
		if i < 0 {
			return 0, false
		}
		b = b[:i+1]
	}
	for _, sep := range []rune{',', ';', '\t'} {
		if bytes.IndexByte(b, byte(sep)) < 0 {
			continue
		}
		rd := csv.NewReader(bytes.NewReader(b))
		rd.Comma = sep
		rd.ReuseRecord = true
		rows, fields := 0, 0
		for rows < 1000 {
			rec, err := rd.Read()
			if err == io.EOF {
				break
			}
			if err != nil {
				rows = 0
				break
			}
			rows++
			fields = len(rec)
		}
		if (fields >= 3 && rows >= 2) || (fields == 2 && rows >= 5) {
			return sep, true
		}
	}
	return 0, false
}
