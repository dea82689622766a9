//go:build ignore

// gen_samples writes the .eml samples whose bytes are awkward to type by
// hand: GBK, GB2312 and GB18030 text, base64 bodies, split encoded-words.
// The samples are committed; run this only to change them:
//
//	cd ticketcore/mailin && go run testdata/gen_samples.go
package main

import (
	"encoding/base64"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/simplifiedchinese"
)

func must(b []byte, err error) []byte {
	if err != nil {
		panic(err)
	}
	return b
}

func enc(e encoding.Encoding, s string) []byte {
	if e == nil {
		return []byte(s)
	}
	return must(e.NewEncoder().Bytes([]byte(s)))
}

// b64 returns base64 in 76-column CRLF lines, as mail clients send it.
func b64(b []byte) string {
	s := base64.StdEncoding.EncodeToString(b)
	var out strings.Builder
	for len(s) > 76 {
		out.WriteString(s[:76] + "\r\n")
		s = s[76:]
	}
	out.WriteString(s)
	return out.String()
}

// wordB encodes s as one B encoded-word.
func wordB(charset string, e encoding.Encoding, s string) string {
	return "=?" + charset + "?B?" + base64.StdEncoding.EncodeToString(enc(e, s)) + "?="
}

// wordsQ encodes s as Q encoded-words of at most perWord characters,
// folded onto continuation lines.
func wordsQ(charset string, e encoding.Encoding, s string, perWord int) string {
	var words []string
	r := []rune(s)
	for len(r) > 0 {
		n := min(perWord, len(r))
		var w strings.Builder
		for _, c := range enc(e, string(r[:n])) {
			switch {
			case c == ' ':
				w.WriteByte('_')
			case c > 0x20 && c < 0x7f && c != '=' && c != '?' && c != '_':
				w.WriteByte(c)
			default:
				fmt.Fprintf(&w, "=%02X", c)
			}
		}
		words = append(words, "=?"+charset+"?Q?"+w.String()+"?=")
		r = r[n:]
	}
	return strings.Join(words, "\r\n ")
}

// qpBody encodes bytes as quoted-printable with soft breaks at 76 columns.
func qpBody(b []byte) string {
	var out strings.Builder
	col := 0
	for i, c := range b {
		var tok string
		switch {
		case c == '\n':
			out.WriteString("\r\n")
			col = 0
			continue
		case c == ' ' && (i+1 == len(b) || b[i+1] == '\n'):
			tok = "=20"
		case c >= 0x20 && c < 0x7f && c != '=':
			tok = string(c)
		default:
			tok = fmt.Sprintf("=%02X", c)
		}
		if col+len(tok) > 75 {
			out.WriteString("=\r\n")
			col = 0
		}
		out.WriteString(tok)
		col += len(tok)
	}
	return out.String()
}

func crlf(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, "\r\n", "\n"), "\n", "\r\n")
}

func write(name, content string) {
	if err := os.WriteFile(filepath.Join("testdata", name), []byte(content), 0o644); err != nil {
		panic(err)
	}
}

// A 1x1 transparent PNG and a minimal PDF, small enough to check exactly.
var (
	png = must(base64.StdEncoding.DecodeString("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="))
	pdf = []byte("%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n")
)

func main() {
	gbk := simplifiedchinese.GBK
	gb18030 := simplifiedchinese.GB18030

	// Chinese Outlook: GBK subject, GB2312 body, 发件人 header block, GBK
	// file name in RFC 2047 and RFC 2231 form.
	cnBody := "您好，\n\n打印机还是无法连接网络，重启之后也一样。\n\n张伟\n\n" +
		"发件人: 客服中心 <support@deskmine.example>\n发送时间: 2025年3月3日 10:15\n" +
		"收件人: 张伟 <zhang.wei@example.cn>\n主题: [#1234] 打印机无法连接网络\n\n请问您的打印机型号是什么？\n"
	write("outlook_gbk.eml", crlf(`Received: from mail.example.cn (mail.example.cn [203.0.113.7])
	by mx.deskmine.example with ESMTPS id 4Z7x1c2d3e
	for <support@deskmine.example>; Tue, 04 Mar 2025 09:30:02 +0800 (CST)
From: `+wordB("GB2312", gbk, "张伟")+` <Zhang.Wei@Example.CN>
To: "`+wordB("GBK", gbk, "客服中心")+`" <support@deskmine.example>
Subject: `+wordB("GBK", gbk, "回复：[#1234] 打印机无法连接网络，急！")+`
Date: Tue, 4 Mar 2025 09:30:00 +0800
Message-ID: <000001db8c9a$1f2e3d40$5d6cb7c0$@Example.CN>
In-Reply-To: <t1234.c56@deskmine.example>
References: <t1234.c0@deskmine.example> <t1234.c56@deskmine.example>
MIME-Version: 1.0
Content-Type: multipart/mixed;
	boundary="----=_NextPart_000_0001_01DB8C9A.1F2E3D40"
X-Mailer: Microsoft Outlook 16.0
Thread-Index: AQHbjJof
Content-Language: zh-cn

This is a multi-part message in MIME format.

------=_NextPart_000_0001_01DB8C9A.1F2E3D40
Content-Type: text/plain;
	charset="gb2312"
Content-Transfer-Encoding: base64

`+b64(enc(gbk, cnBody))+`

------=_NextPart_000_0001_01DB8C9A.1F2E3D40
Content-Type: image/jpeg;
	name="`+wordB("GBK", gbk, "照片.jpg")+`"
Content-Transfer-Encoding: base64
Content-Disposition: attachment;
	filename*=gbk''%D5%D5%C6%AC.jpg

`+b64([]byte("\xff\xd8\xff\xe0 not really a jpeg \xff\xd9"))+`

------=_NextPart_000_0001_01DB8C9A.1F2E3D40--
`))

	// GB18030 subject in Q encoded-words, body with a character outside
	// GBK (U+20BB7) in quoted-printable.
	gbSubject := "发票抬头错误：𠮷野家 €100"
	gbBody := "你好，发票上的公司名称应该是“𠮷野家餐饮有限公司”，金额€100。请重新开具。\n\n李娜\n"
	write("gb18030_qp.eml", crlf(`Return-Path: <lina@example.cn>
From: `+wordsQ("GB18030", gb18030, "李娜", 10)+` <lina@example.cn>
To: support@deskmine.example
Subject: `+wordsQ("GB18030", gb18030, gbSubject, 6)+`
Date: Wed, 05 Mar 2025 14:02:11 +0800
Message-ID: <20250305140211.1a2b3c@example.cn>
MIME-Version: 1.0
Content-Type: text/plain; charset=GB18030
Content-Transfer-Encoding: quoted-printable

`+qpBody(enc(gb18030, gbBody))))

	// UTF-8 subject split across encoded-words in the middle of characters,
	// folded with spaces and tabs; Chinese attribution line.
	subj := []byte("关于订单 #A-20250301 的退款申请（第二次提醒）")
	p1, p2, p3 := subj[:10], subj[10:31], subj[31:]
	utfBody := "你好，\n\n退款还没有到账，请帮忙查一下。\n\n" +
		"在 2025年3月3日 10:15，Deskmine 客服 <support@deskmine.example> 写道：\n" +
		"> 您的退款申请已提交，预计 3-5 个工作日到账。\n> \n> -- \n> Deskmine 客服\n"
	write("utf8_split_subject.eml", crlf(`From: =?utf-8?B?6ZmI5pmo?= <chenchen@example.com>
To: Deskmine Support <support@deskmine.example>
Subject: =?UTF-8?B?`+base64.StdEncoding.EncodeToString(p1)+`?=
 =?UTF-8?B?`+base64.StdEncoding.EncodeToString(p2)+`?=
	=?utf-8?b?`+base64.StdEncoding.EncodeToString(p3)+`?=
Date: Thu, 6 Mar 2025 08:00:00 +0800
Message-ID: <CAF=abc123XYZ@mail.example.com>
In-Reply-To: <t77.c901@deskmine.example>
References: <t77.c900@deskmine.example>
 <t77.c901@deskmine.example>
MIME-Version: 1.0
Content-Type: text/plain; charset="UTF-8"
Content-Transfer-Encoding: base64

`+b64([]byte(utfBody))+`
`))

	// QQ mail / Foxmail: GB18030, "原始邮件" quote with the literal &nbsp;
	// QQ puts in its plain-text part.
	qqText := "已经按照步骤操作了，还是提示账号被锁定。\n\n\n\n\n" +
		"------------------&nbsp;原始邮件&nbsp;------------------\n" +
		"发件人: \"Deskmine 客服\" <support@deskmine.example>;\n" +
		"发送时间: 2025年3月3日(星期一) 上午10:15\n" +
		"收件人: \"小王\"<10001@qq.com>;\n" +
		"主题: [#1234] 账号被锁定\n\n请尝试重置密码。\n"
	qqHTML := `<meta http-equiv="Content-Type" content="text/html; charset=GB18030"><div>已经按照步骤操作了，还是提示账号被锁定。</div><div><br></div>` +
		`<div style="font-size: 12px;font-family: Arial Narrow;padding:2px 0 2px 0;">------------------&nbsp;原始邮件&nbsp;------------------</div>` +
		`<div style="font-size: 12px;background:#efefef;padding:8px;"><div><b>发件人:</b>&nbsp;"Deskmine 客服"&lt;support@deskmine.example&gt;;</div>` +
		`<div><b>发送时间:</b>&nbsp;2025年3月3日(星期一) 上午10:15</div><div><b>主题:</b>&nbsp;[#1234] 账号被锁定</div></div><div><br></div>请尝试重置密码。`
	write("qq_foxmail_reply.eml", crlf(`From: "`+wordB("gb18030", gb18030, "小王")+`" <10001@qq.com>
To: "`+wordB("gb18030", gb18030, "Deskmine 客服")+`" <support@deskmine.example>
Subject: `+wordB("gb18030", gb18030, "回复：[#1234] 账号被锁定")+`
Mime-Version: 1.0
Content-Type: multipart/alternative;
	boundary="----=_NextPart_67C5A1B2_0A1B2C3D_4E5F6A7B"
Content-Transfer-Encoding: 8Bit
Date: Mon, 3 Mar 2025 11:02:33 +0800
X-Priority: 3
Message-ID: <tencent_3B1F2A9C8D7E6F5A4B3C2D1E@qq.com>
X-QQ-MIME: TCMime 1.0 by Tencent
X-Mailer: QQMail 2.x
X-QQ-Mailer: QQMail 2.x
References: <t1234.c57@deskmine.example>
In-Reply-To: <t1234.c57@deskmine.example>

This is a multi-part message in MIME format.

------=_NextPart_67C5A1B2_0A1B2C3D_4E5F6A7B
Content-Type: text/plain;
	charset="gb18030"
Content-Transfer-Encoding: base64

`+b64(enc(gb18030, qqText))+`

------=_NextPart_67C5A1B2_0A1B2C3D_4E5F6A7B
Content-Type: text/html;
	charset="gb18030"
Content-Transfer-Encoding: base64

`+b64(enc(gb18030, qqHTML))+`

------=_NextPart_67C5A1B2_0A1B2C3D_4E5F6A7B--


`))

	// Apple Mail: alternative > related with an inline image, then a PDF
	// that Apple marks inline too.
	write("applemail_inline_pdf.eml", crlf(`From: Carol Danvers <carol@example.org>
Content-Type: multipart/mixed;
	boundary="Apple-Mail=_5F0E4E2A-3C4B-4D8E-9A1B-2C3D4E5F6A7B"
Mime-Version: 1.0 (Mac OS X Mail 16.0 \(3776.700.51\))
Subject: Invoice question (screenshot attached)
Message-Id: <5A1B2C3D-4E5F-6A7B-8C9D-0E1F2A3B4C5D@example.org>
Date: Fri, 7 Mar 2025 16:45:12 -0500
To: support@deskmine.example
X-Mailer: Apple Mail (2.3776.700.51)


--Apple-Mail=_5F0E4E2A-3C4B-4D8E-9A1B-2C3D4E5F6A7B
Content-Type: multipart/alternative;
	boundary="Apple-Mail=_A1B2C3D4-E5F6-4789-ABCD-EF0123456789"


--Apple-Mail=_A1B2C3D4-E5F6-4789-ABCD-EF0123456789
Content-Transfer-Encoding: 7bit
Content-Type: text/plain;
	charset=us-ascii

Hi,

The total on the attached invoice does not match my order. See the screenshot:

[image: screenshot.png]

Thanks,
Carol

Sent from my iPad

--Apple-Mail=_A1B2C3D4-E5F6-4789-ABCD-EF0123456789
Content-Type: multipart/related;
	type="text/html";
	boundary="Apple-Mail=_0F1E2D3C-4B5A-4968-8776-A5B4C3D2E1F0"


--Apple-Mail=_0F1E2D3C-4B5A-4968-8776-A5B4C3D2E1F0
Content-Transfer-Encoding: 7bit
Content-Type: text/html;
	charset=us-ascii

<html><head><meta http-equiv="content-type" content="text/html; charset=us-ascii"></head><body style="overflow-wrap: break-word; -webkit-nbsp-mode: space; line-break: after-white-space;"><div>Hi,</div><div><br></div><div>The total on the attached invoice does not match my order. See the screenshot:</div><div><br></div><div><img apple-inline="yes" id="6C1D2E3F" src="cid:0C9B3A21-7E4D-4F5A-8B6C-1D2E3F4A5B6C" alt="screenshot.png"></div><div><br></div><div>Thanks,</div><div>Carol</div><div><br></div><div>Sent from my iPad</div></body></html>
--Apple-Mail=_0F1E2D3C-4B5A-4968-8776-A5B4C3D2E1F0
Content-Transfer-Encoding: base64
Content-Disposition: inline;
	filename=screenshot.png
Content-Type: image/png;
	x-unix-mode=0644;
	name="screenshot.png"
Content-Id: <0C9B3A21-7E4D-4F5A-8B6C-1D2E3F4A5B6C>

`+b64(png)+`
--Apple-Mail=_0F1E2D3C-4B5A-4968-8776-A5B4C3D2E1F0--

--Apple-Mail=_A1B2C3D4-E5F6-4789-ABCD-EF0123456789--

--Apple-Mail=_5F0E4E2A-3C4B-4D8E-9A1B-2C3D4E5F6A7B
Content-Disposition: inline;
	filename=invoice-2025-031.pdf
Content-Type: application/pdf;
	x-unix-mode=0644;
	name="invoice-2025-031.pdf"
Content-Transfer-Encoding: base64

`+b64(pdf)+`
--Apple-Mail=_5F0E4E2A-3C4B-4D8E-9A1B-2C3D4E5F6A7B--
`))

	// Thunderbird: format=flowed, bottom-posted interleaved answers, a
	// file name in RFC 2231 UTF-8 form.
	write("thunderbird_flowed.eml", crlf(`Message-ID: <8d1f2a3b-4c5d-6e7f-8091-a2b3c4d5e6f7@acme.example>
Date: Sat, 8 Mar 2025 10:11:12 +0100
MIME-Version: 1.0
User-Agent: Mozilla Thunderbird
Subject: Re: [Ticket #88] Router drops connection
To: Deskmine Support <support@deskmine.example>
References: <t88.c3@deskmine.example>
From: =?UTF-8?Q?Bob_M=C3=BCller?= <bob.mueller@acme.example>
In-Reply-To: <t88.c3@deskmine.example>
Content-Type: multipart/mixed; boundary="------------8sK0aY3bA9fqJ0bV2HhL3d9T"

This is a multi-part message in MIME format.
--------------8sK0aY3bA9fqJ0bV2HhL3d9T
Content-Type: text/plain; charset=UTF-8; format=flowed
Content-Transfer-Encoding: 8bit

On 3/3/25 10:15, Deskmine Support wrote:
> Could you tell us the model of your router and 
> the firmware version?

It's a TP-Link Archer C7, firmware 5.1.0. The connection drops 
every evening around 8 pm.

> Did you try restarting it?

Yes, twice.

-- 
Bob Müller
ACME GmbH

--------------8sK0aY3bA9fqJ0bV2HhL3d9T
Content-Type: application/vnd.openxmlformats-officedocument.spreadsheetml.sheet;
 name="=?UTF-8?B?`+base64.StdEncoding.EncodeToString([]byte("报告.xlsx"))+`?="
Content-Disposition: attachment; filename*=UTF-8''%E6%8A%A5%E5%91%8A.xlsx
Content-Transfer-Encoding: base64

`+b64([]byte("PK\x03\x04 fake xlsx"))+`

--------------8sK0aY3bA9fqJ0bV2HhL3d9T--
`))

	// Nested multipart/mixed > multipart/related > multipart/alternative.
	write("nested_mixed_related_alt.eml", crlf(`From: "Dana Scully" <dana@fbi.example>
To: support@deskmine.example, "Fox Mulder" <fox@fbi.example>
Cc: =?ISO-8859-1?Q?Ren=E9_Dupont?= <rene@example.fr>
Subject: Error dialog when exporting
Date: Sun, 9 Mar 2025 12:00:00 -0500
Message-ID: <nested.42@fbi.example>
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="mixed-1"

--mixed-1
Content-Type: multipart/related; boundary="related-2"; type="multipart/alternative"

--related-2
Content-Type: multipart/alternative; boundary="alt-3"

--alt-3
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: quoted-printable

Exporting the report shows this dialog (screenshot below) =E2=80=94 see also the=
 log file.

Dana
--alt-3
Content-Type: text/html; charset=utf-8
Content-Transfer-Encoding: quoted-printable

<p>Exporting the report shows this dialog (screenshot below) =E2=80=94 see =
also the log file.</p><p><img src=3D"cid:dialog@fbi.example" width=3D"1" =
height=3D"1"></p><p>Dana</p>
--alt-3--

--related-2
Content-Type: image/png
Content-Transfer-Encoding: base64
Content-ID: <dialog@fbi.example>

`+b64(png)+`
--related-2--

--mixed-1
Content-Type: text/plain; charset=utf-8; name="export.log"
Content-Disposition: attachment; filename="export.log"

2025-03-09T11:58:01Z ERROR export failed: disk quota exceeded
--mixed-1--
`))
	fmt.Println("samples written")
}
