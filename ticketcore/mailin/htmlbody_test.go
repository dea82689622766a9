package mailin

import (
	"strings"
	"testing"
)

func TestSanitizeHTML(t *testing.T) {
	tests := []struct{ in, want string }{
		{`<p onclick="x()">hi</p>`, `<p>hi</p>`},
		{`<script>alert(1)</script>ok`, `ok`},
		{`<style>p{color:red}</style>ok`, `ok`},
		{`<a href="javascript:alert(1)">x</a>`, `x`},
		{`<a href="jav&#x09;ascript:alert(1)">x</a>`, `x`},
		{`<a href="https://example.com/">x</a>`, `<a href="https://example.com/" rel="nofollow">x</a>`},
		{`<img src="https://t.example/p.gif" width="1" height="1">after`, `after`},
		{`<img src="data:image/png;base64,AAAA">after`, `after`},
		{`<img src="cid:logo@x" alt="logo">`, `<img src="cid:logo@x" alt="logo">`},
		{`<img src="CID:logo@x">`, `<img src="cid:logo@x">`},
		{`<iframe src="https://evil.example"></iframe><object data="x"></object>ok`, `ok`},
		{`<div style="position:fixed">x</div>`, `<div>x</div>`},
		{`<svg onload="alert(1)"><circle/></svg>ok`, `ok`},
		{`<form action="/x"><input name="p"></form>ok`, `ok`},
		{"a\x00b", "ab"},
	}
	for _, tt := range tests {
		got := sanitizeHTML(tt.in)
		if got != tt.want {
			t.Errorf("sanitizeHTML(%q) = %q, want %q", tt.in, got, tt.want)
		}
		assertSafeHTML(t, got)
	}
}

func TestReferencedCIDs(t *testing.T) {
	got := referencedCIDs(sanitizeHTML(`<img src="cid:A%40b"><img src="cid:c@d"><img src="https://x/y">`))
	if len(got) != 2 || !got["a@b"] || !got["c@d"] {
		t.Errorf("referencedCIDs = %v", got)
	}
}

func TestMetaCharset(t *testing.T) {
	tests := []struct{ in, want string }{
		{`<meta charset="gb2312">`, "gb2312"},
		{`<META http-equiv="Content-Type" content="text/html; charset=GBK">`, "GBK"},
		{`<p>no meta</p>`, ""},
		{strings.Repeat(" ", 5000) + `<meta charset="gbk">`, ""},
	}
	for _, tt := range tests {
		if got := metaCharset([]byte(tt.in)); got != tt.want {
			t.Errorf("metaCharset(%.40q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestHTMLToText(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"paragraphs", "<p>One</p><p>Two\n  lines</p>", "One\n\nTwo lines"},
		{"divs and br", "<div>a</div><div>b<br>c</div><div><br></div><div>d</div>", "a\nb\nc\n\nd"},
		{"entities", "<p>Tom &amp; Jerry &lt;3&nbsp;&nbsp;x &#20320;</p>", "Tom & Jerry <3 x 你"},
		{"script and title dropped", "<html><head><title>T</title><script>x()</script><style>p{}</style></head><body>body</body></html>", "body"},
		{"blockquote", "<div>answer</div><div>On Mon, X wrote:</div><blockquote>old<br>older<blockquote>oldest</blockquote></blockquote><p>after</p>", "answer\nOn Mon, X wrote:\n> old\n> older\n>> oldest\n\nafter"},
		{"unbalanced close", "</blockquote></blockquote>text", "text"},
		{"list", "<ul><li>one</li><li>two</li></ul>", "one\ntwo"},
		{"injected markers are removed", "a\uE000b\uE001c\uE002d\uE003e", "abcde"},
		{"links keep their text", `<a href="https://x.example">click</a>`, "click"},
		{"unterminated tag", "a<br", "a"},
		{"unterminated later tag", "a<br>b<div", "a\nb"},
		{"tag names are matched whole", "<param>x<pre>y</pre><brx>z", "x\ny\nz"},
		{"upper case tags", "A<BR/>B<DIV>C</DIV>", "A\nB\nC"},
		{"less-than in text", "1 < 2 and 3<4", "1 < 2 and 3<4"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := htmlToText(tt.in); got != tt.want {
				t.Errorf("htmlToText(%q) =\n%q\nwant\n%q", tt.in, got, tt.want)
			}
		})
	}
}

// recorder lets a test check that a checker fails when it should.
type recorder struct {
	testing.TB
	failed bool
}

func (r *recorder) Errorf(string, ...any) { r.failed = true }
func (r *recorder) Helper()               {}

func TestAssertSafeHTMLCatches(t *testing.T) {
	for _, bad := range []string{
		`<script>x</script>`,
		`<a href="javascript:x">y</a>`,
		`<p onclick="x">y</p>`,
		`<img src="https://t.example/p.gif">`,
		`<div style="x">y</div>`,
		`<iframe src="x"></iframe>`,
	} {
		r := &recorder{TB: t}
		assertSafeHTML(r, bad)
		if !r.failed {
			t.Errorf("assertSafeHTML accepted %q", bad)
		}
	}
	r := &recorder{TB: t}
	assertSafeHTML(r, `<p>say javascript: or onclick=1 &lt;script&gt;</p><img src="cid:a@b">`)
	if r.failed {
		t.Error("assertSafeHTML rejected inert text")
	}
}
