package hookin

import "testing"

func TestCleanText(t *testing.T) {
	tests := []struct{ in, text, line string }{
		{"  hello  ", "hello", "hello"},
		{"a\r\nb\rc\nd", "a\nb\nc\nd", "a  b c d"},
		{"a\x00b\x07c\x1bd\x7fe\u0085f\u009fg", "abcdefg", "abcdefg"},
		{"\u3000全角空格\u3000", "全角空格", "全角空格"},
		{"tab\there", "tab\there", "tab here"},
		{"\x1b[31mred\x1b[0m", "[31mred[0m", "[31mred[0m"},
	}
	for _, tt := range tests {
		if got := cleanText(tt.in); got != tt.text {
			t.Errorf("cleanText(%q) = %q, want %q", tt.in, got, tt.text)
		}
		if got := cleanLine(tt.in); got != tt.line {
			t.Errorf("cleanLine(%q) = %q, want %q", tt.in, got, tt.line)
		}
	}
}
