package evalkit

import (
	"encoding/csv"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// ITTicketsFile is the IT-tickets data set's path relative to DataDir.
const ITTicketsFile = "it-tickets/tickets.csv"

// Row is one labelled ticket. Index is its 0-based position among the data
// rows (the header is not counted); the split is a function of it alone.
type Row struct {
	Index int
	Text  string
	Label string
}

// DataDir resolves the shared data directory: env DESKMINE_DATA when set,
// otherwise ../shared/data beside the module root (the nearest directory
// above the working directory holding go.mod). A directory that does not
// exist yields an error wrapping fs.ErrNotExist, so callers can tell "absent"
// from other failures.
func DataDir() (string, error) {
	if dir := os.Getenv("DESKMINE_DATA"); dir != "" {
		return existingDir(dir)
	}
	wd, err := os.Getwd()
	if err != nil {
		return "", fmt.Errorf("resolve data dir: %w", err)
	}
	root, err := moduleRoot(wd)
	if err != nil {
		return "", err
	}
	return existingDir(filepath.Join(root, "..", "shared", "data"))
}

func moduleRoot(dir string) (string, error) {
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("resolve data dir: no go.mod above the working directory: %w", fs.ErrNotExist)
		}
		dir = parent
	}
}

func existingDir(dir string) (string, error) {
	st, err := os.Stat(dir)
	if err != nil {
		return "", fmt.Errorf("resolve data dir: %w", err)
	}
	if !st.IsDir() {
		return "", fmt.Errorf("resolve data dir: %s is not a directory", dir)
	}
	return filepath.Clean(dir), nil
}

// LoadITTickets reads the IT-tickets CSV (header Document,Topic_group). A
// missing header, a row with the wrong number of fields or an empty label is
// an error naming the line: a silently shortened data set would skew every
// figure measured on it.
func LoadITTickets(path string) ([]Row, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("load it tickets: %w", err)
	}
	defer f.Close()
	rows, err := ReadITTickets(f)
	if err != nil {
		return nil, fmt.Errorf("load it tickets %s: %w", path, err)
	}
	return rows, nil
}

// ReadITTickets is LoadITTickets over a reader.
func ReadITTickets(r io.Reader) ([]Row, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = 2
	header, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return nil, errors.New("empty file: expected header Document,Topic_group")
	}
	if err != nil {
		return nil, fmt.Errorf("read header: %w", err)
	}
	if strings.TrimPrefix(header[0], "\ufeff") != "Document" || header[1] != "Topic_group" {
		return nil, fmt.Errorf("unexpected header %q, want Document,Topic_group", strings.Join(header, ","))
	}
	var rows []Row
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("read row %d: %w", len(rows), err)
		}
		label := strings.TrimSpace(rec[1])
		if label == "" {
			line, _ := cr.FieldPos(1)
			return nil, fmt.Errorf("line %d: empty Topic_group", line)
		}
		rows = append(rows, Row{Index: len(rows), Text: rec[0], Label: label})
	}
	if len(rows) == 0 {
		return nil, errors.New("no data rows after the header")
	}
	return rows, nil
}

// IsTest reports whether the row with this index belongs to the held-out
// part: FNV-1a (32 bit) of the decimal index, mod 5 == 0, about 20 %. Hashing
// rather than index%5 keeps the split independent of any ordering in the
// file while staying fixed across runs, machines and Go versions.
func IsTest(index int) bool {
	h := fnv.New32a()
	h.Write([]byte(strconv.Itoa(index)))
	return h.Sum32()%5 == 0
}

// Split is the fixed held-out split every knowledge figure is measured on.
// Rows keep their order within each part.
func Split(rows []Row) (train, test []Row) {
	for _, r := range rows {
		if IsTest(r.Index) {
			test = append(test, r)
		} else {
			train = append(train, r)
		}
	}
	return train, test
}

// Texts returns the rows' texts, in order.
func Texts(rows []Row) []string {
	out := make([]string, len(rows))
	for i, r := range rows {
		out[i] = r.Text
	}
	return out
}

// Labels returns the rows' labels, in order.
func Labels(rows []Row) []string {
	out := make([]string, len(rows))
	for i, r := range rows {
		out[i] = r.Label
	}
	return out
}

// LabelsAt maps positions into rows (as returned by BM25.Top over
// Texts(rows)) to their labels, for the retrieval metrics. Positions out of
// range map to "", which never matches a gold label.
func LabelsAt(rows []Row, idx []int) []string {
	out := make([]string, len(idx))
	for i, j := range idx {
		if j >= 0 && j < len(rows) {
			out[i] = rows[j].Label
		}
	}
	return out
}
