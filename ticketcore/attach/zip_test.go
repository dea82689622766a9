package attach

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
	"strconv"
	"strings"
	"testing"
)

func TestZipDirectoryNotInHead(t *testing.T) {
	// A program deep in a big archive: the central directory lies beyond
	// the sniffed head and must still be read.
	big := strings.Repeat("x", 3*sniffLen)
	z := zipBytes(t, "a.txt", big, "b/c/d/tool.scr", "MZ")
	if d := detectBytes(t, z); d.Executable == "" || !strings.Contains(d.Executable, "tool.scr") {
		t.Fatalf("Detect = %+v", d)
	}
}

func TestZipWithoutDirectory(t *testing.T) {
	// A zip cut before its central directory still shows its local
	// headers to some extractors, and so to us.
	z := storedZip(t, "readme.txt", "hi", "run.bat", "del *")
	cut := bytes.Index(z, []byte("PK\x01\x02"))
	if d := detectBytes(t, z[:cut]); d.Executable == "" {
		t.Fatalf("truncated zip: %+v", d)
	}
}

func TestZip64(t *testing.T) {
	// More than 65535 entries makes archive/zip write zip64 end records;
	// the program is the last entry.
	var b bytes.Buffer
	w := zip.NewWriter(&b)
	for i := 0; i <= 0x10000; i++ {
		name := "f/" + strconv.Itoa(i)
		if i == 0x10000 {
			name = "f/evil.exe"
		}
		if _, err := w.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Store}); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(b.Bytes(), []byte("PK\x06\x06")) {
		t.Fatal("archive/zip wrote no zip64 record")
	}
	if d := detectBytes(t, b.Bytes()); !strings.Contains(d.Executable, "evil.exe") {
		t.Fatalf("Detect = %+v", d)
	}
}

func TestZipDamagedDirectory(t *testing.T) {
	// Junk after the archive: the end record is still found by its
	// signature.
	z := storedZip(t, "readme.txt", "hi", "run.cmd", "del *")
	junk := append(bytes.Clone(z), bytes.Repeat([]byte{0}, 100)...)
	if d := detectBytes(t, junk); d.Executable == "" {
		t.Fatalf("zip with trailing junk: %+v", d)
	}
	// A central directory whose offset is wrong (as after prepending):
	// the walk sees no entry there and falls back to the local headers.
	eocd := bytes.LastIndex(z, []byte("PK\x05\x06"))
	bad := bytes.Clone(z)
	binary.LittleEndian.PutUint32(bad[eocd+16:], 0)
	if d := detectBytes(t, bad); d.Executable == "" {
		t.Fatalf("zip with a wrong directory offset: %+v", d)
	}
}

func TestODFMimetype(t *testing.T) {
	good := odfBytes(t, "application/vnd.oasis.opendocument.text")
	if mt := odfMimetype(good); mt != "application/vnd.oasis.opendocument.text" {
		t.Fatalf("odfMimetype = %q", mt)
	}
	// A "mimetype" entry holding anything but a plain media type is not
	// taken at its word.
	for _, v := range []string{"text/html", "application/x<script>", strings.Repeat("a", 200)} {
		if mt := odfMimetype(odfBytes(t, v)); mt != "" {
			t.Errorf("mimetype %q accepted as %q", v, mt)
		}
	}
	if mt := odfMimetype(good[:37]); mt != "" {
		t.Errorf("truncated head: %q", mt)
	}
}
