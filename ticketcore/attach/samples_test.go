package attach

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/gzip"
	"encoding/base64"
	"encoding/binary"
	"hash/crc32"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"strings"
	"testing"
	"unicode/utf16"

	"golang.org/x/text/encoding/simplifiedchinese"
)

// The builders below make tiny but genuine files of each format, so that
// detection is tested on real bytes rather than on bare magic numbers.

func onePixel() image.Image {
	img := image.NewRGBA(image.Rect(0, 0, 1, 1))
	img.Set(0, 0, color.RGBA{200, 30, 30, 255})
	return img
}

func pngBytes(t testing.TB) []byte {
	var b bytes.Buffer
	if err := png.Encode(&b, onePixel()); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func jpegBytes(t testing.TB) []byte {
	var b bytes.Buffer
	if err := jpeg.Encode(&b, onePixel(), nil); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func gifBytes(t testing.TB) []byte {
	var b bytes.Buffer
	if err := gif.Encode(&b, onePixel(), nil); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// webpBytes is the 1x1 lossless WebP that Modernizr uses to probe browser
// support; browsers decode it.
func webpBytes(t testing.TB) []byte {
	b, err := base64.StdEncoding.DecodeString("UklGRhoAAABXRUJQVlA4TA0AAAAvAAAAEAcQERGIiP4HAA==")
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// pdfBytes is a one-page PDF with a correct cross-reference table.
func pdfBytes() []byte {
	objs := []string{
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
		"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 72 72] >>",
	}
	var b bytes.Buffer
	b.WriteString("%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
	offs := make([]int, len(objs))
	for i, o := range objs {
		offs[i] = b.Len()
		b.WriteString(strings.Join([]string{itoa(i + 1), " 0 obj\n", o, "\nendobj\n"}, ""))
	}
	xref := b.Len()
	b.WriteString("xref\n0 " + itoa(len(objs)+1) + "\n0000000000 65535 f \n")
	for _, o := range offs {
		s := itoa(o)
		b.WriteString(strings.Repeat("0", 10-len(s)) + s + " 00000 n \n")
	}
	b.WriteString("trailer\n<< /Size " + itoa(len(objs)+1) + " /Root 1 0 R >>\nstartxref\n" + itoa(xref) + "\n%%EOF\n")
	return b.Bytes()
}

func itoa(i int) string {
	if i == 0 {
		return "0"
	}
	var d []byte
	for ; i > 0; i /= 10 {
		d = append([]byte{byte('0' + i%10)}, d...)
	}
	return string(d)
}

// zipBytes builds a zip with the given entries (name, content pairs),
// deflated like office suites do.
func zipBytes(t testing.TB, entries ...string) []byte {
	var b bytes.Buffer
	w := zip.NewWriter(&b)
	for i := 0; i+1 < len(entries); i += 2 {
		f, err := w.Create(entries[i])
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.Write([]byte(entries[i+1])); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

const rels = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="%s"/></Relationships>`

func contentTypes(main, ct string) string {
	return `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/` + main + `" ContentType="` + ct + `"/></Types>`
}

func docxBytes(t testing.TB, extra ...string) []byte {
	e := []string{
		"[Content_Types].xml", contentTypes("word/document.xml", "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"),
		"_rels/.rels", strings.Replace(rels, "%s", "word/document.xml", 1),
		"word/document.xml", `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>发票</w:t></w:r></w:p></w:body></w:document>`,
	}
	return zipBytes(t, append(e, extra...)...)
}

func xlsxBytes(t testing.TB, extra ...string) []byte {
	e := []string{
		"[Content_Types].xml", contentTypes("xl/workbook.xml", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"),
		"_rels/.rels", strings.Replace(rels, "%s", "xl/workbook.xml", 1),
		"xl/workbook.xml", `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheets><sheet name="S" sheetId="1" r:id="rId1" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"/></sheets></workbook>`,
		"xl/worksheets/sheet1.xml", `<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData/></worksheet>`,
	}
	return zipBytes(t, append(e, extra...)...)
}

func pptxBytes(t testing.TB) []byte {
	return zipBytes(t,
		"[Content_Types].xml", contentTypes("ppt/presentation.xml", "application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml"),
		"_rels/.rels", strings.Replace(rels, "%s", "ppt/presentation.xml", 1),
		"ppt/presentation.xml", `<p:presentation xmlns:p="http://schemas.openxmlformats.org/presentationml/2006/main"/>`,
	)
}

// storeRaw adds an uncompressed entry with its sizes in the local header,
// as office suites write the OpenDocument mimetype and many zip tools
// write every entry.
func storeRaw(t testing.TB, w *zip.Writer, name, content string) {
	f, err := w.CreateRaw(&zip.FileHeader{Name: name, Method: zip.Store, CRC32: crc32.ChecksumIEEE([]byte(content)),
		CompressedSize64: uint64(len(content)), UncompressedSize64: uint64(len(content))})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.Write([]byte(content)); err != nil {
		t.Fatal(err)
	}
}

// storedZip is a zip whose entries are all stored with sizes up front.
func storedZip(t testing.TB, entries ...string) []byte {
	var b bytes.Buffer
	w := zip.NewWriter(&b)
	for i := 0; i+1 < len(entries); i += 2 {
		storeRaw(t, w, entries[i], entries[i+1])
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// streamedODF stores the mimetype with a data descriptor, as writers that
// cannot seek back do.
func streamedODF(t testing.TB, mimetype string) []byte {
	var b bytes.Buffer
	w := zip.NewWriter(&b)
	f, err := w.CreateHeader(&zip.FileHeader{Name: "mimetype", Method: zip.Store})
	if err != nil {
		t.Fatal(err)
	}
	f.Write([]byte(mimetype))
	f, err = w.Create("content.xml")
	if err != nil {
		t.Fatal(err)
	}
	f.Write([]byte("<office:document-content/>"))
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// odfBytes stores "mimetype" first and uncompressed, as the OpenDocument
// specification requires.
func odfBytes(t testing.TB, mimetype string, extra ...string) []byte {
	var b bytes.Buffer
	w := zip.NewWriter(&b)
	storeRaw(t, w, "mimetype", mimetype)
	entries := append([]string{
		"META-INF/manifest.xml", `<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0"/>`,
		"content.xml", `<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"/>`,
		"Basic/script-lc.xml", `<library:libraries xmlns:library="http://openoffice.org/2000/library"/>`,
	}, extra...)
	for i := 0; i+1 < len(entries); i += 2 {
		f, err := w.Create(entries[i])
		if err != nil {
			t.Fatal(err)
		}
		f.Write([]byte(entries[i+1]))
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// oleBytes builds a valid version 3 compound file: header, one FAT
// sector, one directory sector with the root storage (class id clsid) and
// an empty stream per name.
func oleBytes(clsid []byte, streams ...string) []byte {
	const (
		endOfChain = 0xfffffffe
		freeSect   = 0xffffffff
		fatSect    = 0xfffffffd
		noStream   = 0xffffffff
	)
	le := binary.LittleEndian
	hdr := make([]byte, 512)
	copy(hdr, oleMagic)
	le.PutUint16(hdr[0x18:], 0x003e)
	le.PutUint16(hdr[0x1a:], 0x0003)
	le.PutUint16(hdr[0x1c:], 0xfffe)
	le.PutUint16(hdr[0x1e:], 9)
	le.PutUint16(hdr[0x20:], 6)
	le.PutUint32(hdr[0x2c:], 1) // FAT sectors
	le.PutUint32(hdr[0x30:], 1) // first directory sector
	le.PutUint32(hdr[0x38:], 4096)
	le.PutUint32(hdr[0x3c:], endOfChain)
	le.PutUint32(hdr[0x44:], endOfChain)
	le.PutUint32(hdr[0x4c:], 0) // DIFAT[0]: the FAT is sector 0
	for i := 0x50; i < 512; i += 4 {
		le.PutUint32(hdr[i:], freeSect)
	}
	fat := make([]byte, 512)
	for i := 0; i < 512; i += 4 {
		le.PutUint32(fat[i:], freeSect)
	}
	le.PutUint32(fat[0:], fatSect)
	le.PutUint32(fat[4:], endOfChain)
	dir := make([]byte, 512)
	entry := func(i int, name string, typ byte, child, right uint32, id []byte) {
		e := dir[i*128 : (i+1)*128]
		u := utf16.Encode([]rune(name))
		for j, c := range u {
			le.PutUint16(e[j*2:], c)
		}
		le.PutUint16(e[0x40:], uint16(len(u)+1)*2)
		e[0x42] = typ
		e[0x43] = 1 // black
		le.PutUint32(e[0x44:], noStream)
		le.PutUint32(e[0x48:], right)
		le.PutUint32(e[0x4c:], child)
		copy(e[0x50:], id)
		le.PutUint32(e[0x74:], endOfChain)
	}
	child := uint32(noStream)
	if len(streams) > 0 {
		child = 1
	}
	entry(0, "Root Entry", 5, child, noStream, clsid)
	for i, s := range streams[:min(len(streams), 3)] {
		right := uint32(noStream)
		if i+1 < min(len(streams), 3) {
			right = uint32(i + 2)
		}
		entry(i+1, s, 2, noStream, right, nil)
	}
	return append(append(hdr, fat...), dir...)
}

// classID encodes a GUID in the mixed-endian order compound files use.
func classID(d1 uint32, d2, d3 uint16, d4 string) []byte {
	b := binary.LittleEndian.AppendUint32(nil, d1)
	b = binary.LittleEndian.AppendUint16(b, d2)
	b = binary.LittleEndian.AppendUint16(b, d3)
	return append(b, d4...)
}

// officeClassID is {d1-0000-0000-C000-000000000046}.
func officeClassID(d1 uint32) []byte {
	return classID(d1, 0, 0, "\xc0\x00\x00\x00\x00\x00\x00\x46")
}

// elfBytes is the ELF header of a 64-bit x86-64 executable.
func elfBytes() []byte {
	b := make([]byte, 64)
	copy(b, "\x7fELF\x02\x01\x01")
	binary.LittleEndian.PutUint16(b[16:], 2)    // ET_EXEC
	binary.LittleEndian.PutUint16(b[18:], 0x3e) // x86-64
	binary.LittleEndian.PutUint32(b[20:], 1)
	binary.LittleEndian.PutUint16(b[52:], 64)
	return b
}

// peBytes is a DOS stub pointing at a PE header for x86-64.
func peBytes() []byte {
	b := make([]byte, 0x40+4+20)
	copy(b, "MZ")
	binary.LittleEndian.PutUint32(b[0x3c:], 0x40)
	copy(b[0x40:], "PE\x00\x00")
	binary.LittleEndian.PutUint16(b[0x44:], 0x8664)
	return b
}

func gzipBytes(t testing.TB) []byte {
	var b bytes.Buffer
	w := gzip.NewWriter(&b)
	w.Write([]byte("log line\n"))
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func tarBytes(t testing.TB) []byte {
	var b bytes.Buffer
	w := tar.NewWriter(&b)
	body := []byte("hello\n")
	if err := w.WriteHeader(&tar.Header{Name: "a.txt", Mode: 0o644, Size: int64(len(body))}); err != nil {
		t.Fatal(err)
	}
	w.Write(body)
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

const emlText = "Return-Path: <kunde@example.com>\r\n" +
	"From: =?UTF-8?B?5byg5LiJ?= <kunde@example.com>\r\n" +
	"To: support@deskmine.example\r\n" +
	"Subject: =?UTF-8?B?5Y+R56Wo?=\r\n" +
	"Date: Mon, 02 Mar 2026 10:00:00 +0800\r\n" +
	"Message-ID: <1@example.com>\r\n" +
	"MIME-Version: 1.0\r\n" +
	"Content-Type: text/plain; charset=utf-8\r\n" +
	"\r\n" +
	"您好，发票有问题。\r\n"

const csvText = "name,email,amount\n张三,zs@example.com,12.50\n李四,ls@example.com,8.00\n\"Wang, Wu\",ww@example.com,3\n"

const chineseText = "您好，\n我的订单 12345 还没有发货，请帮忙查一下。\n谢谢！\n"

func gbkBytes(t testing.TB) []byte {
	b, err := simplifiedchinese.GBK.NewEncoder().Bytes([]byte(chineseText))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func utf16Bytes() []byte {
	b := []byte{0xff, 0xfe}
	for _, u := range utf16.Encode([]rune("hello 你好\r\n")) {
		b = binary.LittleEndian.AppendUint16(b, u)
	}
	return b
}

// sample is a named file and what detecting it must give.
type sample struct {
	file        string
	data        []byte
	contentType string
	kind        string
	executable  bool
	macros      bool
}

func samples(t testing.TB) []sample {
	return []sample{
		{"pixel.png", pngBytes(t), "image/png", KindImage, false, false},
		{"pixel.jpg", jpegBytes(t), "image/jpeg", KindImage, false, false},
		{"pixel.gif", gifBytes(t), "image/gif", KindImage, false, false},
		{"pixel.webp", webpBytes(t), "image/webp", KindImage, false, false},
		{"drawing.svg", []byte("<?xml version=\"1.0\"?>\n<!-- logo -->\n<!DOCTYPE svg>\n<svg xmlns=\"http://www.w3.org/2000/svg\"><script>alert(1)</script></svg>\n"), TypeSVG, KindImage, false, false},
		{"page.pdf", pdfBytes(), "application/pdf", KindPDF, false, false},
		{"letter.docx", docxBytes(t), TypeDOCX, KindDocument, false, false},
		{"sheet.xlsx", xlsxBytes(t), TypeXLSX, KindSpreadsheet, false, false},
		{"slides.pptx", pptxBytes(t), TypePPTX, KindPresentation, false, false},
		{"macro.docm", docxBytes(t, "word/vbaProject.bin", "\xd0\xcf\x11\xe0"), TypeDOCM, KindDocument, false, true},
		{"macro.xlsm", xlsxBytes(t, "xl/vbaProject.bin", "\xd0\xcf\x11\xe0"), TypeXLSM, KindSpreadsheet, false, true},
		{"xlm.xlsx", xlsxBytes(t, "xl/macrosheets/sheet1.xml", "<xm:macrosheet/>"), TypeXLSM, KindSpreadsheet, false, true},
		{"letter.odt", odfBytes(t, "application/vnd.oasis.opendocument.text"), "application/vnd.oasis.opendocument.text", KindDocument, false, false},
		{"stream.odt", streamedODF(t, "application/vnd.oasis.opendocument.text"), "application/vnd.oasis.opendocument.text", KindDocument, false, false},
		{"stored.zip", storedZip(t, "a.txt", "hello", "b.txt", "world"), TypeZIP, KindArchive, false, false},
		{"sheet.ods", odfBytes(t, "application/vnd.oasis.opendocument.spreadsheet"), "application/vnd.oasis.opendocument.spreadsheet", KindSpreadsheet, false, false},
		{"basic.odt", odfBytes(t, "application/vnd.oasis.opendocument.text", "Basic/Standard/Module1.xml", "<script:module/>"), "application/vnd.oasis.opendocument.text", KindDocument, false, true},
		{"legacy.doc", oleBytes(officeClassID(0x00020906), "WordDocument", "1Table"), TypeDOC, KindDocument, false, false},
		{"legacy.xls", oleBytes(officeClassID(0x00020820), "Workbook"), TypeXLS, KindSpreadsheet, false, false},
		{"noclsid.xls", oleBytes(nil, "Workbook"), TypeXLS, KindSpreadsheet, false, false},
		{"macro.xls", oleBytes(officeClassID(0x00020820), "Workbook", "_VBA_PROJECT_CUR"), TypeXLS, KindSpreadsheet, false, true},
		{"legacy.ppt", oleBytes(classID(0x64818d10, 0x4f9b, 0x11cf, "\x86\xea\x00\xaa\x00\xb9\x29\xe8"), "PowerPoint Document"), TypePPT, KindPresentation, false, false},
		{"outlook.msg", oleBytes(nil, "__substg1.0_0037001F", "__properties_version1.0"), TypeMSG, KindEmail, false, false},
		{"setup.msi", oleBytes(officeClassID(0x000c1084)), "application/x-msi", KindOther, true, false},
		{"unknown.ole", oleBytes(nil, "Contents"), TypeOLE, KindOther, false, false},
		{"bundle.zip", zipBytes(t, "logs/app.log", "started\n", "logs/err.log", "boom\n"), TypeZIP, KindArchive, false, false},
		{"empty.zip", zipBytes(t), TypeZIP, KindArchive, false, false},
		{"payload.zip", zipBytes(t, "readme.txt", "hi", "Invoice.PDF.exe", "MZ"), TypeZIP, KindArchive, true, false},
		{"wsh.zip", zipBytes(t, "invoice.js", "WScript.Echo(1)"), TypeZIP, KindArchive, true, false},
		{"tool.jar", zipBytes(t, "META-INF/MANIFEST.MF", "Main-Class: a.Main\n", "a/Main.class", "\xca\xfe\xba\xbe"), "application/java-archive", KindOther, true, false},
		{"app.apk", zipBytes(t, "AndroidManifest.xml", "\x03\x00", "classes.dex", "dex\n035"), "application/vnd.android.package-archive", KindOther, true, false},
		{"logs.tar.gz", gzipBytes(t), "application/x-gzip", KindArchive, false, false},
		{"logs.tar", tarBytes(t), "application/x-tar", KindArchive, false, false},
		{"a.xz", []byte("\xfd7zXZ\x00\x00\x04\xe6\xd6\xb4\x46"), "application/x-xz", KindArchive, false, false},
		{"a.bz2", []byte("BZh91AY&SY\x00\x00"), "application/x-bzip2", KindArchive, false, false},
		{"a.zst", []byte("(\xb5/\xfd\x00\x00"), "application/zstd", KindArchive, false, false},
		{"slides.odp", odfBytes(t, "application/vnd.oasis.opendocument.presentation"), "application/vnd.oasis.opendocument.presentation", KindPresentation, false, false},
		{"book.epub", odfBytes(t, "application/epub+zip"), "application/epub+zip", KindDocument, false, false},
		{"drawing.odg", odfBytes(t, "application/vnd.oasis.opendocument.graphics"), "application/vnd.oasis.opendocument.graphics", KindOther, false, false},
		{"a.7z", []byte("7z\xbc\xaf\x27\x1c\x00\x04rest"), "application/x-7z-compressed", KindArchive, false, false},
		{"message.eml", []byte(emlText), TypeEML, KindEmail, false, false},
		{"data.csv", []byte(csvText), "text/csv; charset=utf-8", KindSpreadsheet, false, false},
		{"data.tsv", []byte("a\tb\tc\n1\t2\t3\n"), "text/tab-separated-values; charset=utf-8", KindSpreadsheet, false, false},
		{"semicolon.csv", []byte("a;b;c\n1;2;3\n4;5;6\n"), "text/csv; charset=utf-8", KindSpreadsheet, false, false},
		{"zh.txt", []byte(chineseText), "text/plain; charset=utf-8", KindText, false, false},
		{"bom.txt", []byte("\xef\xbb\xbf" + chineseText), "text/plain; charset=utf-8", KindText, false, false},
		{"gbk.txt", gbkBytes(t), "text/plain", KindText, false, false},
		{"utf16.txt", utf16Bytes(), "text/plain; charset=utf-16le", KindText, false, false},
		{"prose.txt", []byte("Hello, world.\nThanks, bye.\n"), "text/plain; charset=utf-8", KindText, false, false},
		{"mz.txt", []byte("MZ is the country code of Mozambique.\n"), "text/plain; charset=utf-8", KindText, false, false},
		{"page.html", []byte("<!DOCTYPE html><html><body><script>alert(1)</script></body></html>"), "text/html; charset=utf-8", KindText, false, false},
		{"letter.rtf", []byte(`{\rtf1\ansi{\fonttbl\f0\fswiss Helvetica;}\f0\pard Hi.\par}`), "application/rtf", KindDocument, false, false},
		{"binary.dat", []byte("abc\x00\x01\x02def"), TypeBin, KindOther, false, false},
		{"elf", elfBytes(), "application/x-executable", KindOther, true, false},
		{"pe.exe", peBytes(), "application/vnd.microsoft.portable-executable", KindOther, true, false},
		{"dos.com", []byte("MZ\x90\x00\x03\x00\x00\x00\x04\x00"), "application/x-dosexec", KindOther, true, false},
		{"macho", []byte("\xcf\xfa\xed\xfe\x07\x00\x00\x01\x03\x00\x00\x00"), "application/x-mach-binary", KindOther, true, false},
		{"run.sh", []byte("#!/bin/sh\nrm -rf ~\n"), "text/x-shellscript", KindOther, true, false},
		{"bom.sh", []byte("\xef\xbb\xbf#!/usr/bin/env python3\nprint(1)\n"), "text/x-shellscript", KindOther, true, false},
		{"link.lnk", append([]byte(lnkMagic), make([]byte, 56)...), "application/x-ms-shortcut", KindOther, true, false},
	}
}
