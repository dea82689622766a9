package attach

import (
	"bytes"
	"encoding/binary"
	"testing"
)

func TestOLERootClassID(t *testing.T) {
	word := officeClassID(0x00020906)
	f := oleBytes(word, "WordDocument")
	id, err := oleRootClassID(bytes.NewReader(f), int64(len(f)), f)
	if err != nil || !bytes.Equal(id, word) {
		t.Fatalf("class id = %x, %v", id, err)
	}
	for name, mutate := range map[string]func([]byte){
		"bad sector shift":        func(b []byte) { binary.LittleEndian.PutUint16(b[0x1e:], 30) },
		"directory past the end":  func(b []byte) { binary.LittleEndian.PutUint32(b[0x30:], 1000) },
		"directory is end marker": func(b []byte) { binary.LittleEndian.PutUint32(b[0x30:], 0xfffffffe) },
	} {
		b := bytes.Clone(f)
		mutate(b)
		id, err := oleRootClassID(bytes.NewReader(b), int64(len(b)), b)
		if err != nil || id != nil {
			t.Errorf("%s: %x, %v", name, id, err)
		}
		// Detection still works from the stream names.
		if d := detectBytes(t, b); d.ContentType != TypeDOC {
			t.Errorf("%s: detected %+v", name, d)
		}
	}
}

func TestScanUTF16AcrossReads(t *testing.T) {
	// The pattern straddles the 64 KiB read boundary at every offset.
	pat := []byte("_\x00V\x00B\x00A\x00_\x00P\x00R\x00O\x00J\x00E\x00C\x00T\x00")
	for cut := 1; cut < len(pat); cut += 3 {
		b := append(bytes.Repeat([]byte{0}, 64<<10-cut), pat...)
		found, err := scanUTF16(bytes.NewReader(b), int64(len(b)), "_VBA_PROJECT", "WordDocument")
		if err != nil || !found[0] || found[1] {
			t.Errorf("cut %d: %v, %v", cut, found, err)
		}
	}
}

func TestOLEMacrosInMessage(t *testing.T) {
	// An Outlook message with a macro workbook attached carries the VBA
	// storage inside; it counts as a macro document.
	d := detectBytes(t, oleBytes(nil, "__substg1.0_0037001F", "_VBA_PROJECT_CUR"))
	if d.ContentType != TypeMSG || !d.Macros {
		t.Errorf("Detect = %+v", d)
	}
}
