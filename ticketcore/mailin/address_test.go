package mailin

import "testing"

func TestParseAddressList(t *testing.T) {
	tests := []struct {
		in   string
		want []Address
	}{
		{"Alice <Alice@Example.COM>", []Address{{"Alice", "alice@example.com"}}},
		{`"Smith, John" <john@x.example>, jane@x.example`, []Address{{"Smith, John", "john@x.example"}, {"", "jane@x.example"}}},
		{"John Q. Public <jqp@x.example>", []Address{{"John Q. Public", "jqp@x.example"}}},
		{"jqp@x.example (John Public)", []Address{{"John Public", "jqp@x.example"}}},
		{`"=?UTF-8?B?5bel5Y2V?=" <t@x.example>`, []Address{{"工单", "t@x.example"}}},
		{`=?UTF-8?Q?Ren=C3=A9?= =?UTF-8?Q?_Dupont?= <r@x.example>`, []Address{{"René Dupont", "r@x.example"}}},
		{`"a \"quoted\" name" <q@x.example>`, []Address{{`a "quoted" name`, "q@x.example"}}},
		{"Team: a@x.example, b@x.example;", []Address{{"", "a@x.example"}, {"", "b@x.example"}}},
		{"undisclosed-recipients:;", nil},
		{"<@relay.example:user@x.example>", []Address{{"", "user@x.example"}}},
		{"mailto:m@x.example", []Address{{"", "m@x.example"}}},
		{"same@x.example <same@x.example>", []Address{{"", "same@x.example"}}},
		{"a@x.example; b@x.example", []Address{{"", "a@x.example"}, {"", "b@x.example"}}},
		{"\xd5\xc5\xce\xb0 <zw@x.example>", []Address{{"张伟", "zw@x.example"}}}, // raw GBK
		{"broken <no-at-sign>", nil},
		{"two@at@x.example", nil},
		{"sp ace@x.example", nil},
		{"trailing@dot.", nil},
		{"<a@x.example", []Address{{"", "a@x.example"}}},
		{"", nil},
	}
	for _, tt := range tests {
		got := parseAddressList(tt.in)
		if !eqAddrs(got, tt.want) {
			t.Errorf("parseAddressList(%q) = %+v, want %+v", tt.in, got, tt.want)
		}
	}
}

func TestParseAddressListBounded(t *testing.T) {
	in := ""
	for i := 0; i < maxAddresses+50; i++ {
		in += "a@x.example,"
	}
	if got := parseAddressList(in); len(got) != maxAddresses {
		t.Errorf("%d addresses kept, want %d", len(got), maxAddresses)
	}
}
