package dashboards

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/deskmine/deskmine/ticketcore/auth"
)

func TestLoginForm(t *testing.T) {
	f := newFixture(t)
	body := f.page(t, "", Prefix+"/login?next="+url.QueryEscape("/ui/hotspots?dim=team"))
	if !strings.Contains(body, `name="next" value="/ui/hotspots?dim=team"`) {
		t.Errorf("login form keeps next:\n%s", short(body))
	}
	body = f.page(t, "", Prefix+"/login?next="+url.QueryEscape("https://evil.com/"))
	if !strings.Contains(body, `name="next" value="/ui/"`) {
		t.Errorf("login form drops an off-site next:\n%s", short(body))
	}
}

func TestLogin(t *testing.T) {
	f := newFixture(t)
	login := func(form url.Values) *http.Response {
		t.Helper()
		return f.do(t, http.MethodPost, Prefix+"/login", "", form).Result()
	}

	rec := f.do(t, http.MethodPost, Prefix+"/login", "", url.Values{"login": {"ann"}, "password": {"wrong"}, "next": {"/ui/board"}})
	body := want(t, rec, http.StatusUnauthorized, "Wrong login or password.", `value="ann"`)
	if strings.Contains(body, "wrong") || len(rec.Result().Cookies()) != 0 {
		t.Errorf("a failed login echoes the password or sets a cookie")
	}
	want(t, f.do(t, http.MethodPost, Prefix+"/login", "", url.Values{"login": {"ann"}}), http.StatusUnprocessableEntity,
		"Enter your login and password.")

	res := login(url.Values{"login": {"ann"}, "password": {"pw-ann"}, "next": {"/ui/tickets?status=open"}})
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/ui/tickets?status=open" {
		t.Fatalf("good login: %d %q", res.StatusCode, res.Header.Get("Location"))
	}
	var ck *http.Cookie
	for _, c := range res.Cookies() {
		if c.Name == sessionCookie {
			ck = c
		}
	}
	if ck == nil || ck.Value != secretOf(auth.RoleAgent) || !ck.HttpOnly || ck.SameSite != http.SameSiteStrictMode ||
		ck.Path != "/" || ck.MaxAge != 8*3600 {
		t.Fatalf("session cookie %+v", ck)
	}

	for _, next := range []string{"//evil.com", "https://x", "/elsewhere", "/ui\\..\\x", "", "/uix/"} {
		res := login(url.Values{"login": {"mia"}, "password": {"pw-mia"}, "next": {next}})
		if loc := res.Header.Get("Location"); res.StatusCode != http.StatusSeeOther || loc != "/ui/" {
			t.Errorf("next %q: %d %q, want /ui/", next, res.StatusCode, loc)
		}
	}
	// "//evil.com" behind the prefix is still on this site's path.
	if got := safeNext("/ui//evil.com"); got != "/ui//evil.com" {
		t.Errorf("safeNext(/ui//evil.com) = %q", got)
	}

	// A client account is refused and its fresh session ended at once.
	rec = f.do(t, http.MethodPost, Prefix+"/login", "", url.Values{"login": {"api"}, "password": {"pw-api"}})
	want(t, rec, http.StatusForbidden, "Client accounts use the API")
	if len(rec.Result().Cookies()) != 0 {
		t.Error("client login set a cookie")
	}
	if !slices.Contains(f.sess.loggedOut(), secretOf(auth.RoleClient)) {
		t.Error("client session not logged out")
	}
}

func TestLogout(t *testing.T) {
	f := newFixture(t)
	secret := secretOf(auth.RoleManager)
	// Without the token: refused, the session stays.
	rec := f.do(t, http.MethodPost, Prefix+"/logout", auth.RoleManager, url.Values{})
	want(t, rec, http.StatusForbidden, "This form has expired")
	rec = f.do(t, http.MethodPost, Prefix+"/logout", auth.RoleManager, url.Values{csrfField: {csrfToken("other")}})
	want(t, rec, http.StatusForbidden)
	if len(f.sess.loggedOut()) != 0 {
		t.Fatalf("logged out without a token: %v", f.sess.loggedOut())
	}
	rec = f.post(t, auth.RoleManager, Prefix+"/logout", nil)
	if rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != Prefix+"/login" {
		t.Fatalf("logout: %d %q", rec.Code, rec.Header().Get("Location"))
	}
	if got := f.sess.loggedOut(); !slices.Equal(got, []string{secret}) {
		t.Fatalf("logged out %v", got)
	}
	cleared := false
	for _, c := range rec.Result().Cookies() {
		cleared = cleared || (c.Name == sessionCookie && c.MaxAge < 0 && c.Value == "")
	}
	if !cleared {
		t.Error("logout does not clear the cookie")
	}
	// Without a session there is nothing to end.
	rec = f.do(t, http.MethodPost, Prefix+"/logout", "", url.Values{})
	if rec.Code != http.StatusSeeOther {
		t.Fatalf("logout without session: %d", rec.Code)
	}
}

// TestCSRF: a form post needs the token of its own session; without it
// nothing is written.
func TestCSRF(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	path := Prefix + "/tickets/" + f.id("twice") + "/comment"
	before, err := f.svc.Comments(ctx, f.ids["twice"], false)
	if err != nil {
		t.Fatal(err)
	}
	for name, token := range map[string]string{"none": "", "wrong": "abc", "other session": csrfToken(secretOf(auth.RoleManager))} {
		form := url.Values{"body": {"sneaky"}, "visibility": {"public"}}
		if token != "" {
			form.Set(csrfField, token)
		}
		rec := f.do(t, http.MethodPost, path, auth.RoleAgent, form)
		if rec.Code != http.StatusForbidden || !strings.Contains(rec.Body.String(), "This form has expired") {
			t.Errorf("%s token: %d", name, rec.Code)
		}
	}
	after, err := f.svc.Comments(ctx, f.ids["twice"], false)
	if err != nil {
		t.Fatal(err)
	}
	if len(after) != len(before) {
		t.Fatalf("comments %d -> %d after refused posts", len(before), len(after))
	}
	// The page carries the token its forms need.
	body := f.page(t, auth.RoleAgent, Prefix+"/tickets/"+f.id("twice"))
	if !strings.Contains(body, `name="_csrf" value="`+csrfToken(secretOf(auth.RoleAgent))+`"`) {
		t.Error("ticket page lacks the session's token")
	}
	if csrfToken("a") == csrfToken("b") || csrfToken("a") != csrfToken("a") {
		t.Error("csrfToken does not depend on the session alone")
	}
}
