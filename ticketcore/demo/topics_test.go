package demo

import (
	"regexp"
	"testing"
	"time"
)

// TestTopicsAreComplete checks every topic has what the lifecycle writer
// needs in both languages, so no ticket gets an empty note or reply.
func TestTopicsAreComplete(t *testing.T) {
	teams := map[string]bool{}
	for _, tm := range Teams() {
		teams[tm.Name] = true
	}
	for _, tp := range topics() {
		for lang := range 2 {
			if len(tp.subjects[lang]) == 0 || len(tp.descs[lang]) == 0 || tp.ask[lang] == "" || tp.note[lang] == "" {
				t.Errorf("topic %s lacks %s subject, description, ask or note", tp.key, Lang(lang).Tag())
			}
			if tp.partner != "" && tp.bounce[lang] == "" {
				t.Errorf("topic %s has a partner team but no %s reason to bounce", tp.key, Lang(lang).Tag())
			}
			for _, r := range tp.resolutions {
				if r[lang] == "" {
					t.Errorf("topic %s has an empty %s resolution", tp.key, Lang(lang).Tag())
				}
			}
		}
		if len(tp.resolutions) == 0 || !teams[tp.owner] || (tp.partner != "" && !teams[tp.partner]) {
			t.Errorf("topic %s: resolutions %d, owner %q, partner %q", tp.key, len(tp.resolutions), tp.owner, tp.partner)
		}
		if tp.weight == 0 && !isSpikeTopic(tp.key) {
			t.Errorf("topic %s has no weight and no spike uses it", tp.key)
		}
	}
	for _, d := range spikeDefs() {
		if len(d.problem.notes) == 0 || d.problem.subject[LangZH] == "" || d.problem.resolution[LangEN] == "" {
			t.Errorf("spike %s has no complete problem ticket", d.Key)
		}
	}
}

func isSpikeTopic(key string) bool {
	for _, d := range spikeDefs() {
		if d.topic == key {
			return true
		}
	}
	return false
}

// TestResolutionsFollowTemplates checks what KB mining relies on: every
// resolved ticket of a topic carries one of that topic's resolutions (with
// its details filled in), so resolved tickets form clusters that agree.
func TestResolutionsFollowTemplates(t *testing.T) {
	ds, err := Generate(Options{Seed: 3, Now: time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)})
	if err != nil {
		t.Fatal(err)
	}
	byKey := map[string]*topic{}
	for _, tp := range topics() {
		byKey[tp.key] = tp
	}
	defs := map[string]spikeDef{}
	for _, d := range spikeDefs() {
		defs[d.Key] = d
	}
	type group struct{ total, noResponse int }
	groups := map[string]*group{}
	for _, tk := range ds.Tickets {
		res := ""
		for _, ch := range tk.Changes {
			if r, ok := ch.Fields["resolution"].(string); ok {
				res = r
			}
		}
		if res == "" {
			continue
		}
		if tk.Changes[0].Fields["type"] == "problem" {
			if res != defs[tk.Spike].problem.resolution[tk.Lang] {
				t.Errorf("problem ticket %s has resolution %q", tk.ExternalID, res)
			}
			continue
		}
		cands := byKey[tk.Topic].resolutions
		if d, ok := defs[tk.Spike]; ok && len(d.resolutions) > 0 {
			cands = d.resolutions
		}
		key := tk.Topic + "/" + tk.Lang.Tag()
		if groups[key] == nil {
			groups[key] = &group{}
		}
		g := groups[key]
		g.total++
		switch {
		case res == phraseNoResponse[tk.Lang]:
			g.noResponse++
		case !matchesTemplate(res, cands, tk.Lang):
			t.Errorf("ticket %s (%s): resolution %q matches none of its topic's", tk.ExternalID, key, res)
		}
	}
	big, total, noResponse := 0, 0, 0
	for key, g := range groups {
		total += g.total
		noResponse += g.noResponse
		if g.total < 10 {
			continue
		}
		big++
		// A topic that asks the customer twice loses more of them.
		if float64(g.noResponse) > 0.25*float64(g.total) {
			t.Errorf("%s: %d of %d tickets closed for lack of an answer", key, g.noResponse, g.total)
		}
	}
	t.Logf("%d topic/language groups with ten or more resolved tickets; %d of %d closed for lack of an answer",
		big, noResponse, total)
	if float64(noResponse) > 0.1*float64(total) {
		t.Errorf("%d of %d resolved tickets closed for lack of an answer", noResponse, total)
	}
	if big < 30 {
		t.Errorf("only %d topic/language groups have ten or more resolved tickets", big)
	}
}

var placeholderRE = regexp.MustCompile(`\\\{[a-z_]+\\\}`)

func matchesTemplate(s string, templates []bi, lang Lang) bool {
	for _, tmpl := range templates {
		re := regexp.MustCompile("^" + placeholderRE.ReplaceAllString(regexp.QuoteMeta(tmpl[lang]), ".+?") + "$")
		if re.MatchString(s) {
			return true
		}
	}
	return false
}
