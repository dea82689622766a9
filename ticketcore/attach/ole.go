package attach

import (
	"bytes"
	"encoding/binary"
	"io"
	"unicode/utf16"
)

// oleMagic starts an OLE compound file: legacy Office documents, Outlook
// .msg files and Windows Installer packages.
const oleMagic = "\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"

// oleKnownSuffix ends the class ids Microsoft registered for Office and
// Windows Installer ({xxxxxxxx-0000-0000-C000-000000000046}).
const oleKnownSuffix = "\x00\x00\x00\x00\xc0\x00\x00\x00\x00\x00\x00\x46"

// pptClassID is PowerPoint 97-2003's {64818D10-4F9B-11CF-86EA-00AA00B929E8}
// in its on-disk byte order.
const pptClassID = "\x10\x8d\x81\x64\x9b\x4f\xcf\x11\x86\xea\x00\xaa\x00\xb9\x29\xe8"

// detectOLE names a compound file by the class id of its root storage, and
// falls back to the names of the streams inside (stored in UTF-16), which
// is also how it finds VBA macros ("_VBA_PROJECT" in Word and Excel files;
// PowerPoint hides its VBA inside a stream, so .ppt macros go unnoticed).
// Windows Installer packages (.msi, .msp, .mst) are programs.
func detectOLE(r io.ReaderAt, size int64, head []byte) (Detection, error) {
	clsid, err := oleRootClassID(r, size, head)
	if err != nil {
		return Detection{}, err
	}
	names, err := scanUTF16(r, size, "__substg1.0_", "WordDocument", "Workbook", "PowerPoint Document", "_VBA_PROJECT")
	if err != nil {
		return Detection{}, err
	}
	msg, word, xls, ppt, vba := names[0], names[1], names[2], names[3], names[4]
	if len(clsid) == 16 && string(clsid[4:]) == oleKnownSuffix {
		switch binary.LittleEndian.Uint32(clsid) {
		case 0x000c1084, 0x000c1086, 0x000c1082:
			return Detection{ContentType: "application/x-msi", Kind: KindOther, Executable: "Windows Installer package"}, nil
		case 0x00020906, 0x00020900:
			word = true
		case 0x00020820, 0x00020810:
			xls = true
		}
	}
	if string(clsid) == pptClassID {
		ppt = true
	}
	switch {
	case msg:
		return Detection{ContentType: TypeMSG, Kind: KindEmail, Macros: vba}, nil
	case word:
		return Detection{ContentType: TypeDOC, Kind: KindDocument, Macros: vba}, nil
	case xls:
		return Detection{ContentType: TypeXLS, Kind: KindSpreadsheet, Macros: vba}, nil
	case ppt:
		return Detection{ContentType: TypePPT, Kind: KindPresentation, Macros: vba}, nil
	}
	return Detection{ContentType: TypeOLE, Kind: KindOther, Macros: vba}, nil
}

// oleRootClassID reads the class id of the first directory entry, the root
// storage; nil when the header is not sane.
func oleRootClassID(r io.ReaderAt, size int64, head []byte) ([]byte, error) {
	if len(head) < 512 {
		return nil, nil
	}
	shift := binary.LittleEndian.Uint16(head[0x1e:])
	if shift != 9 && shift != 12 {
		return nil, nil
	}
	sect := int64(binary.LittleEndian.Uint32(head[0x30:]))
	off := (sect + 1) << shift
	if sect >= 0xfffffffa || off+128 > size {
		return nil, nil
	}
	entry := make([]byte, 128)
	if err := readFull(r, entry, off); err != nil {
		return nil, err
	}
	return entry[0x50:0x60], nil
}

// scanUTF16 reports which of the words occur in r as UTF-16LE.
func scanUTF16(r io.ReaderAt, size int64, words ...string) ([]bool, error) {
	pats := make([][]byte, len(words))
	longest := 0
	for i, w := range words {
		for _, u := range utf16.Encode([]rune(w)) {
			pats[i] = binary.LittleEndian.AppendUint16(pats[i], u)
		}
		longest = max(longest, len(pats[i]))
	}
	found := make([]bool, len(words))
	const chunk = 64 << 10
	buf := make([]byte, chunk+longest)
	keep := 0
	for off := int64(0); off < size; {
		n := int(min(chunk, size-off))
		if err := readFull(r, buf[keep:keep+n], off); err != nil {
			return nil, err
		}
		off += int64(n)
		b := buf[:keep+n]
		for i, p := range pats {
			found[i] = found[i] || bytes.Contains(b, p)
		}
		// Keep a tail so that a name split across two reads is still seen.
		keep = copy(buf, b[max(0, len(b)-longest+1):])
	}
	return found, nil
}
