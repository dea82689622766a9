package mailin

import "testing"

func TestExtractReply(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"plain", "Just a question.\n\nThanks", "Just a question.\n\nThanks"},
		{"quoted lines", "Yes.\n> Did it work?\n>> earlier", "Yes."},
		{"attribution above quote", "Fixed.\n\nOn Mon, Mar 3, 2025 at 10:15 AM Support <s@x> wrote:\n> old", "Fixed."},
		{"wrapped attribution", "Fixed.\n\nOn Mon, Mar 3, 2025 at 10:15 AM Support <\ns@x> wrote:\n\n> old", "Fixed."},
		{"attribution without quotes cuts", "Fixed.\n\nOn Mon, Mar 3, 2025, Support wrote:\nold unquoted text", "Fixed."},
		{"bottom posting", "On Mon, Support wrote:\n> question one\nanswer one\n> question two\nanswer two", "answer one\nanswer two"},
		{"french", "Merci.\nLe lun. 3 mars 2025 à 10:15, Support <s@x> a écrit :\n> vieux", "Merci."},
		{"german", "Danke.\nAm Mo., 3. März 2025 um 10:15 Uhr schrieb Support <s@x>:\n> alt", "Danke."},
		{"chinese attribution", "好的。\n\n在 2025年3月3日 10:15，客服 <s@x> 写道：\n> 旧内容", "好的。"},
		{"gmail chinese", "好的。\n\n客服 <s@x> 于2025年3月3日周一 10:15写道：\n\n> 旧内容", "好的。"},
		{"traditional chinese", "好的。\n\n客服 <s@x> 於 2025年3月3日 寫道：\n舊內容", "好的。"},
		{"outlook original message", "See below.\n\n-----Original Message-----\nFrom: x\nSent: y\n\nold", "See below."},
		{"outlook spaced original", "See below.\n----- Original Message -----\nold", "See below."},
		{"outlook header block", "New info.\n\nFrom: Support <s@x>\nSent: Monday, March 3, 2025 10:15 AM\nTo: me\nSubject: x\n\nold", "New info."},
		{"outlook underscore rule", "New info.\n________________________________\nFrom: Support <s@x>\nDate: Monday\n\nold", "New info."},
		{"chinese outlook block", "收到。\n\n发件人: 客服 <s@x>\n发送时间: 2025年3月3日 10:15\n收件人: 我\n主题: x\n\n旧", "收到。"},
		{"chinese fullwidth colon", "收到。\n发件人：客服\n发送时间：2025年3月3日\n旧", "收到。"},
		{"qq original", "收到。\n\n------------------ 原始邮件 ------------------\n发件人: x\n旧", "收到。"},
		{"qq nbsp literal", "收到。\n------------------&nbsp;原始邮件&nbsp;------------------\n旧", "收到。"},
		{"signature", "Body.\n\n-- \nJohn Doe\nACME", "Body."},
		{"signature without space", "Body.\n--\nJohn", "Body."},
		{"device signature", "Body.\n\nSent from my iPhone", "Body."},
		{"chinese device signature", "好的\n\n发自我的iPhone", "好的"},
		{"from line in prose is kept", "From: the logs I see an error.\nPlease check.", "From: the logs I see an error.\nPlease check."},
		{"on line in prose is kept", "On Monday it worked.\nNow it does not.", "On Monday it worked.\nNow it does not."},
		{"forward is content", "FYI\n\n---------- Forwarded message ---------\nFrom: Bob\nDate: Mon\n\nthe problem", "FYI\n\n---------- Forwarded message ---------"},
		{"everything quoted keeps text", "> only quoted\n> text", "> only quoted\n> text"},
		{"bare forward keeps text", "-----Original Message-----\nFrom: x\n\nold", "-----Original Message-----\nFrom: x\n\nold"},
		{"blank runs collapse", "a\n\n> q\n\n> q\n\nb", "a\n\nb"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := extractReply(tt.in); got != tt.want {
				t.Errorf("extractReply(%q) =\n%q\nwant\n%q", tt.in, got, tt.want)
			}
		})
	}
}

func TestUnflow(t *testing.T) {
	tests := []struct {
		in    string
		delsp bool
		want  string
	}{
		{"one \ntwo\nthree", false, "one two\nthree"},
		{"one \r\ntwo", false, "one two"},
		{"wo\nrd", false, "wo\nrd"},
		{"spl \nit", true, "split"},
		{"> quoted \n> more\nplain", false, "> quoted more\nplain"},
		{">> deep \n> shallow", false, ">> deep \n> shallow"},
		{" From stuffed", false, "From stuffed"},
		{"text \n-- \nsig", false, "text \n-- \nsig"},
		{"text\n-- \nsig", true, "text\n-- \nsig"},
	}
	for _, tt := range tests {
		if got := unflow(tt.in, tt.delsp); got != tt.want {
			t.Errorf("unflow(%q, %v) = %q, want %q", tt.in, tt.delsp, got, tt.want)
		}
	}
}
