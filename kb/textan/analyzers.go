package textan

import (
	"fmt"

	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/analysis/lang/cjk"
	"github.com/blevesearch/bleve/v2/analysis/lang/en"
	"github.com/blevesearch/bleve/v2/analysis/token/lowercase"
	"github.com/blevesearch/bleve/v2/analysis/token/porter"
	bleveunicode "github.com/blevesearch/bleve/v2/analysis/tokenizer/unicode"
	"github.com/blevesearch/bleve/v2/registry"
)

// init registers our analyzers the way bleve's own language packages do:
// a name clash is a build defect, so it stops the program at start-up.
func init() {
	must := func(err error) {
		if err != nil {
			panic(fmt.Sprintf("textan: register analysis component: %v", err))
		}
	}
	must(registry.RegisterTokenizer(TokenizerGse, gseTokenizerConstructor))
	must(registry.RegisterTokenFilter(FilterChineseStop, func(map[string]interface{}, *registry.Cache) (analysis.TokenFilter, error) {
		return chineseStopFilter{}, nil
	}))
	must(registry.RegisterTokenFilter(FilterLatinStem, func(map[string]interface{}, *registry.Cache) (analysis.TokenFilter, error) {
		return latinStemFilter{porter: porter.NewPorterStemmer()}, nil
	}))
	must(registry.RegisterAnalyzer(AnalyzerEnglish, chain(bleveunicode.Name,
		en.PossessiveName, lowercase.Name, en.StopName, porter.Name)))
	must(registry.RegisterAnalyzer(AnalyzerGse, chain(TokenizerGse,
		cjk.WidthName, lowercase.Name, en.StopName, FilterChineseStop, FilterLatinStem)))
	must(registry.RegisterAnalyzer(AnalyzerTextGse, chain(TokenizerGse,
		cjk.WidthName, en.PossessiveName, lowercase.Name, en.StopName, FilterChineseStop, FilterLatinStem)))
	// The bigram filter turns Han characters into bigrams; the stop filters
	// run before it because a bigram has no stop-word meaning, and the stem
	// filter after it leaves the bigrams alone.
	must(registry.RegisterAnalyzer(AnalyzerTextCJK, chain(bleveunicode.Name,
		cjk.WidthName, en.PossessiveName, lowercase.Name, en.StopName, cjk.BigramName, FilterLatinStem)))
	must(registry.RegisterAnalyzer(AnalyzerText, func(config map[string]interface{}, cache *registry.Cache) (analysis.Analyzer, error) {
		name, err := textAnalyzerName(TextChinese)
		if err != nil {
			return nil, err
		}
		return cache.AnalyzerNamed(name)
	}))
}

// chain returns an analyzer constructor for a tokenizer and token filters
// looked up by their registered names.
func chain(tokenizer string, filters ...string) registry.AnalyzerConstructor {
	return func(config map[string]interface{}, cache *registry.Cache) (analysis.Analyzer, error) {
		tok, err := cache.TokenizerNamed(tokenizer)
		if err != nil {
			return nil, fmt.Errorf("tokenizer %s: %w", tokenizer, err)
		}
		a := &analysis.DefaultAnalyzer{Tokenizer: tok}
		for _, name := range filters {
			f, err := cache.TokenFilterNamed(name)
			if err != nil {
				return nil, fmt.Errorf("token filter %s: %w", name, err)
			}
			a.TokenFilters = append(a.TokenFilters, f)
		}
		return a, nil
	}
}

// chineseStopWords are function words and politeness formulas that occur in
// almost every request and so only add noise to similarity. Negations
// (不, 无法, 没) stay: "cannot print" and "printed" are different problems.
// Read-only after package initialisation.
var chineseStopWords = map[string]struct{}{
	"的": {}, "了": {}, "是": {}, "在": {}, "和": {}, "与": {}, "及": {}, "或": {}, "或者": {}, "也": {},
	"都": {}, "就": {}, "还": {}, "又": {}, "而": {}, "并": {}, "我": {}, "你": {}, "您": {}, "他": {}, "她": {},
	"它": {}, "我们": {}, "你们": {}, "他们": {}, "她们": {}, "咱们": {}, "自己": {}, "这": {}, "那": {}, "这个": {},
	"那个": {}, "这些": {}, "那些": {}, "这里": {}, "那里": {}, "这样": {}, "那样": {}, "吗": {}, "呢": {}, "吧": {},
	"啊": {}, "呀": {}, "哦": {}, "嗯": {}, "哈": {}, "嘛": {}, "啦": {}, "么": {}, "请": {}, "请问": {},
	"麻烦": {}, "谢谢": {}, "感谢": {}, "您好": {}, "你好": {}, "帮忙": {}, "帮": {}, "帮我": {}, "一下": {}, "之": {},
	"把": {}, "被": {}, "让": {}, "给": {}, "对": {}, "从": {}, "向": {}, "于": {}, "以": {}, "为": {}, "跟": {},
	"将": {}, "由": {}, "因为": {}, "所以": {}, "但是": {}, "但": {}, "如果": {}, "虽然": {}, "然后": {}, "而且": {},
	"因此": {}, "很": {}, "非常": {}, "太": {}, "比较": {}, "有点": {}, "一些": {}, "一个": {}, "一直": {}, "已经": {},
	"还是": {}, "什么": {}, "怎么": {}, "怎么办": {}, "怎样": {}, "如何": {}, "为什么": {}, "哪里": {}, "是否": {},
	"能否": {}, "可否": {}, "可以": {}, "能": {}, "会": {}, "要": {}, "想": {}, "需要": {}, "有": {}, "得": {},
	"地": {}, "着": {}, "过": {}, "个": {},
}
