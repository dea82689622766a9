package index

import (
	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/analysis/analyzer/keyword"
	"github.com/blevesearch/bleve/v2/mapping"

	"github.com/deskmine/deskmine/kb/textan"
)

// MappingVersion is stamped into both indexes. Bump it whenever a mapping,
// an analyzer (textan.TextChinese included) or the indexed document shape
// changes: Open then wipes the indexes and reports Fresh, and the caller
// replays the event log into them.
const MappingVersion = 1

// Document types of the two indexes.
const (
	typeCase    = "case"
	typeArticle = "article"
)

// Field names. Text fields are analysed by textan.AnalyzerText; keyword
// fields hold exact values for filters.
const (
	fSubject     = "subject"
	fDescription = "description"
	fComments    = "comments"
	fResolution  = "resolution"
	fCategory    = "category"
	fProduct     = "product"
	fPriority    = "priority"
	fTeam        = "team"
	fTags        = "tags"
	fLang        = "lang"
	fArticleID   = "article_id"
	fVersion     = "version"

	fTitle           = "title"
	fProblem         = "problem"
	fSymptoms        = "symptoms"
	fSteps           = "steps"
	fProducts        = "products"
	fProductVersions = "product_versions"
	fCategories      = "categories"
	fBestPractice    = "best_practice"
)

// caseDoc is what the cases index stores for a Case.
type caseDoc struct {
	Subject     string   `json:"subject"`
	Description string   `json:"description"`
	Comments    string   `json:"comments"`
	Resolution  string   `json:"resolution"`
	Category    string   `json:"category"`
	Product     string   `json:"product"`
	Priority    string   `json:"priority"`
	Team        string   `json:"team"`
	Tags        []string `json:"tags"`
	Lang        string   `json:"lang"`
	ArticleID   float64  `json:"article_id"`
	Version     float64  `json:"version"`
}

func (caseDoc) BleveType() string { return typeCase }

// articleDoc is what the articles index stores for an Article.
type articleDoc struct {
	Title           string   `json:"title"`
	Problem         string   `json:"problem"`
	Symptoms        string   `json:"symptoms"`
	Steps           string   `json:"steps"`
	Tags            []string `json:"tags"`
	Products        []string `json:"products"`
	ProductVersions []string `json:"product_versions"`
	Categories      []string `json:"categories"`
	BestPractice    bool     `json:"best_practice"`
	Lang            string   `json:"lang"`
	Version         float64  `json:"version"`
}

func (articleDoc) BleveType() string { return typeArticle }

// text is an analysed text field. Stored only when hits or CaseText show it;
// term vectors (positions and offsets) only where Search highlights, since
// they are the largest part of the postings.
func text(store, vectors bool) *mapping.FieldMapping {
	f := bleve.NewTextFieldMapping()
	f.Analyzer = textan.AnalyzerText
	f.Store = store
	f.IncludeTermVectors = vectors
	f.IncludeInAll = false
	f.DocValues = false
	return f
}

func kw(store bool) *mapping.FieldMapping {
	f := bleve.NewKeywordFieldMapping()
	f.Analyzer = keyword.Name
	f.Store = store
	f.IncludeTermVectors = false
	f.IncludeInAll = false
	f.DocValues = false
	return f
}

func num(index, store bool) *mapping.FieldMapping {
	f := bleve.NewNumericFieldMapping()
	f.Index = index
	f.Store = store
	f.IncludeInAll = false
	f.DocValues = false
	return f
}

// ResolvedAt and UpdatedAt are not indexed: no query uses them yet, and a
// datetime field nearly doubled the CPU cost of indexing a case (its prefix
// terms are unique per document). Adding them needs a MappingVersion bump.

// newIndexMapping is an explicit mapping for one document type: the default
// mapping is disabled and nothing is dynamic, so a field that is not listed
// here is neither indexed nor stored.
func newIndexMapping(typ string, fields map[string]*mapping.FieldMapping) *mapping.IndexMappingImpl {
	dm := bleve.NewDocumentStaticMapping()
	for name, f := range fields {
		dm.AddFieldMappingsAt(name, f)
	}
	// No field goes into bleve's composite "_all" field, but bleve still
	// builds it for every document unless its mapping is disabled.
	dm.AddSubDocumentMapping("_all", bleve.NewDocumentDisabledMapping())
	im := bleve.NewIndexMapping()
	im.DefaultMapping = bleve.NewDocumentDisabledMapping()
	im.AddDocumentMapping(typ, dm)
	im.DefaultAnalyzer = textan.AnalyzerText
	im.IndexDynamic = false
	im.StoreDynamic = false
	im.DocValuesDynamic = false
	// Classic tf-idf, bleve's default, set explicitly: on it-tickets it found
	// same-topic neighbours more often than BM25 (docs/kb-search.md).
	im.ScoringModel = "tf-idf"
	return im
}

func caseMapping() *mapping.IndexMappingImpl {
	return newIndexMapping(typeCase, map[string]*mapping.FieldMapping{
		// Subject, description and resolution are what a hit and CaseText
		// show and what Search highlights.
		fSubject:     text(true, true),
		fDescription: text(true, true),
		fResolution:  text(true, true),
		fComments:    text(false, false),
		fCategory:    kw(true),
		fProduct:     kw(true),
		fPriority:    kw(false),
		fTeam:        kw(false),
		fTags:        kw(false),
		fLang:        kw(false),
		// Numbers are stored, not indexed: an indexed number adds 16
		// prefix terms per document, and no query filters on these.
		fArticleID: num(false, true),
		// The version is only read back, by the replay check in IndexCases.
		fVersion: num(false, true),
	})
}

func articleMapping() *mapping.IndexMappingImpl {
	return newIndexMapping(typeArticle, map[string]*mapping.FieldMapping{
		fTitle:           text(true, true),
		fProblem:         text(true, true),
		fSymptoms:        text(true, true),
		fSteps:           text(true, true),
		fTags:            kw(false),
		fProducts:        kw(false),
		fProductVersions: kw(false),
		fCategories:      kw(false),
		fBestPractice:    bleve.NewBooleanFieldMapping(),
		fLang:            kw(false),
		fVersion:         num(false, true),
	})
}
