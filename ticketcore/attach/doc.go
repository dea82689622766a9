// Package attach stores the attachments of tickets, replies and internal
// notes, whichever channel they came from (API, inbound e-mail, chat
// webhooks), and decides what may be stored and how it is served.
//
// # Storage
//
// Store keeps contents on local disk, content-addressed by SHA-256
// (dir/ab/cd/abcd…), so the same file attached to a hundred tickets is kept
// once. Put writes to a temporary file in the store's root, fsyncs it and
// renames it into place; a failed, refused or oversized upload leaves
// nothing behind. Blob carries what the ticket stores about one upload:
// the hash, size, sanitised filename and the type detected from the
// content. The caller (the ticket service) owns references and removes
// blobs nobody refers to.
//
// # Type policy
//
// The declared type and extension are never trusted; Detect looks at the
// bytes (net/http's sniffer plus checks for zip-based office formats,
// OpenDocument, OLE files, SVG, e-mail and CSV). Then:
//
//   - Programs are refused whatever they are called: ELF, Windows PE and
//     DOS executables, Mach-O, Java classes and archives, Android
//     packages, Windows shortcuts (.lnk), Windows Installer packages
//     (.msi/.msp/.mst, which are OLE files), scripts with a #! line, and
//     zip archives with an entry named like a program (setup.exe, run.js).
//     A program named like a document ("invoice.pdf") is refused with a
//     reason that says so.
//   - Names Windows or a desktop would run on a double-click (.exe, .bat,
//     .js, .hta, .lnk, .iso, …) are refused whatever they contain, since
//     the agent's computer opens a download by its name.
//   - Legacy Office files (OLE compound files: .doc, .xls, .ppt) and
//     Outlook .msg files are accepted as documents, spreadsheets,
//     presentations and e-mail. Office documents with macros (OOXML with
//     vbaProject.bin or Excel 4.0 macro sheets, .doc/.xls with a VBA
//     project, OpenDocument with Basic modules or scripts) are refused
//     unless Limits.AllowMacros is set. VBA inside a .ppt is not visible
//     without parsing PowerPoint streams and is not detected.
//   - Everything else harmless is accepted, unless Limits.Allowed narrows
//     it; a mismatch between a harmless name and harmless content (a .txt
//     that is CSV) is fine, and the detected type wins.
//
// Nothing inside archives or documents is decompressed or scanned for
// malware; that belongs to a virus scanner, which the service may add
// in front of Put.
//
// # Serving
//
// See Headers: the detected Content-Type, inline only for raster images
// and PDF, HTML and SVG always as attachment, and always
// X-Content-Type-Options: nosniff.
package attach
