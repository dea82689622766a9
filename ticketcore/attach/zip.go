package attach

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"path"
	"strings"
)

// zipFacts is what the entry names of a zip file reveal. Only names are
// read, never contents: that is enough to tell office formats apart and to
// find programs, and it costs no decompression of untrusted data.
type zipFacts struct {
	contentTypes, word, xl, xlsb, ppt bool
	vba, odfMacros                    bool
	jar, class, android, dex, appx    bool
	appBundle                         bool
	badEntry                          string
}

func (z *zipFacts) add(name string) bool {
	lower := strings.ToLower(strings.ReplaceAll(name, `\`, "/"))
	switch lower {
	case "[content_types].xml":
		z.contentTypes = true
	case "meta-inf/manifest.mf":
		z.jar = true
	case "androidmanifest.xml":
		z.android = true
	case "appxmanifest.xml", "appxmetadata/appxbundlemanifest.xml":
		z.appx = true
	case "xl/workbook.bin":
		z.xlsb = true
	}
	switch {
	case strings.HasPrefix(lower, "word/"):
		z.word = true
	case strings.HasPrefix(lower, "xl/"):
		z.xl = true
	case strings.HasPrefix(lower, "ppt/"):
		z.ppt = true
	}
	if path.Base(lower) == "vbaproject.bin" || strings.HasPrefix(lower, "xl/macrosheets/") {
		z.vba = true
	}
	// LibreOffice keeps empty library indexes in every document; only a
	// module beside them is a macro.
	if (strings.HasPrefix(lower, "basic/") && strings.HasSuffix(lower, ".xml") &&
		!strings.HasSuffix(lower, "/script-lc.xml") && !strings.HasSuffix(lower, "/dialog-lc.xml") &&
		!strings.HasSuffix(lower, "/script-lb.xml") && !strings.HasSuffix(lower, "/dialog-lb.xml")) ||
		strings.HasPrefix(lower, "scripts/") {
		z.odfMacros = true
	}
	z.class = z.class || strings.HasSuffix(lower, ".class")
	z.dex = z.dex || strings.HasSuffix(lower, ".dex")
	z.appBundle = z.appBundle || strings.Contains(lower, ".app/")
	if z.badEntry == "" && !strings.HasSuffix(lower, "/") && executableExt(extension(lower)) {
		z.badEntry = name
		if len(z.badEntry) > 100 {
			z.badEntry = z.badEntry[:100]
		}
	}
	return true
}

func detectZip(r io.ReaderAt, size int64, head []byte) (Detection, error) {
	var z zipFacts
	if err := zipNames(r, size, z.add); err != nil {
		return Detection{}, err
	}
	d := Detection{ContentType: TypeZIP, Kind: KindArchive}
	if mt := odfMimetype(head); mt != "" {
		d = Detection{ContentType: mt, Kind: odfKind(mt), Macros: z.odfMacros}
	} else if z.contentTypes {
		switch {
		case z.word:
			d = office(z.vba, TypeDOCX, TypeDOCM, KindDocument)
		case z.xl && z.xlsb:
			d = Detection{ContentType: TypeXLSB, Kind: KindSpreadsheet, Macros: z.vba}
		case z.xl:
			d = office(z.vba, TypeXLSX, TypeXLSM, KindSpreadsheet)
		case z.ppt:
			d = office(z.vba, TypePPTX, TypePPTM, KindPresentation)
		}
	}
	switch {
	case z.jar && z.class:
		d = Detection{ContentType: "application/java-archive", Kind: KindOther, Executable: "Java archive"}
	case z.android && z.dex:
		d = Detection{ContentType: "application/vnd.android.package-archive", Kind: KindOther, Executable: "Android package"}
	case z.appx:
		d = Detection{ContentType: "application/vnd.ms-appx", Kind: KindOther, Executable: "Windows app package"}
	case z.appBundle:
		d.Executable = "archive with an application bundle"
	case z.badEntry != "":
		d.Executable = fmt.Sprintf("archive entry %q with an executable extension", z.badEntry)
	}
	return d, nil
}

func office(macros bool, plain, withMacros, kind string) Detection {
	if macros {
		return Detection{ContentType: withMacros, Kind: kind, Macros: true}
	}
	return Detection{ContentType: plain, Kind: kind}
}

// odfMimetype reads the "mimetype" entry that OpenDocument and EPUB store
// uncompressed as the first entry, so it sits in the head.
func odfMimetype(head []byte) string {
	if len(head) < 38 || string(head[:4]) != "PK\x03\x04" {
		return ""
	}
	flags := binary.LittleEndian.Uint16(head[6:])
	method := binary.LittleEndian.Uint16(head[8:])
	csize := int(binary.LittleEndian.Uint32(head[18:]))
	nameLen := int(binary.LittleEndian.Uint16(head[26:]))
	extraLen := int(binary.LittleEndian.Uint16(head[28:]))
	if method != 0 || nameLen != 8 || string(head[30:38]) != "mimetype" {
		return ""
	}
	start := 30 + nameLen + extraLen
	if start > len(head) {
		return ""
	}
	if csize == 0 && flags&0x8 != 0 {
		// Streaming writers put the size after the data; the stored value
		// then runs up to the data descriptor or the next header.
		csize = bytes.Index(head[start:min(len(head), start+130)], []byte("PK"))
	}
	if csize <= 0 || csize > 128 || start+csize > len(head) {
		return ""
	}
	mt := string(head[start : start+csize])
	if !strings.HasPrefix(mt, "application/") {
		return ""
	}
	for _, c := range mt {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || strings.ContainsRune("./+-", c)) {
			return ""
		}
	}
	return mt
}

func odfKind(mt string) string {
	switch {
	case strings.Contains(mt, ".opendocument.text"), mt == "application/epub+zip":
		return KindDocument
	case strings.Contains(mt, ".opendocument.spreadsheet"):
		return KindSpreadsheet
	case strings.Contains(mt, ".opendocument.presentation"):
		return KindPresentation
	}
	return KindOther
}

// zipNames calls fn with each entry name until it returns false. It reads
// the central directory, which is what unzip tools trust; when there is
// none, or it does not start where the end record says (an archive with
// something prepended), it walks the local headers from the start
// instead. Malformed structure ends the walk quietly; only read errors are
// returned.
func zipNames(r io.ReaderAt, size int64, fn func(string) bool) error {
	off, n, ok, err := centralDirectory(r, size)
	if err != nil {
		return err
	}
	if !ok {
		return localNames(r, size, fn)
	}
	seen, err := centralNames(r, off, n, fn)
	if err != nil || seen > 0 || n == 0 {
		return err
	}
	return localNames(r, size, fn)
}

// centralNames walks the central directory at off and returns how many
// entries it saw.
func centralNames(r io.ReaderAt, off, n int64, fn func(string) bool) (int, error) {
	br := bufio.NewReaderSize(io.NewSectionReader(r, off, n), 32<<10)
	var hdr [46]byte
	name := make([]byte, 0, 256)
	for seen := 0; ; seen++ {
		if _, err := io.ReadFull(br, hdr[:]); err != nil {
			return seen, eofOK(err)
		}
		if string(hdr[:4]) != "PK\x01\x02" {
			return seen, nil
		}
		nameLen := int(binary.LittleEndian.Uint16(hdr[28:]))
		if cap(name) < nameLen {
			name = make([]byte, nameLen)
		}
		name = name[:nameLen]
		if _, err := io.ReadFull(br, name); err != nil {
			return seen, eofOK(err)
		}
		skip := int(binary.LittleEndian.Uint16(hdr[30:])) + int(binary.LittleEndian.Uint16(hdr[32:]))
		if _, err := br.Discard(skip); err != nil {
			return seen, eofOK(err)
		}
		if !fn(string(name)) {
			return seen + 1, nil
		}
	}
}

func eofOK(err error) error {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return nil
	}
	return fmt.Errorf("read zip directory: %w", err)
}

// centralDirectory finds the offset and length of the central directory
// from the end-of-central-directory record (and its zip64 form), checking
// that they lie inside the file.
func centralDirectory(r io.ReaderAt, size int64) (off, n int64, ok bool, err error) {
	const eocdLen = 22
	if size < eocdLen {
		return 0, 0, false, nil
	}
	tailLen := min(size, eocdLen+0xffff)
	tail := make([]byte, tailLen)
	if err := readFull(r, tail, size-tailLen); err != nil {
		return 0, 0, false, err
	}
	for i := len(tail) - eocdLen; i >= 0; i-- {
		if tail[i] != 'P' || string(tail[i:i+4]) != "PK\x05\x06" {
			continue
		}
		if i+eocdLen+int(binary.LittleEndian.Uint16(tail[i+20:])) > len(tail) {
			continue
		}
		pos := size - tailLen + int64(i)
		entries := binary.LittleEndian.Uint16(tail[i+10:])
		n := int64(binary.LittleEndian.Uint32(tail[i+12:]))
		off := int64(binary.LittleEndian.Uint32(tail[i+16:]))
		if entries == 0xffff || n == 0xffffffff || off == 0xffffffff {
			off64, n64, ok, err := zip64Directory(r, pos)
			if err != nil || ok {
				return off64, n64, ok, err
			}
			// Exactly 65535 entries needs no zip64 record; the 32-bit
			// values are then the real ones.
		}
		if off > pos || n > pos-off {
			return 0, 0, false, nil
		}
		return off, n, true, nil
	}
	return 0, 0, false, nil
}

// zip64Directory reads the zip64 end record that the locator just before
// the end-of-central-directory record at pos points to.
func zip64Directory(r io.ReaderAt, pos int64) (off, n int64, ok bool, err error) {
	const zip64LocLen, zip64EndLen = 20, 56
	if pos < zip64LocLen {
		return 0, 0, false, nil
	}
	var loc [zip64LocLen]byte
	if err := readFull(r, loc[:], pos-zip64LocLen); err != nil {
		return 0, 0, false, err
	}
	recOff := binary.LittleEndian.Uint64(loc[8:])
	if string(loc[:4]) != "PK\x06\x07" || recOff > uint64(pos) || uint64(pos)-recOff < zip64EndLen {
		return 0, 0, false, nil
	}
	var rec [zip64EndLen]byte
	if err := readFull(r, rec[:], int64(recOff)); err != nil {
		return 0, 0, false, err
	}
	n64, off64 := binary.LittleEndian.Uint64(rec[40:]), binary.LittleEndian.Uint64(rec[48:])
	if string(rec[:4]) != "PK\x06\x06" || off64 > uint64(pos) || n64 > uint64(pos)-off64 {
		return 0, 0, false, nil
	}
	return int64(off64), int64(n64), true, nil
}

// localNames walks local file headers from the start of the file, as far
// as their sizes are known.
func localNames(r io.ReaderAt, size int64, fn func(string) bool) error {
	var hdr [30]byte
	for off := int64(0); off+30 <= size; {
		if err := readFull(r, hdr[:], off); err != nil {
			return err
		}
		if string(hdr[:4]) != "PK\x03\x04" {
			return nil
		}
		flags := binary.LittleEndian.Uint16(hdr[6:])
		csize := binary.LittleEndian.Uint32(hdr[18:])
		nameLen := int64(binary.LittleEndian.Uint16(hdr[26:]))
		extraLen := int64(binary.LittleEndian.Uint16(hdr[28:]))
		if off+30+nameLen > size {
			return nil
		}
		name := make([]byte, nameLen)
		if err := readFull(r, name, off+30); err != nil {
			return err
		}
		if !fn(string(name)) {
			return nil
		}
		// With a data descriptor (flag bit 3) or zip64 sizes the next
		// header's place is not known from here.
		if flags&0x8 != 0 || csize == 0xffffffff {
			return nil
		}
		off += 30 + nameLen + extraLen + int64(csize)
	}
	return nil
}
