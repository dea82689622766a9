package attach

import (
	"cmp"
	"slices"
	"strings"
)

// Group sorts blobs into their kinds for the ticket view, each group by
// filename (case-insensitively, then by hash so that the order is stable).
// A blob with an unknown kind goes to "other". The input is not modified.
func Group(blobs []Blob) map[string][]Blob {
	g := make(map[string][]Blob)
	for _, b := range blobs {
		k := b.Kind
		if !validKind(k) {
			k = KindOther
		}
		g[k] = append(g[k], b)
	}
	for _, list := range g {
		slices.SortFunc(list, func(a, b Blob) int {
			return cmp.Or(
				strings.Compare(strings.ToLower(a.Filename), strings.ToLower(b.Filename)),
				strings.Compare(a.Filename, b.Filename),
				strings.Compare(a.SHA256, b.SHA256),
			)
		})
	}
	return g
}
