package mailin_test

import (
	"fmt"
	"strings"
	"time"

	"github.com/deskmine/deskmine/ticketcore/mailin"
)

func ExampleParse() {
	raw := "From: =?UTF-8?B?5byg5Lyf?= <Zhang.Wei@Example.CN>\r\n" +
		"To: support@deskmine.example\r\n" +
		"Subject: =?UTF-8?B?5Zue5aSN77yaWyMxMjM0XSDmiZPljbDmnLrmlYXpmpw=?=\r\n" +
		"Message-ID: <abc@example.cn>\r\n" +
		"In-Reply-To: <t1234.c56@deskmine.example>\r\n" +
		"\r\n" +
		"还是不行。\r\n\r\n在 2025年3月3日，客服 写道：\r\n> 请重启打印机。\r\n"
	m, err := mailin.Parse(strings.NewReader(raw), mailin.Limits{})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(m.From.Name, m.From.Email)
	fmt.Println(m.Subject)
	fmt.Println(m.Reply)
	for _, key := range mailin.ThreadKeys(m) {
		if ticket, comment, ok := mailin.ParseOutgoingMessageID(key); ok {
			fmt.Println("answers ticket", ticket, "comment", comment)
		}
	}
	// Output:
	// 张伟 zhang.wei@example.cn
	// 回复：[#1234] 打印机故障
	// 还是不行。
	// answers ticket 1234 comment 56
}

func ExampleCompose() {
	subject, text, html, err := mailin.Render(`
{{define "subject"}}We received your request: {{.Title}}{{end}}
{{define "text"}}Hello {{.Name}}, we will answer soon.{{end}}
{{define "html"}}<p>Hello {{.Name}}, we will answer soon.</p>{{end}}`,
		map[string]string{"Name": "Alice", "Title": "Printer offline"})
	if err != nil {
		fmt.Println(err)
		return
	}
	raw, err := mailin.Compose(mailin.Outgoing{
		From:      mailin.Address{Name: "Deskmine Support", Email: "support@deskmine.example"},
		To:        []mailin.Address{{Name: "Alice", Email: "alice@example.com"}},
		Subject:   subject,
		TicketID:  1234,
		Text:      text,
		HTML:      html,
		MessageID: mailin.OutgoingMessageID(1234, 0, "deskmine.example"),
		Date:      time.Date(2025, 3, 3, 10, 0, 0, 0, time.UTC),
		Headers:   map[string]string{"Auto-Submitted": "auto-replied"},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	head, _, _ := strings.Cut(string(raw), "\r\n\r\n")
	fmt.Println(strings.ReplaceAll(head, "\r\n", "\n"))
	// Output:
	// From: "Deskmine Support" <support@deskmine.example>
	// To: "Alice" <alice@example.com>
	// Subject: [#1234] We received your request: Printer offline
	// Date: Mon, 03 Mar 2025 10:00:00 +0000
	// Message-ID: <t1234.c0@deskmine.example>
	// MIME-Version: 1.0
	// Auto-Submitted: auto-replied
	// Content-Type: multipart/alternative;
	//  boundary=dm_alternative_c0fbae534f514776c881edb7
}
