package attach

import (
	"fmt"
	"strings"
)

// DefaultMaxBytes is the size limit when Limits.MaxBytes is zero.
const DefaultMaxBytes = 20 << 20

// maxMaxBytes keeps MaxBytes+1 from overflowing and a typo from allowing
// terabyte uploads.
const maxMaxBytes = 1 << 40

// Limits is the policy of a Store.
type Limits struct {
	// MaxBytes is the largest attachment accepted; 0 means DefaultMaxBytes.
	MaxBytes int64
	// Allowed lists the kinds ("image", "pdf") or exact detected media
	// types ("text/csv") accepted; empty accepts every kind. Programs are
	// refused whatever this says.
	Allowed []string
	// AllowMacros accepts office documents with macros (.docm, .xlsm, a
	// .doc or .xls with VBA, OpenDocument with Basic modules). They are
	// refused by default because macro documents are the most common way
	// malware reaches agents through a help desk.
	AllowMacros bool
}

func (l Limits) withDefaults() (Limits, error) {
	if l.MaxBytes < 0 || l.MaxBytes > maxMaxBytes {
		return l, &FieldError{"max_bytes", fmt.Sprintf("must be between 0 (default) and %d", int64(maxMaxBytes))}
	}
	if l.MaxBytes == 0 {
		l.MaxBytes = DefaultMaxBytes
	}
	allowed := make([]string, 0, len(l.Allowed))
	for _, a := range l.Allowed {
		a = strings.ToLower(strings.TrimSpace(a))
		if !strings.Contains(a, "/") && !validKind(a) {
			return l, &FieldError{"allowed", fmt.Sprintf("%q is neither a kind nor a media type", a)}
		}
		allowed = append(allowed, a)
	}
	l.Allowed = allowed
	return l, nil
}

func validKind(k string) bool {
	switch k {
	case KindImage, KindDocument, KindSpreadsheet, KindPresentation, KindPDF, KindArchive, KindEmail, KindText, KindOther:
		return true
	}
	return false
}

// check applies the type policy to a detection and the sanitised name.
// The name matters only to refuse: a program is refused whatever it is
// called, and a name that Windows would run is refused whatever it holds,
// because the agent's computer opens a download by its name, not by what
// we detected.
func (l Limits) check(name string, d Detection) error {
	ext := extension(name)
	if d.Executable != "" {
		if ext != "" && !executableExt(ext) {
			return &TypeError{d.ContentType, fmt.Sprintf("%s disguised as %s", d.Executable, ext)}
		}
		return &TypeError{d.ContentType, d.Executable}
	}
	if executableExt(ext) {
		return &TypeError{d.ContentType, "the extension " + ext + " is run as a program"}
	}
	if d.Macros && !l.AllowMacros {
		return &TypeError{d.ContentType, "office document with macros"}
	}
	if len(l.Allowed) == 0 {
		return nil
	}
	mt, _, _ := strings.Cut(d.ContentType, ";")
	for _, a := range l.Allowed {
		if a == d.Kind || a == mt || a == d.ContentType {
			return nil
		}
	}
	return &TypeError{d.ContentType, "type not allowed here"}
}

// executableExt reports extensions that Windows, macOS or a desktop runs
// (or installs, or mounts to run from) when the file is double-clicked. The
// list follows the file types Gmail blocks as attachments, plus macOS
// .command and Linux .desktop launchers. Plain .sh, .py and the like open
// in an editor by default and are left to content detection (#! lines).
func executableExt(ext string) bool {
	switch ext {
	case ".ade", ".adp", ".apk", ".app", ".appx", ".appxbundle", ".application", ".appref-ms",
		".bat", ".cab", ".chm", ".cmd", ".com", ".command", ".cpl", ".deb", ".diagcab", ".diagcfg",
		".diagpack", ".dll", ".dmg", ".ex_", ".exe", ".gadget", ".hta", ".img", ".inf", ".ins",
		".ipa", ".iso", ".isp", ".jar", ".jnlp", ".js", ".jse", ".ksh", ".lib", ".lnk", ".mde",
		".mjs", ".msc", ".msi", ".msix", ".msixbundle", ".msp", ".mst", ".nsh", ".pif", ".pkg",
		".ps1", ".ps1xml", ".ps2", ".psc1", ".psm1", ".reg", ".rpm", ".scf", ".scr", ".sct",
		".settingcontent-ms", ".shb", ".sys", ".url", ".vb", ".vbe", ".vbs", ".vhd",
		".vhdx", ".vxd", ".ws", ".wsc", ".wsf", ".wsh", ".xll", ".desktop":
		return true
	}
	return false
}
